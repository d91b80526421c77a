//! Two-column CSV point files: one point per line, `x,y` (or separated by spaces/tabs).
//! Blank lines and lines starting with `#` are skipped; a header line of non-numbers is
//! allowed as the first line. Any other bad line is an error naming the file and line.

use std::path::Path;

use tch::Tensor;

use crate::error::{Error, Result};

/// Reads the points of `path` into an [n, 2] f32 tensor.
pub fn read_points(path: &Path) -> Result<Tensor> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::bad_input(format!(
            "cannot read data file {}: {e} (expected `ring`, `grid` or a CSV file of x,y points)",
            path.display()
        ))
    })?;
    let mut values = Vec::new();
    let mut seen_data = false;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
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
        if is_header {
            seen_data = true;
            continue;
        }
        seen_data = true;
        match parsed.as_slice() {
            [Some(x), Some(y)] => values.extend([*x, *y]),
            _ => {
                return Err(Error::bad_input(format!(
                    "{}:{}: expected two finite numbers `x,y`, found `{line}`",
                    path.display(),
                    index + 1
                )))
            }
        }
    }
    if values.len() < 4 {
        return Err(Error::bad_input(format!(
            "{}: expected at least 2 points (lines `x,y`), found {}",
            path.display(),
            values.len() / 2
        )));
    }
    let count = values.len() as i64 / 2;
    Ok(Tensor::from_slice(&values).view([count, 2]))
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
    fn too_few_points_and_missing_file_are_bad_input() {
        let (_dir, path) = write("1,2\n");
        assert!(matches!(read_points(&path), Err(Error::BadInput(_))));
        assert!(matches!(
            read_points(Path::new("/no/such.csv")),
            Err(Error::BadInput(_))
        ));
    }
}
