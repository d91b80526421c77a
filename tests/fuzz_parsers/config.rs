//! TOML config files fuzzed: values replaced by wrong types and absurd numbers, unknown keys
//! and tables, duplicated and removed lines, deep nesting, padding past the size limit and
//! byte mutations; then the explicit cases: oversized files refused before reading, absurd
//! values refused naming the key, syntax errors refused in one line naming the line.

use std::path::{Path, PathBuf};

use lsgan::data::options::DataSource;
use lsgan::objectives::options::LossKind;
use lsgan::train::config::TrainConfig;
use lsgan::train::config_file::MAX_CONFIG_BYTES;
use lsgan::Error;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::harness::{
    campaign, fixed, mutate_bytes, pick, refused_small, sparse_file, Case, Format, CI_CASES,
    DATA_ALLOCATION_BOUND,
};
use crate::record;

/// Values put in place of a key's: wrong types, out-of-range and absurd numbers, odd strings,
/// TOML syntax errors.
const CONFIG_VALUES: [&str; 47] = [
    "-1",
    "0",
    "1",
    "-0.0",
    "0.5",
    "1.0",
    "2",
    "3",
    "64",
    "1e300",
    "-1e300",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000",
    "4294967296",
    "65537",
    "1_000",
    "0x10",
    "0b1",
    "\"\"",
    "\" \"",
    "\"text\"",
    "\"a\\nb\"",
    "\"\\u0000\"",
    "\"ring\"",
    "\"grid\"",
    "\"mnist\"",
    "\"lsgan\"",
    "\"wgan-gp\"",
    "\"/\"",
    "'literal'",
    "\"\"\"multi\nline\"\"\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "07:32:00",
    "",
    "\"unterminated",
];

/// Keys that are not config keys: near misses (kebab case, capitals, a trailing space), a
/// table, and keys only a quoted key can spell.
const UNKNOWN_KEYS: [&str; 12] = [
    "batch-size",
    "Batch_size",
    "iterations",
    "lr",
    "\"batch_size \"",
    "\"a\\nb\"",
    "\"\"",
    "\"ключ\"",
    "model.width",
    "'literal key'",
    "x",
    "\"iters\\r\"",
];

/// The 1-based line of each `key = value` line of a config, and its key.
fn config_keys(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (key, _) = line.split_once(" = ")?;
            Some((index + 1, key.trim().to_string()))
        })
        .collect()
}

fn replace_line(text: &str, line: usize, with: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = with;
    lines.join("\n") + "\n"
}

fn insert_line(text: &str, before: usize, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(before - 1, line);
    lines.join("\n") + "\n"
}

/// Nested arrays or inline tables `depth` deep.
fn nested(depth: usize, table: bool) -> String {
    if table {
        "{ a = ".repeat(depth) + "1" + &" }".repeat(depth)
    } else {
        "[".repeat(depth) + "1" + &"]".repeat(depth)
    }
}

/// One config mutation: a key's value replaced, a key renamed, an unknown key or table
/// added, a line duplicated or removed, nesting, padding, or byte-level mutations.
fn mutate_config(rng: &mut ChaCha8Rng, seeds: &[String]) -> Case {
    let text = pick(rng, seeds).clone();
    let keys = config_keys(&text);
    let (line, key) = pick(rng, &keys).clone();
    let lines = text.lines().count();
    let case = |text: String, what: String, key: Option<String>, line: Option<usize>| Case {
        key,
        line,
        ..Case::bytes("config.toml", text.into_bytes(), what)
    };
    match rng.random_range(0..10) {
        0..=2 => {
            let value = pick(rng, &CONFIG_VALUES);
            case(
                replace_line(&text, line, &format!("{key} = {value}")),
                format!("`{key}` set to {value:?}"),
                Some(key),
                Some(line),
            )
        }
        3 => {
            let new = pick(rng, &UNKNOWN_KEYS);
            let value = text
                .lines()
                .nth(line - 1)
                .unwrap()
                .split_once(" = ")
                .unwrap()
                .1;
            case(
                replace_line(&text, line, &format!("{new} = {value}")),
                format!("`{key}` renamed {new}"),
                Some(new.to_string()),
                Some(line),
            )
        }
        4 => {
            let new = pick(rng, &UNKNOWN_KEYS);
            let before = rng.random_range(1..=lines + 1);
            let added = match rng.random_range(0..3) {
                0 => format!("[{new}]"),
                1 => format!("[[{new}]]"),
                _ => format!("{new} = {}", pick(rng, &CONFIG_VALUES)),
            };
            // Added after the last key, a table header swallows nothing; before it, the keys
            // that follow move into the table.
            case(
                insert_line(&text, before, &added),
                format!("{added:?} added before line {before}"),
                None,
                None,
            )
        }
        5 => {
            let original = text.lines().nth(line - 1).unwrap().to_string();
            case(
                insert_line(&text, line + 1, &original),
                format!("line {line} duplicated"),
                Some(key),
                Some(line + 1),
            )
        }
        6 => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(&key)).collect();
            case(
                lines.join("\n") + "\n",
                format!("`{key}` removed"),
                None,
                None,
            )
        }
        7 => {
            let depth = *pick(rng, &[1, 2, 10, 100, 1000, 10_000, 50_000]);
            let table = rng.random_bool(0.5);
            case(
                replace_line(&text, line, &format!("{key} = {}", nested(depth, table))),
                format!("`{key}` nested {depth} deep"),
                Some(key),
                Some(line),
            )
        }
        8 => {
            let limit = MAX_CONFIG_BYTES as usize;
            let target = rng.random_range(limit / 2..2 * limit);
            let mut padded = text.clone();
            let filler = *pick(rng, &["# padding\n", "\n", " ", "\t\n\r\n"]);
            while padded.len() < target {
                padded.push_str(filler);
            }
            case(
                padded,
                format!("padded to {target} bytes with {filler:?}"),
                None,
                None,
            )
        }
        _ => {
            let mut bytes = text.into_bytes();
            let mut done = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                done.push(mutate_bytes(rng, &mut bytes, Format::Text));
            }
            Case::bytes("config.toml", bytes, done.join("; "))
        }
    }
}

/// Whether `message` says `path:LINE:` for some line (a syntax error's position).
fn names_a_line(message: &str, path: &Path) -> bool {
    let prefix = format!("{}:", path.display());
    message.strip_prefix(&prefix).is_some_and(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    })
}

/// A config refusal: bad input, one line, naming the file and a key or a line — the key the
/// mutation targeted, or its line, when it targeted one.
fn config_refusal(path: &Path, case: &Case, error: &Error) -> Result<(), String> {
    let Error::BadInput(message) = error else {
        return Err("not Error::BadInput".into());
    };
    if message.contains('\n') || message.contains('\r') {
        return Err("the message is more than one line".into());
    }
    if !message.contains(&path.display().to_string()) {
        return Err("the message does not name the file".into());
    }
    let names_a_key = message.contains(": key `");
    let too_big = message.contains("bytes lsgan reads from a config file");
    if !(names_a_key || names_a_line(message, path) || too_big) {
        return Err("the message names neither a key nor a line".into());
    }
    if too_big {
        return Ok(());
    }
    if let Some(key) = &case.key {
        let bare = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let line = case
            .line
            .is_some_and(|line| message.starts_with(&format!("{}:{line}:", path.display())));
        if bare && !line && !message.contains(&format!("key `{key}`")) {
            return Err(format!("the message names neither `{key}` nor its line"));
        }
    }
    Ok(())
}

fn config_seeds() -> Vec<String> {
    // Each loss on the ring, the conditional ones (which need labels) on MNIST.
    let mut seeds: Vec<String> = LossKind::ALL
        .iter()
        .map(|&loss| {
            let data = if loss.is_conditional() {
                "mnist"
            } else {
                "ring"
            };
            TrainConfig::defaults(loss, &DataSource::parse(data).unwrap()).to_toml()
        })
        .collect();
    seeds.push(
        TrainConfig::defaults_with_labels(
            LossKind::Clsgan,
            &DataSource::parse("mnist").unwrap(),
            100,
        )
        .to_toml(),
    );
    seeds.push(
        TrainConfig::defaults(LossKind::Lsgan, &DataSource::parse("mnist").unwrap()).to_toml(),
    );
    seeds.push(
        TrainConfig::defaults(LossKind::Glsgan, &DataSource::parse("points.csv").unwrap())
            .to_toml(),
    );
    seeds
}

#[test]
fn fuzz_config_files() {
    let cases = record::trials("LSGAN_FUZZ_CASES", CI_CASES);
    let seeds = config_seeds();
    let dir = tempfile::tempdir().unwrap();
    for seed in &seeds {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, seed).unwrap();
        TrainConfig::from_file(&path).unwrap();
    }
    let tally = campaign(
        "config",
        cases,
        6,
        fixed(DATA_ALLOCATION_BOUND),
        |rng| mutate_config(rng, &seeds),
        |path, _| TrainConfig::from_file(path).map(drop),
        config_refusal,
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-config",
        "Corrupt TOML config file",
        "values replaced by wrong types, out-of-range and absurd numbers, odd strings and \
         syntax errors; keys renamed to unknown ones; unknown keys and tables added; lines \
         duplicated and removed; nesting up to 50000 deep; padded to twice the size limit; \
         truncated, bit-flipped, junk inserted",
        cases,
        &tally.outcome(
            DATA_ALLOCATION_BOUND,
            "as bad input in one line naming the file and the key (or line)",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

#[test]
fn oversized_config_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let config = TrainConfig::default().to_toml();
    sparse_file(&path, config.as_bytes(), 4 << 30);
    let message = refused_small(&path, TrainConfig::from_file);
    assert!(!message.contains('\n'), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Config errors, key by key

/// `config.toml` holding the defaults with `key = value`, resolved.
fn resolve_with(
    key: &str,
    value: &str,
) -> (PathBuf, lsgan::Result<TrainConfig>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = TrainConfig::default().to_toml();
    let line = config_keys(&text)
        .into_iter()
        .find(|(_, k)| k == key)
        .unwrap_or_else(|| panic!("no key {key}"))
        .0;
    std::fs::write(
        &path,
        replace_line(&text, line, &format!("{key} = {value}")),
    )
    .unwrap();
    let result = TrainConfig::from_file(&path);
    (path, result, dir)
}

/// The message of a config refused as bad input, asserted to be one line; `case` names the
/// input in a failure.
fn one_line_refusal(result: lsgan::Result<TrainConfig>, case: &str) -> String {
    let message = match result {
        Err(Error::BadInput(message)) => message,
        other => panic!("{case}: expected bad input, got {other:?}"),
    };
    assert!(!message.contains('\n'), "{case}: {message}");
    message
}

fn assert_refused_naming(key: &str, value: &str, also: &str) {
    let (path, result, _dir) = resolve_with(key, value);
    let message = one_line_refusal(result, &format!("{key} = {value}"));
    assert!(
        message.contains(&format!("{}: key `{key}`", path.display())),
        "{key} = {value}: {message}"
    );
    assert!(
        message.contains(also),
        "{key} = {value}: expected `{also}` in {message}"
    );
}

#[test]
fn absurd_sizes_in_a_config_are_refused_naming_the_key() {
    for key in [
        "batch_size",
        "noise_dim",
        "gen_width",
        "critic_width",
        "gen_depth",
        "critic_depth",
        "critic_steps",
        "eval_samples",
    ] {
        assert_refused_naming(key, "1000000000000", "at most");
        let least = if key == "eval_samples" {
            "at least 2"
        } else {
            "at least 1"
        };
        assert_refused_naming(key, "0", least);
        assert_refused_naming(key, "-1", "expected a whole number");
        assert_refused_naming(
            key,
            "\"64\"",
            "expected a whole number (0, 1, 2, …), got \"64\"",
        );
    }
    assert_refused_naming("threads", "1000000", "at most");
    assert_refused_naming("critic_output_bias", "nan", "finite");
    assert_refused_naming("critic_output_bias", "inf", "finite");
    assert_refused_naming("loss", "\"lsq\"", "wgan-gp");
    assert_refused_naming("data", "\"\\n\"", "ring");
    // The largest allowed values are accepted.
    for (key, value) in [
        ("batch_size", "65536"),
        ("noise_dim", "4096"),
        ("gen_width", "4096"),
        ("critic_depth", "64"),
        ("eval_samples", "20000"),
        ("threads", "1024"),
    ] {
        let (_, result, _dir) = resolve_with(key, value);
        result.unwrap_or_else(|e| panic!("{key} = {value}: {e}"));
    }
}

#[test]
fn config_syntax_errors_are_one_line_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = TrainConfig::default().to_toml();
    for (bad, line) in [
        (insert_line(&text, 3, "iters = "), 3),
        (insert_line(&text, 5, "[[[["), 5),
        (insert_line(&text, 2, "seed = 1\nseed = 2"), 3),
        (text.replacen('"', "", 1), 1),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let message = one_line_refusal(TrainConfig::from_file(&path), &bad);
        assert!(
            message.starts_with(&format!("{}:{line}:", path.display())),
            "expected line {line}: {message}"
        );
    }
    std::fs::write(
        &path,
        [b"seed = 1\n".as_slice(), b"iters = \xff\n"].concat(),
    )
    .unwrap();
    let message = TrainConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}:2:", path.display())) && message.contains("UTF-8"),
        "{message}"
    );
    std::fs::write(&path, "\"a\\nb\" = 1\n").unwrap();
    let message = TrainConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        !message.contains('\n') && message.contains("unknown key"),
        "{message}"
    );
}
