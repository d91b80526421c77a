//! TEMPORARY — a minimal reader of the gzip-compressed IDX files of MNIST and Fashion-MNIST,
//! only so that the classifier's tests and `lsgan train-classifier` have data before the real
//! loader (`data::idx`, written on another branch) is merged. Replace every use of
//! [`load_split`] with that loader at merge time and delete this file; the metrics themselves
//! take tensors and do not depend on it.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};

/// The datasets this reader knows, by the name the CLI uses (also the folder name).
pub const DATASETS: [&str; 2] = ["mnist", "fashion-mnist"];

/// The dimensions and bytes of one `.idx?-ubyte.gz` file of unsigned bytes.
pub fn read_idx_gz(path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut bytes = Vec::new();
    GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("decompressing", path, e))?;
    let malformed =
        |what: &str| Error::bad_input(format!("{}: not an IDX file ({what})", path.display()));
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(malformed("bad magic number"));
    }
    if bytes[2] != 0x08 {
        return Err(malformed("elements are not unsigned bytes"));
    }
    let rank = bytes[3] as usize;
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(malformed("truncated header"));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|i| {
            let at = 4 + 4 * i;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    let count: usize = dims.iter().product();
    if bytes.len() != header + count {
        return Err(malformed("length does not match its dimensions"));
    }
    bytes.drain(..header);
    Ok((dims, bytes))
}

/// Images [N, 1, 28, 28] (f32 in [−1, 1]) and labels [N] (i64) of one split of `dataset`
/// (`mnist` or `fashion-mnist`) from `<data_dir>/<dataset>/{train,t10k}-*-ubyte.gz`.
pub fn load_split(data_dir: &Path, dataset: &str, train: bool) -> Result<(Tensor, Tensor)> {
    if !DATASETS.contains(&dataset) {
        return Err(Error::bad_input(format!(
            "dataset {dataset}: expected one of {}",
            DATASETS.join(", ")
        )));
    }
    let prefix = if train { "train" } else { "t10k" };
    let file = |kind: &str| -> PathBuf {
        data_dir
            .join(dataset)
            .join(format!("{prefix}-{kind}-ubyte.gz"))
    };
    let (images_path, labels_path) = (file("images-idx3"), file("labels-idx1"));
    for path in [&images_path, &labels_path] {
        if !path.is_file() {
            return Err(Error::bad_input(format!(
                "{} not found: point --data-dir at the folder that holds {dataset}/ (for this \
                 repository, ../shared/data)",
                path.display()
            )));
        }
    }
    let (image_dims, pixels) = read_idx_gz(&images_path)?;
    let (label_dims, labels) = read_idx_gz(&labels_path)?;
    if image_dims.len() != 3 || label_dims.len() != 1 || image_dims[0] != label_dims[0] {
        return Err(Error::bad_input(format!(
            "{} and {}: {image_dims:?} images do not match {label_dims:?} labels",
            images_path.display(),
            labels_path.display()
        )));
    }
    let (n, height, width) = (
        image_dims[0] as i64,
        image_dims[1] as i64,
        image_dims[2] as i64,
    );
    let images = Tensor::from_slice(&pixels)
        .view([n, 1, height, width])
        .to_kind(Kind::Float)
        / 127.5
        - 1.0;
    let labels = Tensor::from_slice(&labels).to_kind(Kind::Int64);
    Ok((images, labels))
}
