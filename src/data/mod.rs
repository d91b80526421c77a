//! Where real samples come from: 2-D points — the 8-Gaussian ring and 25-Gaussian grid of
//! docs/FORMULAS.md#toy-data-and-metrics (`toy`) and any two-column CSV file (`csv`) — and images: MNIST,
//! Fashion-MNIST, CIFAR-10 and folders of PNG/JPEG files, with their batch loader and
//! downloader (`images`).
//! [`TrainingData`] is what the trainer draws its real batches from, whichever kind.
//!
//! Point batches are drawn with libtorch's generator, which the trainer seeds at every
//! iteration from (seed, iteration); image batches come from a loader whose order is a pure
//! function of (seed, batch index). Either way a run is a function of its seed, and a resumed
//! run continues exactly.

pub mod csv;
pub mod images;
pub mod options;
pub mod standardise;
pub mod toy;

use std::path::{Path, PathBuf};

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use images::{BatchLoader, ImageDataset, ImageSet, Split};
use options::{DataOptions, DataSource};
use standardise::Standardisation;
pub use toy::GaussianMixture;

/// Dimension of the toy data, and of points where a configuration names none.
pub const POINT_DIM: i64 = 2;

/// The kind and shape of one sample, which fixes the networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleShape {
    /// A point of `dim` coordinates.
    Point { dim: i64 },
    /// A square image.
    Image { channels: i64, side: i64 },
}

impl SampleShape {
    /// The shape a run's configuration trains on (its config.toml has the image size and
    /// channels filled in).
    pub fn of(options: &DataOptions) -> SampleShape {
        if options.data.is_images() {
            SampleShape::Image {
                channels: options.image_channels as i64,
                side: options.image_size as i64,
            }
        } else {
            let dim = match options.point_dim {
                0 => POINT_DIM,
                dim => dim as i64,
            };
            SampleShape::Point { dim }
        }
    }
}

/// The real data of a training run.
#[derive(Debug)]
pub enum TrainingData {
    Points(PointData),
    /// Boxed: an image set's loaders and tensors dwarf a point set's.
    Images(Box<ImageData>),
}

impl TrainingData {
    /// The data `options` name. Image batches of `batch` images, shuffled by `seed`, start
    /// at batch `first_batch` (counted from the start of training), so that a resumed run
    /// continues the same sequence. `labelled`: also serve labelled batches of the
    /// `options.labels` images kept labelled (a CLS-GAN run).
    pub fn load(
        options: &DataOptions,
        batch: usize,
        seed: u64,
        first_batch: u64,
        labelled: bool,
    ) -> Result<Self> {
        match &options.data {
            DataSource::Images(dataset) => {
                let mut images =
                    ImageData::load(dataset, options, batch, seed, first_batch, labelled)?;
                if labelled {
                    images.labelled = Some(LabelledImages::load(
                        &images.train,
                        options.labels,
                        batch,
                        seed,
                        first_batch,
                    )?);
                }
                Ok(TrainingData::Images(Box::new(images)))
            }
            source => {
                let points = PointData::from_source(source, options.standardise)?;
                if options.point_dim != 0 && options.point_dim as i64 != points.dim() {
                    return Err(crate::error::Error::bad_input(format!(
                        "option --point-dim: {} has points of {} coordinates, not {} (0 takes \
                         the data's own)",
                        points.name(),
                        points.dim(),
                        options.point_dim
                    )));
                }
                Ok(TrainingData::Points(points))
            }
        }
    }

    /// `options` with the data's own values filled in where they left them to the data (the
    /// image size and channels; a conditional run's classes), so that the written config.toml
    /// says what was trained.
    pub fn complete(&self, mut options: DataOptions) -> DataOptions {
        match self.shape() {
            SampleShape::Image { channels, side } => {
                options.image_channels = channels as usize;
                options.image_size = side as usize;
            }
            SampleShape::Point { dim } => options.point_dim = dim as usize,
        }
        if let Some(images) = self.images().filter(|images| images.labelled.is_some()) {
            options.classes = images.train.classes() as usize;
        }
        options
    }

    /// The next real batch of `n` samples on `device` (images come in the loader's batch
    /// size, which is the run's).
    pub fn next_batch(&mut self, n: usize, device: Device) -> Tensor {
        match self {
            TrainingData::Points(points) => points.sample(n, device),
            TrainingData::Images(images) => images.loader.next_batch().to_device(device),
        }
    }

    /// The next labelled batch (images, classes i64 [B]) on `device`, when the data has
    /// labelled images (a CLS-GAN run).
    pub fn next_labelled_batch(&mut self, device: Device) -> Option<(Tensor, Tensor)> {
        let labelled = self.images_mut()?.labelled.as_mut()?;
        let (images, labels) = labelled.loader.next_with_labels();
        Some((images.to_device(device), labels?.to_device(device)))
    }

    fn images_mut(&mut self) -> Option<&mut ImageData> {
        match self {
            TrainingData::Points(_) => None,
            TrainingData::Images(images) => Some(images),
        }
    }

    /// `n` real samples for evaluation: points drawn with libtorch's generator as it is
    /// seeded now; the first `n` images of the test split (or of the set, for folders).
    pub fn evaluation_samples(&self, n: usize, device: Device) -> Tensor {
        match self {
            TrainingData::Points(points) => points.sample(n, device),
            TrainingData::Images(images) => images.evaluation_samples(n).to_device(device),
        }
    }

    /// The shape of one sample.
    pub fn shape(&self) -> SampleShape {
        match self {
            TrainingData::Points(points) => SampleShape::Point { dim: points.dim() },
            TrainingData::Images(images) => SampleShape::Image {
                channels: images.train.channels(),
                side: images.train.height(),
            },
        }
    }

    /// The 2-D points, when the data is points.
    pub fn points(&self) -> Option<&PointData> {
        match self {
            TrainingData::Points(points) => Some(points),
            TrainingData::Images(_) => None,
        }
    }

    /// The images, when the data is images.
    pub fn images(&self) -> Option<&ImageData> {
        match self {
            TrainingData::Points(_) => None,
            TrainingData::Images(images) => Some(images),
        }
    }

    /// Short name for titles.
    pub fn name(&self) -> &str {
        match self {
            TrainingData::Points(points) => points.name(),
            TrainingData::Images(images) => &images.train.name,
        }
    }
}

/// An image dataset: the training images with their batch loader, and the held-out images
/// generated ones are compared with.
#[derive(Debug)]
pub struct ImageData {
    pub dataset: ImageDataset,
    pub train: ImageSet,
    /// The test split; for an image folder, which has none, the training images.
    pub reference: ImageSet,
    loader: BatchLoader,
    /// The images kept labelled, in a CLS-GAN run.
    pub labelled: Option<LabelledImages>,
}

/// The labelled training images of a CLS-GAN run (`--labels`) and their batches.
#[derive(Debug)]
pub struct LabelledImages {
    /// Their indices in the training split, ascending.
    pub indices: Vec<i64>,
    loader: BatchLoader,
}

impl LabelledImages {
    /// `count` images of `train` (0: all), the same number per class, picked by `seed`,
    /// served in batches of `batch` (or all of them, when fewer) from batch `first_batch` on.
    fn load(
        train: &ImageSet,
        count: usize,
        batch: usize,
        seed: u64,
        first_batch: u64,
    ) -> Result<Self> {
        let indices = images::labelled::balanced_indices(train, count, seed)?;
        let set = images::labelled::subset(train, &indices)?;
        let loader = BatchLoader::new(&set, batch.min(set.len()), seed, first_batch)?;
        Ok(LabelledImages { indices, loader })
    }
}

impl ImageData {
    /// Loads `dataset` at the size and channels `options` ask for (0: the dataset's own),
    /// batched as [`TrainingData::load`] says; `labelled`: checked for a conditional run.
    pub fn load(
        dataset: &ImageDataset,
        options: &DataOptions,
        batch: usize,
        seed: u64,
        first_batch: u64,
        labelled: bool,
    ) -> Result<Self> {
        // Empty means the per-user cache; the image layer resolves that itself.
        let data_dir = Path::new(&options.data_dir);
        let want = (options.image_channels as i64, options.image_size as i64);
        let train = ImageSet::load(dataset, data_dir, Split::Train, want)?;
        let reference = match dataset {
            ImageDataset::Folder(_) if !dataset.has_test_split() => train.unlabelled_view(),
            _ => ImageSet::load(
                dataset,
                data_dir,
                Split::Test,
                (train.channels(), train.height()),
            )?,
        };
        if labelled {
            ImageData::check_classes(dataset, &train, &reference, options.classes)?;
        }
        let loader = BatchLoader::new(&train, batch, seed, first_batch)?;
        Ok(ImageData {
            dataset: dataset.clone(),
            train,
            reference,
            loader,
            labelled: None,
        })
    }

    /// Checks that `train` can train a conditional run on `dataset`: labelled, with held-out
    /// images (`reference`) of the same classes to measure its classifier on, and `classes`
    /// of them when a run's configuration already says how many (0: any).
    fn check_classes(
        dataset: &ImageDataset,
        train: &ImageSet,
        reference: &ImageSet,
        classes: usize,
    ) -> Result<()> {
        let name = &train.name;
        let bad = |what: String| {
            Err(crate::error::Error::bad_input(format!(
                "--data {name}: {what}"
            )))
        };
        if train.labels.is_none() {
            return Err(images::labelled::no_labels(train));
        }
        if !dataset.has_test_split() {
            return bad(format!(
                "a conditional run measures its classifier on held-out images: put the \
                 training images in {name}/train/<class>/… and the held-out ones in \
                 {name}/test/<class>/… (or val/)"
            ));
        }
        if reference.class_names != train.class_names {
            return bad(format!(
                "the held-out images' classes ({}) are not the training images' ({})",
                reference.class_names.join(", "),
                train.class_names.join(", ")
            ));
        }
        if classes != 0 && classes as i64 != train.classes() {
            return Err(crate::error::Error::bad_input(format!(
                "option --classes: {classes}, but {name} has {} classes ({}); 0 takes the \
                 data's own",
                train.classes(),
                train.class_names.join(", ")
            )));
        }
        Ok(())
    }

    /// Images already in memory, such as the benchmark's synthetic ones: `set` serves as both
    /// the training and the held-out images, batches as in [`ImageData::load`].
    pub fn in_memory(set: ImageSet, batch: usize, seed: u64) -> Result<Self> {
        let loader = BatchLoader::new(&set, batch, seed, 0)?;
        let reference = set.unlabelled_view();
        Ok(ImageData {
            dataset: ImageDataset::Folder(PathBuf::from(&set.name)),
            train: set,
            reference,
            loader,
            labelled: None,
        })
    }

    /// The first `n` held-out images (all of them when there are fewer), f32 in [−1, 1].
    pub fn evaluation_samples(&self, n: usize) -> Tensor {
        let n = (n as i64).min(self.reference.len() as i64);
        images::to_unit_range(&self.reference.images.narrow(0, 0, n))
    }
}

/// A source of real points.
#[derive(Debug)]
pub enum PointData {
    /// A known mixture; the toy metrics (modes, high-quality share) are defined for it.
    Mixture(GaussianMixture),
    /// Points read from a file (standardised where `standardisation` says how), sampled
    /// uniformly with replacement.
    Points {
        name: String,
        points: Tensor,
        standardisation: Option<Standardisation>,
    },
}

impl PointData {
    /// The ring, the grid, or the points of a CSV file, standardised when `standardise`
    /// (an image source has none).
    pub fn from_source(source: &DataSource, standardise: bool) -> Result<Self> {
        match source {
            DataSource::Ring => Ok(PointData::Mixture(GaussianMixture::ring())),
            DataSource::Grid => Ok(PointData::Mixture(GaussianMixture::grid())),
            DataSource::PointsFile(path) => {
                let points = csv::read_points(path)?;
                let standardisation = standardise.then(|| Standardisation::of(&points));
                let points = match &standardisation {
                    Some(standard) => standard.apply(&points),
                    None => points,
                };
                Ok(PointData::Points {
                    name: path.display().to_string(),
                    points,
                    standardisation,
                })
            }
            DataSource::Images(dataset) => Err(crate::error::Error::bad_input(format!(
                "{}: images, not 2-D points",
                dataset.name()
            ))),
        }
    }

    /// Coordinates of a point.
    pub fn dim(&self) -> i64 {
        match self {
            PointData::Mixture(_) => POINT_DIM,
            PointData::Points { points, .. } => points.size()[1],
        }
    }

    /// How the file's points were standardised for training, if they were.
    pub fn standardisation(&self) -> Option<&Standardisation> {
        match self {
            PointData::Mixture(_) => None,
            PointData::Points {
                standardisation, ..
            } => standardisation.as_ref(),
        }
    }

    /// `n` real points, shape [n, d], f32 on `device`.
    pub fn sample(&self, n: usize, device: Device) -> Tensor {
        match self {
            PointData::Mixture(mixture) => mixture.sample(n, device),
            PointData::Points { points, .. } => {
                let index =
                    Tensor::randint(points.size()[0], [n as i64], (Kind::Int64, Device::Cpu));
                points.index_select(0, &index).to_device(device)
            }
        }
    }

    /// The mixture, when the data is one (the toy metrics need its means and σ).
    pub fn mixture(&self) -> Option<&GaussianMixture> {
        match self {
            PointData::Mixture(mixture) => Some(mixture),
            PointData::Points { .. } => None,
        }
    }

    /// Short name for titles: `ring`, `grid` or the file name.
    pub fn name(&self) -> &str {
        match self {
            PointData::Mixture(mixture) => mixture.name,
            PointData::Points { name, .. } => name,
        }
    }

    /// A square [lo, hi]² that holds the data with some room around it, for plots.
    pub fn plot_bounds(&self) -> (f64, f64) {
        let (lo, hi) = match self {
            PointData::Mixture(mixture) => {
                let reach = mixture.means.abs().max().double_value(&[]);
                (-reach, reach)
            }
            PointData::Points { points, .. } => (
                points.min().double_value(&[]),
                points.max().double_value(&[]),
            ),
        };
        let pad = 0.25 * (hi - lo).max(1.0);
        (lo - pad, hi + pad)
    }
}
