//! Image folders fuzzed: a corrupt PNG or JPEG as the only file of a folder, read as 1 or 3
//! channels; and images whose headers claim huge sizes refused before allocating.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat};
use lsgan::data::images::folder;

use crate::harness::{
    byte_campaign, cifar_sample_paths, fix_png_header_crc, fixed, idx_prefix, jpeg_fields,
    refused_small, Format, Seed, IMAGE_ALLOCATION_BOUND,
};
use crate::record;

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// The first MNIST test digit.
fn mnist_digit() -> DynamicImage {
    let bytes = idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 1);
    DynamicImage::ImageLuma8(GrayImage::from_raw(28, 28, bytes[16..].to_vec()).unwrap())
}

#[test]
fn fuzz_image_folders() {
    let samples = cifar_sample_paths();
    let cifar_png = std::fs::read(&samples[0]).unwrap();
    let cifar_image = image::open(&samples[1]).unwrap();
    let digit = mnist_digit();
    let seeds = [
        Seed::new("cifar.png", Format::Png, cifar_png),
        Seed::new("digit.png", Format::Png, encode(&digit, ImageFormat::Png)),
        Seed::new(
            "cifar.jpg",
            Format::Jpeg,
            encode(&cifar_image, ImageFormat::Jpeg),
        ),
        Seed::new(
            "digit.jpeg",
            Format::Jpeg,
            encode(&digit, ImageFormat::Jpeg),
        ),
    ];
    // Each case is the only file of a folder, read as 1 or 3 channels of side 28 or 32.
    let (tally, cases) = byte_campaign(
        "image-folder",
        4,
        fixed(IMAGE_ALLOCATION_BOUND),
        &seeds,
        |path, case| {
            let (channels, side) = [(3, 32), (1, 28), (3, 28), (1, 32)][case.variant % 4];
            folder::read_folder(path.parent().unwrap(), channels, side).map(drop)
        },
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-image-folder",
        "Corrupt PNG or JPEG in an image folder",
        "truncated (to 0 too), 1-8 bit flips, bytes overwritten, header fields set to extremes \
         (PNG width/height with the IHDR checksum fixed, chunk lengths, JPEG frame size and \
         segment lengths), junk inserted and appended, chunks duplicated, grown to up to 1.25 MiB",
        cases,
        &tally.outcome(IMAGE_ALLOCATION_BOUND, "as bad input naming the image"),
    );
}

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

/// The first CIFAR-10 sample, 32×32 RGB.
fn cifar_image() -> DynamicImage {
    image::open(&cifar_sample_paths()[0]).unwrap()
}

/// A PNG of a CIFAR-10 image whose header claims `width`×`height` (checksum fixed).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = encode(&cifar_image(), ImageFormat::Png);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    fix_png_header_crc(&mut bytes);
    bytes
}

/// A JPEG of a CIFAR-10 image whose frame header claims `width`×`height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = encode(&cifar_image(), ImageFormat::Jpeg);
    let fields = jpeg_fields(&bytes);
    let frame = fields
        .windows(2)
        .find(|pair| pair[0].width == 2 && pair[1].width == 1)
        .expect("a frame header");
    let at = frame[1].offset;
    bytes[at + 1..at + 3].copy_from_slice(&height.to_be_bytes());
    bytes[at + 3..at + 5].copy_from_slice(&width.to_be_bytes());
    bytes
}

#[test]
fn images_claiming_huge_sizes_are_refused_before_allocating() {
    let sizes: [(&str, Vec<u8>); 6] = [
        ("100000x100000.png", png_claiming(100_000, 100_000)),
        ("wide.png", png_claiming(0x7fff_ffff, 1)),
        ("12000x12000.png", png_claiming(12_000, 12_000)),
        ("65535x65535.jpg", jpeg_claiming(65535, 65535)),
        ("wide.jpg", jpeg_claiming(65535, 1)),
        ("12000x12000.jpg", jpeg_claiming(12_000, 12_000)),
    ];
    for (name, bytes) in sizes {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let message = refused_small(&path, |path| {
            folder::read_folder(path.parent().unwrap(), 3, 32)
        });
        assert!(message.contains("limit"), "{name}: {message}");
    }
    // The claims are what is refused: the same files with their true size read.
    for (name, bytes) in [
        ("32.png", png_claiming(32, 32)),
        ("32.jpg", jpeg_claiming(32, 32)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let images = folder::read_folder(dir.path(), 3, 32).unwrap();
        assert_eq!(images.size(), [1, 3, 32, 32], "{name}");
    }
}
