//! What a template's root looks up, as objects built for the lookups templates make.
//!
//! Every `{{ t.greeting }}`, `{{ format }}` or `{{ when.full }}` starts with a lookup of a
//! name in the root context, and a message makes a few hundred of them. A merged
//! `context!` looks a name up in each part in turn, and a serialised struct compares the
//! name with each of its field names: `t`, looked up most, went through every field of
//! [`Context`](super::Context) first. [`Root`] answers the three names it adds with one
//! `match` and only then asks the context; [`Labels`] finds a label by hash.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, Serde, Value};
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::ser::{self, Impossible};

/// The root a template renders with: the message's serialised context, its labels as
/// `t`, the `format` rendered (`html`, `text` or `sms`), the `layout` an email extends,
/// and `calendar`, the method of the invite an email carries (`request`, `cancel`; none
/// without one), the email's own where the context may serve several messages. The
/// context has none of these four names as a field (a test checks it), so the answers
/// are those of `context! { t, format, layout, calendar, ..ctx }`.
#[derive(Debug)]
pub(super) struct Root {
    pub ctx: Value,
    pub t: Value,
    pub format: &'static str,
    pub calendar: Option<&'static str>,
}

impl Root {
    pub fn value(
        ctx: &Value,
        t: &Value,
        format: &'static str,
        calendar: Option<&'static str>,
    ) -> Value {
        Value::from_object(Self {
            ctx: ctx.clone(),
            t: t.clone(),
            format,
            calendar,
        })
    }

    fn layout(&self) -> &'static str {
        if self.format == "html" {
            "layout.html"
        } else {
            "layout.txt"
        }
    }
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        match key {
            "t" => Some(self.t.clone()),
            "format" => Some(Value::from(self.format)),
            "layout" => Some(Value::from(self.layout())),
            "calendar" => Some(Value::from(self.calendar)),
            _ => self.ctx.get_attr(key).ok().filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = ["t", "format", "layout", "calendar"]
            .map(Value::from)
            .into();
        if let Ok(fields) = self.ctx.try_iter() {
            keys.extend(fields);
        }
        keys.sort();
        Enumerator::Values(keys)
    }
}

/// A map of template values found by hash (`&'static str` field names, `String` labels):
/// what a serialised struct finds by comparing the name with each field name in turn,
/// and a minijinja map by comparing values.
#[derive(Debug)]
pub(super) struct Hashed<K>(FxHashMap<K, Value>);

/// A struct's fields as template values.
pub(super) type Fields = Hashed<&'static str>;

/// One language's labels as templates read them (`t.greeting`, `t["action_" ~ name]`).
pub(super) type Labels = Hashed<String>;

impl Fields {
    /// `value`'s fields, each serialised as minijinja would; `None` when `value` does not
    /// serialise as a struct.
    pub fn value(value: &impl Serialize) -> Option<Value> {
        value
            .serialize(FieldsSerializer)
            .ok()
            .map(|fields| Value::from_object(Self(fields)))
    }
}

/// A message's context as templates read it: its fields found by hash ([`Fields`]), or
/// minijinja's own serialisation of anything that is not a struct.
pub(super) fn context_value(ctx: &impl Serialize) -> Value {
    Fields::value(ctx).unwrap_or_else(|| Value::from(Serde(ctx)))
}

impl Labels {
    pub fn value<'a>(table: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
        Value::from_object(Self(
            table
                .into_iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect(),
        ))
    }
}

impl<K> Object for Hashed<K>
where
    K: Borrow<str> + Hash + Eq + std::fmt::Debug + Send + Sync + 'static,
{
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        self.0.get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self.0.keys().map(|k| Value::from(k.borrow())).collect();
        keys.sort();
        Enumerator::Values(keys)
    }
}

#[derive(Debug)]
pub(super) struct NotAStruct;

impl std::fmt::Display for NotAStruct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotAStruct {}

impl ser::Error for NotAStruct {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NotAStruct
    }
}

/// Serialises a struct's fields into [`Fields`]; anything else is [`NotAStruct`].
struct FieldsSerializer;

struct FieldsCollector(FxHashMap<&'static str, Value>);

impl ser::SerializeStruct for FieldsCollector {
    type Ok = FxHashMap<&'static str, Value>;
    type Error = NotAStruct;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NotAStruct> {
        self.0.insert(key, Value::from(Serde(value)));
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, NotAStruct> {
        Ok(self.0)
    }
}

macro_rules! not_a_struct {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Self::Ok, NotAStruct> {
            Err(NotAStruct)
        })*
    };
}

impl ser::Serializer for FieldsSerializer {
    type Ok = FxHashMap<&'static str, Value>;
    type Error = NotAStruct;
    type SerializeSeq = Impossible<Self::Ok, NotAStruct>;
    type SerializeTuple = Impossible<Self::Ok, NotAStruct>;
    type SerializeTupleStruct = Impossible<Self::Ok, NotAStruct>;
    type SerializeTupleVariant = Impossible<Self::Ok, NotAStruct>;
    type SerializeMap = Impossible<Self::Ok, NotAStruct>;
    type SerializeStruct = FieldsCollector;
    type SerializeStructVariant = Impossible<Self::Ok, NotAStruct>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<FieldsCollector, NotAStruct> {
        let mut fields = FxHashMap::default();
        fields.reserve(len);
        Ok(FieldsCollector(fields))
    }

    not_a_struct! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAStruct> {
        Err(NotAStruct)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    struct Sample {
        name: &'static str,
        count: u32,
        nested: BTreeMap<&'static str, Option<&'static str>>,
    }

    #[test]
    fn fields_answer_as_the_serialised_struct_does() {
        let sample = Sample {
            name: "Atelier",
            count: 3,
            nested: BTreeMap::from([("a", Some("x")), ("b", None)]),
        };
        let fields = Fields::value(&sample).unwrap();
        let serde = Value::from(Serde(&sample));
        for key in ["name", "count", "nested", "missing"] {
            assert_eq!(
                fields.get_attr(key).unwrap(),
                serde.get_attr(key).unwrap(),
                "{key}"
            );
        }
        assert_eq!(
            fields.try_iter().unwrap().collect::<Vec<_>>(),
            ["count", "name", "nested"].map(Value::from)
        );
        // Only a struct: anything else is left to minijinja's own serialisation.
        assert!(Fields::value(&3).is_none());
        assert!(Fields::value(&BTreeMap::from([("a", 1)])).is_none());
    }

    #[test]
    fn the_root_answers_its_names_then_the_context() {
        let ctx = Value::from(Serde(&BTreeMap::from([("lang", "fre")])));
        let t = Labels::value(&BTreeMap::from([(
            "hello".to_owned(),
            "Bonjour".to_owned(),
        )]));
        let root = Root::value(&ctx, &t, "html", Some("request"));
        assert_eq!(root.get_attr("format").unwrap(), Value::from("html"));
        assert_eq!(root.get_attr("calendar").unwrap(), Value::from("request"));
        assert_eq!(root.get_attr("layout").unwrap(), Value::from("layout.html"));
        assert_eq!(root.get_attr("lang").unwrap(), Value::from("fre"));
        assert!(root.get_attr("nothing").unwrap().is_undefined());
        let hello = root.get_attr("t").unwrap().get_attr("hello").unwrap();
        assert_eq!(hello, Value::from("Bonjour"));
        let text = Root::value(&ctx, &t, "sms", None);
        assert_eq!(text.get_attr("layout").unwrap(), Value::from("layout.txt"));
        // No invite: none, as a context field without a value reads.
        assert!(text.get_attr("calendar").unwrap().is_none());
        assert_eq!(
            root.try_iter().unwrap().collect::<Vec<_>>(),
            ["calendar", "format", "lang", "layout", "t"].map(Value::from)
        );
    }
}
