//! A run's TensorBoard events as it trains: every number of each logged line as a scalar
//! under a group (`losses/`, `quality/`, `diagnostics/`, `speed/`), each sample interval's
//! picture (`pictures/samples` for images, `pictures/critic_landscape` for 2-D points), the
//! run's options as text (`options`) and as the HParams plugin's hyperparameters (so that a
//! sweep's runs can be sorted and filtered by loss, seed and the options varied), and its end,
//! written into the run folder's event file (`storage::event_file`) the moment each is made.
//!
//! A resumed run first cuts the folder's event files back to its checkpoint's iteration, as
//! `metrics.jsonl` is, and starts its own file with TensorBoard's restart marker at the next
//! step, so that the curves go on without a repeated or a missing step, even for a
//! TensorBoard that read the cut-away steps while the first process ran.
//!
//! Events are a view, not a record: when the event file cannot be written (a full disk,
//! a file made unwritable) training goes on with one line of warning, and no more events.

use std::collections::BTreeMap;
use std::path::Path;

use image::RgbImage;
use prost::Message;
use serde_json::Value as Json;

use crate::error::Result;
use crate::storage::event_file::{keep_events_up_to, seconds_since_epoch, EventFile};
use crate::storage::event_proto::{
    Dimension, Event, HParamsData, HParamsPluginData, Image, Kind, PluginData, ProtoValue,
    SessionEndInfo, SessionLog, SessionStartInfo, Summary, SummaryMetadata, SummaryValue,
    TensorProto, TensorShape, Value, What, DT_FLOAT, DT_STRING, SESSION_START, STATUS_SUCCESS,
};
use crate::train::config::TrainConfig;
use crate::train::LogRecord;

/// The tag of the run's options, shown by TensorBoard's text plugin.
pub const OPTIONS_TAG: &str = "options";
/// The HParams plugin's tags of a run's options and of its end.
const SESSION_START_TAG: &str = "_hparams_/session_start_info";
const SESSION_END_TAG: &str = "_hparams_/session_end_info";
/// The tag of an image run's sample grid.
pub const SAMPLES_TAG: &str = "pictures/samples";
/// The tag of a 2-D run's critic landscape under its real and generated points.
pub const LANDSCAPE_TAG: &str = "pictures/critic_landscape";

/// The keys of a metrics line that are training objectives.
const LOSS_KEYS: [&str; 5] = [
    "critic_objective",
    "generator_objective",
    "loss_real",
    "loss_fake",
    "penalty",
];

/// The event file of a run being trained, or nothing once writing it has failed.
pub struct TensorBoardEvents {
    file: Option<EventFile>,
    /// The iteration and training seconds of the previous logged line, for the speed.
    previous: Option<(u64, f64)>,
    /// The iteration of the last picture written.
    last_picture: Option<u64>,
}

impl TensorBoardEvents {
    /// Starts the events of the run of `config` in `folder` at `iteration` (0, or that of
    /// the checkpoint a resumed run continues from, whose last logged line is
    /// `last_logged`): the folder's earlier event files cut back to `iteration`, then a new
    /// file with the restart marker at `iteration + 1` and the options; no new file when
    /// `config` turns events off. A failure is a warning: the run goes on without events.
    pub fn start(
        config: &TrainConfig,
        folder: &Path,
        iteration: u64,
        last_logged: Option<&LogRecord>,
    ) -> Self {
        let mut events = TensorBoardEvents {
            file: None,
            previous: last_logged.and_then(|r| r.seconds.map(|s| (r.iteration, s))),
            last_picture: None,
        };
        let opened = (|| -> Result<Option<EventFile>> {
            keep_events_up_to(folder, iteration)?;
            match config.outputs.tensorboard {
                true => EventFile::create(folder).map(Some),
                false => Ok(None),
            }
        })();
        match opened {
            Ok(file) => events.file = file,
            Err(error) => warn(&error),
        }
        let start = event(
            iteration + 1,
            What::SessionLog(SessionLog {
                status: SESSION_START,
            }),
        );
        let options = summary(
            iteration,
            vec![
                text(OPTIONS_TAG, &config.to_toml()),
                hparams_value(
                    SESSION_START_TAG,
                    HParamsData::SessionStartInfo(SessionStartInfo {
                        hparams: hparams_of(config),
                        start_time_secs: seconds_since_epoch(),
                    }),
                ),
            ],
        );
        events.write(&[start, options]);
        events
    }

    /// The run's end, for the HParams plugin (its status: finished).
    pub fn finish(&mut self, iteration: u64) {
        let end = HParamsData::SessionEndInfo(SessionEndInfo {
            status: STATUS_SUCCESS,
            end_time_secs: seconds_since_epoch(),
        });
        self.write(&[summary(
            iteration,
            vec![hparams_value(SESSION_END_TAG, end)],
        )]);
    }

    /// The scalars of one logged line, at its iteration.
    pub fn log(&mut self, record: &LogRecord) {
        let mut values = scalars(record);
        if let (Some((iteration, seconds)), Some(now)) = (self.previous, record.seconds) {
            if record.iteration > iteration && now > seconds {
                let rate = (record.iteration - iteration) as f64 / (now - seconds);
                values.push(scalar("speed/iterations_per_second", rate));
            }
        }
        self.previous = record.seconds.map(|seconds| (record.iteration, seconds));
        self.write(&[summary(record.iteration, values)]);
    }

    /// `picture` (encoded as `png`) under `tag` at `iteration`, once: the final picture of a
    /// run that ends on a sample interval is that interval's.
    pub fn picture(&mut self, tag: &str, iteration: u64, picture: &RgbImage, png: &[u8]) {
        if self.last_picture == Some(iteration) {
            return;
        }
        let image = Image {
            height: picture.height() as i32,
            width: picture.width() as i32,
            colorspace: 3,
            encoded_image_string: png.to_vec(),
        };
        let value = SummaryValue {
            tag: tag.into(),
            metadata: None,
            value: Some(Value::Image(image)),
        };
        self.write(&[summary(iteration, vec![value])]);
        self.last_picture = Some(iteration);
    }

    fn write(&mut self, events: &[Event]) {
        let Some(file) = &self.file else { return };
        if let Err(error) = file.append(events) {
            warn(&error);
            self.file = None;
        }
    }
}

/// The one line said when events stop.
fn warn(error: &crate::error::Error) {
    eprintln!(
        "warning: {error}; TensorBoard events are no longer written for this run, which goes on \
         (metrics.jsonl and the pictures keep everything)"
    );
}

fn event(step: u64, what: What) -> Event {
    Event {
        wall_time: seconds_since_epoch(),
        step: step as i64,
        what: Some(what),
    }
}

fn summary(step: u64, value: Vec<SummaryValue>) -> Event {
    event(step, What::Summary(Summary { value }))
}

fn scalar(tag: &str, value: f64) -> SummaryValue {
    SummaryValue {
        tag: tag.into(),
        metadata: None,
        value: Some(Value::SimpleValue(value as f32)),
    }
}

/// A text value, shown (as Markdown: here a block of code) by TensorBoard's text plugin.
fn text(tag: &str, code: &str) -> SummaryValue {
    let markdown: String = code.lines().map(|line| format!("    {line}\n")).collect();
    plugin_value(
        tag,
        "text",
        Vec::new(),
        DT_STRING,
        vec![markdown.into_bytes()],
    )
}

/// A value for the TensorBoard plugin `plugin`, which reads `content` from the value's
/// metadata, over a tensor of `dtype` holding `strings` (a vector of their count).
fn plugin_value(
    tag: &str,
    plugin: &str,
    content: Vec<u8>,
    dtype: i32,
    strings: Vec<Vec<u8>>,
) -> SummaryValue {
    SummaryValue {
        tag: tag.into(),
        metadata: Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: plugin.into(),
                content,
            }),
        }),
        value: Some(Value::Tensor(TensorProto {
            dtype,
            tensor_shape: Some(TensorShape {
                dim: vec![Dimension {
                    size: strings.len() as i64,
                }],
            }),
            string_val: strings,
        })),
    }
}

/// The run's options as the HParams plugin's hyperparameters: every key of `config.toml`
/// with its number, text or truth value, so that TensorBoard's HPARAMS table can sort and
/// filter a sweep's runs by loss, seed and the options varied.
fn hparams_of(config: &TrainConfig) -> BTreeMap<String, ProtoValue> {
    let table = toml::Table::try_from(config).unwrap_or_default();
    table
        .into_iter()
        .filter_map(|(key, value)| {
            let kind = match value {
                toml::Value::Integer(n) => Kind::NumberValue(n as f64),
                toml::Value::Float(x) => Kind::NumberValue(x),
                toml::Value::Boolean(b) => Kind::BoolValue(b),
                toml::Value::String(text) => Kind::StringValue(text),
                _ => return None,
            };
            Some((key, ProtoValue { kind: Some(kind) }))
        })
        .collect()
}

/// A value of the HParams plugin: its data as the plugin's metadata, over an empty tensor
/// (as TensorBoard's own `hparams` summaries write it).
fn hparams_value(tag: &str, data: HParamsData) -> SummaryValue {
    let content = HParamsPluginData {
        version: 0,
        data: Some(data),
    };
    plugin_value(
        tag,
        "hparams",
        content.encode_to_vec(),
        DT_FLOAT,
        Vec::new(),
    )
}

/// Every number of `record`'s `metrics.jsonl` line but its iteration, tagged by
/// [`tag_of`].
pub fn scalars(record: &LogRecord) -> Vec<SummaryValue> {
    let mut values = Vec::new();
    if let Ok(Json::Object(line)) = serde_json::to_value(record) {
        for (key, value) in &line {
            if key != "iteration" {
                flatten(key, value, &mut values);
            }
        }
    }
    values
        .into_iter()
        .map(|(path, number)| scalar(&tag_of(&path), number))
        .collect()
}

/// The numbers under `value`, each with its path of keys from the line (`a/b/c`); a list's
/// items are named by their `feature` (image metrics) or else by their position.
fn flatten(path: &str, value: &Json, out: &mut Vec<(String, f64)>) {
    match value {
        Json::Number(number) => out.extend(number.as_f64().map(|n| (path.to_string(), n))),
        Json::Object(fields) => {
            for (key, inner) in fields {
                flatten(&format!("{path}/{key}"), inner, out);
            }
        }
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let name = match item.get("feature") {
                    Some(Json::String(feature)) => feature.clone(),
                    _ => index.to_string(),
                };
                flatten(&format!("{path}/{name}"), item, out);
            }
        }
        Json::Null | Json::Bool(_) | Json::String(_) => {}
    }
}

/// The tag of the number at `path` in a metrics line: the objectives under `losses/`, the
/// critic's diagnostics and margin share under `diagnostics/`, the training time under
/// `speed/`, and the evaluation (modes, high-quality share, energy distance, image
/// metrics) under `quality/`.
pub fn tag_of(path: &str) -> String {
    if LOSS_KEYS.contains(&path) {
        format!("losses/{path}")
    } else if path == "seconds" {
        "speed/training_seconds".into()
    } else if path == "margin_satisfaction" {
        format!("diagnostics/{path}")
    } else if path.starts_with("diagnostics/") {
        path.into()
    } else {
        format!("quality/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_of_a_line_has_a_grouped_tag() {
        // A line of a ring run's metrics.jsonl.
        let line = r#"{"iteration":100,"seconds":0.35178124799999994,"critic_objective":2.692975295782089,"generator_objective":2.72242266535759,"loss_real":2.024412314593792,"loss_fake":2.6140489584207534,"penalty":0.33957374913676175,"margin_satisfaction":0.0103125,"modes_covered":0,"modes_total":8,"modes_with_any_high_quality":6,"high_quality_share":0.0048,"energy_distance":0.10087798054485342,"diagnostics":{"margin_share":0.0,"mean_hinge":2.8615043684840202,"allocation_rank_correlation":0.3208384513570164,"gradient_norm_real":{"mean":0.36059803489679676,"max":1.0560061660896742},"gradient_norm_fake":{"mean":0.6693390983686793,"max":2.018940850752387},"gradient_norm_interpolate":{"mean":0.6741126956225841,"max":1.9855476055117676},"critic_real":{"min":3.3856143951416016,"max":4.78361701965332},"critic_fake":{"min":3.3824901580810547,"max":6.000380039215088}}}"#;
        let record: LogRecord = serde_json::from_str(line).unwrap();
        let tags: Vec<(String, f32)> = scalars(&record)
            .into_iter()
            .map(|value| match value.value {
                Some(Value::SimpleValue(number)) => (value.tag, number),
                other => panic!("{other:?}"),
            })
            .collect();
        for want in [
            ("speed/training_seconds", 0.351_781_25),
            ("losses/critic_objective", 2.692_975_3),
            ("losses/penalty", 0.339_573_75),
            ("diagnostics/margin_satisfaction", 0.010_312_5),
            ("quality/modes_covered", 0.0),
            ("quality/high_quality_share", 0.0048),
            ("diagnostics/gradient_norm_real/max", 1.056_006_2),
        ] {
            assert!(
                tags.contains(&(want.0.to_string(), want.1)),
                "{want:?} missing from {tags:?}"
            );
        }
        // 25 numbers in the line besides the iteration.
        assert_eq!(tags.len(), 25, "{tags:?}");
    }
}
