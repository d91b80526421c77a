//! The one training configuration, [`TrainConfig`]: its sections, each owned by the module
//! that uses it (data, networks, objective, and the training's own optimiser, budget,
//! outputs and runtime), their range checks, and the configuration as TOML.
//!
//! Each option is declared once, as a field of its section, with its doc (the flag's help)
//! and its range check (the section's `validate`). Files keep one flat `key = value` per
//! option; the resolved config is written into each run folder as `config.toml` and can be
//! run again with `--config`. Where the values come from: the defaults in `defaults.rs`, then
//! a file, flags and settings laid over them by `resolve.rs`.

use serde::{Deserialize, Serialize};

use crate::data::images::ImageDataset;
use crate::data::options::DataOptions;
use crate::data::TrainingData;
use crate::error::Result;
use crate::nets::options::NetworkOptions;
use crate::objectives::options::ObjectiveOptions;
use crate::storage::files::CONFIG_FILE;
use crate::storage::RunDir;
use crate::train::config_file::escaped;
use crate::train::options::{BudgetOptions, OptimiserOptions, OutputOptions, RuntimeOptions};

/// Every training option, in sections. Files and run folders hold the options as flat
/// `key = value` lines (the field names); flags are the same names with `-` for `_`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    #[serde(flatten)]
    pub data: DataOptions,
    #[serde(flatten)]
    pub objective: ObjectiveOptions,
    #[serde(flatten)]
    pub budget: BudgetOptions,
    #[serde(flatten)]
    pub networks: NetworkOptions,
    #[serde(flatten)]
    pub optimiser: OptimiserOptions,
    #[serde(flatten)]
    pub outputs: OutputOptions,
    #[serde(flatten)]
    pub runtime: RuntimeOptions,
}

impl TrainConfig {
    /// The real data of a run with this configuration, image batches from batch
    /// `first_batch` on (counted from the start of training).
    pub fn load_data(&self, first_batch: u64) -> Result<TrainingData> {
        TrainingData::load(
            &self.data,
            self.optimiser.batch_size,
            self.runtime.seed,
            first_batch,
            self.objective.loss.is_conditional(),
        )
    }

    /// "LS-GAN on ring, seed 0": the title of a run's pictures and captions, the data named
    /// as `data` (the loaded data's name, or the `--data` value).
    pub fn title(&self, data: &str) -> String {
        format!(
            "{} on {data}, seed {}",
            self.objective.loss.display_name(),
            self.runtime.seed
        )
    }

    /// True when the data is images (and so the networks are DCGAN).
    pub fn is_image_data(&self) -> bool {
        self.data.data.is_images()
    }

    /// K, the classes of a conditional run (CLS-GAN on a labelled data set); 0 for others.
    pub fn classes(&self) -> i64 {
        match (self.objective.loss.is_conditional(), self.data.classes) {
            (false, _) => 0,
            (true, 0) => crate::data::images::LABELLED_CLASSES,
            (true, classes) => classes as i64,
        }
    }

    /// Whether the data set's classifier applies (`lsgan train-classifier`): MNIST or
    /// Fashion-MNIST at their own 28×28 grayscale (0 in the config stands for the data set's
    /// own size and channels).
    pub fn classifier_applies(&self) -> bool {
        matches!(
            self.data.data.images(),
            Some(ImageDataset::Mnist | ImageDataset::FashionMnist)
        ) && matches!(self.data.image_size, 0 | 28)
            && matches!(self.data.image_channels, 0 | 1)
    }

    /// The command that trains the data set's classifier, for a message that asks for it:
    /// `lsgan train-classifier --data mnist`, with the run's `--data-dir` where it has one.
    pub fn train_classifier_command(&self) -> String {
        let data_dir = match self.data.data_dir.as_str() {
            "" => String::new(),
            dir => format!(" --data-dir {dir}"),
        };
        format!("lsgan train-classifier --data {}{data_dir}", self.data.data)
    }

    /// Checks ranges, section by section. On failure returns the key and what it should be.
    pub fn validate(&self) -> std::result::Result<(), (&'static str, &'static str)> {
        self.budget.validate()?;
        self.optimiser.validate()?;
        self.networks.validate()?;
        self.objective.validate()?;
        self.outputs.validate()?;
        self.runtime.validate()?;
        self.data.validate()?;
        self.validate_labels()
    }

    /// The checks between the loss and the data's labels: CLS-GAN needs a labelled data set,
    /// and `labels` is CLS-GAN's, a multiple of the classes.
    fn validate_labels(&self) -> std::result::Result<(), (&'static str, &'static str)> {
        if self.objective.loss.is_conditional() && !self.data.data.is_images() {
            return Err((
                "data",
                "a data set with labels (mnist, fashion-mnist, cifar10 or a folder laid out by \
                 class) for the conditional losses (--loss clsgan, cwgan-gp)",
            ));
        }
        if self.data.classes != 0 && !self.objective.loss.is_conditional() {
            return Err((
                "classes",
                "0 unless --loss clsgan or cwgan-gp (only the conditional losses have classes)",
            ));
        }
        if self.data.labels != 0 && !self.objective.loss.is_conditional() {
            return Err((
                "labels",
                "0 unless --loss clsgan or cwgan-gp (only the conditional losses train on labels)",
            ));
        }
        let builtin = !matches!(self.data.data.images(), Some(ImageDataset::Folder(_)));
        if builtin && self.data.labels as i64 % crate::data::images::LABELLED_CLASSES != 0 {
            return Err((
                "labels",
                "a multiple of the 10 classes (the same number of each), or 0 for every label",
            ));
        }
        Ok(())
    }

    /// The value of `key` as TOML would write it, on one line (for error messages).
    pub(crate) fn value_of(&self, key: &str) -> String {
        match toml::Table::try_from(self)
            .ok()
            .and_then(|mut table| table.remove(key))
        {
            Some(toml::Value::String(text)) => format!("{text:?}"),
            Some(value) => escaped(&value.to_string()),
            None => "?".into(),
        }
    }

    /// The keys of the configuration file (the options' names), in the order it is written.
    pub fn keys(&self) -> Vec<String> {
        toml::Table::try_from(self)
            .map(|table| table.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The configuration as a TOML document, the form written into run folders.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Writes the configuration into the run folder as `config.toml`.
    pub fn write_into(&self, run: &RunDir) -> Result<()> {
        run.write_text(CONFIG_FILE, &self.to_toml())
    }
}
