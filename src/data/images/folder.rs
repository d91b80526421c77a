//! A folder of images as a dataset: every PNG and JPEG under it (searched recursively;
//! symbolic links to files are followed, to folders not, so a link cycle cannot loop),
//! taken in sorted path order so that a folder always gives the same set.
//!
//! Each image is resized so that its shorter side is the wanted side (triangle filter,
//! which averages when shrinking) and centre-cropped to a square, and converted to grayscale or
//! RGB by the channel count (an alpha channel is dropped).

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::DynamicImage;
use tch::Tensor;

use crate::error::{Error, Result};

/// File extensions read, compared without case.
pub const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Reads every image under `root` as u8 `[N, channels, side, side]`; `channels` is 1 or 3.
pub fn read_folder(root: &Path, channels: i64, side: i64) -> Result<Tensor> {
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
        let image = image::ImageReader::open(path)
            .and_then(|reader| reader.with_guessed_format())
            .map_err(|e| Error::bad_input(format!("{}: cannot open: {e}", path.display())))?
            .decode()
            .map_err(|e| {
                Error::bad_input(format!("{}: cannot decode image: {e}", path.display()))
            })?;
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
    Ok(Tensor::from_slice(&pixels)
        .view([count, side, side, channels])
        .permute([0, 3, 1, 2])
        .contiguous())
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
