//! The built-in templates, compiled into the binary. Every file under
//! `shared/templates/` is listed here (a test checks the list against the folder).

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)))),*]
    };
}

/// `(name, source)`: the name is the path under `shared/templates/`, with `/`.
pub const EMBEDDED: &[(&str, &str)] = embed![
    "layout.html",
    "layout.txt",
    "partials/actions.html",
    "partials/actions.txt",
    "partials/details.html",
    "partials/details.txt",
    "partials/footer.html",
    "partials/footer.txt",
    "partials/header.html",
    "partials/qr.html",
    "deu/awaiting_client_confirmation.email.html",
    "deu/awaiting_client_confirmation.sms.txt",
    "deu/canceled_by_client.email.html",
    "deu/canceled_by_client.sms.txt",
    "deu/canceled_by_store.email.html",
    "deu/canceled_by_store.sms.txt",
    "deu/changed.email.html",
    "deu/changed.sms.txt",
    "deu/completed.email.html",
    "deu/completed.sms.txt",
    "deu/confirmation.email.html",
    "deu/confirmation.sms.txt",
    "deu/labels.toml",
    "deu/no_show.email.html",
    "deu/no_show.sms.txt",
    "deu/recall.email.html",
    "deu/recall.sms.txt",
    "deu/reminder.email.html",
    "deu/reminder.sms.txt",
    "deu/request_received.email.html",
    "deu/request_received.sms.txt",
    "deu/reservation_completed.email.html",
    "deu/reservation_completed.sms.txt",
    "eng/awaiting_client_confirmation.email.html",
    "eng/awaiting_client_confirmation.sms.txt",
    "eng/canceled_by_client.email.html",
    "eng/canceled_by_client.sms.txt",
    "eng/canceled_by_store.email.html",
    "eng/canceled_by_store.sms.txt",
    "eng/changed.email.html",
    "eng/changed.sms.txt",
    "eng/completed.email.html",
    "eng/completed.sms.txt",
    "eng/confirmation.email.html",
    "eng/confirmation.sms.txt",
    "eng/labels.toml",
    "eng/no_show.email.html",
    "eng/no_show.sms.txt",
    "eng/recall.email.html",
    "eng/recall.sms.txt",
    "eng/reminder.email.html",
    "eng/reminder.sms.txt",
    "eng/request_received.email.html",
    "eng/request_received.sms.txt",
    "eng/reservation_completed.email.html",
    "eng/reservation_completed.sms.txt",
    "eng/staff_approved.email.html",
    "eng/staff_canceled.email.html",
    "eng/staff_changed.email.html",
    "eng/staff_flexible_dates.email.html",
    "eng/staff_needs_dispatch.email.html",
    "eng/staff_new_booking.email.html",
    "fre/awaiting_client_confirmation.email.html",
    "fre/awaiting_client_confirmation.sms.txt",
    "fre/canceled_by_client.email.html",
    "fre/canceled_by_client.sms.txt",
    "fre/canceled_by_store.email.html",
    "fre/canceled_by_store.sms.txt",
    "fre/changed.email.html",
    "fre/changed.sms.txt",
    "fre/completed.email.html",
    "fre/completed.sms.txt",
    "fre/confirmation.email.html",
    "fre/confirmation.sms.txt",
    "fre/labels.toml",
    "fre/no_show.email.html",
    "fre/no_show.sms.txt",
    "fre/recall.email.html",
    "fre/recall.sms.txt",
    "fre/reminder.email.html",
    "fre/reminder.sms.txt",
    "fre/request_received.email.html",
    "fre/request_received.sms.txt",
    "fre/reservation_completed.email.html",
    "fre/reservation_completed.sms.txt",
    "fre/staff_approved.email.html",
    "fre/staff_canceled.email.html",
    "fre/staff_changed.email.html",
    "fre/staff_flexible_dates.email.html",
    "fre/staff_needs_dispatch.email.html",
    "fre/staff_new_booking.email.html",
    "nld/awaiting_client_confirmation.email.html",
    "nld/awaiting_client_confirmation.sms.txt",
    "nld/canceled_by_client.email.html",
    "nld/canceled_by_client.sms.txt",
    "nld/canceled_by_store.email.html",
    "nld/canceled_by_store.sms.txt",
    "nld/changed.email.html",
    "nld/changed.sms.txt",
    "nld/completed.email.html",
    "nld/completed.sms.txt",
    "nld/confirmation.email.html",
    "nld/confirmation.sms.txt",
    "nld/labels.toml",
    "nld/no_show.email.html",
    "nld/no_show.sms.txt",
    "nld/recall.email.html",
    "nld/recall.sms.txt",
    "nld/reminder.email.html",
    "nld/reminder.sms.txt",
    "nld/request_received.email.html",
    "nld/request_received.sms.txt",
    "nld/reservation_completed.email.html",
    "nld/reservation_completed.sms.txt",
    "por/awaiting_client_confirmation.email.html",
    "por/awaiting_client_confirmation.sms.txt",
    "por/canceled_by_client.email.html",
    "por/canceled_by_client.sms.txt",
    "por/canceled_by_store.email.html",
    "por/canceled_by_store.sms.txt",
    "por/changed.email.html",
    "por/changed.sms.txt",
    "por/completed.email.html",
    "por/completed.sms.txt",
    "por/confirmation.email.html",
    "por/confirmation.sms.txt",
    "por/labels.toml",
    "por/no_show.email.html",
    "por/no_show.sms.txt",
    "por/recall.email.html",
    "por/recall.sms.txt",
    "por/reminder.email.html",
    "por/reminder.sms.txt",
    "por/request_received.email.html",
    "por/request_received.sms.txt",
    "por/reservation_completed.email.html",
    "por/reservation_completed.sms.txt",
    "spa/awaiting_client_confirmation.email.html",
    "spa/awaiting_client_confirmation.sms.txt",
    "spa/canceled_by_client.email.html",
    "spa/canceled_by_client.sms.txt",
    "spa/canceled_by_store.email.html",
    "spa/canceled_by_store.sms.txt",
    "spa/changed.email.html",
    "spa/changed.sms.txt",
    "spa/completed.email.html",
    "spa/completed.sms.txt",
    "spa/confirmation.email.html",
    "spa/confirmation.sms.txt",
    "spa/labels.toml",
    "spa/no_show.email.html",
    "spa/no_show.sms.txt",
    "spa/recall.email.html",
    "spa/recall.sms.txt",
    "spa/reminder.email.html",
    "spa/reminder.sms.txt",
    "spa/request_received.email.html",
    "spa/request_received.sms.txt",
    "spa/reservation_completed.email.html",
    "spa/reservation_completed.sms.txt",
];

#[cfg(test)]
mod tests {
    use super::EMBEDDED;

    /// A template added to the folder but not to the list would silently be missing.
    #[test]
    fn every_file_of_the_templates_folder_is_embedded() {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = Vec::new();
        walk(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut listed: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }
}
