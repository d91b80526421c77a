//! CSV point files: one point per line, its coordinates separated by commas, semicolons,
//! spaces or tabs (`x,y` for 2-D points; any number of columns up to [`MAX_POINT_DIM`], the
//! same on every line). Blank lines and lines starting with `#` are skipped; a header line
//! of non-numbers is allowed as the first line. Any other bad line is an error naming the
//! file and line.
//!
//! The file is read a line at a time: a line longer than [`MAX_LINE_BYTES`] or a file larger
//! than [`MAX_FILE_BYTES`] is an error before it is held in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use tch::Tensor;

use crate::error::{Error, Result};

/// The longest line read (64 KiB); a point `x,y` takes a few dozen bytes.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// The largest point file read (1 GiB, some 50 million points).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The most coordinates of a point (the widest input the MLP critic takes).
pub const MAX_POINT_DIM: usize = 4096;
/// The most characters of a bad line quoted in its error.
const QUOTED_CHARS: usize = 60;

/// Reads the points of `path` into an [n, d] f32 tensor, d the columns of its first line.
pub fn read_points(path: &Path) -> Result<Tensor> {
    let cannot_read = |e: std::io::Error| {
        Error::bad_input(format!(
            "option --data: cannot read {}: {e} (expected ring, grid, mnist, fashion-mnist, \
             cifar10, a CSV file of x,y points or a folder of images)",
            path.display()
        ))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error::bad_input(format!(
            "{}: {size} bytes is more than the {MAX_FILE_BYTES} bytes lsgan reads from a point \
             file",
            path.display()
        )));
    }
    let mut reader = BufReader::new(file.take(MAX_FILE_BYTES));
    let mut bytes = Vec::new();
    let mut values = Vec::new();
    let mut seen_data = false;
    let mut dim: Option<usize> = None;
    for number in 1.. {
        bytes.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(cannot_read)?;
        if read == 0 {
            break;
        }
        let bad =
            |message: String| Error::bad_input(format!("{}:{number}: {message}", path.display()));
        if bytes.len() > MAX_LINE_BYTES && bytes.last() != Some(&b'\n') {
            return Err(bad(format!(
                "a line of more than {MAX_LINE_BYTES} bytes; expected the coordinates of one \
                 point per line"
            )));
        }
        let line = std::str::from_utf8(&bytes)
            .map_err(|_| bad("not UTF-8 text; expected numbers such as `x,y` per line".into()))?
            .trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let parsed: Vec<Option<f32>> = fields
            .iter()
            .map(|f| f.parse::<f32>().ok().filter(|v| v.is_finite()))
            .collect();
        let is_header = !seen_data && parsed.iter().all(Option::is_none);
        seen_data = true;
        if is_header {
            continue;
        }
        let columns = *dim.get_or_insert(parsed.len());
        if parsed.len() > MAX_POINT_DIM {
            return Err(bad(format!(
                "{} numbers on a line; lsgan takes points of at most {MAX_POINT_DIM} coordinates",
                parsed.len()
            )));
        }
        if parsed.len() != columns || parsed.iter().any(Option::is_none) {
            let expected = match columns {
                2 => "two finite numbers `x,y`".to_string(),
                d => format!("{d} finite numbers, as on the first line"),
            };
            return Err(bad(format!(
                "expected {expected}, found `{}`",
                quoted(line)
            )));
        }
        values.extend(parsed.into_iter().flatten());
    }
    let dim = dim.unwrap_or(2).max(1);
    if values.len() < 2 * dim {
        return Err(Error::bad_input(format!(
            "{}: expected at least 2 points (lines such as `x,y`), found {}",
            path.display(),
            values.len() / dim
        )));
    }
    let count = (values.len() / dim) as i64;
    Ok(Tensor::from_slice(&values).view([count, dim as i64]))
}

/// `line` for an error message: its first [`QUOTED_CHARS`] characters, control characters
/// escaped, so that the message stays one readable line.
fn quoted(line: &str) -> String {
    let mut shown = String::new();
    for c in line.chars().take(QUOTED_CHARS) {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    if line.chars().count() > QUOTED_CHARS {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_points_with_header_comments_and_blank_lines() {
        let (_dir, path) = write("x,y\n# comment\n1,2\n\n3.5 -4\n");
        let points = read_points(&path).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(points.view([-1])).unwrap(),
            [1.0, 2.0, 3.5, -4.0]
        );
    }

    #[test]
    fn bad_row_names_file_and_line() {
        let (_dir, path) = write("1,2\n3,4\n5,oops\n");
        let message = read_points(&path).unwrap_err().to_string();
        assert!(message.contains("points.csv:3"), "{message}");
        assert!(message.contains("5,oops"), "{message}");
        let (_dir, path) = write("1,2\n3,4,5\n");
        assert!(read_points(&path)
            .unwrap_err()
            .to_string()
            .contains("points.csv:2"));
        let (_dir, path) = write("1,2\nnan,4\n");
        assert!(read_points(&path)
            .unwrap_err()
            .to_string()
            .contains("points.csv:2"));
    }

    #[test]
    fn long_and_binary_lines_are_refused_naming_the_line() {
        let long = format!("1,2\n3,4\n{},1\n", "7".repeat(MAX_LINE_BYTES + 1));
        let (_dir, path) = write(&long);
        let message = read_points(&path).unwrap_err().to_string();
        assert!(
            message.contains("points.csv:3: a line of more than"),
            "{message}"
        );
        // A line of exactly the limit is read.
        let (_dir, path) = write(&format!("1,2\n3,{}\n", "0".repeat(MAX_LINE_BYTES - 2)));
        assert_eq!(read_points(&path).unwrap().size(), [2, 2]);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, b"1,2\n3,4\n5,\xff\n").unwrap();
        let message = read_points(&path).unwrap_err().to_string();
        assert!(message.contains("points.csv:3: not UTF-8"), "{message}");
        let (_dir, path) = write(&format!("1,2\n3,4\n5,{}\n", "x".repeat(1000)));
        let message = read_points(&path).unwrap_err().to_string();
        assert!(message.len() < 200 && message.ends_with("x…`"), "{message}");
    }

    #[test]
    fn points_of_any_dimension_are_read_with_one_width() {
        let (_dir, path) = write("a b c\n1 2 3\n4;5;6\n");
        assert_eq!(read_points(&path).unwrap().size(), [2, 3]);
        let (_dir, path) = write("1\n2\n3\n");
        assert_eq!(read_points(&path).unwrap().size(), [3, 1]);
        let (_dir, path) = write("1,2,3\n4,5\n");
        let message = read_points(&path).unwrap_err().to_string();
        assert!(
            message.contains("points.csv:2: expected 3 finite numbers, as on the first line"),
            "{message}"
        );
    }

    #[test]
    fn too_few_points_and_missing_file_are_bad_input() {
        let (_dir, path) = write("1,2\n");
        assert!(matches!(read_points(&path), Err(Error::BadInput(_))));
        assert!(matches!(
            read_points(Path::new("/no/such.csv")),
            Err(Error::BadInput(_))
        ));
    }
}
