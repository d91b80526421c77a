//! TensorBoard's own reader over run folders' event files (tests/tensorboard/read_events.py,
//! in the project's Python environment that scripts/python-env.sh installs), and what a run's
//! events must hold: every number of its metrics.jsonl under its group's tag, once, at its
//! iteration.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::succeeded;

/// The project's Python environment, where scripts/python-env.sh installed TensorBoard.
pub fn project_python() -> PathBuf {
    let cache = std::env::var_os("LSGAN_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let base = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
            base.join("lsgan")
        });
    let python = cache.join("python-env/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: `bash scripts/python-env.sh` installs TensorBoard (scripts/test.sh runs it)",
        python.display()
    );
    python
}

/// What TensorBoard's reader finds in each of `runs` (tests/tensorboard/read_events.py).
pub fn read_events(runs: &[&Path]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tensorboard/read_events.py");
    let output = succeeded(
        Command::new(project_python())
            .arg(script)
            .args(runs)
            .output()
            .unwrap(),
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The tag the documentation promises for the number at `path` of a metrics.jsonl line.
pub fn expected_tag(path: &str) -> String {
    let losses = [
        "critic_objective",
        "generator_objective",
        "loss_real",
        "loss_fake",
        "penalty",
    ];
    match path {
        "seconds" => "speed/training_seconds".into(),
        "margin_satisfaction" => "diagnostics/margin_satisfaction".into(),
        _ if losses.contains(&path) => format!("losses/{path}"),
        _ if path.starts_with("diagnostics/") => path.into(),
        _ => format!("quality/{path}"),
    }
}

/// Every number of a metrics.jsonl line but the iteration, by its path of keys
/// (`images/classifier/fid`, `images/classifier/class_shares/3`).
pub fn numbers(value: &Value, path: &str, out: &mut Vec<(String, f64)>) {
    match value {
        Value::Number(number) if path != "iteration" => {
            out.push((path.to_string(), number.as_f64().unwrap()))
        }
        Value::Object(fields) => {
            for (key, inner) in fields {
                let inner_path = match path {
                    "" => key.clone(),
                    _ => format!("{path}/{key}"),
                };
                numbers(inner, &inner_path, out);
            }
        }
        // A list's items by their feature space (image metrics), else by their position.
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let name = item["feature"]
                    .as_str()
                    .map_or_else(|| index.to_string(), String::from);
                numbers(item, &format!("{path}/{name}"), out);
            }
        }
        _ => {}
    }
}

/// The iterations of a run's metrics.jsonl lines.
pub fn logged_iterations(run: &Path) -> Vec<u64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["iteration"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// Asserts that the scalars TensorBoard read for `run` are its metrics.jsonl: each number
/// under its tag at its iteration, each tag's steps exactly the logged iterations.
pub fn assert_scalars_are_the_metrics(run: &Path, events: &Value) {
    let scalars = events["scalars"].as_object().unwrap();
    let iterations = logged_iterations(run);
    let text = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let mut tags_seen = 0;
    for line in text.lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        let iteration = line["iteration"].as_u64().unwrap();
        let mut found = Vec::new();
        numbers(&line, "", &mut found);
        for (path, value) in found {
            let tag = expected_tag(&path);
            let points = scalars
                .get(&tag)
                .unwrap_or_else(|| panic!("no tag {tag} in {:?}", scalars.keys()));
            let steps: Vec<u64> = points
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p[0].as_u64().unwrap())
                .collect();
            assert_eq!(steps, iterations, "{tag}: one point per logged line");
            assert_eq!(
                events["raw_steps"][&tag],
                serde_json::json!(iterations),
                "{tag}: the files themselves hold each step once"
            );
            let point = points
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p[0].as_u64() == Some(iteration))
                .unwrap();
            let got = point[1].as_f64().unwrap();
            assert!(
                (got - value).abs() <= 1e-6 * value.abs().max(1.0),
                "{tag} at {iteration}: {got} in TensorBoard, {value} in metrics.jsonl"
            );
            tags_seen += 1;
        }
    }
    assert!(tags_seen > 20 * iterations.len(), "{tags_seen} numbers");
    let speed = scalars["speed/iterations_per_second"].as_array().unwrap();
    assert_eq!(
        speed.len(),
        iterations.len() - 1,
        "a rate from the second line on"
    );
    assert!(speed.iter().all(|p| p[1].as_f64().unwrap() > 0.0));
}

/// The event files of a run folder.
pub fn event_files(run: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(run)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("tfevents")
        })
        .collect();
    files.sort();
    files
}
