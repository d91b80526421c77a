//! A folder of images as a dataset: every PNG and JPEG under it (searched recursively;
//! symbolic links to files are followed, to folders not, so a link cycle cannot loop),
//! taken in sorted path order so that a folder always gives the same set.
//!
//! A folder laid out by class — no image directly in it, and images in two or more of its
//! subfolders (`DIR/cat/…`, `DIR/dog/…`, as torchvision's `ImageFolder` reads) — also gives
//! each image its class: the subfolder it lies in, classes numbered in the sorted order of
//! their names. A folder with `train/` and `test/` (or `val/`) subfolders is split in two
//! ([`split_folder`]).
//!
//! Each image is resized so that its shorter side is the wanted side (triangle filter,
//! which averages when shrinking) and centre-cropped to a square, and converted to grayscale or
//! RGB by the channel count (an alpha channel is dropped).
//!
//! Decoding is limited to images of at most [`MAX_IMAGE_SIDE`] pixels a side and
//! [`MAX_IMAGE_BYTES`] of decoded pixels, checked against the header before the pixels are
//! allocated: a corrupt header that claims 100000×100000 pixels is an error naming the file.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::io::{Limits, Reader as ImageReader};
use image::{DynamicImage, ImageError};
use tch::Tensor;

use super::Split;
use crate::error::{Error, Result};

/// File extensions read, compared without case.
pub const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];
/// The widest and tallest image decoded.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// The most bytes of pixels one image may decode to (256 MiB: an 85-megapixel RGB photo).
pub const MAX_IMAGE_BYTES: u64 = 256 << 20;

/// The images of a folder and, for a folder laid out by class, their classes.
#[derive(Debug)]
pub struct FolderImages {
    /// u8 `[N, channels, side, side]`, in sorted path order.
    pub images: Tensor,
    /// The class of each image, i64 `[N]`, for a folder laid out by class.
    pub labels: Option<Tensor>,
    /// The names of the classes (their subfolders), sorted; empty without classes.
    pub class_names: Vec<String>,
}

/// The subfolder that holds `split` of a split folder — `train/` for training, `test/` (or,
/// without one, `val/`) for testing — when `root` has both; `None` for any other folder.
pub fn split_folder(root: &Path, split: Split) -> Option<PathBuf> {
    let train = root.join("train");
    let test = ["test", "val"]
        .into_iter()
        .map(|name| root.join(name))
        .find(|dir| dir.is_dir())?;
    if !train.is_dir() {
        return None;
    }
    Some(match split {
        Split::Train => train,
        Split::Test => test,
    })
}

/// Reads every image under `root` as u8 `[N, channels, side, side]`; `channels` is 1 or 3.
pub fn read_folder(root: &Path, channels: i64, side: i64) -> Result<Tensor> {
    Ok(read_folder_with_classes(root, channels, side)?.images)
}

/// Reads every image under `root` as [`read_folder`] does, with its class where the folder
/// is laid out by class (see the module documentation).
pub fn read_folder_with_classes(root: &Path, channels: i64, side: i64) -> Result<FolderImages> {
    if !matches!(channels, 1 | 3) || side < 1 {
        return Err(Error::bad_input(format!(
            "images of {channels} channels and side {side}: expected 1 or 3 channels and a \
             positive side"
        )));
    }
    let paths = image_paths(root)?;
    if paths.is_empty() {
        return Err(Error::bad_input(format!(
            "{}: no images found (looked recursively for files ending in .png, .jpg or .jpeg)",
            root.display()
        )));
    }
    let pixels_per_image = (channels * side * side) as usize;
    let mut pixels = Vec::with_capacity(paths.len() * pixels_per_image);
    for path in &paths {
        let image = decode(path)?;
        if image.width() == 0 || image.height() == 0 {
            return Err(Error::bad_input(format!(
                "{}: the image has no pixels",
                path.display()
            )));
        }
        let square = square(&image, side as u32);
        if channels == 1 {
            pixels.extend_from_slice(square.to_luma8().as_raw());
        } else {
            pixels.extend_from_slice(square.to_rgb8().as_raw());
        }
    }
    let count = paths.len() as i64;
    let images = Tensor::from_slice(&pixels)
        .view([count, side, side, channels])
        .permute([0, 3, 1, 2])
        .contiguous();
    let (labels, class_names) = match classes_of(root, &paths) {
        Some((labels, names)) => (Some(Tensor::from_slice(&labels)), names),
        None => (None, Vec::new()),
    };
    Ok(FolderImages {
        images,
        labels,
        class_names,
    })
}

/// The class of each of `paths` (sorted, under `root`) and the classes' names, when the folder
/// is laid out by class: every image in a subfolder, and two or more subfolders.
fn classes_of(root: &Path, paths: &[PathBuf]) -> Option<(Vec<i64>, Vec<String>)> {
    let mut names: Vec<String> = Vec::new();
    let mut labels = Vec::with_capacity(paths.len());
    for path in paths {
        let relative = path.strip_prefix(root).ok()?;
        let mut components = relative.components();
        let first = components.next()?;
        components.next()?; // An image directly in the folder: no classes.
        let name = first.as_os_str().to_string_lossy().into_owned();
        // Sorted paths come grouped by their first folder, in order.
        if names.last() != Some(&name) {
            names.push(name);
        }
        labels.push(names.len() as i64 - 1);
    }
    (names.len() >= 2).then_some((labels, names))
}

/// Decodes the image file `path` within the limits.
fn decode(path: &Path) -> Result<DynamicImage> {
    let mut reader = ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|e| Error::bad_input(format!("{}: cannot open: {e}", path.display())))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_BYTES);
    reader.limits(limits);
    reader.decode().map_err(|e| {
        let message = match e {
            ImageError::Limits(_) => format!(
                "the image is bigger than lsgan decodes ({e}; the limit is \
                 {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels and {MAX_IMAGE_BYTES} bytes of \
                 pixels); a corrupt header or not a training image"
            ),
            _ => format!("cannot decode image: {e}"),
        };
        Error::bad_input(format!("{}: {message}", path.display()))
    })
}

/// `image` centre-cropped to a square and resized to side×side: the same as resizing the
/// shorter side to `side` and then cropping, without resizing the parts cropped away.
fn square(image: &DynamicImage, side: u32) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    let shorter = width.min(height);
    let cropped = image.crop_imm(
        (width - shorter) / 2,
        (height - shorter) / 2,
        shorter,
        shorter,
    );
    if shorter == side {
        cropped
    } else {
        cropped.resize_exact(side, side, FilterType::Triangle)
    }
}

/// The image files under `root`, sorted.
fn image_paths(root: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            Error::bad_input(format!("{}: cannot list the folder: {e}", dir.display()))
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", &dir, e))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| Error::io("reading", &path, e))?;
            if file_type.is_dir() {
                pending.push(path);
            } else if has_image_extension(&path)
                && (file_type.is_file() || path.metadata().is_ok_and(|m| m.is_file()))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}
