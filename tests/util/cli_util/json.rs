//! A strict parser for the flat JSON objects of `--json`, decoding `\udcXX`
//! escapes back to the raw byte they stand for (Python's surrogateescape).
//!
//! serde_json refuses lone surrogates, which is exactly what greenwatch writes
//! for names that are not valid UTF-8, hence this small parser.

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::str::Chars;

/// A JSON value of the event objects.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string, as bytes (an escaped lone surrogate U+DCXX is the byte XX).
    Str(Vec<u8>),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
}

/// One parsed event object.
pub type Object = BTreeMap<String, Value>;

/// Parses one line holding exactly one flat object.
pub fn parse(line: &str) -> Result<Object, String> {
    let mut chars = line.chars().peekable();
    let object = object(&mut chars)?;
    match chars.next() {
        None => Ok(object),
        Some(c) => Err(format!("trailing {c:?} after the object")),
    }
}

/// Parses a line and panics with the line on error.
#[track_caller]
pub fn parse_ok(line: &str) -> Object {
    parse(line).unwrap_or_else(|e| panic!("invalid JSON ({e}): {line}"))
}

/// The string field `key` of `object`, as bytes.
#[track_caller]
pub fn bytes<'a>(object: &'a Object, key: &str) -> &'a [u8] {
    match object.get(key) {
        Some(Value::Str(s)) => s,
        other => panic!("{key} is not a string: {other:?} in {object:?}"),
    }
}

/// The string field `key` of `object`, as UTF-8 text.
#[track_caller]
pub fn text<'a>(object: &'a Object, key: &str) -> &'a str {
    std::str::from_utf8(bytes(object, key)).expect("field is not UTF-8")
}

type Input<'a> = Peekable<Chars<'a>>;

fn expect(chars: &mut Input<'_>, want: char) -> Result<(), String> {
    match chars.next() {
        Some(c) if c == want => Ok(()),
        other => Err(format!("expected {want:?}, found {other:?}")),
    }
}

fn object(chars: &mut Input<'_>) -> Result<Object, String> {
    expect(chars, '{')?;
    let mut out = Object::new();
    if chars.peek() == Some(&'}') {
        chars.next();
        return Ok(out);
    }
    loop {
        let key = String::from_utf8(string(chars)?).map_err(|_| "key is not UTF-8".to_owned())?;
        expect(chars, ':')?;
        let value = value(chars)?;
        if out.insert(key.clone(), value).is_some() {
            return Err(format!("duplicate key {key}"));
        }
        match chars.next() {
            Some(',') => continue,
            Some('}') => return Ok(out),
            other => return Err(format!("expected ',' or '}}', found {other:?}")),
        }
    }
}

fn value(chars: &mut Input<'_>) -> Result<Value, String> {
    match chars.peek() {
        Some('"') => Ok(Value::Str(string(chars)?)),
        Some('t') => literal(chars, "true").map(|()| Value::Bool(true)),
        Some('f') => literal(chars, "false").map(|()| Value::Bool(false)),
        Some('-' | '0'..='9') => integer(chars),
        other => Err(format!("unexpected {other:?} at a value")),
    }
}

fn literal(chars: &mut Input<'_>, word: &str) -> Result<(), String> {
    word.chars().try_for_each(|c| expect(chars, c))
}

fn integer(chars: &mut Input<'_>) -> Result<Value, String> {
    let mut digits = String::new();
    if chars.peek() == Some(&'-') {
        digits.push('-');
        chars.next();
    }
    while let Some(c @ '0'..='9') = chars.peek().copied() {
        digits.push(c);
        chars.next();
    }
    if digits.trim_start_matches('-').starts_with('0') && digits.trim_start_matches('-').len() > 1 {
        return Err(format!("leading zero in {digits}"));
    }
    digits.parse().map(Value::Int).map_err(|e| format!("bad integer {digits:?}: {e}"))
}

fn string(chars: &mut Input<'_>) -> Result<Vec<u8>, String> {
    expect(chars, '"')?;
    let mut out = Vec::new();
    loop {
        match chars.next() {
            None => return Err("unterminated string".into()),
            Some('"') => return Ok(out),
            Some('\\') => escape(chars, &mut out)?,
            Some(c) if (c as u32) < 0x20 => return Err(format!("raw control character {c:?} in a string")),
            Some(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

fn escape(chars: &mut Input<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    let byte = match chars.next() {
        Some('"') => b'"',
        Some('\\') => b'\\',
        Some('/') => b'/',
        Some('b') => 8,
        Some('f') => 12,
        Some('n') => b'\n',
        Some('r') => b'\r',
        Some('t') => b'\t',
        Some('u') => return unicode(chars, out),
        other => return Err(format!("bad escape \\{other:?}")),
    };
    out.push(byte);
    Ok(())
}

fn hex4(chars: &mut Input<'_>) -> Result<u32, String> {
    let digits: String = chars.by_ref().take(4).collect();
    if digits.len() != 4 {
        return Err("short \\u escape".into());
    }
    u32::from_str_radix(&digits, 16).map_err(|_| format!("bad \\u{digits}"))
}

/// `\uXXXX`: a character, a surrogate pair, or a lone U+DC80..U+DCFF (one raw byte).
fn unicode(chars: &mut Input<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    let unit = hex4(chars)?;
    let code = match unit {
        0xDC80..=0xDCFF => {
            out.push((unit - 0xDC00) as u8);
            return Ok(());
        }
        0xD800..=0xDBFF => {
            literal(chars, "\\u")?;
            let low = hex4(chars)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Err(format!("high surrogate {unit:x} without a low one"));
            }
            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        }
        0xDC00..=0xDFFF => return Err(format!("lone surrogate {unit:x} outside surrogateescape")),
        _ => unit,
    };
    let c = char::from_u32(code).ok_or_else(|| format!("bad code point {code:x}"))?;
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    Ok(())
}

#[test]
fn parser_self_check() {
    let o = parse_ok(r#"{"a":"x\n\"\\\udcff\u00e9\ud83c\udf89","n":-1,"b":true}"#);
    let mut want = b"x\n\"\\\xff".to_vec();
    want.extend_from_slice("é🎉".as_bytes());
    assert_eq!(bytes(&o, "a"), want);
    assert_eq!(o["n"], Value::Int(-1));
    assert!(parse("{\"a\":\"raw\ttab\"}").is_err());
    assert!(parse("{\"a\":1}x").is_err());
    assert!(parse("{\"a\":\"\\udc00\"}").is_err());
    assert!(parse("{\"a\":01}").is_err());
}
