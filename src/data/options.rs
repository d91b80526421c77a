//! The data section of the configuration: what to train on and the image shape, and
//! [`DataSource`], the `data` option parsed once into what it names.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::images::ImageDataset;

/// What `data` can be, for messages.
pub const DATA_EXPECTED: &str =
    "`ring`, `grid`, a CSV file, `mnist`, `fashion-mnist`, `cifar10` or an image folder";

/// Where the real samples come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DataSource {
    /// The 8-Gaussian ring (docs/FORMULAS.md#toy-data-and-metrics).
    Ring,
    /// The 25-Gaussian grid.
    Grid,
    /// A CSV file of x,y points.
    PointsFile(PathBuf),
    /// MNIST, Fashion-MNIST, CIFAR-10 or a folder of images.
    Images(ImageDataset),
}

impl DataSource {
    /// `ring`, `grid`, `mnist`, `fashion-mnist`, `cifar10`, an existing folder (images) or
    /// any other path (a CSV file of points); blank text is refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err(format!("expected {DATA_EXPECTED}, got {text:?}"));
        }
        Ok(match text {
            "ring" => DataSource::Ring,
            "grid" => DataSource::Grid,
            _ => match ImageDataset::from_spec(text) {
                Some(dataset) => DataSource::Images(dataset),
                None => DataSource::PointsFile(PathBuf::from(text)),
            },
        })
    }

    /// True when the data is images (and so the networks are DCGAN).
    pub fn is_images(&self) -> bool {
        matches!(self, DataSource::Images(_))
    }

    /// The image dataset, when the data is images.
    pub fn images(&self) -> Option<&ImageDataset> {
        match self {
            DataSource::Images(dataset) => Some(dataset),
            _ => None,
        }
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSource::Ring => f.write_str("ring"),
            DataSource::Grid => f.write_str("grid"),
            DataSource::PointsFile(path) => write!(f, "{}", path.display()),
            DataSource::Images(dataset) => f.write_str(&dataset.name()),
        }
    }
}

impl std::str::FromStr for DataSource {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        DataSource::parse(text)
    }
}

impl TryFrom<String> for DataSource {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        DataSource::parse(&text)
    }
}

impl From<DataSource> for String {
    fn from(source: DataSource) -> String {
        source.to_string()
    }
}

/// What to train on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct DataOptions {
    /// `ring`, `grid`, a CSV file of x,y points, `mnist`, `fashion-mnist`, `cifar10` or a
    /// folder of images [default: ring].
    #[arg(
        long,
        value_name = "ring|grid|FILE.csv|mnist|fashion-mnist|cifar10|DIR"
    )]
    pub data: DataSource,
    /// Where image datasets are looked for; empty: the per-user cache.
    #[arg(long, value_name = "DIR")]
    pub data_dir: String,
    /// Side of the (square) images the networks make: 28, 32 or 64; 0: the dataset's own
    /// (64 for folders).
    #[arg(long)]
    pub image_size: usize,
    /// 1 (grayscale) or 3 (RGB); 0: the dataset's own (3 for folders).
    #[arg(long)]
    pub image_channels: usize,
    /// Coordinates of a point; 0: the data's own (2 for the ring and the grid, a CSV file's
    /// columns).
    #[arg(long)]
    // Run folders written before the option lack the key: 2-D points, as they trained.
    #[serde(default)]
    pub point_dim: usize,
    /// CSV points: train on each coordinate shifted to mean 0 and scaled to standard
    /// deviation 1 (`true` or `false`); samples are written in the file's units.
    #[arg(long, action = clap::ArgAction::Set)]
    // Run folders written before the option lack the key: unstandardised, as they trained.
    #[serde(default)]
    pub standardise: bool,
    /// CLS-GAN: how many training images keep their labels (the same number of each class,
    /// chosen by the seed; the run folder lists them in `labelled.json`); the rest train
    /// unlabelled. 0: every image keeps its label.
    #[arg(long)]
    // Run folders written before the option lack the key: every label, as they trained.
    #[serde(default)]
    pub labels: usize,
    /// The classes of a conditional run (10 for mnist, fashion-mnist and cifar10, the class
    /// subfolders of a folder): a check on the data; 0: the data's own, written into the
    /// run's config.toml so that `sample` and `evaluate` rebuild its networks without the data.
    #[arg(long)]
    // Run folders written before the key lack it: the built-in data sets' 10.
    #[serde(default)]
    pub classes: usize,
}

impl DataOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !matches!(self.image_channels, 0 | 1 | 3) {
            return Err((
                "image_channels",
                "1 (grayscale) or 3 (RGB), or 0 for the dataset's own",
            ));
        }
        if self.point_dim > crate::data::csv::MAX_POINT_DIM {
            return Err((
                "point_dim",
                "a whole number of at most 4096 (0 for the data's own)",
            ));
        }
        if !matches!(self.image_size, 0 | 28 | 32 | 64) {
            return Err((
                "image_size",
                "28, 32 or 64 (the DCGAN sizes), or 0 for the dataset's own",
            ));
        }
        Ok(())
    }
}
