//! Reading a TOML config file: at most [`MAX_CONFIG_BYTES`], UTF-8, then its `key = value`
//! table, every error one line naming the file (and, for a syntax error, the line and column);
//! the quoting that keeps a user's text on that one line; and the words of a key's error:
//! the nearest known key to a misspelt one, what a value of the wrong type should be.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest config file read (256 KiB); the ones lsgan writes are about 1.5 KB.
pub const MAX_CONFIG_BYTES: u64 = 256 << 10;

/// `key` as an error message shows it: `` `key` `` for a bare key, quoted and escaped
/// otherwise, so that a key holding a newline cannot break the message's one line.
pub(super) fn shown_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        format!("`{key}`")
    } else {
        format!("`{key:?}`")
    }
}

/// A message quoting a value on one line: control characters (a newline in a string the
/// user wrote) escaped.
pub(super) fn escaped(message: &str) -> String {
    let mut text = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    text
}

/// The key of `known` nearest to the unknown `key`, when one is near enough to be meant.
pub fn nearest_key<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(key, candidate), candidate))
        .filter(|(similarity, _)| *similarity >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_str())
}

/// An unknown `key`'s hint: the nearest key of `known`, else every key.
pub fn unknown_key_hint(key: &str, known: &[String]) -> String {
    match nearest_key(key, known) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("known keys: {}", known.join(", ")),
    }
}

/// serde's "invalid type: string "abc", expected f64" in a user's words: "expected a
/// number, got "abc"" (whole numbers for the unsigned types); other messages as they are.
pub(super) fn plain_expectation(message: &str) -> String {
    let Some((got, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = match expected {
        "f64" | "f32" => "a number (such as 0.5 or 1e-4)",
        "u64" | "usize" | "u32" => "a whole number (0, 1, 2, …)",
        "a boolean" => "true or false",
        other => other,
    };
    let got = ["string ", "integer ", "floating point ", "boolean "]
        .iter()
        .find_map(|kind| got.strip_prefix(kind))
        .unwrap_or(got)
        .trim_matches('`');
    format!("expected {expected}, got {got}")
}

/// A TOML syntax error's explanation on one line: its lines joined with "; ".
pub(super) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_and_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (
        1 + before.iter().filter(|&&b| b == b'\n').count(),
        1 + column,
    )
}

/// The key/value table of a TOML file; errors are one line naming the file and, for a
/// syntax error, the line and column.
pub(super) fn read_toml_table(path: &Path) -> Result<toml::Table> {
    let cannot_read = |e: std::io::Error| {
        Error::bad_input(format!("cannot read config file {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    let too_big = |size: u64| {
        Error::bad_input(format!(
            "{}: {size} bytes is more than the {MAX_CONFIG_BYTES} bytes lsgan reads from a \
             config file; expected a TOML file of `key = value` lines",
            path.display()
        ))
    };
    if size > MAX_CONFIG_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, column) = line_and_column(&bytes, e.valid_up_to());
        Error::bad_input(format!(
            "{}:{line}:{column}: not UTF-8 text; expected a TOML file",
            path.display()
        ))
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let position = e.span().map_or(String::new(), |span| {
            let (line, column) = line_and_column(text.as_bytes(), span.start);
            format!("{line}:{column}:")
        });
        Error::bad_input(format!(
            "{}:{position} not valid TOML: {}",
            path.display(),
            one_line(e.message())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_key_is_answered_with_the_nearest() {
        let known: Vec<String> = ["margin_scale", "margin", "lr_critic", "lr_generator"]
            .map(String::from)
            .to_vec();
        assert_eq!(nearest_key("margn_scale", &known), Some("margin_scale"));
        assert_eq!(nearest_key("lr_critc", &known), Some("lr_critic"));
        assert_eq!(nearest_key("zebra", &known), None);
        assert!(unknown_key_hint("zebra", &known).contains("lr_generator"));
    }

    #[test]
    fn a_value_of_the_wrong_type_says_what_was_expected() {
        assert_eq!(
            plain_expectation(r#"invalid type: string "abc", expected f64"#),
            r#"expected a number (such as 0.5 or 1e-4), got "abc""#
        );
        assert_eq!(
            plain_expectation("invalid value: integer `-1`, expected usize"),
            "expected a whole number (0, 1, 2, …), got -1"
        );
        assert_eq!(
            plain_expectation("unknown variant `x`"),
            "unknown variant `x`"
        );
    }
}
