//! A flow `[whatsapp] kinds` lists fires as a WhatsApp template message.

use super::*;

/// A flow `[whatsapp] kinds` lists goes by WhatsApp when it fires (the SMS of its
/// `channels` replaced), once however often it fires.
#[tokio::test]
async fn a_flow_listed_for_whatsapp_fires_as_a_whatsapp_template_message() {
    let config = Config::from_toml(&format!(
        "{FLOWS}\n[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\nkinds = [\"pre_visit\"]\n\
         link_base = \"https://booking.booxi.com/\"\n"
    ))
    .unwrap();
    let s = setup_with(config);
    s.deliver(&body("appointment.created", "e-wa", "2030-06-01T10:00:00Z"))
        .await;
    let inputs = s.inputs();
    let channels: Vec<&str> = inputs
        .iter()
        .map(|i| i["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels.len(), 2, "{inputs:?}");
    assert!(
        channels.contains(&"email") && channels.contains(&"whatsapp"),
        "{channels:?}"
    );
    for input in &inputs {
        s.core.fire(input, None).await.unwrap();
        let again = s.core.fire(input, None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Duplicate);
    }
    let sent = s.flow_sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    // Its tracking page is under `link_base`: the template with the button.
    assert!(
        sent.contains(&"pre_visit whatsapp +15145550123: booxi_pre_visit".to_owned()),
        "{sent:?}"
    );
}
