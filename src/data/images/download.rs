//! Fetching MNIST, Fashion-MNIST and CIFAR-10 from their public mirrors, checked against the
//! mirrors' published MD5s of the compressed files.
//!
//! Each file is written to a hidden temporary file in the target folder and renamed to its
//! canonical name only once its checksum matches, so a failed or interrupted download never
//! leaves a half-written file under a name the loader reads. Files already present are kept.
//! CIFAR-10 comes as one archive, `cifar-10-binary.tar.gz`, which is unpacked into
//! `cifar-10-batches-bin/` and then deleted.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::GzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use md5::{Digest, Md5};

use super::{cifar, idx, ImageDataset, Split};
use crate::error::{Error, Result};
use crate::storage::checksum::hex;

/// A file of a public mirror and the MD5 of its bytes (lowercase hex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: &'static str,
    pub md5: &'static str,
}

const MNIST_FILES: [RemoteFile; 4] = [
    RemoteFile {
        name: "train-images-idx3-ubyte.gz",
        md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    },
    RemoteFile {
        name: "train-labels-idx1-ubyte.gz",
        md5: "d53e105ee54ea40749a09fcbcd1e9432",
    },
    RemoteFile {
        name: "t10k-images-idx3-ubyte.gz",
        md5: "9fb629c4189551a2d022fa330f9573f3",
    },
    RemoteFile {
        name: "t10k-labels-idx1-ubyte.gz",
        md5: "ec29112dd5afa0611ce80d1b7f02629c",
    },
];

/// As published in the README of github.com/zalandoresearch/fashion-mnist.
const FASHION_MNIST_FILES: [RemoteFile; 4] = [
    RemoteFile {
        name: "train-images-idx3-ubyte.gz",
        md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    },
    RemoteFile {
        name: "train-labels-idx1-ubyte.gz",
        md5: "25c81989df183df01b3e8a0aad5dffbe",
    },
    RemoteFile {
        name: "t10k-images-idx3-ubyte.gz",
        md5: "bef4ecab320f06d8554ea6380940ec79",
    },
    RemoteFile {
        name: "t10k-labels-idx1-ubyte.gz",
        md5: "bb300cfdad3c16e7a12a480ee83cd310",
    },
];

const CIFAR10_FILES: [RemoteFile; 1] = [RemoteFile {
    name: "cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
}];

/// The files `download` fetches for `dataset` (none for a folder).
pub fn remote_files(dataset: &ImageDataset) -> &'static [RemoteFile] {
    match dataset {
        ImageDataset::Mnist => &MNIST_FILES,
        ImageDataset::FashionMnist => &FASHION_MNIST_FILES,
        ImageDataset::Cifar10 => &CIFAR10_FILES,
        ImageDataset::Folder(_) => &[],
    }
}

/// The public mirror `download` uses when no base URL is given (none for a folder).
pub fn default_base_url(dataset: &ImageDataset) -> Option<&'static str> {
    match dataset {
        ImageDataset::Mnist => Some("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        ImageDataset::FashionMnist => {
            Some("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")
        }
        ImageDataset::Cifar10 => Some("https://www.cs.toronto.edu/~kriz/"),
        ImageDataset::Folder(_) => None,
    }
}

/// Downloads `dataset` into `dir` (created if needed) from `base_url` (the folder URL the
/// canonical file names are appended to), verifying each file's MD5. Files already in
/// `dir` are kept. Afterwards `--data-dir DIR` finds the dataset.
pub fn download(dataset: &ImageDataset, dir: &Path, base_url: &str) -> Result<()> {
    if matches!(dataset, ImageDataset::Folder(_)) {
        return Err(Error::bad_input(format!(
            "{} is a folder of images; only mnist, fashion-mnist and cifar10 can be downloaded",
            dataset.name()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let base = if base_url.ends_with('/') {
        base_url.to_string()
    } else {
        format!("{base_url}/")
    };
    if *dataset == ImageDataset::Cifar10 {
        return download_cifar10(dir, &base);
    }
    for file in remote_files(dataset) {
        let dest = dir.join(file.name);
        let raw = dir.join(file.name.trim_end_matches(".gz"));
        if dest.is_file() || raw.is_file() {
            continue;
        }
        fetch_verified(&format!("{base}{}", file.name), &dest, file.md5)?;
    }
    // Fail now, not at training time, if what arrived is not what the loader reads.
    for split in [Split::Train, Split::Test] {
        let [images, labels] = idx::file_names(split).map(|name| {
            name.find_in(dir)
                .unwrap_or_else(|| dir.join(format!("{}.gz", name.name)))
        });
        let _ = idx::read_pair(&images, &labels)?;
    }
    Ok(())
}

/// Fetches `url` into `dest`, keeping it only when the MD5 of its bytes is `md5` (hex).
/// On any failure nothing is left at `dest` or beside it.
pub fn fetch_verified(url: &str, dest: &Path, md5: &str) -> Result<()> {
    let name = dest
        .file_name()
        .map_or_else(|| url.to_string(), |n| n.to_string_lossy().into_owned());
    let temp = TempPath(dest.with_file_name(format!(".{name}.part-{}", std::process::id())));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .build()
        .into();
    let response = agent
        .get(url)
        .header("Accept-Encoding", "identity")
        .call()
        .map_err(|e| match e {
            ureq::Error::StatusCode(code) => Error::Download(format!(
                "{url}: the server answered HTTP {code}{}; check the URL (--base-url)",
                if code == 404 { " (not found)" } else { "" }
            )),
            other => Error::Download(format!("{url}: cannot download: {other}")),
        })?;
    let length = response
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let bar = progress_bar(length, &name);
    let mut body = response.into_body().into_reader();
    let mut out = File::create(&temp.0).map_err(|e| Error::io("creating", &temp.0, e))?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = body
            .read(&mut buffer)
            .map_err(|e| Error::Download(format!("{url}: download interrupted: {e}")))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        out.write_all(&buffer[..read])
            .map_err(|e| Error::io("writing", &temp.0, e))?;
        bar.inc(read as u64);
    }
    out.sync_all()
        .map_err(|e| Error::io("writing", &temp.0, e))?;
    drop(out);
    bar.finish_and_clear();
    let digest = hex(&hasher.finalize());
    if !digest.eq_ignore_ascii_case(md5) {
        return Err(Error::Download(format!(
            "{name} from {url}: checksum mismatch: MD5 {digest}, expected {md5}; the file was \
             not kept (a wrong --base-url or a corrupt mirror?)"
        )));
    }
    std::fs::rename(&temp.0, dest).map_err(|e| Error::io("renaming into place", dest, e))?;
    temp.keep();
    Ok(())
}

/// Unpacks a CIFAR-10 archive (`cifar-10-binary.tar.gz`) into `dir/cifar-10-batches-bin/`:
/// into a hidden folder first, moved into place only when every batch file is there.
pub fn unpack_cifar10(archive: &Path, dir: &Path) -> Result<()> {
    let target = dir.join(cifar::ARCHIVE_FOLDER);
    let staging = TempPath(dir.join(format!(".cifar-10-unpack-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&staging.0);
    std::fs::create_dir_all(&staging.0).map_err(|e| Error::io("creating", &staging.0, e))?;
    let file = File::open(archive).map_err(|e| Error::io("reading", archive, e))?;
    tar::Archive::new(GzDecoder::new(file))
        .unpack(&staging.0)
        .map_err(|e| {
            Error::bad_input(format!(
                "{}: cannot unpack the archive: {e}",
                archive.display()
            ))
        })?;
    let unpacked = staging.0.join(cifar::ARCHIVE_FOLDER);
    let missing = missing_cifar_files(&unpacked);
    if !missing.is_empty() {
        return Err(Error::bad_input(format!(
            "{}: the archive lacks {}/{}; expected the CIFAR-10 binary version",
            archive.display(),
            cifar::ARCHIVE_FOLDER,
            missing.join(", ")
        )));
    }
    std::fs::rename(&unpacked, &target).map_err(|e| Error::io("moving into place", &target, e))?;
    Ok(())
}

/// CIFAR-10: the archive, verified, unpacked into `dir/cifar-10-batches-bin/`, then deleted.
fn download_cifar10(dir: &Path, base: &str) -> Result<()> {
    let target = dir.join(cifar::ARCHIVE_FOLDER);
    if target.exists() {
        let missing = missing_cifar_files(&target);
        if missing.is_empty() {
            return Ok(());
        }
        return Err(Error::bad_input(format!(
            "{} exists but lacks {}; remove the folder and download again",
            target.display(),
            missing.join(", ")
        )));
    }
    let file = CIFAR10_FILES[0];
    let archive = dir.join(file.name);
    let reusable = archive.is_file() && file_md5(&archive)?.eq_ignore_ascii_case(file.md5);
    if !reusable {
        fetch_verified(&format!("{base}{}", file.name), &archive, file.md5)?;
    }
    unpack_cifar10(&archive, dir)?;
    std::fs::remove_file(&archive).map_err(|e| Error::io("removing", &archive, e))?;
    Ok(())
}

/// The CIFAR-10 batch files not in `folder`.
fn missing_cifar_files(folder: &Path) -> Vec<&'static str> {
    [Split::Train, Split::Test]
        .into_iter()
        .flat_map(cifar::file_names)
        .filter(|name| name.find_in(folder).is_none())
        .map(|name| name.name)
        .collect()
}

/// The MD5 of a local file, lowercase hex.
pub fn file_md5(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| Error::io("reading", path, e))?;
        if read == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

fn progress_bar(length: Option<u64>, name: &str) -> ProgressBar {
    let (bar, template) = match length {
        Some(length) => (
            ProgressBar::new(length),
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{msg} {spinner} {bytes} {bytes_per_sec}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_string());
    bar
}

/// A file or folder removed when dropped unless [`TempPath::keep`] was called.
struct TempPath(PathBuf);

impl TempPath {
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.as_os_str().is_empty() {
            return;
        }
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
