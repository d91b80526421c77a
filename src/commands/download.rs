//! `lsgan download`: fetches MNIST, Fashion-MNIST or CIFAR-10 from its public mirror (or
//! `--base-url`), checked against the mirror's MD5s, and says how to train on it.

use std::path::{Path, PathBuf};

use crate::data::images::{download, ImageDataset};
use crate::error::{Error, Result};

/// `lsgan download`'s options.
#[derive(clap::Args)]
pub struct DownloadArgs {
    #[arg(value_parser = ["mnist", "fashion-mnist", "cifar10"])]
    pub dataset: String,
    /// Folder to write the files into; `--data-dir DIR` then finds them
    /// [default: the per-user cache, ~/.cache/lsgan/data/<dataset>].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// URL of the mirror folder the canonical file names are appended to
    /// [default: the dataset's public mirror].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `lsgan download`.
pub fn download_command(args: DownloadArgs) -> Result<()> {
    download_dataset(&args.dataset, args.dir, args.base_url)
}

/// `lsgan download`: fetches a public dataset into `dir` (default: the per-user cache) and
/// says how to train on it.
fn download_dataset(name: &str, dir: Option<PathBuf>, base_url: Option<String>) -> Result<()> {
    let dataset = ImageDataset::from_spec(name).ok_or_else(|| {
        Error::bad_input(format!("{name}: expected mnist, fashion-mnist or cifar10"))
    })?;
    let data_dir_flag = match &dir {
        Some(dir) => format!(" --data-dir {}", dir.display()),
        None => String::new(),
    };
    let dir = dir.unwrap_or_else(|| dataset.download_dir(Path::new("")));
    let base_url = base_url
        .or_else(|| download::default_base_url(&dataset).map(String::from))
        .unwrap_or_default();
    eprintln!("downloading {name} from {base_url} into {}", dir.display());
    download::download(&dataset, &dir, &base_url)?;
    println!(
        "{name} is in {}; train on it with `lsgan train --data {name}{data_dir_flag}`",
        dir.display()
    );
    Ok(())
}
