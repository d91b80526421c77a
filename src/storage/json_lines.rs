//! A JSON-lines file: one serialised value per line, appended and flushed one at a time,
//! read back with a torn last line (a crash while appending) dropped.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// A JSON-lines file open for appending.
pub struct JsonLines {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl JsonLines {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io("creating", path, e))?;
        Ok(JsonLines {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }

    /// Opens a file to append to it, creating it if it is not there.
    pub fn append_to(path: &Path) -> Result<Self> {
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io("opening", path, e))?;
        Ok(JsonLines {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }

    pub fn append(&mut self, value: &impl Serialize) -> Result<()> {
        let line = serde_json::to_string(value)
            .map_err(|e| Error::bad_input(format!("serialising a log line: {e}")))?;
        writeln!(self.writer, "{line}")
            .and_then(|()| self.writer.flush())
            .map_err(|e| Error::io("writing", &self.path, e))
    }
}

/// The values of the JSON-lines file `path` (none when it is absent). A line that does not
/// parse is an error naming the file and line, except a torn last line, which is dropped.
pub fn read_json_lines<T: DeserializeOwned>(path: &Path, what: &str) -> Result<Vec<T>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut values = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        match serde_json::from_str(line) {
            Ok(value) => values.push(value),
            Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => break,
            Err(e) => {
                return Err(Error::bad_input(format!(
                    "{}:{}: not {what}: {e}",
                    path.display(),
                    index + 1
                )))
            }
        }
    }
    Ok(values)
}

/// The JSON-lines text of `values`, one line each.
pub fn json_lines_text<T: Serialize>(values: &[T]) -> Result<String> {
    let mut text = String::new();
    for value in values {
        let line = serde_json::to_string(value)
            .map_err(|e| Error::bad_input(format!("serialising a log line: {e}")))?;
        text += &line;
        text.push('\n');
    }
    Ok(text)
}
