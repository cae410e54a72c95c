//! What the compiled templates (`generated.rs`) call: the values they handle and the
//! operations of the Jinja subset they use, with minijinja's rules (see `compiled`).

use std::rc::Rc;

use super::super::context::{
    ActionView, BookingView, BrandView, Change, Context, LinksView, PersonView, Place, StoreView,
};
use super::super::datetime::When;
use super::super::extras::{CalendarLinks, ServiceDetails};
use super::super::text::{paragraph_texts, write_escaped_html};

/// A language's labels (`t.greeting`), found by hash.
pub(crate) type Labels = rustc_hash::FxHashMap<String, String>;

/// The compiled code cannot write this message as minijinja would: minijinja writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback;

pub(crate) type R = Result<(), Fallback>;

/// What a compiled template reads: the message's context, its language's labels, and
/// the names the template root adds (see `values::Root`).
pub(crate) struct Cx<'a> {
    pub c: &'a Context,
    pub t: &'a Labels,
    /// HTML output: text values are escaped, captured blocks are safe.
    pub html: bool,
    /// `html`, `text` or `sms`.
    pub format: &'static str,
    pub calendar: Option<&'static str>,
}

/// A block of a kind's template.
pub(crate) type BlockFn = for<'a> fn(&Cx<'a>, &mut String) -> R;
/// A layout, given the kind whose blocks fill it.
pub(crate) type Layout = for<'a> fn(&Cx<'a>, &mut String, &Kind) -> R;

/// A kind's template: the blocks it defines (a layout's own for the others).
pub(crate) struct Kind {
    pub subject: Option<BlockFn>,
    pub preheader: Option<BlockFn>,
    pub heading: Option<BlockFn>,
    pub greeting: Option<BlockFn>,
    pub body: Option<BlockFn>,
    pub details: Option<BlockFn>,
    pub actions: Option<BlockFn>,
    pub closing: Option<BlockFn>,
    pub signoff: Option<BlockFn>,
    pub full: Option<BlockFn>,
    pub short: Option<BlockFn>,
}

pub(crate) static NO_BLOCKS: Kind = Kind {
    subject: None,
    preheader: None,
    heading: None,
    greeting: None,
    body: None,
    details: None,
    actions: None,
    closing: None,
    signoff: None,
    full: None,
    short: None,
};

/// A template value. Borrowed from the context where it can be; made texts and lists
/// are reference-counted, so a variable read twice is not copied.
#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    /// Undefined: anything but a test of it falls back to minijinja (strict mode errs).
    U,
    N,
    B(bool),
    I(i64),
    S(&'a str),
    O(Rc<str>),
    /// Safe (not escaped again).
    Hs(&'a str),
    H(Rc<str>),
    L(&'a [String]),
    Vs(Rc<[V<'a>]>),
    /// A struct, or a list of them: only tested.
    Obj(bool),
}

impl<'a> V<'a> {
    pub fn truthy(&self) -> Result<bool, Fallback> {
        Ok(match self {
            V::U => return Err(Fallback),
            V::N => false,
            V::B(b) => *b,
            V::I(i) => *i != 0,
            V::S(s) | V::Hs(s) => !s.is_empty(),
            V::O(s) | V::H(s) => !s.is_empty(),
            V::L(l) => !l.is_empty(),
            V::Vs(l) => !l.is_empty(),
            V::Obj(b) => *b,
        })
    }

    /// The text of a text value, and whether it is safe.
    fn text(&self) -> Option<(&str, bool)> {
        match self {
            V::S(s) => Some((s, false)),
            V::O(s) => Some((s, false)),
            V::Hs(s) => Some((s, true)),
            V::H(s) => Some((s, true)),
            _ => None,
        }
    }
}

/// A field of the context as a template value.
pub(crate) trait ToV {
    fn v(&self) -> V<'_>;
}

impl ToV for String {
    fn v(&self) -> V<'_> {
        V::S(self)
    }
}

impl ToV for &'static str {
    fn v(&self) -> V<'_> {
        V::S(self)
    }
}

impl ToV for Option<String> {
    fn v(&self) -> V<'_> {
        self.as_deref().map_or(V::N, V::S)
    }
}

impl ToV for Option<&'static str> {
    fn v(&self) -> V<'_> {
        self.map_or(V::N, V::S)
    }
}

impl ToV for bool {
    fn v(&self) -> V<'_> {
        V::B(*self)
    }
}

impl ToV for Vec<String> {
    fn v(&self) -> V<'_> {
        V::L(self)
    }
}

/// A struct of the context: true when tested.
pub(crate) trait Node {}

macro_rules! nodes {
    ($($t:ty),*) => {$(impl Node for $t {})*};
}
nodes!(
    Context,
    BrandView,
    PersonView,
    BookingView,
    When,
    StoreView,
    Place,
    LinksView,
    Change,
    ServiceDetails,
    CalendarLinks,
    ActionView
);

impl<X: Node> ToV for X {
    fn v(&self) -> V<'_> {
        V::Obj(true)
    }
}

impl<X: Node> ToV for Option<X> {
    fn v(&self) -> V<'_> {
        if self.is_some() { V::Obj(true) } else { V::N }
    }
}

impl<X: Node> ToV for Vec<X> {
    fn v(&self) -> V<'_> {
        V::Obj(!self.is_empty())
    }
}

/// Prints a value as the renderer's formatter does.
pub(crate) fn put(cx: &Cx<'_>, out: &mut String, v: &V<'_>) -> R {
    match v {
        V::N => {}
        V::S(s) => put_text(cx, out, s),
        V::O(s) => put_text(cx, out, s),
        V::Hs(s) => out.push_str(s),
        V::H(s) => out.push_str(s),
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        V::I(i) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
        V::U | V::L(_) | V::Vs(_) | V::Obj(_) => return Err(Fallback),
    }
    Ok(())
}

fn put_text(cx: &Cx<'_>, out: &mut String, s: &str) {
    if cx.html {
        // Writing to a String cannot fail.
        let _ = write_escaped_html(out, s);
    } else {
        out.push_str(s);
    }
}

/// A block's captured output: safe in HTML, plain text otherwise.
pub(crate) fn captured<'a>(cx: &Cx<'_>, text: String) -> V<'a> {
    if cx.html {
        V::H(text.into())
    } else {
        V::O(text.into())
    }
}

/// `t.name`.
pub(crate) fn label<'a>(cx: &Cx<'a>, name: &str) -> Result<V<'a>, Fallback> {
    cx.t.get(name).map(|l| V::S(l)).ok_or(Fallback)
}

/// `t[name]`.
pub(crate) fn label_v<'a>(cx: &Cx<'a>, name: &V<'_>) -> Result<V<'a>, Fallback> {
    let (name, _) = name.text().ok_or(Fallback)?;
    label(cx, name)
}

pub(crate) fn eq(a: &V<'_>, b: &V<'_>) -> Result<bool, Fallback> {
    Ok(match (a, b) {
        (V::U, _) | (_, V::U) => return Err(Fallback),
        (V::N, V::N) => true,
        (V::B(x), V::B(y)) => x == y,
        (V::I(x), V::I(y)) => x == y,
        _ => match (a.text(), b.text()) {
            (Some((x, _)), Some((y, _))) => x == y,
            (None, None) => return Err(Fallback),
            _ => false,
        },
    })
}

/// `value in [literal texts]`.
pub(crate) fn in_strs(v: &V<'_>, list: &[&str]) -> Result<bool, Fallback> {
    match v {
        V::U => Err(Fallback),
        V::N | V::B(_) | V::I(_) | V::Obj(_) => Ok(false),
        _ => match v.text() {
            Some((s, _)) => Ok(list.contains(&s)),
            None => Err(Fallback),
        },
    }
}

/// `needle in hay`: a substring of a text, an item of a list.
pub(crate) fn contains(hay: &V<'_>, needle: &V<'_>) -> Result<bool, Fallback> {
    match (hay.text(), needle.text()) {
        (Some((h, _)), Some((n, _))) => Ok(h.contains(n)),
        _ => Err(Fallback),
    }
}

/// `a ~ b ~ …` of plain values (with a safe text, minijinja keeps or makes the result
/// safe, escaping the other side in HTML: that falls back).
pub(crate) fn concat<'a>(parts: &[&V<'_>]) -> Result<V<'a>, Fallback> {
    let mut s = String::new();
    for p in parts {
        match p {
            V::N => s.push_str("none"),
            V::B(b) => s.push_str(if *b { "true" } else { "false" }),
            V::I(i) => s.push_str(&i.to_string()),
            _ => match p.text() {
                Some((text, false)) => s.push_str(text),
                _ => return Err(Fallback),
            },
        }
    }
    Ok(V::O(s.into()))
}

/// `text * count` of a plain text (a safe one stays safe in minijinja: that falls back).
pub(crate) fn mul<'a>(a: &V<'_>, b: &V<'_>) -> Result<V<'a>, Fallback> {
    match (a.text(), b) {
        (Some((s, false)), V::I(n)) if *n >= 0 => Ok(V::O(s.repeat(*n as usize).into())),
        _ => Err(Fallback),
    }
}

/// `text[start:stop]`, by characters, as Python slices.
pub(crate) fn slice<'a>(v: &V<'_>, start: &V<'_>, stop: &V<'_>) -> Result<V<'a>, Fallback> {
    let (s, _) = v.text().ok_or(Fallback)?;
    let len = s.chars().count() as i64;
    let at = |i: &V<'_>, default: i64| -> Result<i64, Fallback> {
        Ok(match i {
            V::N => default,
            V::I(i) if *i < 0 => (len + i).max(0),
            V::I(i) => (*i).min(len),
            _ => return Err(Fallback),
        })
    };
    let (a, b) = (at(start, 0)?, at(stop, len)?);
    let out: String = if b > a {
        s.chars().skip(a as usize).take((b - a) as usize).collect()
    } else {
        String::new()
    };
    Ok(V::O(out.into()))
}

/// `| safe`.
pub(crate) fn safe(v: V<'_>) -> V<'_> {
    match v {
        V::S(s) => V::Hs(s),
        V::O(s) => V::H(s),
        other => other,
    }
}

/// `| paragraphs` (the renderer's filter): the text's paragraphs, as safe as it was.
pub(crate) fn paragraphs<'a>(v: &V<'_>) -> Result<V<'a>, Fallback> {
    let (text, is_safe) = v.text().ok_or(Fallback)?;
    let items: Vec<V<'a>> = paragraph_texts(text)
        .into_iter()
        .map(|p| {
            if is_safe {
                V::H(p.into())
            } else {
                V::O(p.into())
            }
        })
        .collect();
    Ok(V::Vs(items.into()))
}

/// `| first`: a list's first item (undefined when empty).
pub(crate) fn first<'a>(v: &V<'a>) -> V<'a> {
    match v {
        V::L(l) => l.first().map_or(V::U, |s| V::S(s)),
        V::Vs(l) => l.first().cloned().unwrap_or(V::U),
        _ => V::U,
    }
}

/// `| join(sep)` over a list of texts (an escaping case falls back).
pub(crate) fn join<'a>(v: &V<'_>, sep: &V<'_>) -> Result<V<'a>, Fallback> {
    let (sep, sep_safe) = sep.text().ok_or(Fallback)?;
    if sep_safe {
        return Err(Fallback);
    }
    match v {
        V::L(l) => Ok(V::O(l.join(sep).into())),
        _ => Err(Fallback),
    }
}

/// `| replace(from, to)` over plain texts (a safe one in HTML falls back).
pub(crate) fn replace<'a>(v: &V<'_>, from: &V<'_>, to: &V<'_>) -> Result<V<'a>, Fallback> {
    let (v, vs) = v.text().ok_or(Fallback)?;
    let (from, fs) = from.text().ok_or(Fallback)?;
    let (to, ts) = to.text().ok_or(Fallback)?;
    if vs || fs || ts {
        return Err(Fallback);
    }
    Ok(V::O(v.replace(from, to).into()))
}

/// A list's items, for a loop.
pub(crate) fn items<'a>(v: &V<'a>) -> Result<Vec<V<'a>>, Fallback> {
    match v {
        V::L(l) => Ok(l.iter().map(|s| V::S(s)).collect()),
        V::Vs(l) => Ok(l.to_vec()),
        _ => Err(Fallback),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &V<'_>) -> String {
        v.text().map(|(s, _)| s.to_owned()).unwrap_or_default()
    }

    #[test]
    fn an_undefined_value_falls_back_rather_than_reading_as_false() {
        assert_eq!(V::U.truthy(), Err(Fallback));
        assert_eq!(eq(&V::U, &V::S("x")), Err(Fallback));
        assert_eq!(in_strs(&V::U, &["x"]), Err(Fallback));
        assert!(matches!(items(&V::U), Err(Fallback)));
        assert!(matches!(concat(&[&V::U]), Err(Fallback)));
    }

    #[test]
    fn values_test_as_minijinja_tests_them() {
        assert!(!V::N.truthy().unwrap());
        assert!(!V::S("").truthy().unwrap());
        assert!(V::S(" ").truthy().unwrap());
        assert!(!V::L(&[]).truthy().unwrap());
        assert!(!V::Obj(false).truthy().unwrap());
        assert!(eq(&V::S("a"), &V::H("a".into())).unwrap());
        assert!(!eq(&V::N, &V::S("none")).unwrap());
        assert!(!in_strs(&V::N, &["none"]).unwrap());
    }

    #[test]
    fn operations_give_minijinja_s_results() {
        assert_eq!(
            text(&slice(&V::S("Voilà!"), &V::I(-1), &V::N).unwrap()),
            "!"
        );
        assert_eq!(text(&slice(&V::S("Voilà"), &V::I(-1), &V::N).unwrap()), "à");
        assert_eq!(text(&slice(&V::S(""), &V::I(-1), &V::N).unwrap()), "");
        assert_eq!(text(&slice(&V::S("abc"), &V::I(1), &V::I(2)).unwrap()), "b");
        assert_eq!(
            text(&concat(&[&V::S("a"), &V::N, &V::I(3), &V::B(true)]).unwrap()),
            "anone3true"
        );
        assert_eq!(text(&mul(&V::S("ab"), &V::I(3)).unwrap()), "ababab");
        // Safe operands keep minijinja's safety rules: not ours to copy.
        assert!(concat(&[&V::H("<b>".into()), &V::S("!")]).is_err());
        assert!(concat(&[&V::S("a"), &V::Hs("b")]).is_err());
        assert!(mul(&V::Hs("<br>"), &V::I(2)).is_err());
        let list = ["x".to_owned(), "y".to_owned()];
        assert_eq!(text(&join(&V::L(&list), &V::S(", ")).unwrap()), "x, y");
        assert_eq!(text(&first(&V::L(&list))), "x");
        assert!(matches!(first(&V::L(&[])), V::U));
        assert!(contains(&V::S(".!?"), &V::S("!")).unwrap());
        assert!(!contains(&V::S(".!?"), &V::S("a")).unwrap());
        assert_eq!(
            text(&replace(&V::S("Hi {name}"), &V::S("{name}"), &V::S("Jo")).unwrap()),
            "Hi Jo"
        );
        // A safe text in a replacement: minijinja escapes the others first; not ours.
        assert!(replace(&V::Hs("a"), &V::S("a"), &V::S("b")).is_err());
    }

    #[test]
    fn paragraphs_keep_their_safety() {
        let Ok(V::Vs(p)) = paragraphs(&V::H("One\nline\n\n\nTwo".into())) else {
            panic!("not a list");
        };
        assert_eq!(p.len(), 2);
        assert!(matches!(&p[0], V::H(s) if &**s == "One line"));
        let Ok(V::Vs(p)) = paragraphs(&V::S("One")) else {
            panic!("not a list");
        };
        assert!(matches!(&p[0], V::O(_)));
    }
}
