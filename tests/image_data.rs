//! The image data layer on real files: MNIST and Fashion-MNIST from ../shared/data checked
//! against their published facts, the CIFAR-10 sample PNGs as a folder and as a binary
//! batch, corrupt inputs refused with messages that name the file, the batch loader's
//! order (and resuming it), and the downloader against a server on 127.0.0.1.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::file_server::FileServer;
use common::folder_entries;

use lsgan::data::images::{
    cifar, download, idx, loader, BatchLoader, ImageDataset, ImageSet, Split,
};
use lsgan::Error;
use md5::{Digest, Md5};
use tch::{Kind, Tensor};

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn samples_dir() -> PathBuf {
    shared_data().join("cifar10-samples")
}

fn first_labels(set: &ImageSet, n: i64) -> Vec<i64> {
    let labels = set.labels.as_ref().expect("the dataset has labels");
    Vec::<i64>::try_from(labels.narrow(0, 0, n)).unwrap()
}

/// Mean and standard deviation of the pixels scaled to 0..1.
fn pixel_stats(set: &ImageSet) -> (f64, f64) {
    let unit = set.images.to_kind(Kind::Double) / 255.0;
    (
        unit.mean(Kind::Double).double_value(&[]),
        unit.std(false).double_value(&[]),
    )
}

fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
    result.expect_err("expected an error").to_string()
}

fn assert_names(message: &str, path: &Path, also: &[&str]) {
    assert!(
        message.contains(&path.display().to_string()),
        "the message should name {}: {message}",
        path.display()
    );
    for text in also {
        assert!(message.contains(text), "expected `{text}` in: {message}");
    }
}

#[test]
fn mnist_matches_its_published_facts() {
    // Train through the DIR/<name> rule, test through DIR itself.
    let train = ImageSet::load(&ImageDataset::Mnist, &shared_data(), Split::Train, (0, 0)).unwrap();
    assert_eq!(train.images.size(), [60_000, 1, 28, 28]);
    assert_eq!(train.images.kind(), Kind::Uint8);
    assert_eq!(
        (train.len(), train.channels(), train.height(), train.width()),
        (60_000, 1, 28, 28)
    );
    assert_eq!(first_labels(&train, 5), [5, 0, 4, 1, 9]);
    let (mean, std) = pixel_stats(&train);
    assert!((mean - 0.1307).abs() < 1e-3, "mean {mean}");
    assert!((std - 0.3081).abs() < 1e-3, "std {std}");

    let test = ImageSet::load(
        &ImageDataset::Mnist,
        &shared_data().join("mnist"),
        Split::Test,
        (0, 0),
    )
    .unwrap();
    assert_eq!(test.images.size(), [10_000, 1, 28, 28]);
    assert_eq!(first_labels(&test, 5), [7, 2, 1, 0, 4]);

    // The test split resized for the DCGAN nets: 32×32 RGB, values still bytes.
    let resized =
        ImageSet::load(&ImageDataset::Mnist, &shared_data(), Split::Test, (3, 32)).unwrap();
    assert_eq!(resized.images.size(), [10_000, 3, 32, 32]);
    let channels = resized.images.narrow(0, 0, 10).to_kind(Kind::Int64);
    assert!(
        channels.select(1, 0).equal(&channels.select(1, 2)),
        "gray repeated"
    );
    let (mean, _) = pixel_stats(&resized);
    let (test_mean, _) = pixel_stats(&test);
    assert!(
        (mean - test_mean).abs() < 0.01,
        "resizing keeps the mean: {mean} vs {test_mean}"
    );
}

#[test]
fn fashion_mnist_matches_its_published_facts() {
    let train = ImageSet::load(
        &ImageDataset::FashionMnist,
        &shared_data(),
        Split::Train,
        (0, 0),
    )
    .unwrap();
    assert_eq!(train.images.size(), [60_000, 1, 28, 28]);
    assert_eq!(first_labels(&train, 5), [9, 0, 0, 3, 0]);
    let labels = train.labels.as_ref().unwrap();
    let per_class = Vec::<i64>::try_from(labels.bincount(None::<Tensor>, 10)).unwrap();
    assert_eq!(per_class, [6000; 10]);
    let (mean, std) = pixel_stats(&train);
    assert!((mean - 0.2860).abs() < 1e-3, "mean {mean}");
    assert!((std - 0.3530).abs() < 1e-3, "std {std}");
}

#[test]
fn shared_files_decompress_to_the_published_md5s() {
    let published = [
        (
            "mnist/train-labels-idx1-ubyte.gz",
            "a25bea736e30d166cdddb491f175f624",
        ),
        (
            "mnist/t10k-images-idx3-ubyte.gz",
            "2646ac647ad5339dbf082846283269ea",
        ),
        (
            "mnist/t10k-labels-idx1-ubyte.gz",
            "27ae3e4e09519cfbb04c329615203637",
        ),
        (
            "fashion-mnist/train-labels-idx1-ubyte.gz",
            "9018921c3c673c538a1fc5bad174d6f9",
        ),
        (
            "fashion-mnist/t10k-images-idx3-ubyte.gz",
            "8181f5470baa50b63fa0f6fddb340f0a",
        ),
        (
            "fashion-mnist/t10k-labels-idx1-ubyte.gz",
            "15d484375f8d13e6eb1aabb0c3f46965",
        ),
    ];
    for (file, md5) in published {
        let gz = std::fs::File::open(shared_data().join(file)).unwrap();
        let mut content = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut content)
            .unwrap();
        let digest: String = Md5::digest(&content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, md5, "{file}");
    }
}

#[test]
fn cifar_samples_load_as_a_folder() {
    let spec = samples_dir().display().to_string();
    let folder = ImageDataset::from_spec(&spec).expect("an existing folder is image data");
    assert_eq!(folder, ImageDataset::Folder(samples_dir()));
    let rgb = ImageSet::load(&folder, Path::new(""), Split::Train, (3, 32)).unwrap();
    assert_eq!(rgb.images.size(), [20, 3, 32, 32]);
    assert!(rgb.labels.is_none());
    // At the native size the pixels are the PNG's own.
    let png = image::open(samples_dir().join("cifar10_00_3.png"))
        .unwrap()
        .to_rgb8();
    let pixel = png.get_pixel(5, 7);
    for channel in 0..3 {
        assert_eq!(
            rgb.images.int64_value(&[0, channel, 7, 5]),
            i64::from(pixel[channel as usize])
        );
    }
    let gray = ImageSet::load(&folder, Path::new(""), Split::Train, (1, 28)).unwrap();
    assert_eq!(gray.images.size(), [20, 1, 28, 28]);
    let default = ImageSet::load(&folder, Path::new(""), Split::Test, (0, 0)).unwrap();
    assert_eq!(
        default.images.size(),
        [20, 3, 64, 64],
        "folders default to 64×64 RGB"
    );
}

#[test]
fn a_cifar_batch_made_from_the_samples_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    common::write_fake_cifar(&dir.path().join("cifar-10-batches-bin"));
    let (_, labels) = common::cifar_sample_records();
    let folder = ImageSet::load(
        &ImageDataset::Folder(samples_dir()),
        Path::new(""),
        Split::Train,
        (3, 32),
    )
    .unwrap();
    for split in [Split::Train, Split::Test] {
        let set = ImageSet::load(&ImageDataset::Cifar10, dir.path(), split, (0, 0)).unwrap();
        assert_eq!(set.images.size(), [20, 3, 32, 32]);
        assert_eq!(first_labels(&set, 20), labels);
        assert!(set.images.equal(&folder.images), "same pixels as the PNGs");
    }
    let gray = ImageSet::load(&ImageDataset::Cifar10, dir.path(), Split::Test, (1, 28)).unwrap();
    assert_eq!(gray.images.size(), [20, 1, 28, 28]);
}

#[test]
fn a_truncated_cifar_batch_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cifar-10-batches-bin");
    common::write_fake_cifar(&folder);
    let test_batch = folder.join("test_batch.bin");
    let bytes = std::fs::read(&test_batch).unwrap();
    std::fs::write(&test_batch, &bytes[..bytes.len() - 100]).unwrap();
    let text = message(ImageSet::load(
        &ImageDataset::Cifar10,
        dir.path(),
        Split::Test,
        (0, 0),
    ));
    assert_names(&text, &test_batch, &["3073-byte records", "truncated"]);

    let mut bad_label = bytes.clone();
    bad_label[cifar::RECORD_BYTES] = 42;
    std::fs::write(&test_batch, &bad_label).unwrap();
    let text = message(cifar::read_batch(&test_batch));
    assert_names(&text, &test_batch, &["record 1 has label 42"]);
}

#[test]
fn corrupt_idx_files_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let pixels = vec![9u8; 2 * 28 * 28];

    let wrong_magic = write(
        "wrong-magic",
        idx::encode(0x1234_5678, &[2, 28, 28], &pixels),
    );
    let text = message(idx::read_images(&wrong_magic));
    assert_names(&text, &wrong_magic, &["magic number", "2051"]);

    let truncated = write(
        "truncated",
        idx::encode(2051, &[2, 28, 28], &pixels[..1000]),
    );
    let text = message(idx::read_images(&truncated));
    assert_names(&text, &truncated, &["truncated", "1568 bytes"]);

    let truncated_gz = write(
        "truncated.gz",
        common::gzip(&idx::encode(2051, &[2, 28, 28], &pixels[..1000])),
    );
    let text = message(idx::read_images(&truncated_gz));
    assert_names(&text, &truncated_gz, &["truncated"]);

    let images = write("images", idx::encode(2051, &[2, 28, 28], &pixels));
    let labels = write("labels", idx::encode(2049, &[3], &[1, 2, 3]));
    let text = message(idx::read_pair(&images, &labels));
    assert_names(&text, &images, &["2 images", "3 labels"]);
    assert_names(&text, &labels, &[]);

    // 10^12 bytes of pixels claimed by a 16-byte file: refused before any allocation.
    let absurd = write("absurd", idx::encode(2051, &[1_000_000, 1000, 1000], &[]));
    let text = message(idx::read_images(&absurd));
    assert_names(&text, &absurd, &["1000000 images", "corrupt"]);
    let absurd_gz = write(
        "absurd.gz",
        common::gzip(&idx::encode(2051, &[u32::MAX, 28, 28], &[])),
    );
    let text = message(idx::read_images(&absurd_gz));
    assert_names(&text, &absurd_gz, &["4294967295 images", "corrupt"]);
    let modest_claim_gz = write(
        "claim.gz",
        common::gzip(&idx::encode(2051, &[100_000, 28, 28], &[])),
    );
    let text = message(idx::read_images(&modest_claim_gz));
    assert_names(&text, &modest_claim_gz, &["gzip file can hold"]);

    let not_gzip = write("train-images-idx3-ubyte.gz", b"not gzip at all".to_vec());
    let text = message(idx::read_images(&not_gzip));
    assert_names(&text, &not_gzip, &[]);

    // Through ImageSet::load: a bad file in the data folder is named, and is bad input.
    write("train-labels-idx1-ubyte", idx::encode(2049, &[2], &[1, 2]));
    let error = ImageSet::load(&ImageDataset::Mnist, dir.path(), Split::Train, (0, 0))
        .expect_err("corrupt data folder");
    assert_eq!(error.exit_code(), 2);
    assert_names(&error.to_string(), &not_gzip, &[]);
}

#[test]
fn empty_folders_and_unreadable_images_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("sub")).unwrap();
    std::fs::write(empty.join("notes.txt"), "not an image").unwrap();
    let text = message(ImageSet::load(
        &ImageDataset::Folder(empty.clone()),
        Path::new(""),
        Split::Train,
        (3, 32),
    ));
    assert_names(&text, &empty, &["no images found"]);

    let broken_dir = dir.path().join("broken");
    std::fs::create_dir_all(broken_dir.join("nested")).unwrap();
    std::fs::copy(
        samples_dir().join("cifar10_00_3.png"),
        broken_dir.join("a.png"),
    )
    .unwrap();
    let broken = broken_dir.join("nested").join("b.PNG");
    std::fs::write(&broken, b"\x89PNG but then nothing of the sort").unwrap();
    let text = message(ImageSet::load(
        &ImageDataset::Folder(broken_dir),
        Path::new(""),
        Split::Train,
        (3, 32),
    ));
    assert_names(&text, &broken, &["cannot decode"]);
}

/// A set of `n` 1×1×2 images whose two bytes spell the image's index.
fn indexed_set(n: usize) -> ImageSet {
    let bytes: Vec<u8> = (0..n)
        .flat_map(|i| [(i / 256) as u8, (i % 256) as u8])
        .collect();
    ImageSet {
        name: "indexed".into(),
        images: Tensor::from_slice(&bytes).view([n as i64, 1, 1, 2]),
        labels: None,
        class_names: Vec::new(),
    }
}

/// The indices of the images in a batch of [`indexed_set`].
fn batch_indices(batch: &Tensor) -> Vec<usize> {
    let bytes = ((batch + 1.0) * 127.5)
        .round()
        .to_kind(Kind::Int64)
        .view([-1, 2]);
    Vec::<i64>::try_from(bytes.select(1, 0) * 256 + bytes.select(1, 1))
        .unwrap()
        .into_iter()
        .map(|i| i as usize)
        .collect()
}

fn serve(loader: &mut BatchLoader, batches: usize) -> Vec<Vec<usize>> {
    (0..batches)
        .map(|_| batch_indices(&loader.next_batch()))
        .collect()
}

#[test]
fn the_loader_visits_every_image_once_per_epoch() {
    let set = indexed_set(300);
    let mut loader = BatchLoader::new(&set, 30, 5, 0).unwrap();
    assert_eq!(loader.batches_per_epoch(), 10);
    for epoch in 0..3 {
        let mut seen: Vec<usize> = serve(&mut loader, 10).concat();
        seen.sort_unstable();
        assert_eq!(seen, (0..300).collect::<Vec<_>>(), "epoch {epoch}");
    }
    assert_eq!(loader.position(), 30);

    // 103 images in batches of 10: 10 whole batches, 3 images left out (different ones
    // each epoch), none repeated.
    let uneven = indexed_set(103);
    let mut loader = BatchLoader::new(&uneven, 10, 5, 0).unwrap();
    assert_eq!(loader.batches_per_epoch(), 10);
    let mut left_out = Vec::new();
    for _ in 0..4 {
        let mut seen: Vec<usize> = serve(&mut loader, 10).concat();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 100);
        left_out.push((0..103).filter(|i| !seen.contains(i)).collect::<Vec<_>>());
    }
    assert!(left_out.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn the_loader_order_is_a_function_of_the_seed_and_resumes_exactly() {
    let set = indexed_set(100);
    let uninterrupted = serve(&mut BatchLoader::new(&set, 8, 11, 0).unwrap(), 40);
    assert_eq!(
        uninterrupted,
        serve(&mut BatchLoader::new(&set, 8, 11, 0).unwrap(), 40),
        "same seed, same batches"
    );
    assert_ne!(
        uninterrupted,
        serve(&mut BatchLoader::new(&set, 8, 12, 0).unwrap(), 40),
        "another seed, another order"
    );
    // 12 batches per epoch: resume inside the first epoch, at an epoch boundary, and later.
    for k in [1usize, 12, 13, 29] {
        let mut resumed = BatchLoader::new(&set, 8, 11, k as u64).unwrap();
        assert_eq!(resumed.position(), k as u64);
        assert_eq!(
            serve(&mut resumed, 40 - k),
            uninterrupted[k..],
            "resumed at {k}"
        );
        assert_eq!(resumed.position(), 40);
    }
    // The documented order: the epoch's permutation, cut into batches.
    let order = loader::epoch_permutation(100, 11, 1);
    let expected: Vec<usize> = order[8..16].iter().map(|&i| i as usize).collect();
    assert_eq!(uninterrupted[13], expected);
}

#[test]
fn loader_batches_are_unit_range_floats_and_bad_sizes_are_refused() {
    let folder = ImageSet::load(
        &ImageDataset::Folder(samples_dir()),
        Path::new(""),
        Split::Train,
        (3, 32),
    )
    .unwrap();
    let mut loader = BatchLoader::new(&folder, 8, 0, 0).unwrap();
    for _ in 0..5 {
        let batch = loader.next_batch();
        assert_eq!(batch.size(), [8, 3, 32, 32]);
        assert_eq!(batch.kind(), Kind::Float);
        assert!(batch.min().double_value(&[]) >= -1.0);
        assert!(batch.max().double_value(&[]) <= 1.0);
    }
    drop(loader); // joins the prefetch thread: must not hang
    assert!(BatchLoader::new(&folder, 21, 0, 0).is_err());
    assert!(BatchLoader::new(&folder, 0, 0, 0).is_err());
}

#[test]
fn a_verified_download_lands_under_its_name() {
    let served = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(served.path().join("data.bin"), &content).unwrap();
    let md5: String = Md5::digest(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let server = FileServer::start(served.path());
    let target = tempfile::tempdir().unwrap();
    let dest = target.path().join("data.bin");
    download::fetch_verified(&format!("{}data.bin", server.base_url), &dest, &md5).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), content);
    assert_eq!(
        folder_entries(target.path()),
        ["data.bin"],
        "no temporary file left"
    );
}

#[test]
fn a_checksum_mismatch_names_the_file_and_keeps_nothing() {
    // The shared MNIST files were recompressed, so their bytes differ from the public
    // mirror's, whose MD5s the downloader checks.
    let server = FileServer::start(&shared_data().join("mnist"));
    let target = tempfile::tempdir().unwrap();
    let dir = target.path().join("mnist");
    let error = download::download(&ImageDataset::Mnist, &dir, &server.base_url)
        .expect_err("the checksums differ");
    let text = error.to_string();
    assert!(matches!(error, Error::Download(_)), "{text}");
    assert!(
        text.contains("train-images-idx3-ubyte.gz") && text.contains("checksum mismatch"),
        "{text}"
    );
    assert!(text.contains("f68b3c2dcbeaaa9fbdd348bbdeb94873"), "{text}");
    assert!(
        folder_entries(&dir).is_empty(),
        "{:?}",
        folder_entries(&dir)
    );
}

#[test]
fn a_missing_remote_file_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let server = FileServer::start(empty.path());
    let target = tempfile::tempdir().unwrap();
    let error = download::download(&ImageDataset::FashionMnist, target.path(), &server.base_url)
        .expect_err("nothing is served");
    let text = error.to_string();
    assert!(
        text.contains("404")
            && text.contains(&format!("{}train-images-idx3-ubyte.gz", server.base_url)),
        "{text}"
    );
    assert!(folder_entries(target.path()).is_empty());
    let folder = ImageDataset::Folder(empty.path().to_path_buf());
    assert!(download::download(&folder, target.path(), &server.base_url).is_err());
}

#[test]
fn a_cifar_archive_unpacks_where_the_loader_looks() {
    let source = tempfile::tempdir().unwrap();
    common::write_fake_cifar(&source.path().join("cifar-10-batches-bin"));
    let archive = source.path().join("cifar-10-binary.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(
        "cifar-10-batches-bin",
        source.path().join("cifar-10-batches-bin"),
    )
    .unwrap();
    tar.into_inner().unwrap().finish().unwrap();

    let target = tempfile::tempdir().unwrap();
    download::unpack_cifar10(&archive, target.path()).unwrap();
    assert_eq!(folder_entries(target.path()), ["cifar-10-batches-bin"]);
    let set = ImageSet::load(&ImageDataset::Cifar10, target.path(), Split::Train, (0, 0)).unwrap();
    assert_eq!(set.len(), 20);
}

#[test]
fn the_download_command_reports_failures_with_exit_codes() {
    let empty = tempfile::tempdir().unwrap();
    let server = FileServer::start(empty.path());
    let target = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lsgan"))
            .args(args)
            .output()
            .unwrap()
    };
    let dir = target.path().display().to_string();
    let output = run(&[
        "download",
        "mnist",
        "--dir",
        &dir,
        "--base-url",
        &server.base_url,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    let output = run(&["download", "ring", "--dir", &dir]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "only the public datasets download"
    );
}
