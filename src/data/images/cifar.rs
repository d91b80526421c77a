//! CIFAR-10 binary batches: `data_batch_1.bin` … `data_batch_5.bin` (train, 10,000 images
//! each) and `test_batch.bin` (test). Each record is 1 label byte (0–9) followed by 3,072
//! pixel bytes: the 32×32 red plane, then green, then blue, rows top to bottom.
//!
//! A file that is not a whole number of records, or holds a label above 9 (a CIFAR-100 file
//! has two label bytes and shows up as such), is an error naming the file.

use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use super::{FileName, Split};
use crate::error::{Error, Result};

/// Image side.
pub const SIDE: i64 = 32;
/// Pixel bytes of one record: 3 planes of 32×32.
pub const PIXEL_BYTES: usize = 3 * 32 * 32;
/// Bytes of one record: the label byte and the pixels.
pub const RECORD_BYTES: usize = 1 + PIXEL_BYTES;
/// Number of classes; labels are 0..CLASSES.
pub const CLASSES: u8 = 10;
/// The folder the public `cifar-10-binary.tar.gz` unpacks to.
pub const ARCHIVE_FOLDER: &str = "cifar-10-batches-bin";
/// The largest batch file read (1 GiB); the real ones are 30,730,000 bytes.
const MAX_FILE_BYTES: u64 = 1 << 30;

/// The batch files of `split`, in order.
pub(super) fn file_names(split: Split) -> Vec<FileName> {
    let names: &[&'static str] = match split {
        Split::Train => &[
            "data_batch_1.bin",
            "data_batch_2.bin",
            "data_batch_3.bin",
            "data_batch_4.bin",
            "data_batch_5.bin",
        ],
        Split::Test => &["test_batch.bin"],
    };
    names
        .iter()
        .map(|&name| FileName { name, gz: false })
        .collect()
}

/// Reads batch files one after the other: u8 images `[N, 3, 32, 32]` and i64 labels `[N]`.
pub fn read_batches(paths: &[PathBuf]) -> Result<(Tensor, Tensor)> {
    let mut images = Vec::with_capacity(paths.len());
    let mut labels = Vec::with_capacity(paths.len());
    for path in paths {
        let (batch_images, batch_labels) = read_batch(path)?;
        images.push(batch_images);
        labels.push(batch_labels);
    }
    if images.is_empty() {
        return Err(Error::bad_input("no CIFAR-10 batch files were given"));
    }
    Ok((Tensor::cat(&images, 0), Tensor::cat(&labels, 0)))
}

/// Reads one batch file: u8 images `[N, 3, 32, 32]` and i64 labels `[N]`.
pub fn read_batch(path: &Path) -> Result<(Tensor, Tensor)> {
    let bad = |message: String| Error::bad_input(format!("{}: {message}", path.display()));
    let size = std::fs::metadata(path)
        .map_err(|e| bad(format!("cannot open: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(bad(format!(
            "{size} bytes is more than the {MAX_FILE_BYTES} bytes lsgan reads from one CIFAR-10 \
             batch file"
        )));
    }
    if size == 0 || size % RECORD_BYTES as u64 != 0 {
        return Err(bad(format!(
            "{size} bytes is not a whole number of {RECORD_BYTES}-byte records (1 label byte \
             and {PIXEL_BYTES} pixel bytes); the file is truncated or not a CIFAR-10 binary batch"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    if bytes.len() as u64 != size {
        return Err(bad(format!(
            "changed while being read ({size} bytes, then {})",
            bytes.len()
        )));
    }
    let count = bytes.len() / RECORD_BYTES;
    if let Some((record, label)) = bytes
        .chunks_exact(RECORD_BYTES)
        .map(|record| record[0])
        .enumerate()
        .find(|&(_, label)| label >= CLASSES)
    {
        return Err(bad(format!(
            "record {record} has label {label}, expected 0 to {}; not a CIFAR-10 binary batch",
            CLASSES - 1
        )));
    }
    let records = Tensor::from_slice(&bytes).view([count as i64, RECORD_BYTES as i64]);
    let labels = records.select(1, 0).to_kind(Kind::Int64);
    let images = records
        .narrow(1, 1, PIXEL_BYTES as i64)
        .reshape([count as i64, 3, SIDE, SIDE]);
    Ok((images, labels))
}
