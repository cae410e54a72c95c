//! SMS: three segments at most with long or any names, the form chosen, never cut inside
//! a link.

use super::*;

/// Realistic long names in each language: the SMS still fits, in as few segments as
/// the language allows.
#[test]
fn sms_fit_with_long_realistic_names() {
    let r = renderer();
    let long = [
        (
            "eng",
            "Dr. Christopher Montgomery-Whitfield Optometry & Eyewear",
            "Comprehensive Eye Examination with Retinal Imaging",
        ),
        (
            "fre",
            "Clinique d'optométrie Lévesque-Bélanger & Associés",
            "Examen complet de la vue avec imagerie rétinienne",
        ),
        (
            "spa",
            "Óptica Fernández-Castañeda e Hijos de Valladolid",
            "Revisión visual completa con tomografía de retina",
        ),
        (
            "por",
            "Ótica Gonçalves Magalhães & Filhos Ltda. — Centro",
            "Exame oftalmológico completo com mapeamento de retina",
        ),
        (
            "nld",
            "Opticien Van den Bergh-Vermeulen Oogzorgspecialisten",
            "Uitgebreid oogonderzoek met netvliesfotografie en meting",
        ),
        (
            "deu",
            "Augenoptik Müller-Lüdenscheidt & Söhne Fachgeschäft",
            "Umfassende Augenuntersuchung mit Netzhautfotografie",
        ),
    ];
    let mut report = String::new();
    for (lang, store, service) in long {
        let mut body = rich_body("appointment.created");
        let c = &mut body["content"];
        c["merchant"]["defaultLanguage"] = json!(lang);
        c["merchant"]["name"] = json!(store);
        c["service"] = json!({"name": service});
        let e = event(&body);
        for kind in Kind::CLIENT {
            let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
            // Long names push the text to a shorter or folded form, never to a cut one.
            assert_ne!(s.form, SmsForm::Truncated, "{kind} {lang}: {s:?}");
            assert_eq!(count_segments(&s.text), s.segments);
            report.push_str(&format!(
                "{lang} {kind}: {} segment(s), {:?}\n",
                s.segments.count, s.form
            ));
        }
    }
    // With an ordinary store name and a short link, the common texts fit one segment.
    for lang in LANGS {
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["defaultLanguage"] = json!(lang);
        body["content"]["merchant"]["name"] = json!("Acme Optics");
        body["content"]["service"] = json!({"name": "Eye exam"});
        let e = event(&body);
        for kind in [
            Kind::Confirmation,
            Kind::Changed,
            Kind::CanceledByStore,
            Kind::Reminder,
        ] {
            let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
            assert_eq!(s.segments.count, 1, "{kind} {lang}: {s:?}");
        }
    }
    println!("{report}");
}

/// Names of hundreds of characters are capped before anything else is given up: one
/// GSM-7 segment, the link kept.
#[test]
fn a_huge_name_is_capped_and_the_link_kept() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["name"] = json!("Ünïcödé ".repeat(80));
    body["content"]["service"] = json!({"name": "Ŝervice ".repeat(80)});
    let e = event(&body);
    for kind in Kind::CLIENT {
        let s = sms(&r, &e, &notification(kind, "eng", Channel::Sms));
        assert!(s.names_shortened, "{kind}: {s:?}");
        assert!(!s.link_dropped, "{kind}: {s:?}");
        assert_eq!(s.segments.count, 1, "{kind}: {s:?}");
        assert!(!s.text.contains(&"Ünïcödé ".repeat(10)), "{kind}: {s:?}");
    }
}

/// `choose_sms` on its own: the first form that fits one segment, in order; else the
/// one with the fewest segments (the earlier on a tie); empty forms never chosen.
#[test]
fn choose_sms_takes_the_first_form_that_fits() {
    let fits = "Your visit is confirmed.";
    let s = choose_sms(vec![
        (SmsForm::Full, fits.to_owned()),
        (SmsForm::Short, "Confirmed.".to_owned()),
    ]);
    assert_eq!((s.form, s.text.as_str()), (SmsForm::Full, fits));
    // ê is outside GSM-7 (é is in it): the full form is UCS-2 (70 a segment), two segments.
    let accented = format!("Votre rendez-vous est confirmé{}", " ê".repeat(30));
    let folded = format!("Votre rendez-vous est confirmé{}", " e".repeat(30));
    let s = choose_sms(vec![
        (SmsForm::Full, accented.clone()),
        (SmsForm::FullFolded, folded.clone()),
    ]);
    assert_eq!(
        (s.form, s.text.as_str()),
        (SmsForm::FullFolded, folded.as_str())
    );
    assert_eq!(s.segments.count, 1);
    let long = "x".repeat(200);
    let s = choose_sms(vec![
        (SmsForm::Full, long.clone()),
        (SmsForm::Short, String::new()),
    ]);
    assert_eq!(
        (s.form, s.segments.count),
        (SmsForm::Full, 2),
        "empty form skipped"
    );
    let s = choose_sms(vec![
        (SmsForm::Full, long.clone()),
        (SmsForm::Short, "y".repeat(200)),
    ]);
    assert_eq!(s.form, SmsForm::Full, "the earlier on a tie");
    let s = choose_sms(vec![
        (SmsForm::Full, "w".repeat(400)),
        (SmsForm::Short, long),
    ]);
    assert_eq!(
        (s.form, s.segments.count),
        (SmsForm::Short, 2),
        "fewest segments"
    );
}

/// The case: an em dash or an emoji in the store name switched the SMS to UCS-2
/// and the cut to three segments fell inside the tracking link. Now names lose their
/// non-GSM characters first, are shortened next, and a link is only ever dropped whole.
#[test]
fn no_sms_ever_ends_inside_a_link() {
    use booxi_notify::render::sms::ends_inside_link;
    let r = renderer();
    let stores = [
        "Acme Optics — Centre-ville 👓",
        "Clinique d'optométrie Lévesque-Bélanger & Associés — Centre-ville de Montréal ✨",
        &"Ünïcödé 😀 ".repeat(40),
    ];
    for store in stores {
        for lang in LANGS {
            let mut body = rich_body("appointment.created");
            body["content"]["merchant"]["defaultLanguage"] = json!(lang);
            body["content"]["merchant"]["name"] = json!(store);
            body["content"]["service"] = json!({"name": format!("Examen complet — {store}")});
            let e = event(&body);
            for kind in Kind::CLIENT {
                let n = notification(kind, lang, Channel::Sms);
                let s = sms(&r, &e, &n);
                let at = format!("{kind} {lang} {store:.20}");
                assert!(s.segments.count <= 3, "{at}: {s:?}");
                let mut links: Vec<String> = vec!["https://acme.example/book".into()];
                if let Some(l) = &n.links {
                    links.push(l.view.to_string());
                    links.extend(l.confirm.iter().map(|u| u.to_string()));
                }
                let links: Vec<&str> = links.iter().map(String::as_str).collect();
                assert!(!ends_inside_link(&s.text, &links), "{at}: {}", s.text);
                if store.starts_with("Acme") {
                    // A short name with one em dash and one emoji: everything still fits,
                    // link included, in GSM-7.
                    assert!(!s.link_dropped, "{at}: {s:?}");
                    assert!(!s.names_shortened, "{at}: {s:?}");
                    if n.links.is_some()
                        && !matches!(kind, Kind::CanceledByStore | Kind::CanceledByClient)
                    {
                        assert!(s.text.contains("https://"), "{at}: {}", s.text);
                    }
                }
                if std::env::var_os("SHOW_SMS").is_some() {
                    println!(
                        "{at}: {:?} {} {:?} {}",
                        s.form,
                        s.segments.count,
                        s.note(),
                        s.text
                    );
                }
                if s.link_dropped {
                    assert!(s.note().is_some_and(|n| n.contains("link dropped")));
                }
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 48,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..proptest::test_runner::Config::default()
    })]

    /// Whatever the names (any length, accents, dashes, emoji, other scripts), every
    /// client SMS fits three segments and never ends inside a link.
    #[test]
    fn any_names_give_sms_that_never_cut_a_link(
        store in "[A-Za-zÀ-ÿ—–’ 😀✨李]{0,200}",
        service in "[A-Za-zÀ-ÿ—’ 💅]{0,120}",
        lang in proptest::sample::select(&LANGS[..]),
    ) {
        use booxi_notify::render::sms::ends_inside_link;
        let r = renderer();
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["defaultLanguage"] = json!(lang);
        body["content"]["merchant"]["name"] = json!(store);
        body["content"]["service"] = json!({"name": service});
        let e = event(&body);
        for kind in Kind::CLIENT {
            let n = notification(kind, lang, Channel::Sms);
            let s = sms(&r, &e, &n);
            proptest::prop_assert!(s.segments.count <= 3, "{} {}: {:?}", kind, lang, s);
            let mut links: Vec<String> = vec!["https://acme.example/book".into()];
            if let Some(l) = &n.links {
                links.push(l.view.to_string());
                links.extend(l.confirm.iter().map(|u| u.to_string()));
            }
            let links: Vec<&str> = links.iter().map(String::as_str).collect();
            proptest::prop_assert!(!ends_inside_link(&s.text, &links), "{} {}: {}", kind, lang, s.text);
        }
    }
}

/// A name is printed whole up to 48 characters, and cut beyond, even in a text that would
/// fit its three segments with it.
#[test]
fn a_name_over_48_characters_is_cut_even_when_the_text_fits() {
    let r = renderer();
    let at_most = "Acme Optics and Eyewear of the Old Port, Montreal"; // 49 characters
    for (store, cut) in [(&at_most[..48], false), (at_most, true)] {
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["name"] = json!(store);
        let e = event(&body);
        let s = sms(
            &r,
            &e,
            &notification(Kind::Confirmation, "eng", Channel::Sms),
        );
        assert!(s.segments.count <= 3, "{s:?}");
        assert_eq!(s.names_shortened, cut, "{store}: {s:?}");
        assert_eq!(s.text.contains(store), !cut, "{store}: {}", s.text);
    }
}
