//! Flaws in the text of a body: lone surrogate escapes and numbers too large for a float,
//! read and not refused.

use super::*;

/// A flaw a sender can make in a body's text without losing its meaning.
#[derive(Debug, Clone, Copy)]
enum Flaw {
    /// A string value cut in the middle of an emoji: a lone high surrogate escape.
    LoneHigh,
    /// A lone low surrogate escape at the start of a string value.
    LoneLow,
    /// An unknown field holding a number too large for a float.
    HugeNumber,
}

/// Every place a string value starts (just after its opening quote) and every place an
/// object starts (just after its `{`), in the compact text of a body.
fn places(text: &str) -> (Vec<usize>, Vec<usize>) {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut objects = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            (false, b'"') => {
                in_string = true;
                // A value, not a key: the quote follows a colon (or an array's `[`/`,`).
                let before = text[..i].trim_end().chars().last();
                if matches!(before, Some(':') | Some('[')) {
                    strings.push(i + 1);
                }
            }
            (false, b'{') => objects.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    (strings, objects)
}

/// The body's text with `flaws` put in (each at a place picked by its index).
fn flawed(text: &str, flaws: &[(Flaw, Index)]) -> String {
    let (strings, objects) = places(text);
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (flaw, pick) in flaws {
        match flaw {
            Flaw::LoneHigh | Flaw::LoneLow if !strings.is_empty() => {
                let at = *pick.get(&strings);
                // At the end of the value for a cut emoji, at its start for a lone low half.
                let at = match flaw {
                    Flaw::LoneHigh => at + value_len(&text[at..]),
                    _ => at,
                };
                let escape = if matches!(flaw, Flaw::LoneHigh) {
                    "\\ud83d"
                } else {
                    "\\udc00"
                };
                inserts.push((at, escape.to_owned()));
            }
            Flaw::HugeNumber if !objects.is_empty() => {
                let at = *pick.get(&objects);
                let comma = if text[at..].starts_with('}') { "" } else { "," };
                inserts.push((at, format!("\"zzFlaw\":-1e999{comma}")));
            }
            _ => {}
        }
    }
    // From the end, so earlier places stay where they were.
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = text.to_owned();
    for (at, insert) in inserts {
        out.insert_str(at, &insert);
    }
    out
}

/// The length of the string value starting at the beginning of `rest` (up to its
/// closing quote, escapes included).
fn value_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i.min(bytes.len())
}

fn count_replacements(value: &Value) -> usize {
    match value {
        Value::String(s) => s.matches('\u{FFFD}').count(),
        Value::Array(items) => items.iter().map(count_replacements).sum(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.matches('\u{FFFD}').count() + count_replacements(v))
            .sum(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    /// A real body with lone surrogate escapes and out-of-range numbers put into its
    /// text is read, not refused: each lone surrogate becomes one U+FFFD, each number
    /// its text, and numbers in fields we do not read change nothing the rules plan.
    #[test]
    fn flawed_sample_bodies_are_read_not_refused(
        sample in any::<Index>(),
        flaws in prop::collection::vec(
            (
                prop_oneof![Just(Flaw::LoneHigh), Just(Flaw::LoneLow), Just(Flaw::HugeNumber)],
                any::<Index>(),
            ),
            1..5,
        ),
    ) {
        let (name, original) = sample.get(&SAMPLES);
        let sound = serde_json::to_string(original).unwrap();
        let text = flawed(&sound, &flaws);
        prop_assert!(serde_json::from_str::<Value>(&text).is_err() || text == sound, "{name}: the flaws make strict JSON refuse it");
        let event = Event::parse(text.as_bytes(), country())
            .map_err(|e| TestCaseError::fail(format!("{name}: refused: {e}\n{text}")))?;
        check_plan(&event, &plan(&event, &Config::default()))?;
        let repaired = booxi_notify::domain::json::read(text.as_bytes()).unwrap();
        let surrogates = text.matches("\\ud83d").count() + text.matches("\\udc00").count();
        prop_assert_eq!(
            count_replacements(&repaired),
            count_replacements(original) + surrogates,
            "{}: each lone surrogate is one U+FFFD\n{}", name, text
        );
        if flaws.iter().all(|(f, _)| matches!(f, Flaw::HugeNumber)) {
            // The event id aside (a body without one gets it from its content).
            let messages = |e: &Event| -> Vec<String> {
                plan(e, &Config::default())
                    .notifications
                    .iter()
                    .map(|n| format!("{} {:?} {:?} {:?}", n.kind, n.audience, n.channel, n.to))
                    .collect()
            };
            if let Ok(before) = Event::from_value(original, country()) {
                prop_assert_eq!(messages(&event), messages(&before), "{}", name);
            }
        }
    }
}
