//! Quoted-printable for the text parts of an email, in one encoding pass over the text.
//!
//! mail-builder scans a text part to choose its transfer encoding, counts its
//! quoted-printable length to compare it with base64's, then encodes it: about 12
//! instructions per byte of our HTML, which made quoted-printable 0.34 M of an event's
//! 1.99 M. [`encode_body`] makes the same choice and writes the same bytes in about 7 per
//! byte; the part is handed to mail-builder already encoded (with its
//! `Content-Transfer-Encoding` header, which mail-builder then writes as is). Byte for
//! byte mail-builder's output: the tests compare the two on edge cases and on generated
//! text (`tests` below), and on every email of both preview galleries (`mime::tests`).
//!
//! The rules (RFC 2045 section 6.7, as mail-builder 2 applies them): a text that has no
//! byte from 0x7F up, no line longer than 77 bytes with its line break, and no space or
//! tab ending a line goes as `7bit` (mail-builder writes it, [`encode_body`] says `None`);
//! otherwise quoted-printable when shorter than base64 (else mail-builder writes base64,
//! and [`encode_body`] says `None` again). Encoding turns LF and CRLF into CRLF, keeps
//! printable ASCII and tabs, writes `=`, control characters, DEL and bytes from 0x80 up
//! as `=XX`, and a space or tab that would end a line too, and ends a line with a soft
//! break (`=`) before it holds more than 75 characters, never inside an escape.
//!
//! Where the speed comes from: each byte's class is written to a table first
//! ([`classes`], about one instruction per byte), and the runs of kept bytes are then
//! found eight classes at a time, so that the per-byte work is a few instructions and the
//! rest is per run (a line, or the text between two escapes).

const MAX_CONTENT: usize = 75;
/// The longest line a 7-bit body may have, its line break included (mail-builder's).
const MAX_LINE_LEN: usize = 77;
const SOFT_BREAK: &[u8] = b"=\r\n";
const HARD_BREAK: &[u8] = b"\r\n";
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The quoted-printable form of a text part when mail-builder would send it so, else
/// `None` (it goes as `7bit` or base64: mail-builder writes those itself).
pub(crate) fn encode_body(input: &[u8]) -> Option<Vec<u8>> {
    if !needs_encoding(input) {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() + input.len() / 8 + 64);
    encode(input, &mut out);
    // mail-builder takes quoted-printable only when it is shorter than base64.
    (out.len() < base64_len(input.len())).then_some(out)
}

/// Whether mail-builder encodes a text body: a byte from 0x7F up, a line longer than
/// [`MAX_LINE_LEN`] (its line break included), or a space or tab ending a line.
fn needs_encoding(input: &[u8]) -> bool {
    if !input.is_ascii() || memchr::memchr(0x7f, input).is_some() {
        return true;
    }
    let mut line_start = 0;
    for at in memchr::memchr_iter(b'\n', input) {
        if at + 1 - line_start > MAX_LINE_LEN {
            return true;
        }
        line_start = at + 1;
        let last = match at.checked_sub(1) {
            Some(before) if input[before] == b'\r' => before.checked_sub(1),
            before => before,
        };
        if last.is_some_and(|i| matches!(input[i], b' ' | b'\t')) {
            return true;
        }
    }
    matches!(input.last(), Some(b' ' | b'\t')) || input.len() - line_start > MAX_LINE_LEN
}

/// The length of a MIME base64 body of `len` bytes: 76 columns, CRLF after every line.
fn base64_len(len: usize) -> usize {
    let symbols = len.div_ceil(3) * 4;
    symbols + symbols.div_ceil(76) * 2
}

/// What a byte is to the encoder: kept ([`PLAIN`], [`BLANK`]) or a stop.
type Class = u8;
/// Printable ASCII but `=`: kept.
const PLAIN: Class = 0;
/// Space or tab: kept, but escaped when it would end a line.
const BLANK: Class = 1;
/// `=`, controls, DEL, 0x80 and up: `=XX`.
const ESCAPE: Class = 2;
const CR: Class = 4;
const LF: Class = 8;
/// The bits of the classes a run of kept bytes stops at, in each byte of a word.
const STOPS: u64 = 0x0e0e_0e0e_0e0e_0e0e;

/// A byte's class. Written as this `if` chain, it measured faster than the same test in
/// branch-free arithmetic or as a 16-byte mask (BENCHMARKS.md).
#[inline(always)]
fn class(byte: u8) -> Class {
    let printable = byte > b' ' && byte < 0x7f && byte != b'=';
    let blank = byte == b' ' || byte == b'\t';
    let cr = byte == b'\r';
    let lf = byte == b'\n';
    if printable {
        PLAIN
    } else if blank {
        BLANK
    } else if cr {
        CR
    } else if lf {
        LF
    } else {
        ESCAPE
    }
}

/// The class of every byte of `input`.
fn classes(input: &[u8]) -> Vec<Class> {
    input.iter().map(|&byte| class(byte)).collect()
}

/// Whether a line ends at `at`: the end of the text, LF or CRLF.
fn line_ends(input: &[u8], at: usize) -> bool {
    matches!(
        input.get(at..),
        None | Some([] | [b'\n', ..] | [b'\r', b'\n', ..])
    )
}

fn escape(out: &mut Vec<u8>, byte: u8) {
    out.extend_from_slice(&[
        b'=',
        HEX[usize::from(byte >> 4)],
        HEX[usize::from(byte & 0x0f)],
    ]);
}

/// The first position from `from` (at most `end`) whose class stops a run.
#[inline(always)]
fn run_end(classes: &[Class], from: usize, end: usize) -> usize {
    let mut at = from;
    while at < end {
        match classes.get(at..).and_then(|c| c.first_chunk::<8>()) {
            Some(word) => {
                let stops = u64::from_le_bytes(*word) & STOPS;
                if stops != 0 {
                    return end.min(at + (stops.trailing_zeros() / 8) as usize);
                }
                at += 8;
            }
            None => {
                while at < end && classes.get(at).is_some_and(|&c| c & !BLANK == 0) {
                    at += 1;
                }
                return at;
            }
        }
    }
    end
}

/// Appends `input[from..to]`. A run of at most 32 bytes (most are) is copied as a fixed
/// 32 bytes, then cut to its length: a fixed-size copy is a few moves, where a copy of
/// any length is a call.
#[inline(always)]
fn copy_run(out: &mut Vec<u8>, input: &[u8], from: usize, to: usize) {
    match input.get(from..from + 32) {
        Some(chunk) if to - from <= 32 => {
            let len = out.len();
            out.extend_from_slice(chunk);
            out.truncate(len + to - from);
        }
        _ => out.extend_from_slice(&input[from..to]),
    }
}

fn encode(input: &[u8], out: &mut Vec<u8>) {
    let classes = classes(input);
    let mut read = 0;
    let mut column = 0;
    while let Some(&class) = classes.get(read) {
        if class == PLAIN || (class == BLANK && !line_ends(input, read + 1)) {
            if column == MAX_CONTENT {
                out.extend_from_slice(SOFT_BREAK);
                column = 0;
            }
            // The run of kept bytes, up to the end of the line's room.
            let end = input.len().min(read + MAX_CONTENT - column);
            let mut stop = run_end(&classes, read + 1, end);
            // A space or tab that would end the line is left for an escape.
            if stop - read > 1 && classes[stop - 1] == BLANK && line_ends(input, stop) {
                stop -= 1;
            }
            copy_run(out, input, read, stop);
            column += stop - read;
            read = stop;
        } else if class == LF {
            out.extend_from_slice(HARD_BREAK);
            read += 1;
            column = 0;
        } else if class == CR && input.get(read + 1) == Some(&b'\n') {
            out.extend_from_slice(HARD_BREAK);
            read += 2;
            column = 0;
        } else {
            if column + 3 > MAX_CONTENT {
                out.extend_from_slice(SOFT_BREAK);
                column = 0;
            }
            escape(out, input[read]);
            read += 1;
            column += 3;
            if class != BLANK {
                // The escapes that follow, as many as the line has room for.
                while column + 3 <= MAX_CONTENT {
                    match classes.get(read) {
                        Some(&ESCAPE) => {
                            escape(out, input[read]);
                            read += 1;
                            column += 3;
                        }
                        _ => break,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_builder::MessageBuilder;
    use mail_builder::headers::content_type::ContentType;
    use mail_builder::mime::{BodyPart, MimePart};
    use proptest::prelude::*;

    /// A one-part message as mail-builder writes it from the text itself.
    fn by_mail_builder(text: &str) -> Vec<u8> {
        message(MimePart::new("text/plain", BodyPart::Text(text.into())))
    }

    /// The same message with the part encoded here when [`encode_body`] says so.
    fn by_us(text: &str) -> Vec<u8> {
        message(match encode_body(text.as_bytes()) {
            Some(encoded) => MimePart::new(
                ContentType::new("text/plain").attribute("charset", "utf-8"),
                BodyPart::Binary(encoded.into()),
            )
            .transfer_encoding("quoted-printable"),
            None => MimePart::new("text/plain", BodyPart::Text(text.into())),
        })
    }

    fn message(part: MimePart<'_>) -> Vec<u8> {
        MessageBuilder::new()
            .from("a@example.com")
            .to("b@example.com")
            .subject("s")
            .date(0_i64)
            .message_id("m@example.com")
            .body(part)
            .write_to_vec()
            .unwrap()
    }

    fn same(text: &str) {
        let expected = String::from_utf8(by_mail_builder(text)).unwrap();
        let ours = String::from_utf8(by_us(text)).unwrap();
        assert_eq!(ours, expected, "input: {text:?}");
    }

    #[test]
    fn a_word_of_classes_stops_where_a_byte_does() {
        for byte in 0..=255u8 {
            for lane in 0..8 {
                // The byte in one lane, kept bytes (and a tab) around it.
                let mut word = *b"a\tb c~d ";
                word[lane] = byte;
                let expected = word
                    .iter()
                    .position(|&b| !(b == b'\t' || (b' '..=b'~').contains(&b)) || b == b'=')
                    .unwrap_or(8);
                assert_eq!(
                    run_end(&classes(&word), 0, 8),
                    expected,
                    "byte {byte:#04x} in lane {lane}"
                );
            }
        }
    }

    #[test]
    fn the_edges_of_a_line_are_encoded_as_mail_builder_does() {
        let long = "a".repeat(200);
        let cases = [
            "",
            "short",
            "ends with a space ",
            "ends with a tab\t",
            "space before a break \r\nnext",
            "space before a bare break \nnext",
            "two spaces before  \r\n",
            "equals = sign and a long line that goes on and on and on past the limit of it",
            "café",
            "a\rb\r\nc\nd",
            "\r",
            "=\r\n=",
            "\u{7f}",
            "tab\tin the middle of a line that is longer than seventy-seven bytes at all",
            &long,
            &format!("{} {}", "x".repeat(74), "y".repeat(10)),
            &format!("{} \r\n", "x".repeat(74)),
            &format!("{}=\r\n", "x".repeat(73)),
            &format!("{}é", "x".repeat(74)),
            &format!("{}\u{1}\u{2}\u{3}", "x".repeat(71)),
            &"é".repeat(60),
            &"日本語".repeat(30),
            &format!("{}\n", "x".repeat(76)),
            &format!("{}\n", "x".repeat(77)),
            &format!("{}\r\n", "x".repeat(75)),
            &format!("{}\r\n", "x".repeat(76)),
        ];
        for case in cases {
            same(case);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn any_text_is_encoded_as_mail_builder_does(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-z]{1,90}",
                    Just(" ".to_owned()),
                    Just("\t".to_owned()),
                    Just("=".to_owned()),
                    Just("\r\n".to_owned()),
                    Just("\n".to_owned()),
                    Just("\r".to_owned()),
                    Just("é".to_owned()),
                    Just("\u{1}".to_owned()),
                    Just("日".to_owned()),
                    "[ -~]{1,20}",
                ],
                0..40,
            )
        ) {
            same(&parts.concat());
        }
    }
}
