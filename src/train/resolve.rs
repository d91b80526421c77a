//! How a run's configuration is resolved: the defaults of the chosen loss on the chosen data
//! (`defaults.rs`), then a TOML file (`config_file.rs`), then command-line flags
//! (`flags.rs`), then settings (a comparison's loss and seed), each key checked as it is laid
//! over, and the result validated. Precedence: settings > flags > file > defaults.

use std::path::Path;

use serde::Deserialize;

use crate::data::options::DataSource;
use crate::error::{Error, Result};
use crate::objectives::options::LossKind;
use crate::storage::files::CONFIG_FILE;
use crate::storage::RunDir;
use crate::train::config::TrainConfig;
use crate::train::config_file::{
    escaped, one_line, plain_expectation, read_toml_table, shown_key, unknown_key_hint,
};
use crate::train::defaults::{DEFAULT_DATA, DEFAULT_LOSS};
use crate::train::flags::{ConfigFlags, SectionFlags};

impl TrainConfig {
    /// Resolves the configuration: the loss's defaults for the data, then `file` (a TOML
    /// file), then `flags`, then `settings` (TOML keys: a comparison's loss and seed).
    /// Unknown keys, wrong types and out-of-range values are [`Error::BadInput`] naming the
    /// file and key, or the flag.
    pub fn resolve<const ONE_STEP: bool>(
        file: Option<&Path>,
        flags: &SectionFlags<ONE_STEP>,
        settings: &toml::Table,
    ) -> Result<Self> {
        let from_file = match file {
            Some(path) => read_toml_table(path)?,
            None => toml::Table::new(),
        };
        // A key no flag or setting gave is the file's to fix, whether the file sets it or
        // leaves it at its default (a check between keys: a file's conditional loss on the
        // default data).
        let origin = |key: &str| -> String {
            match file {
                Some(path) if !flags.has(key) && !settings.contains_key(key) => {
                    format!("{}: key {}", path.display(), shown_key(key))
                }
                _ => format!("option --{}", key.replace('_', "-")),
            }
        };
        let loss = match chosen(settings, flags.get::<LossKind>("loss"), &from_file, "loss") {
            Chosen::Typed(loss) => loss,
            Chosen::Written(value) => LossKind::deserialize(value).map_err(|e| {
                Error::bad_input(format!("{}: {}", origin("loss"), escaped(e.message())))
            })?,
            Chosen::Default => DEFAULT_LOSS,
        };
        let data = match chosen(
            settings,
            flags.get::<DataSource>("data"),
            &from_file,
            "data",
        ) {
            Chosen::Typed(data) => data,
            Chosen::Written(value) => DataSource::deserialize(value).map_err(|e| {
                Error::bad_input(format!("{}: {}", origin("data"), escaped(e.message())))
            })?,
            Chosen::Default => DEFAULT_DATA,
        };
        // CLS-GAN's defaults also depend on whether some labels are kept (`labels` > 0).
        let labels = match chosen(settings, flags.get::<usize>("labels"), &from_file, "labels") {
            Chosen::Typed(labels) => labels,
            Chosen::Written(value) => usize::deserialize(value).map_err(|e| {
                Error::bad_input(format!("{}: {}", origin("labels"), escaped(e.message())))
            })?,
            Chosen::Default => 0,
        };
        let defaults = TrainConfig::defaults_with_labels(loss, &data, labels);
        let mut config = over(defaults, &from_file, &origin)?;
        flags.apply(&mut config).map_err(|e| {
            Error::bad_input(format!(
                "command-line options: {}",
                one_line(&e.to_string())
            ))
        })?;
        let mut config = over(config, settings, &origin)?;
        // The loss and data chosen above fixed the defaults; keep them as chosen.
        config.objective.loss = loss;
        config.data.data = data;
        config.validate().map_err(|(key, expected)| {
            let value = config.value_of(key);
            Error::bad_input(format!("{}: expected {expected}, got {value}", origin(key)))
        })?;
        Ok(config)
    }

    /// Reads a configuration written by [`TrainConfig::to_toml`] (or by a user) with no
    /// overrides.
    pub fn from_file(path: &Path) -> Result<Self> {
        TrainConfig::resolve(Some(path), &ConfigFlags::default(), &toml::Table::new())
    }

    /// The configuration a run folder holds (its `config.toml`). A key the folder lacks
    /// takes today's default, except where a run written before the option trained
    /// otherwise: such a run's CSV points were not standardised.
    pub fn read_from(run: &RunDir) -> Result<Self> {
        let path = run.file(CONFIG_FILE);
        let as_trained = match read_toml_table(&path)?.contains_key("standardise") {
            true => toml::Table::new(),
            false => toml::Table::from_iter([("standardise".into(), toml::Value::Boolean(false))]),
        };
        TrainConfig::resolve(Some(&path), &ConfigFlags::default(), &as_trained)
    }
}

/// Where the value of an option that fixes the defaults (the loss, the data) comes from.
enum Chosen<T> {
    /// A flag, already typed.
    Typed(T),
    /// A setting or a file's key, still to be read.
    Written(toml::Value),
    Default,
}

/// `key`'s value by precedence: a setting, then the flag, then the file.
fn chosen<T>(settings: &toml::Table, flag: Option<T>, file: &toml::Table, key: &str) -> Chosen<T> {
    if let Some(value) = settings.get(key) {
        return Chosen::Written(value.clone());
    }
    match (flag, file.get(key)) {
        (Some(typed), _) => Chosen::Typed(typed),
        (None, Some(value)) => Chosen::Written(value.clone()),
        (None, None) => Chosen::Default,
    }
}

/// `config` with the keys of `given` written over it, one key at a time so that an error
/// names its key (through `origin`).
fn over(
    config: TrainConfig,
    given: &toml::Table,
    origin: &dyn Fn(&str) -> String,
) -> Result<TrainConfig> {
    if given.is_empty() {
        return Ok(config);
    }
    let base = toml::Table::try_from(&config).map_err(|e| {
        Error::bad_input(format!(
            "internal: the configuration does not serialise: {e}"
        ))
    })?;
    for (key, value) in given {
        if !base.contains_key(key) {
            let known: Vec<String> = base.keys().cloned().collect();
            return Err(Error::bad_input(format!(
                "{}: unknown key; {}",
                origin(key),
                unknown_key_hint(key, &known)
            )));
        }
        let mut single = base.clone();
        single.insert(key.clone(), value.clone());
        if let Err(e) = TrainConfig::deserialize(single) {
            return Err(Error::bad_input(format!(
                "{}: {}",
                origin(key),
                escaped(&plain_expectation(e.message()))
            )));
        }
    }
    let mut merged = base;
    merged.extend(given.clone());
    TrainConfig::deserialize(merged)
        .map_err(|e| Error::bad_input(format!("invalid configuration: {}", escaped(e.message()))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nets::options::{MAX_DEPTH, MAX_NOISE_DIM, MAX_WIDTH};
    use crate::train::options::Precision;
    use crate::train::options::{MAX_BATCH_SIZE, MAX_CRITIC_STEPS, MAX_EVAL_SAMPLES, MAX_THREADS};

    fn overrides(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "loss = \"wgan-gp\"\niters = 7\nseed = 3\n").unwrap();
        let config =
            TrainConfig::resolve(Some(&path), &ConfigFlags::default(), &overrides("seed = 9"))
                .unwrap();
        assert_eq!(config.objective.loss, LossKind::WganGp);
        assert_eq!(config.budget.iters, 7);
        assert_eq!(config.runtime.seed, 9);
        assert_eq!(
            config.optimiser.critic_steps, 5,
            "the file's loss picks the defaults"
        );
    }

    #[test]
    fn written_config_reads_back_identically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let mut config = TrainConfig::defaults(LossKind::Glsgan, &DataSource::Ring);
        config.objective.glsgan_slope = -1.0;
        config.data.data = DataSource::parse("points.csv").unwrap();
        std::fs::write(&path, config.to_toml()).unwrap();
        assert_eq!(TrainConfig::from_file(&path).unwrap(), config);
    }

    #[test]
    fn a_config_written_before_the_later_options_reads_with_their_defaults() {
        let mut config = TrainConfig::defaults(LossKind::Lsgan, &DataSource::Ring);
        (config.runtime.precision, config.objective.penalty_every) = (Precision::Bf16, 4);
        let text = config.to_toml();
        let later = ["precision = \"bf16\"", "penalty_every = 4"];
        assert!(later.iter().all(|line| text.contains(line)), "{text}");
        let older: String = text
            .lines()
            .filter(|line| !line.starts_with("precision") && !line.starts_with("penalty_every"))
            .map(|line| format!("{line}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, older).unwrap();
        let read = TrainConfig::from_file(&path).unwrap();
        assert_eq!(
            (read.runtime.precision, read.objective.penalty_every),
            (Precision::Fp32, 1)
        );
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: &str| {
            TrainConfig::resolve(None, &ConfigFlags::default(), &overrides(text))
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("hinge_weight = -1.0").contains("--hinge-weight"),
            "{}",
            err("hinge_weight = -1.0")
        );
        assert!(err("batch_size = 0").contains("--batch-size"));
        assert!(err("loss = \"lsq\"").contains("--loss"));
        assert!(
            err("loss = \"lsq\"").contains("wgan-gp"),
            "lists the valid losses"
        );
        assert!(err("colour = 1").contains("unknown"));
    }

    #[test]
    fn a_run_folder_written_before_standardisation_reads_as_it_trained() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), false).unwrap();
        let mut config = TrainConfig::default();
        config.data.data = DataSource::PointsFile("points.csv".into());
        let written = config.to_toml();
        let before: String = written
            .lines()
            .filter(|line| !line.starts_with("standardise"))
            .map(|line| format!("{line}\n"))
            .collect();
        run.write_text(CONFIG_FILE, &before).unwrap();
        assert!(!TrainConfig::read_from(&run).unwrap().data.standardise);
        run.write_text(CONFIG_FILE, &written).unwrap();
        assert!(TrainConfig::read_from(&run).unwrap().data.standardise);
        // A file of the user's own takes today's default.
        let file = dir.path().join("mine.toml");
        std::fs::write(&file, &before).unwrap();
        assert!(TrainConfig::from_file(&file).unwrap().data.standardise);
    }

    #[test]
    fn one_evaluation_sample_is_refused() {
        let message = TrainConfig::resolve(
            None,
            &ConfigFlags::default(),
            &overrides("eval_samples = 1"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.contains("--eval-samples") && message.contains("at least 2"),
            "{message}"
        );
    }

    #[test]
    fn size_bounds_match_their_messages() {
        for (key, max) in [
            ("batch_size", MAX_BATCH_SIZE),
            ("noise_dim", MAX_NOISE_DIM),
            ("gen_width", MAX_WIDTH),
            ("critic_width", MAX_WIDTH),
            ("gen_depth", MAX_DEPTH),
            ("critic_depth", MAX_DEPTH),
            ("critic_steps", MAX_CRITIC_STEPS),
            ("eval_samples", MAX_EVAL_SAMPLES),
            ("threads", MAX_THREADS),
        ] {
            TrainConfig::resolve(
                None,
                &ConfigFlags::default(),
                &overrides(&format!("{key} = {max}")),
            )
            .unwrap_or_else(|e| panic!("{key} = {max}: {e}"));
            let message = TrainConfig::resolve(
                None,
                &ConfigFlags::default(),
                &overrides(&format!("{key} = {}", max + 1)),
            )
            .unwrap_err()
            .to_string();
            assert!(
                message.contains(&format!("--{}", key.replace('_', "-")))
                    && message.contains(&format!("at most {max}")),
                "{message}"
            );
        }
    }

    #[test]
    fn newlines_in_keys_and_values_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for (text, shown) in [
            ("\"a\\nb\" = 1\n", "key `\"a\\nb\"`: unknown key"),
            ("device = \"a\\nb\"\n", "unknown variant `a\\nb`"),
            ("data = \"\\n\"\n", "got \"\\n\""),
        ] {
            std::fs::write(&path, text).unwrap();
            let message = TrainConfig::from_file(&path).unwrap_err().to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(message.contains(shown), "expected {shown} in {message}");
        }
    }

    #[test]
    fn a_check_on_a_key_the_file_leaves_unset_names_the_file() {
        // The file's conditional loss on the default data (the ring, which has no labels).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cls.toml");
        std::fs::write(&path, "loss = \"clsgan\"\n").unwrap();
        let message = TrainConfig::from_file(&path).unwrap_err().to_string();
        assert!(
            message.contains("cls.toml: key `data`: expected a data set with labels")
                && message.ends_with("got \"ring\""),
            "{message}"
        );
    }

    #[test]
    fn file_errors_name_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "iters = \"many\"\n").unwrap();
        let message = TrainConfig::from_file(&path).unwrap_err().to_string();
        assert!(
            message.contains("bad.toml") && message.contains("`iters`"),
            "{message}"
        );
        let missing = TrainConfig::from_file(&dir.path().join("none.toml")).unwrap_err();
        assert!(matches!(missing, Error::BadInput(_)));
        assert!(missing.to_string().contains("none.toml"));
    }
}
