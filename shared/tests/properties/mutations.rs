//! Random mutations of the sample bodies: keys or elements removed, values replaced,
//! recased or retyped, keys respelled.

use super::*;

#[derive(Debug, Clone, Copy)]
enum Case {
    Upper,
    Lower,
    Swap,
    Padded,
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the key or element at the path.
    Delete,
    /// Puts a random JSON value at the path.
    Replace(Value),
    /// Changes the case of a string, or of every key of an object.
    ChangeCase(Case),
    /// Turns a value into one of another JSON type (`"3"` ↔ `3`, `true` → `"true"`…).
    SwapType,
    /// Renames the key at the path to another spelling Booxi may use, or another case.
    Respell(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::Delete),
        3 => json_value().prop_map(Mutation::Replace),
        2 => select(&[Case::Upper, Case::Lower, Case::Swap, Case::Padded][..])
            .prop_map(Mutation::ChangeCase),
        3 => Just(Mutation::SwapType),
        2 => any::<Index>().prop_map(Mutation::Respell),
    ]
}

/// Spellings that mean the same field (docs/payload.md and `booxi::spelling`).
const RESPELLINGS: &[&[&str]] = &[
    &["eventId", "id", "event_id"],
    &["eventType", "type", "event"],
    &["content", "eventContent"],
    &["previousBooking", "previous"],
    &["viewURL", "viewUrl", "url"],
    &["mobilePhoneNumber", "mobilePhone"],
    &["communicationEmail", "email"],
    &["remindBySMS", "remindBySms"],
    &["startsOn", "start"],
];

fn respelled(key: &str, pick: Index) -> String {
    match RESPELLINGS.iter().find(|group| group.contains(&key)) {
        Some(group) => pick.get(group).to_string(),
        None => recased(
            key,
            if pick.index(2) == 0 {
                Case::Upper
            } else {
                Case::Lower
            },
        ),
    }
}

fn recased(text: &str, case: Case) -> String {
    match case {
        Case::Upper => text.to_uppercase(),
        Case::Lower => text.to_lowercase(),
        Case::Swap => text
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().collect::<String>()
                } else {
                    c.to_uppercase().collect()
                }
            })
            .collect(),
        Case::Padded => format!(" {text}\t"),
    }
}

fn swapped_type(value: &Value) -> Value {
    match value {
        Value::Null => Value::String(String::new()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => {
            let t = s.trim();
            if let Ok(n) = t.parse::<i64>() {
                Value::from(n)
            } else if let Some(n) = t.parse::<f64>().ok().and_then(Number::from_f64) {
                Value::Number(n)
            } else if let Ok(b) = t.parse::<bool>() {
                Value::Bool(b)
            } else {
                Value::Array(vec![value.clone()])
            }
        }
        Value::Array(items) => Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect(),
        ),
        Value::Object(map) => Value::Array(map.values().cloned().collect()),
    }
}

/// Applies a mutation to `node` itself (the end of a path that reached a leaf).
fn mutate_here(node: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Delete => *node = Value::Null,
        Mutation::Replace(value) => *node = value.clone(),
        Mutation::ChangeCase(case) => match node {
            Value::String(s) => *s = recased(s, *case),
            Value::Object(map) => {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (recased(&k, *case), v))
                    .collect();
            }
            _ => {}
        },
        Mutation::SwapType => *node = swapped_type(node),
        Mutation::Respell(pick) => {
            if let Value::Object(map) = node {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (respelled(&k, *pick), v))
                    .collect();
            }
        }
    }
}

/// Walks `path` down from `node` (each step picks a key or an element) and applies the
/// mutation where the path ends or reaches a leaf.
fn mutate(node: &mut Value, path: &[Index], mutation: &Mutation) {
    let Some((step, rest)) = path.split_first() else {
        return mutate_here(node, mutation);
    };
    match node {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(step.index(map.len()))
                .cloned()
                .unwrap_or_default();
            if !rest.is_empty() {
                if let Some(child) = map.get_mut(&key) {
                    mutate(child, rest, mutation);
                }
                return;
            }
            match mutation {
                Mutation::Delete => {
                    map.remove(&key);
                }
                Mutation::Respell(pick) => {
                    if let Some(value) = map.remove(&key) {
                        map.insert(respelled(&key, *pick), value);
                    }
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate_here(child, mutation);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = step.index(items.len());
            if rest.is_empty() && matches!(mutation, Mutation::Delete) {
                items.remove(i);
            } else {
                mutate(&mut items[i], rest, mutation);
            }
        }
        _ => mutate_here(node, mutation),
    }
}

/// Where a mutation starts its walk: the payload (most mutations, so that most mutated
/// bodies still parse and get planned) or the whole body (the envelope too).
fn start(body: &mut Value, in_payload: bool) -> &mut Value {
    let payload_key = ["content", "eventContent"]
        .into_iter()
        .find(|k| body.get(k).is_some_and(Value::is_object));
    match payload_key {
        Some(k) if in_payload => &mut body[k],
        _ => body,
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn mutated_sample_bodies_never_panic(
        sample in any::<Index>(),
        mutations in prop::collection::vec(
            (
                prop::bool::weighted(0.85),
                prop::collection::vec(any::<Index>(), 1..10),
                mutation(),
            ),
            1..6,
        ),
    ) {
        let (name, original) = sample.get(&SAMPLES);
        let mut body = original.clone();
        for (in_payload, path, mutation) in &mutations {
            mutate(start(&mut body, *in_payload), path, mutation);
        }
        // Through the value...
        if let Ok(event) = Event::from_value(&body, country()) {
            let plan = plan(&event, &Config::default());
            check_plan(&event, &plan)
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}\nbody: {body}")))?;
        }
        // ... and through its text. (Their plans are not compared: serde_json does not
        // read every float back to the same value, and a float may be the event id.)
        let bytes = serde_json::to_vec(&body).unwrap();
        parse_and_plan(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{name}: {e}\nbody: {body}")))?;
    }
}
