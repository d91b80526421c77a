//! Image datasets: MNIST and Fashion-MNIST (IDX files), CIFAR-10 (binary batches) and any
//! folder of PNG/JPEG images, read into one u8 tensor, plus the loader that serves shuffled
//! batches to the trainer and the downloader that fetches the public datasets.
//!
//! One job per file: [`idx`] and [`cifar`] read the two file formats, [`folder`] decodes an
//! image folder, [`resize`] brings images to the channels and side the networks want,
//! [`loader`] serves batches, [`labelled`] picks a semi-supervised run's labelled images,
//! [`download`] fetches and verifies the public files.
//!
//! A folder's images have classes when it is laid out by class (`DIR/<class>/…`), and a
//! split when it has `train/` and `test/` (or `val/`) subfolders: see [`folder`].
//!
//! # Where the files are looked for
//!
//! A data folder `DIR` (`--data-dir DIR`, or [`default_data_dir`] when none is given) is
//! searched in this order, and the first folder that holds every file needed wins:
//!
//! 1. `DIR` itself — it holds the canonical files directly (`../shared/data/mnist`);
//! 2. `DIR/<dataset-name>` — so one folder can hold several datasets side by side
//!    (`--data-dir ../shared/data` works for both `mnist` and `fashion-mnist`).
//!
//! For CIFAR-10 each of those is also tried with `cifar-10-batches-bin/` appended (the folder
//! the public archive unpacks to). The files are:
//!
//! | dataset | train | test |
//! |---|---|---|
//! | `mnist`, `fashion-mnist` | `train-images-idx3-ubyte`, `train-labels-idx1-ubyte` | `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` |
//! | `cifar10` | `data_batch_1.bin` … `data_batch_5.bin` | `test_batch.bin` |
//!
//! IDX files may be gzipped (`.gz` appended to the name) or raw. When files are missing the
//! error ([`Error::MissingData`]) lists what was looked for where and the `lsgan download`
//! command that puts the files where the next run finds them. `lsgan download NAME` writes
//! to `default_data_dir()/NAME`; `lsgan download NAME --dir DIR` writes into `DIR` itself.

pub mod cifar;
pub mod download;
pub mod folder;
pub mod idx;
pub mod labelled;
pub mod loader;
pub mod resize;

use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
pub use loader::BatchLoader;

/// One split of a labelled dataset (`mnist`, `fashion-mnist`, `cifar10`) at its own size:
/// images [N, C, H, W] as f32 in [−1, 1] and labels [N] (i64), for the digit classifier.
pub fn load_labelled(name: &str, data_dir: &Path, split: Split) -> Result<(Tensor, Tensor)> {
    let dataset = match ImageDataset::from_spec(name) {
        Some(ImageDataset::Folder(_)) | None => {
            return Err(Error::bad_input(format!(
                "--data {name}: expected mnist, fashion-mnist or cifar10 (a labelled dataset)"
            )))
        }
        Some(dataset) => dataset,
    };
    let set = ImageSet::load(&dataset, data_dir, split, (0, 0))?;
    let labels = set
        .labels
        .ok_or_else(|| Error::bad_input(format!("{name}: the dataset has no labels")))?;
    Ok((to_unit_range(&set.images), labels))
}

/// The classes of the built-in labelled data sets (MNIST, Fashion-MNIST, CIFAR-10).
pub const LABELLED_CLASSES: i64 = 10;

/// The names of the built-in data sets' classes: their numbers, `0` … `9`.
pub fn builtin_class_names() -> Vec<String> {
    (0..LABELLED_CLASSES).map(|k| k.to_string()).collect()
}

/// The side folders are resized to when no size is asked for.
pub const DEFAULT_FOLDER_SIZE: i64 = 64;
/// The channels folders are read with when none are asked for.
pub const DEFAULT_FOLDER_CHANNELS: i64 = 3;
/// The largest image side [`ImageSet::load`] accepts.
pub const MAX_SIDE: i64 = 1024;

/// A dataset of images that `--data` can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageDataset {
    /// MNIST handwritten digits, 28×28 grayscale, 60,000 train / 10,000 test.
    Mnist,
    /// Fashion-MNIST (Zalando), 28×28 grayscale, 60,000 train / 10,000 test.
    FashionMnist,
    /// CIFAR-10, 32×32 RGB, 50,000 train / 10,000 test.
    Cifar10,
    /// Every PNG and JPEG under a folder, searched recursively.
    Folder(PathBuf),
}

impl ImageDataset {
    /// `mnist`, `fashion-mnist`, `cifar10`, or an existing folder; `None` for anything else
    /// (point data such as `ring`, `grid` or a CSV file).
    pub fn from_spec(spec: &str) -> Option<ImageDataset> {
        match spec {
            "mnist" => Some(ImageDataset::Mnist),
            "fashion-mnist" => Some(ImageDataset::FashionMnist),
            "cifar10" => Some(ImageDataset::Cifar10),
            "ring" | "grid" => None,
            path if !path.is_empty() && Path::new(path).is_dir() => {
                Some(ImageDataset::Folder(PathBuf::from(path)))
            }
            _ => None,
        }
    }

    /// `mnist`, `fashion-mnist`, `cifar10`, or the folder's path.
    pub fn name(&self) -> String {
        match self {
            ImageDataset::Mnist => "mnist".into(),
            ImageDataset::FashionMnist => "fashion-mnist".into(),
            ImageDataset::Cifar10 => "cifar10".into(),
            ImageDataset::Folder(path) => path.display().to_string(),
        }
    }

    /// Whether the dataset has images held out from training: the built-in data sets' test
    /// splits, a folder's `test/` (or `val/`) beside its `train/`.
    pub fn has_test_split(&self) -> bool {
        match self {
            ImageDataset::Folder(root) => folder::split_folder(root, Split::Test).is_some(),
            _ => true,
        }
    }

    /// The folders searched for the dataset's files under the data folder `data_dir` (empty:
    /// [`default_data_dir`]), in order; see the module documentation. Empty for folders.
    pub fn search_dirs(&self, data_dir: &Path) -> Vec<PathBuf> {
        if matches!(self, ImageDataset::Folder(_)) {
            return Vec::new();
        }
        let root = resolve_data_dir(data_dir);
        let mut dirs = vec![root.clone(), root.join(self.name())];
        if *self == ImageDataset::Cifar10 {
            dirs = dirs
                .into_iter()
                .flat_map(|dir| [dir.join(cifar::ARCHIVE_FOLDER), dir])
                .collect();
        }
        dirs
    }

    /// The folder `lsgan download` should write to so that a load with data folder
    /// `data_dir` finds the files: `data_dir` itself when one was given, else
    /// `default_data_dir()/<name>`.
    pub fn download_dir(&self, data_dir: &Path) -> PathBuf {
        if data_dir.as_os_str().is_empty() {
            default_data_dir().join(self.name())
        } else {
            data_dir.to_path_buf()
        }
    }
}

/// Which part of a dataset to read. A folder with `train/` and `test/` (or `val/`)
/// subfolders reads them; any other folder has no split: both read every image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

/// A whole image dataset in memory.
#[derive(Debug)]
pub struct ImageSet {
    /// The dataset's name (see [`ImageDataset::name`]).
    pub name: String,
    /// Every image, u8 `[N, C, H, W]` on the CPU, values 0..=255.
    pub images: Tensor,
    /// The class of each image, i64 `[N]`, where the dataset has classes (a folder laid out
    /// by class has them too).
    pub labels: Option<Tensor>,
    /// The names of the classes, in the order of their numbers (`0` … `9` for the built-in
    /// data sets, the subfolders' names for a folder); empty without labels.
    pub class_names: Vec<String>,
}

impl ImageSet {
    /// Reads `split` of `dataset`, looking for its files under `data_dir` (empty: the
    /// per-user cache; see the module documentation for the search rule), and brings the
    /// images to `want = (channels, side)`.
    ///
    /// A 0 in `want` keeps the dataset's own value (28×28×1 for the MNIST family, 32×32×3
    /// for CIFAR-10); folders, which have none, default to 64×64 RGB. Other sizes are
    /// reached by bilinear interpolation (antialiased when shrinking), 1 → 3 channels by
    /// repeating the gray channel, 3 → 1 by luma (0.299 R + 0.587 G + 0.114 B).
    pub fn load(
        dataset: &ImageDataset,
        data_dir: &Path,
        split: Split,
        want: (i64, i64),
    ) -> Result<ImageSet> {
        let (channels, side) = want;
        if !matches!(channels, 0 | 1 | 3) {
            return Err(Error::bad_input(format!(
                "image channels {channels}: expected 1 (grayscale), 3 (RGB) or 0 for the \
                 dataset's own"
            )));
        }
        if !(0..=MAX_SIDE).contains(&side) {
            return Err(Error::bad_input(format!(
                "image size {side}: expected a side of 1 to {MAX_SIDE} pixels, or 0 for the \
                 dataset's own"
            )));
        }
        let (images, labels, class_names) = match dataset {
            ImageDataset::Mnist | ImageDataset::FashionMnist => {
                let paths = find_files(dataset, data_dir, &idx::file_names(split))?;
                let (images, labels) = idx::read_pair(&paths[0], &paths[1])?;
                (images, Some(labels), builtin_class_names())
            }
            ImageDataset::Cifar10 => {
                let paths = find_files(dataset, data_dir, &cifar::file_names(split))?;
                let (images, labels) = cifar::read_batches(&paths)?;
                (images, Some(labels), builtin_class_names())
            }
            ImageDataset::Folder(root) => {
                let channels = if channels == 0 {
                    DEFAULT_FOLDER_CHANNELS
                } else {
                    channels
                };
                let side = if side == 0 { DEFAULT_FOLDER_SIZE } else { side };
                let read_from = folder::split_folder(root, split).unwrap_or(root.clone());
                let folder = folder::read_folder_with_classes(&read_from, channels, side)?;
                (folder.images, folder.labels, folder.class_names)
            }
        };
        let images = resize::adapt(images, channels, side)?;
        Ok(ImageSet {
            name: dataset.name(),
            images,
            labels,
            class_names,
        })
    }

    /// The same pixels (shared, not copied) under the same name, without labels: a set that
    /// serves as its own held-out images.
    pub fn unlabelled_view(&self) -> ImageSet {
        ImageSet {
            name: self.name.clone(),
            images: self.images.shallow_clone(),
            labels: None,
            class_names: Vec::new(),
        }
    }

    /// K, the number of classes (0 without labels).
    pub fn classes(&self) -> i64 {
        self.class_names.len() as i64
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.size()[0] as usize
    }

    /// Whether the set holds no images (never true for a loaded set).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// 1 (grayscale) or 3 (RGB).
    pub fn channels(&self) -> i64 {
        self.images.size()[1]
    }

    /// Image height in pixels.
    pub fn height(&self) -> i64 {
        self.images.size()[2]
    }

    /// Image width in pixels.
    pub fn width(&self) -> i64 {
        self.images.size()[3]
    }
}

/// u8 images (any shape) as f32 in `[−1, 1]`: x / 127.5 − 1, the range of the generator's tanh.
pub fn to_unit_range(images_u8: &Tensor) -> Tensor {
    images_u8.to_kind(Kind::Float) / 127.5 - 1.0
}

/// The dataset's own (channels, side): (1, 28) for the MNIST family, (3, 32) for CIFAR-10,
/// `None` for folders (their images come in any size).
pub fn native_shape(dataset: &ImageDataset) -> Option<(i64, i64)> {
    match dataset {
        ImageDataset::Mnist | ImageDataset::FashionMnist => Some((1, idx::MNIST_SIDE)),
        ImageDataset::Cifar10 => Some((3, cifar::SIDE)),
        ImageDataset::Folder(_) => None,
    }
}

/// The per-user data folder used when no `--data-dir` is given: `$LSGAN_DATA_DIR` when set,
/// else `${XDG_CACHE_HOME:-~/.cache}/lsgan/data`. Each dataset lives in a subfolder named
/// after it (`…/lsgan/data/mnist`), which the search rule of the module documentation finds.
pub fn default_data_dir() -> PathBuf {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env("LSGAN_DATA_DIR") {
        return dir;
    }
    let cache = from_env("XDG_CACHE_HOME")
        .or_else(|| from_env("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("lsgan").join("data")
}

/// `data_dir`, or the per-user folder when it is empty.
fn resolve_data_dir(data_dir: &Path) -> PathBuf {
    if data_dir.as_os_str().is_empty() {
        default_data_dir()
    } else {
        data_dir.to_path_buf()
    }
}

/// The paths of the files `names`, in order, in the first search folder of `dataset` that
/// holds them all.
fn find_files(dataset: &ImageDataset, data_dir: &Path, names: &[FileName]) -> Result<Vec<PathBuf>> {
    let searched = dataset.search_dirs(data_dir);
    for dir in &searched {
        let found: Vec<PathBuf> = names.iter().filter_map(|name| name.find_in(dir)).collect();
        if found.len() == names.len() {
            return Ok(found);
        }
    }
    Err(Error::MissingData {
        dataset: dataset.name(),
        files: names.iter().map(FileName::describe).collect(),
        searched,
        download_dir: dataset.download_dir(data_dir),
    })
}

/// A file a dataset needs, by its canonical name.
#[derive(Clone, Copy, Debug)]
struct FileName {
    name: &'static str,
    /// Whether a gzipped copy (`name.gz`) is accepted too.
    gz: bool,
}

impl FileName {
    /// The raw file in `dir` if there, else the gzipped one if accepted and there.
    fn find_in(&self, dir: &Path) -> Option<PathBuf> {
        let raw = dir.join(self.name);
        if raw.is_file() {
            return Some(raw);
        }
        let gz = dir.join(format!("{}.gz", self.name));
        (self.gz && gz.is_file()).then_some(gz)
    }

    /// The name as error messages list it: `name[.gz]` when both forms are accepted.
    fn describe(&self) -> String {
        if self.gz {
            format!("{}[.gz]", self.name)
        } else {
            self.name.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_image_datasets_only() {
        assert_eq!(ImageDataset::from_spec("mnist"), Some(ImageDataset::Mnist));
        assert_eq!(
            ImageDataset::from_spec("fashion-mnist"),
            Some(ImageDataset::FashionMnist)
        );
        assert_eq!(
            ImageDataset::from_spec("cifar10"),
            Some(ImageDataset::Cifar10)
        );
        for point_data in ["ring", "grid", "points.csv", "", "no/such/folder"] {
            assert_eq!(ImageDataset::from_spec(point_data), None, "{point_data}");
        }
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().to_str().unwrap();
        assert_eq!(
            ImageDataset::from_spec(spec),
            Some(ImageDataset::Folder(dir.path().to_path_buf()))
        );
        assert_eq!(ImageDataset::FashionMnist.name(), "fashion-mnist");
    }

    #[test]
    fn search_looks_in_the_folder_then_in_the_dataset_subfolder() {
        let dirs = ImageDataset::Mnist.search_dirs(Path::new("data"));
        assert_eq!(
            dirs,
            [PathBuf::from("data"), PathBuf::from("data/mnist")].to_vec()
        );
        let cifar = ImageDataset::Cifar10.search_dirs(Path::new("d"));
        assert_eq!(cifar.len(), 4);
        assert!(cifar.contains(&PathBuf::from("d/cifar10/cifar-10-batches-bin")));
        assert_eq!(
            ImageDataset::Cifar10.download_dir(Path::new("d")),
            PathBuf::from("d")
        );
        assert!(ImageDataset::Mnist
            .download_dir(Path::new(""))
            .ends_with("mnist"));
    }

    #[test]
    fn missing_files_say_what_where_and_how_to_get_them() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            ImageSet::load(&ImageDataset::Mnist, dir.path(), Split::Train, (0, 0)).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        let message = error.to_string();
        assert!(
            message.contains("train-images-idx3-ubyte[.gz]")
                && message.contains(&dir.path().join("mnist").display().to_string())
                && message.contains(&format!(
                    "lsgan download mnist --dir {}",
                    dir.path().display()
                )),
            "{message}"
        );
    }

    #[test]
    fn unit_range_maps_bytes_to_minus_one_one() {
        let bytes = Tensor::from_slice(&[0u8, 255, 127]);
        let unit = Vec::<f32>::try_from(to_unit_range(&bytes)).unwrap();
        assert_eq!(unit[0], -1.0);
        assert_eq!(unit[1], 1.0);
        assert!(unit[2].abs() < 0.01);
    }
}
