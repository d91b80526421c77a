//! IDX files, the format of MNIST and Fashion-MNIST, raw or gzipped (`.gz`).
//!
//! An IDX file is a big-endian header — a magic number whose low byte is the number of
//! dimensions (2051 = 0x0803: unsigned bytes, 3 dimensions, for images; 2049 = 0x0801 for
//! labels), then one u32 per dimension — followed by the values, row-major. Everything the
//! header claims is checked against the file before anything is allocated, so a corrupt or
//! hostile header is an error naming the file, never a huge allocation or a panic.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use tch::{Kind, Tensor};

use super::{FileName, Split};
use crate::error::{Error, Result};

/// The side of MNIST and Fashion-MNIST images.
pub const MNIST_SIDE: i64 = 28;
/// Magic number of an IDX file of unsigned-byte images (3 dimensions: count, rows, columns).
pub const IMAGES_MAGIC: u32 = 2051;
/// Magic number of an IDX file of unsigned-byte labels (1 dimension: count).
pub const LABELS_MAGIC: u32 = 2049;
/// The most value bytes lsgan reads from one IDX file (1 GiB); a header claiming more is
/// refused as corrupt.
pub const MAX_PAYLOAD_BYTES: u64 = 1 << 30;
/// The largest image side an IDX header may claim.
const MAX_IDX_SIDE: u64 = 4096;
/// Deflate cannot shrink data by more than about 1032:1, so a gzipped file of n bytes
/// cannot hold more than this many times n bytes.
const MAX_GZIP_RATIO: u64 = 1100;
/// Bytes reserved before reading; the buffer grows with the data actually read.
const INITIAL_BUFFER: u64 = 64 << 20;
/// Of a gzipped file, at most this many times its size is reserved before reading: the
/// real MNIST and Fashion-MNIST files decompress to under 5 times theirs, and a header
/// that claims more than the data holds then costs no more than the data.
const GZIP_RESERVE_RATIO: u64 = 8;

/// The canonical (images, labels) file names of `split`.
pub(super) fn file_names(split: Split) -> [FileName; 2] {
    let (images, labels) = match split {
        Split::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        Split::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    };
    [images, labels].map(|name| FileName { name, gz: true })
}

/// Reads a matching pair of image and label files: u8 images `[N, 1, H, W]` and i64 labels
/// `[N]`. The two must hold the same number of items.
pub fn read_pair(images_path: &Path, labels_path: &Path) -> Result<(Tensor, Tensor)> {
    let images = read_images(images_path)?;
    let labels = read_labels(labels_path)?;
    let (image_count, label_count) = (images.size()[0], labels.size()[0]);
    if image_count != label_count {
        return Err(Error::bad_input(format!(
            "{} holds {image_count} images but {} holds {label_count} labels; expected a \
             matching pair of files with one label per image",
            images_path.display(),
            labels_path.display()
        )));
    }
    Ok((images, labels))
}

/// Reads an IDX image file (magic 2051) into u8 `[N, 1, H, W]`.
pub fn read_images(path: &Path) -> Result<Tensor> {
    let (dims, values) = read_idx(path, IMAGES_MAGIC)?;
    let [count, rows, columns] = [dims[0], dims[1], dims[2]].map(|d| d as i64);
    Ok(Tensor::from_slice(&values).view([count, 1, rows, columns]))
}

/// Reads an IDX label file (magic 2049) into i64 `[N]`.
pub fn read_labels(path: &Path) -> Result<Tensor> {
    let (_, values) = read_idx(path, LABELS_MAGIC)?;
    Ok(Tensor::from_slice(&values).to_kind(Kind::Int64))
}

/// What the file holds, for messages.
fn what(magic: u32) -> &'static str {
    if magic == IMAGES_MAGIC {
        "image"
    } else {
        "label"
    }
}

/// The header's dimensions and the value bytes of an IDX file with magic number `magic`.
fn read_idx(path: &Path, magic: u32) -> Result<(Vec<u64>, Vec<u8>)> {
    let bad = |message: String| Error::bad_input(format!("{}: {message}", path.display()));
    let kind = what(magic);
    let file = File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
    let file_bytes = file
        .metadata()
        .map_err(|e| Error::io("reading", path, e))?
        .len();
    let gzipped = path.extension().is_some_and(|ext| ext == "gz");
    let mut reader: Box<dyn Read> = if gzipped {
        Box::new(MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };

    let mut read_u32 = |field: &str| -> Result<u32> {
        let mut bytes = [0u8; 4];
        reader.read_exact(&mut bytes).map_err(|e| {
            bad(format!(
                "cannot read the IDX header's {field} (expected an IDX {kind} file): {e}"
            ))
        })?;
        Ok(u32::from_be_bytes(bytes))
    };
    let found = read_u32("magic number")?;
    if found != magic {
        let hint = match found {
            IMAGES_MAGIC | LABELS_MAGIC => format!(" (that is an IDX {} file)", what(found)),
            _ => String::new(),
        };
        return Err(bad(format!(
            "not an IDX {kind} file: magic number {found} (0x{found:08x}), expected {magic} \
             (0x{magic:08x}){hint}"
        )));
    }
    let rank = (magic & 0xff) as usize;
    let mut dims = Vec::with_capacity(rank);
    for axis in ["count", "row count", "column count"]
        .into_iter()
        .take(rank)
    {
        dims.push(u64::from(read_u32(axis)?));
    }
    let header_bytes = 4 * (1 + rank as u64);

    let count = dims[0];
    if count == 0 {
        return Err(bad(format!("the header says it holds no {kind}s")));
    }
    let claim = if rank == 3 {
        let (rows, columns) = (dims[1], dims[2]);
        if !(1..=MAX_IDX_SIDE).contains(&rows) || !(1..=MAX_IDX_SIDE).contains(&columns) {
            return Err(bad(format!(
                "the header claims images of {rows}x{columns} pixels; expected sides of 1 to \
                 {MAX_IDX_SIDE} (28x28 for MNIST)"
            )));
        }
        format!("{count} images of {rows}x{columns} pixels")
    } else {
        format!("{count} labels")
    };
    let payload = dims.iter().product::<u64>();
    if payload > MAX_PAYLOAD_BYTES {
        return Err(bad(format!(
            "the header claims {claim} ({payload} bytes), more than the {MAX_PAYLOAD_BYTES} \
             bytes lsgan reads from one IDX file; the header is corrupt"
        )));
    }
    if gzipped {
        if payload > file_bytes.saturating_mul(MAX_GZIP_RATIO) {
            return Err(bad(format!(
                "the header claims {claim} ({payload} bytes), more than a {file_bytes}-byte \
                 gzip file can hold; the header is corrupt or the file truncated"
            )));
        }
    } else if header_bytes + payload != file_bytes {
        let body = file_bytes.saturating_sub(header_bytes);
        let problem = if body < payload {
            "the file is truncated"
        } else {
            "the file has trailing data"
        };
        return Err(bad(format!(
            "{problem}: the header claims {claim} ({payload} bytes after the {header_bytes}-byte \
             header) but {body} bytes follow it"
        )));
    }

    let mut values = Vec::with_capacity(reservation(payload, file_bytes, gzipped) as usize);
    reader
        .take(payload + 1)
        .read_to_end(&mut values)
        .map_err(|e| {
            bad(format!(
                "cannot read the {kind}s (corrupt or truncated file?): {e}"
            ))
        })?;
    let read = values.len() as u64;
    if read < payload {
        return Err(bad(format!(
            "the file is truncated: the header claims {claim} ({payload} bytes) but only {read} \
             bytes follow it"
        )));
    }
    if read > payload {
        return Err(bad(format!(
            "the file has trailing data: more than the {payload} bytes of the {claim} its \
             header claims"
        )));
    }
    Ok((dims, values))
}

/// The bytes reserved for a payload the header claims: the claim itself only as far as the
/// file could back it.
fn reservation(payload: u64, file_bytes: u64, gzipped: bool) -> u64 {
    let reserve = payload.min(INITIAL_BUFFER);
    if gzipped {
        reserve.min(file_bytes.saturating_mul(GZIP_RESERVE_RATIO))
    } else {
        reserve
    }
}

/// The bytes of an IDX file: the magic number, the dimensions (big-endian u32) and the
/// values; what the readers here read. Tests write small IDX files with it.
pub fn encode(magic: u32, dims: &[u32], values: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for dim in dims {
        bytes.extend(dim.to_be_bytes());
    }
    bytes.extend(values);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_small_raw_pair() {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("images");
        let labels = dir.path().join("labels");
        let pixels: Vec<u8> = (0..12).collect();
        std::fs::write(&images, encode(IMAGES_MAGIC, &[3, 2, 2], &pixels)).unwrap();
        std::fs::write(&labels, encode(LABELS_MAGIC, &[3], &[7, 1, 9])).unwrap();
        let (images, labels) = read_pair(&images, &labels).unwrap();
        assert_eq!(images.size(), [3, 1, 2, 2]);
        assert_eq!(images.int64_value(&[2, 0, 1, 1]), 11);
        assert_eq!(Vec::<i64>::try_from(labels).unwrap(), [7, 1, 9]);
    }

    #[test]
    fn a_gzip_claim_reserves_no_more_than_the_file_could_hold() {
        // Found by tests/fuzz_parsers/: a 1.2 MB gzip label file whose header claimed
        // 355,869,763 labels reserved the whole 64 MiB read buffer.
        assert_eq!(reservation(355_869_763, 1_199_014, true), 9_592_112);
        // MNIST's train images: 47 MB from 9.9 MB, reserved exactly.
        assert_eq!(reservation(47_040_000, 9_912_422, true), 47_040_000);
        assert_eq!(reservation(47_040_000, 47_040_016, false), 47_040_000);
        assert_eq!(reservation(1 << 30, 1 << 30, false), INITIAL_BUFFER);
    }

    #[test]
    fn swapped_files_are_named_by_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let labels = dir.path().join("labels");
        std::fs::write(&labels, encode(LABELS_MAGIC, &[1], &[7])).unwrap();
        let message = read_images(&labels).unwrap_err().to_string();
        assert!(message.contains("that is an IDX label file"), "{message}");
    }
}
