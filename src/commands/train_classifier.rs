//! `lsgan train-classifier`: trains the digit classifier whose features FID, KID and
//! precision/recall use for 28×28 images, prints its test accuracy and writes its weights.

use std::path::PathBuf;

use crate::data::images::{default_data_dir, load_labelled, Split};
use crate::error::Result;
use crate::metrics::classifier;
use crate::train::options::DeviceChoice;
use crate::train::trainer::{device_name, pick_device};

/// `lsgan train-classifier`'s options.
#[derive(clap::Args)]
pub struct TrainClassifierArgs {
    /// The dataset.
    #[arg(long, value_name = "mnist|fashion-mnist")]
    pub data: String,
    /// Folder holding <data>/train-images-idx3-ubyte.gz and the rest [default: the
    /// per-user cache's data folder].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Weights file to write [default: ~/.cache/lsgan/classifiers/<data>.safetensors].
    #[arg(long, short, value_name = "FILE.safetensors")]
    pub out: Option<PathBuf>,
    /// Passes over the training set.
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where the network trains: cuda when available, else cpu.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
}

/// `lsgan train-classifier`.
pub fn train_classifier_command(args: TrainClassifierArgs) -> Result<()> {
    let device = pick_device(args.device)?;
    train_classifier(
        &args.data,
        args.data_dir,
        args.out,
        args.epochs,
        args.seed,
        device,
    )
}

/// Trains the digit classifier on the training split, reports test accuracy, saves it.
fn train_classifier(
    data: &str,
    data_dir: Option<PathBuf>,
    out: Option<PathBuf>,
    epochs: usize,
    seed: u64,
    device: tch::Device,
) -> Result<()> {
    let data_dir = data_dir.unwrap_or_else(default_data_dir);
    let (train_images, train_labels) = load_labelled(data, &data_dir, Split::Train)?;
    let (test_images, test_labels) = load_labelled(data, &data_dir, Split::Test)?;
    let out = out.unwrap_or_else(|| classifier::default_weights_path(data));
    let options = classifier::TrainOptions {
        epochs,
        seed,
        ..Default::default()
    };
    eprintln!(
        "training the {data} classifier on {} images for {epochs} epochs (seed {seed}) on {}",
        train_images.size()[0],
        device_name(device)
    );
    let network = classifier::Classifier::train(
        &train_images,
        &train_labels,
        &options,
        device,
        &mut |report, network| {
            let accuracy = network
                .accuracy(&test_images, &test_labels)
                .unwrap_or(f64::NAN);
            eprintln!(
                "epoch {}/{epochs}: mean loss {:.4}, test accuracy {:.2}% ({:.0} s)",
                report.epoch,
                report.mean_loss,
                100.0 * accuracy,
                report.seconds
            )
        },
    )?;
    let accuracy = network.accuracy(&test_images, &test_labels)?;
    network.save(&out)?;
    println!(
        "{data} classifier: test accuracy {:.2}% on {} images; weights: {}",
        100.0 * accuracy,
        test_images.size()[0],
        out.display()
    );
    Ok(())
}
