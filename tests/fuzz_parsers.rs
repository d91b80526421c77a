//! Every data and config parser fuzzed: IDX image files (raw and gzipped), IDX label files,
//! CIFAR-10 binary batches, image folders (PNG and JPEG), CSV point files and TOML configs.
//! (Checkpoints are fuzzed elsewhere.)
//!
//! A small deterministic mutation fuzzer (ChaCha8, one seed per target) starts from real
//! inputs — the first MNIST and Fashion-MNIST images and labels of ../shared/data written as
//! small IDX files, CIFAR-10 records made from the sample PNGs, those images as PNG and JPEG, a
//! CSV of ring points, configs written by `TrainConfig::to_toml` — and truncates them, flips
//! bits, overwrites bytes, sets header fields to extremes (0, 0xFFFFFFFF, claims of ~10^12
//! bytes), inserts and appends junk, duplicates chunks and blows files up; configs also get
//! unknown keys, wrong types and out-of-range values. Each case is written to a file and
//! parsed inside `catch_unwind`: every one must be accepted, or refused as `Error::BadInput`
//! naming the file (config errors: one line naming the key, or the line of a syntax error).
//!
//! A counting `#[global_allocator]` records the largest single allocation of each case, which
//! must stay under the target's bound unless the file's real data backs it, and explicit
//! cases check that headers claiming absurd
//! sizes are refused before anything big is allocated. libtorch's allocations (the tensors
//! the parsers return) go through c10's allocator and are not counted; they are copies of
//! bytes the parser read, which are.
//!
//! Cases per target: `LSGAN_FUZZ_CASES` (default [`CI_CASES`]). After its assertions each
//! campaign writes its row of the reliability record (tests/record). A failing case is saved
//! under `target/tmp/fuzz-failures/`, and the ignored test `replay` replays one.

mod common;
mod record;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::Instant;

use image::{DynamicImage, GrayImage, ImageFormat};
use lsgan::config::{LossKind, TrainConfig, MAX_CONFIG_BYTES};
use lsgan::data::csv::read_points;
use lsgan::data::images::{cifar, folder, idx};
use lsgan::data::GaussianMixture;
use lsgan::Error;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Device;

/// Cases per target when `LSGAN_FUZZ_CASES` is not set: the whole file runs in well under a
/// minute in release on two cores.
const CI_CASES: usize = 10_000;

const MIB: usize = 1 << 20;

/// The size the "oversized" mutation grows a file to, at most; junk inserted or appended and
/// chunks duplicated add at most 8 KiB each on top.
const MAX_GROWN: usize = 5 * MIB / 4;

/// The largest single allocation the data parsers (IDX, CIFAR-10, CSV, config) may ask for
/// in a campaign. No case is much bigger than [`MAX_GROWN`] (1.25 MiB); a parser holds the
/// file, its values and a copy, or reserves up to 8× a gzip file's size (10 MiB), so 16 MiB
/// is more than any of them needs, and far below what a header claim that was trusted
/// (10^12 bytes, or the 64 MiB IDX read buffer) would show. The one way past it is data: a
/// gzip stream that truly inflates to tens of megabytes (a mutation repeats a small member
/// thousands of times) may take twice what it inflates to ([`gzip_backed`]).
const DATA_ALLOCATION_BOUND: usize = 16 * MIB;

/// The largest single allocation the image folder reader may ask for: the decoders allocate
/// the pixels a header claims once the claim passes the reader's limits
/// ([`folder::MAX_IMAGE_BYTES`]), before finding the data missing.
const IMAGE_ALLOCATION_BOUND: usize = folder::MAX_IMAGE_BYTES as usize;

/// What "refused before allocating" means in the explicit cases: nothing bigger than buffered
/// reading and a decoder's fixed state.
const SMALL_ALLOCATION: usize = MIB;

// ---------------------------------------------------------------------------------------------
// Allocation tracking

/// `System`, recording the largest single request, per thread (each test runs on its own).
struct CountingAllocator;

thread_local! {
    static LARGEST_ON_THREAD: Cell<usize> = const { Cell::new(0) };
}

static LARGEST_EVER: AtomicUsize = AtomicUsize::new(0);

fn note(size: usize) {
    LARGEST_EVER.fetch_max(size, Ordering::Relaxed);
    let _ = LARGEST_ON_THREAD.try_with(|largest| {
        if size > largest.get() {
            largest.set(size);
        }
    });
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// `f()` and the largest single allocation it asked for on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LARGEST_ON_THREAD.with(|largest| largest.replace(0));
    let result = f();
    let during = LARGEST_ON_THREAD.with(|largest| largest.replace(before.max(largest.get())));
    (result, during)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

#[test]
fn the_allocation_counter_sees_allocations() {
    let (buffer, largest) = largest_allocation(|| vec![1u8; 3 * MIB]);
    assert_eq!(buffer.len(), 3 * MIB);
    assert!(largest >= 3 * MIB, "counted {largest} bytes");
    let (_, largest) = largest_allocation(|| ());
    assert!(largest < 3 * MIB, "the count restarts: {largest}");
    assert!(LARGEST_EVER.load(Ordering::Relaxed) >= 3 * MIB);
}

// ---------------------------------------------------------------------------------------------
// Real seed inputs

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// The first `count` items of a gzipped IDX file of ../shared/data, as a raw IDX file whose
/// header says `count` (read as a stream: the rest of the file is never decompressed).
fn idx_prefix(relative: &str, count: u32) -> Vec<u8> {
    let path = shared_data().join(relative);
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = flate2::read::GzDecoder::new(file);
    let mut word = [0u8; 4];
    reader.read_exact(&mut word).unwrap();
    let magic = u32::from_be_bytes(word);
    let mut dims = Vec::new();
    for _ in 0..(magic & 0xff) {
        reader.read_exact(&mut word).unwrap();
        dims.push(u32::from_be_bytes(word));
    }
    let item: u32 = dims[1..].iter().product();
    let mut values = vec![0u8; (count * item) as usize];
    reader.read_exact(&mut values).unwrap();
    dims[0] = count;
    idx::encode(magic, &dims, &values)
}

/// The CIFAR-10 sample PNGs of ../shared/data in name order.
fn cifar_sample_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(shared_data().join("cifar10-samples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths
}

/// The first `count` CIFAR-10 sample images as binary batch records (label from the name).
fn cifar_records(count: usize) -> Vec<u8> {
    let mut records = Vec::new();
    for path in cifar_sample_paths().into_iter().take(count) {
        records.extend(common::cifar_record(&path).1);
    }
    records
}

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

/// 64 points of the 8-Gaussian ring as a CSV file with a header, a comment and a blank line.
fn ring_csv() -> Vec<u8> {
    tch::manual_seed(7);
    let points = GaussianMixture::ring().sample(64, Device::Cpu);
    let values = Vec::<f32>::try_from(points.view([-1])).unwrap();
    let mut text = String::from("x,y\n# 8-Gaussian ring, lsgan's toy data\n\n");
    for point in values.chunks(2) {
        text.push_str(&format!("{},{}\n", point[0], point[1]));
    }
    text.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// A seed input: a file name (the extension matters to the IDX reader) and its bytes; a
/// gzipped seed keeps its uncompressed form, so that header fields can be mutated inside.
#[derive(Clone)]
struct Seed {
    file_name: String,
    bytes: Vec<u8>,
    gzip: bool,
    format: Format,
}

impl Seed {
    fn new(file_name: &str, format: Format, bytes: Vec<u8>) -> Self {
        Seed {
            file_name: file_name.into(),
            bytes,
            gzip: file_name.ends_with(".gz"),
            format,
        }
    }

    fn file_bytes(&self) -> Vec<u8> {
        if self.gzip {
            common::gzip(&self.bytes)
        } else {
            self.bytes.clone()
        }
    }
}

/// Which header fields a format has, for the "extreme header value" mutation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    IdxImages,
    IdxLabels,
    Cifar,
    Png,
    Jpeg,
    /// The gzip wrapper around an IDX file.
    Gzip,
    Text,
}

/// An unsigned header field: `width` bytes at `offset`, big-endian unless `little`.
#[derive(Clone, Copy, Debug)]
struct Field {
    offset: usize,
    width: usize,
    little: bool,
}

fn field(offset: usize, width: usize) -> Field {
    Field {
        offset,
        width,
        little: false,
    }
}

/// The header fields of `bytes` read as `format`; whatever lies past the end is left out.
fn header_fields(format: Format, bytes: &[u8]) -> Vec<Field> {
    let mut fields = match format {
        Format::IdxImages => vec![field(0, 4), field(4, 4), field(8, 4), field(12, 4)],
        Format::IdxLabels => vec![field(0, 4), field(4, 4)],
        // The label byte of each record.
        Format::Cifar => (0..bytes.len())
            .step_by(cifar::RECORD_BYTES)
            .map(|offset| field(offset, 1))
            .collect(),
        Format::Png => png_fields(bytes),
        Format::Jpeg => jpeg_fields(bytes),
        Format::Gzip => {
            let mut fields = vec![field(3, 1), field(4, 4)];
            if bytes.len() >= 18 {
                let end = bytes.len();
                for offset in [end - 8, end - 4] {
                    fields.push(Field {
                        offset,
                        width: 4,
                        little: true,
                    });
                }
            }
            fields
        }
        Format::Text => Vec::new(),
    };
    fields.retain(|f| f.offset + f.width <= bytes.len());
    fields
}

/// The IHDR fields (width, height, bit depth, colour type, interlace) and every chunk's
/// length field.
fn png_fields(bytes: &[u8]) -> Vec<Field> {
    let mut fields = vec![
        field(16, 4),
        field(20, 4),
        field(24, 1),
        field(25, 1),
        field(28, 1),
    ];
    let mut offset = 8;
    while offset + 8 <= bytes.len() {
        fields.push(field(offset, 4));
        let length = u32::from_be_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        offset = offset.saturating_add(12).saturating_add(length);
    }
    fields
}

/// The length of every marker segment up to the scan, and the frame header's precision,
/// height, width and component count.
fn jpeg_fields(bytes: &[u8]) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut offset = 2;
    while offset + 4 <= bytes.len() && bytes[offset] == 0xff {
        let marker = bytes[offset + 1];
        if (0xd0..=0xd9).contains(&marker) || marker == 0x01 {
            offset += 2;
            continue;
        }
        fields.push(field(offset + 2, 2));
        let is_frame = (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker);
        if is_frame {
            fields.extend([
                field(offset + 4, 1),
                field(offset + 5, 2),
                field(offset + 7, 2),
                field(offset + 9, 1),
            ]);
        }
        if marker == 0xda {
            break;
        }
        let length = u16::from_be_bytes([bytes[offset + 2], bytes[offset + 3]]) as usize;
        offset += 2 + length;
    }
    fields
}

/// Recomputes the CRC of a PNG's IHDR chunk, so that a mutated width or height reaches the
/// decoder instead of failing the checksum.
fn fix_png_header_crc(bytes: &mut [u8]) {
    if bytes.len() >= 33 && &bytes[12..16] == b"IHDR" {
        let mut crc = flate2::Crc::new();
        crc.update(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    }
}

fn write_field(bytes: &mut [u8], field: Field, value: u64) {
    for i in 0..field.width {
        let shift = 8 * if field.little { i } else { field.width - 1 - i };
        bytes[field.offset + i] = (value >> shift) as u8;
    }
}

fn read_field(bytes: &[u8], field: Field) -> u64 {
    (0..field.width).fold(0, |value, i| {
        let shift = 8 * if field.little { i } else { field.width - 1 - i };
        value | (u64::from(bytes[field.offset + i]) << shift)
    })
}

/// An extreme value for a field of `width` bytes now holding `current`: 0, 1, the maximum,
/// the signed boundaries, sizes around the readers' limits, counts that claim ~10^12 bytes
/// (10^12 / 784 MNIST images, a million 1000×1000 images), neighbours of the current value.
fn extreme_value(rng: &mut ChaCha8Rng, width: usize, current: u64) -> u64 {
    let max = if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    };
    let value = match rng.random_range(0..4) {
        0 => *pick(rng, &[0, 1, 2, max, max / 2, max / 2 + 1]),
        1 => *pick(
            rng,
            &[
                10,
                255,
                256,
                1000,
                4096,
                4097,
                16384,
                16385,
                65535,
                65536,
                100_000,
                1_000_000,
                1_275_510_204,
                1_000_000_000,
                1 << 30,
                1 << 31,
            ],
        ),
        2 => *pick(
            rng,
            &[
                current.wrapping_add(1),
                current.wrapping_sub(1),
                current.wrapping_mul(2),
                current / 2,
                current.wrapping_mul(1000),
            ],
        ),
        _ => rng.random_range(0..=max),
    };
    value & max
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn random_bytes(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rng.fill(&mut bytes[..]);
    bytes
}

/// Junk to insert: random bytes, zeros, 0xFF, or a run of a copied byte.
fn junk(rng: &mut ChaCha8Rng, max: usize) -> Vec<u8> {
    let n = rng.random_range(1..=max);
    match rng.random_range(0..4) {
        0 => random_bytes(rng, n),
        1 => vec![0; n],
        2 => vec![0xff; n],
        _ => vec![rng.random(); n],
    }
}

/// One byte-level mutation of `bytes`, whose header fields are read as `format`; returns
/// what it did, for failure messages.
fn mutate_bytes(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, format: Format) -> String {
    let len = bytes.len();
    match rng.random_range(0..10) {
        0 => {
            let keep = if len == 0 || rng.random_ratio(1, 8) {
                0
            } else {
                rng.random_range(0..len)
            };
            bytes.truncate(keep);
            format!("truncated to {keep}")
        }
        1 if len > 0 => {
            let flips = rng.random_range(1..=8);
            for _ in 0..flips {
                let at = rng.random_range(0..len);
                bytes[at] ^= 1 << rng.random_range(0..8);
            }
            format!("{flips} bit flips")
        }
        2 if len > 0 => {
            let count = rng.random_range(1..=16);
            for _ in 0..count {
                let at = rng.random_range(0..len);
                let random = rng.random();
                bytes[at] = *pick(rng, &[0, 0xff, 0x7f, 0x80, random]);
            }
            format!("{count} bytes overwritten")
        }
        3..=5 => {
            let fields = header_fields(format, bytes);
            if fields.is_empty() {
                return mutate_bytes(rng, bytes, Format::Text);
            }
            let mut done = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let field = *pick(rng, &fields);
                let value = extreme_value(rng, field.width, read_field(bytes, field));
                write_field(bytes, field, value);
                done.push(format!("{}@{}", value, field.offset));
            }
            if format == Format::Png && rng.random_ratio(3, 4) {
                fix_png_header_crc(bytes);
            }
            format!("header fields set to {}", done.join(", "))
        }
        6 => {
            let at = rng.random_range(0..=len);
            let max = if rng.random_ratio(1, 4) { 4096 } else { 64 };
            let inserted = junk(rng, max);
            let n = inserted.len();
            bytes.splice(at..at, inserted);
            format!("{n} junk bytes inserted at {at}")
        }
        7 => {
            let appended = junk(rng, 4096);
            let n = appended.len();
            bytes.extend(appended);
            format!("{n} junk bytes appended")
        }
        8 if len > 0 => {
            let start = rng.random_range(0..len);
            let end = rng.random_range(start..=len.min(start + 8192));
            let at = rng.random_range(0..=len);
            let chunk = bytes[start..end].to_vec();
            bytes.splice(at..at, chunk);
            format!("bytes {start}..{end} duplicated at {at}")
        }
        9 if len < MAX_GROWN => {
            let target = rng.random_range(len + 1..=MAX_GROWN);
            let how = rng.random_range(0..3);
            while bytes.len() < target {
                let room = target - bytes.len();
                match how {
                    0 if len > 0 => {
                        let copy = bytes[..len.min(room)].to_vec();
                        bytes.extend(copy);
                    }
                    1 => bytes.extend(random_bytes(rng, room)),
                    _ => bytes.resize(target, 0),
                }
            }
            format!("grown to {} bytes", bytes.len())
        }
        _ => mutate_bytes(rng, bytes, format),
    }
}

/// 1 to 3 byte-level mutations of a seed; a gzipped seed is mutated inside (then compressed)
/// or outside (its compressed bytes), or both.
fn mutate_seed(rng: &mut ChaCha8Rng, seed: &Seed) -> (Vec<u8>, String) {
    let mut done = Vec::new();
    let steps = rng.random_range(1..=3);
    if seed.gzip {
        let mut inner = seed.bytes.clone();
        let inside = rng.random_range(0..=steps);
        for _ in 0..inside {
            done.push(format!(
                "inside: {}",
                mutate_bytes(rng, &mut inner, seed.format)
            ));
        }
        let mut outer = common::gzip(&inner);
        for _ in inside..steps {
            done.push(format!(
                "gzip: {}",
                mutate_bytes(rng, &mut outer, Format::Gzip)
            ));
        }
        (outer, done.join("; "))
    } else {
        let mut bytes = seed.bytes.clone();
        for _ in 0..steps {
            done.push(mutate_bytes(rng, &mut bytes, seed.format));
        }
        (bytes, done.join("; "))
    }
}

// ---------------------------------------------------------------------------------------------
// Campaigns

/// One fuzz case: the file to write and what was done to make it.
struct Case {
    file_name: String,
    bytes: Vec<u8>,
    what: String,
    /// A number the parse may use to vary its arguments (the folder reader's channels).
    variant: usize,
    /// The config key the mutation targeted, which a refusal must name (or the line).
    key: Option<String>,
    /// The 1-based line the mutation is on.
    line: Option<usize>,
}

impl Case {
    fn bytes(file_name: &str, bytes: Vec<u8>, what: String) -> Self {
        Case {
            file_name: file_name.into(),
            bytes,
            what,
            variant: 0,
            key: None,
            line: None,
        }
    }
}

/// A campaign's allocation bound: `bytes`, or for a case whose content really holds more
/// data (a gzip stream that truly inflates to many megabytes), what `backed` allows.
struct Bound<'a> {
    bytes: usize,
    backed: &'a dyn Fn(&Case) -> usize,
}

/// Nothing but the bound: no case's content justifies more.
fn fixed(bytes: usize) -> Bound<'static> {
    Bound {
        bytes,
        backed: &|_| 0,
    }
}

/// The bound, or for a gzipped case twice what its stream inflates to (a buffer that grows
/// by doubling holds at most twice the data read) and 1 MiB: memory the data, not a header's
/// claim, asks for.
fn gzip_backed(bytes: usize) -> Bound<'static> {
    Bound {
        bytes,
        backed: &|case| {
            if case.file_name.ends_with(".gz") {
                2 * inflated_len(&case.bytes) + MIB
            } else {
                0
            }
        },
    }
}

/// How many bytes a gzip stream inflates to before its end or its first error (at most
/// 1 GiB and a bit, more than the IDX reader ever reads).
fn inflated_len(bytes: &[u8]) -> usize {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut buffer = [0u8; 64 << 10];
    let mut total = 0;
    while total <= idx::MAX_PAYLOAD_BYTES as usize {
        match decoder.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    total
}

/// What a campaign saw.
struct Tally {
    target: &'static str,
    tried: usize,
    accepted: usize,
    rejected: usize,
    /// The largest single allocation of a case, among those within the bound.
    largest_allocation: usize,
    largest_case: String,
    /// Cases whose content (a gzip stream inflating to more) backed an allocation beyond the
    /// bound, and the largest such allocation.
    backed: usize,
    largest_backed: usize,
    seconds: f64,
    failures: Vec<String>,
}

impl Tally {
    /// Panics unless every case was accepted or refused as it should be, within its
    /// allocation bound, and the campaign reached both the parser's success and error paths.
    fn assert_clean(&self, cases: usize) {
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} cases failed (inputs saved under {}):\n{}",
            self.target,
            self.failures.len(),
            self.tried,
            failures_dir().display(),
            self.failures
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_eq!(self.tried, cases);
        assert_eq!(self.accepted + self.rejected, self.tried);
        if cases >= 100 {
            assert!(
                self.accepted > 0 && self.rejected > 0,
                "{}: {} accepted, {} rejected: a campaign that never reaches one of the \
                 parser's outcomes tests little",
                self.target,
                self.accepted,
                self.rejected
            );
        }
    }

    /// The reliability record's outcome cell, for a campaign that passed
    /// [`Tally::assert_clean`] under `bound`.
    fn outcome(&self, bound: usize, refusal: &str) -> String {
        let backed = if self.backed > 0 {
            format!(
                "; {} gzip streams that truly inflate to more allocated up to {}, at most twice \
                 their data",
                self.backed,
                mib(self.largest_backed)
            )
        } else {
            String::new()
        };
        format!(
            "0 panics; {} accepted, {} refused {refusal}; largest allocation {} (bound {}){backed}",
            self.accepted,
            self.rejected,
            mib(self.largest_allocation),
            mib(bound),
        )
    }
}

fn failures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures")
}

thread_local! {
    /// Whether this thread is parsing a fuzz case (whose panic is reported, not printed).
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    /// The message and location of the last panic in a fuzz case on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that keeps a fuzz case's panic (message and location) for the
/// failure report instead of printing it; other panics print as usual.
fn keep_case_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CASE.with(Cell::get) {
                let location = info
                    .location()
                    .map_or(String::new(), |l| format!(" at {l}"));
                let message = format!("{}{location}", panic_message(info.payload()));
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
            } else {
                default(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".into()
    }
}

/// Writes `cases` cases made by `generate` and parses each with `parse` inside
/// `catch_unwind`; `check` says what is wrong with a refusal, if anything.
fn campaign(
    target: &'static str,
    cases: usize,
    seed: u64,
    bound: Bound,
    mut generate: impl FnMut(&mut ChaCha8Rng) -> Case,
    parse: impl Fn(&Path, &Case) -> lsgan::Result<()>,
    check: impl Fn(&Path, &Case, &Error) -> Result<(), String>,
) -> Tally {
    keep_case_panics();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally {
        target,
        tried: 0,
        accepted: 0,
        rejected: 0,
        largest_allocation: 0,
        largest_case: String::new(),
        backed: 0,
        largest_backed: 0,
        seconds: 0.0,
        failures: Vec::new(),
    };
    let start = Instant::now();
    for index in 0..cases {
        let case = generate(&mut rng);
        let path = dir.path().join(&case.file_name);
        std::fs::write(&path, &case.bytes).unwrap();
        IN_CASE.with(|flag| flag.set(true));
        let (outcome, largest) =
            largest_allocation(|| catch_unwind(AssertUnwindSafe(|| parse(&path, &case))));
        IN_CASE.with(|flag| flag.set(false));
        std::fs::remove_file(&path).unwrap();
        tally.tried += 1;
        let mut allocation_problem = None;
        if largest <= bound.bytes {
            if largest > tally.largest_allocation {
                tally.largest_allocation = largest;
                tally.largest_case =
                    format!("case {index} ({} bytes: {})", case.bytes.len(), case.what);
            }
        } else {
            let backed = (bound.backed)(&case);
            if largest <= backed {
                tally.backed += 1;
                tally.largest_backed = tally.largest_backed.max(largest);
            } else {
                allocation_problem = Some(format!(
                    "allocated {largest} bytes ({}), more than the {} bound{}",
                    mib(largest),
                    mib(bound.bytes),
                    if backed > 0 {
                        format!(" and the {} its data backs", mib(backed))
                    } else {
                        String::new()
                    }
                ));
            }
        }
        let problem = match outcome {
            Ok(Ok(())) => {
                tally.accepted += 1;
                None
            }
            Ok(Err(error)) => {
                tally.rejected += 1;
                check(&path, &case, &error)
                    .err()
                    .map(|problem| format!("{problem}: {error:?}"))
            }
            Err(payload) => {
                let kept = LAST_PANIC.with(|last| last.borrow_mut().take());
                let message = kept.unwrap_or_else(|| panic_message(payload.as_ref()));
                Some(format!("panicked: {message}"))
            }
        };
        let problem = problem.or(allocation_problem);
        if let Some(problem) = problem {
            let saved = failures_dir().join(format!("{target}-{index}-{}", case.file_name));
            std::fs::create_dir_all(failures_dir()).unwrap();
            std::fs::write(&saved, &case.bytes).unwrap();
            tally.failures.push(format!(
                "case {index} ({}; saved as {}): {problem}",
                case.what,
                saved.display()
            ));
        }
    }
    tally.seconds = start.elapsed().as_secs_f64();
    println!(
        "{target}: {} cases, {} accepted, {} rejected, {} failed, largest allocation {} in {}; \
         {} backed by data beyond the {} bound, up to {}; {:.1} s",
        tally.tried,
        tally.accepted,
        tally.rejected,
        tally.failures.len(),
        mib(tally.largest_allocation),
        tally.largest_case,
        tally.backed,
        mib(bound.bytes),
        mib(tally.largest_backed),
        tally.seconds
    );
    tally
}

/// The refusal every data parser must give: bad input naming the file.
fn names_the_file(path: &Path, _: &Case, error: &Error) -> Result<(), String> {
    match error {
        Error::BadInput(message) if message.contains(&path.display().to_string()) => Ok(()),
        Error::BadInput(_) => Err("the message does not name the file".into()),
        _ => Err("not Error::BadInput".into()),
    }
}

/// A campaign over byte-mutated `seeds`, every seed first checked to parse as it is.
fn byte_campaign(
    target: &'static str,
    seed: u64,
    bound: Bound,
    seeds: &[Seed],
    parse: impl Fn(&Path, &Case) -> lsgan::Result<()>,
) -> (Tally, usize) {
    let cases = record::trials("LSGAN_FUZZ_CASES", CI_CASES);
    let dir = tempfile::tempdir().unwrap();
    for (index, seed) in seeds.iter().enumerate() {
        let path = dir.path().join(&seed.file_name);
        std::fs::write(&path, seed.file_bytes()).unwrap();
        let case = Case {
            variant: index,
            ..Case::bytes(&seed.file_name, Vec::new(), "seed".into())
        };
        if let Err(e) = parse(&path, &case) {
            panic!("{target}: seed {} does not parse: {e}", seed.file_name);
        }
        std::fs::remove_file(&path).unwrap();
    }
    let tally = campaign(
        target,
        cases,
        seed,
        bound,
        |rng| {
            let seed = pick(rng, seeds);
            let (bytes, what) = mutate_seed(rng, seed);
            Case {
                variant: rng.random_range(0..4),
                ..Case::bytes(&seed.file_name, bytes, what)
            }
        },
        parse,
        names_the_file,
    );
    (tally, cases)
}

const IDX_TRIED: &str = "truncated (to 0 too), 1-8 bit flips, bytes overwritten, header fields \
                         set to extremes (0, 0xFFFFFFFF, counts claiming ~10^12 bytes), junk \
                         inserted and appended, chunks duplicated, grown to up to 1.25 MiB; inside \
                         and outside the gzip stream";

fn idx_image_seeds() -> Vec<Seed> {
    let mnist = idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20);
    let fashion = idx_prefix("fashion-mnist/train-images-idx3-ubyte.gz", 20);
    vec![
        Seed::new("images-idx3-ubyte", Format::IdxImages, mnist.clone()),
        Seed::new("images-idx3-ubyte.gz", Format::IdxImages, mnist),
        Seed::new("fashion-idx3-ubyte", Format::IdxImages, fashion.clone()),
        Seed::new("fashion-idx3-ubyte.gz", Format::IdxImages, fashion),
    ]
}

#[test]
fn fuzz_idx_images() {
    let (tally, cases) = byte_campaign(
        "idx-images",
        1,
        gzip_backed(DATA_ALLOCATION_BOUND),
        &idx_image_seeds(),
        |path, _| idx::read_images(path).map(drop),
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-idx-images",
        "Corrupt IDX image file (raw and gzip)",
        IDX_TRIED,
        cases,
        &tally.outcome(DATA_ALLOCATION_BOUND, "as bad input naming the file"),
    );
}

#[test]
fn fuzz_idx_labels() {
    // Read as the second file of a pair, so that a count that no longer matches is tried too.
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images-idx3-ubyte");
    std::fs::write(&images, idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20)).unwrap();
    let labels = idx_prefix("mnist/t10k-labels-idx1-ubyte.gz", 20);
    let seeds = [
        Seed::new("labels-idx1-ubyte", Format::IdxLabels, labels.clone()),
        Seed::new("labels-idx1-ubyte.gz", Format::IdxLabels, labels),
    ];
    let (tally, cases) = byte_campaign(
        "idx-labels",
        2,
        gzip_backed(DATA_ALLOCATION_BOUND),
        &seeds,
        |path, _| idx::read_pair(&images, path).map(drop),
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-idx-labels",
        "Corrupt IDX label file (raw and gzip), read as the pair of a good image file",
        IDX_TRIED,
        cases,
        &tally.outcome(DATA_ALLOCATION_BOUND, "as bad input naming the file"),
    );
}

#[test]
fn fuzz_cifar_batches() {
    let seeds = [
        Seed::new("data_batch_1.bin", Format::Cifar, cifar_records(10)),
        Seed::new("test_batch.bin", Format::Cifar, cifar_records(1)),
    ];
    let (tally, cases) = byte_campaign(
        "cifar-batches",
        3,
        fixed(DATA_ALLOCATION_BOUND),
        &seeds,
        |path, _| cifar::read_batch(path).map(drop),
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-cifar-batches",
        "Corrupt CIFAR-10 binary batch",
        "truncated (to 0 too), 1-8 bit flips, bytes overwritten, label bytes set to extremes, \
         junk inserted and appended, chunks duplicated, grown to up to 1.25 MiB",
        cases,
        &tally.outcome(DATA_ALLOCATION_BOUND, "as bad input naming the file"),
    );
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

/// CSV-specific junk lines: numbers f32 cannot hold, non-numbers, wrong field counts,
/// odd separators and characters.
const CSV_LINES: [&str; 24] = [
    "1e39,0",
    "0,-1e39",
    "nan,1",
    "inf,2",
    "1,2,3",
    "1",
    ",",
    "1;2",
    "1\t2",
    "１,２",
    "0x10,1",
    "1e-50,1e-50",
    "\u{feff}1,2",
    "a,b",
    "#,#",
    "1,2\r",
    "\0",
    "-0,+0",
    "1_0,2",
    ".5,5.",
    "e,1",
    "\u{85}1,2",
    "1\u{2028}2",
    "\u{ff}\u{fe}",
];

#[test]
fn fuzz_csv_points() {
    let cases = record::trials("LSGAN_FUZZ_CASES", CI_CASES);
    let seed = ring_csv();
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ring.csv");
        std::fs::write(&path, &seed).unwrap();
        assert_eq!(read_points(&path).unwrap().size(), [64, 2]);
    }
    let tally = campaign(
        "csv-points",
        cases,
        5,
        fixed(DATA_ALLOCATION_BOUND),
        |rng| {
            let mut bytes = seed.clone();
            let mut done = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let lines = bytes.iter().filter(|&&b| b == b'\n').count();
                let at_line = |rng: &mut ChaCha8Rng, bytes: &[u8]| {
                    let line = rng.random_range(0..=lines);
                    let offset = bytes
                        .iter()
                        .enumerate()
                        .filter(|&(_, &b)| b == b'\n')
                        .nth(line)
                        .map_or(bytes.len(), |(i, _)| i + 1);
                    (line, offset.min(bytes.len()))
                };
                match rng.random_range(0..4) {
                    0 => {
                        let (line, offset) = at_line(rng, &bytes);
                        let text = format!("{}\n", pick(rng, &CSV_LINES));
                        done.push(format!("line {text:?} inserted before line {}", line + 1));
                        bytes.splice(offset..offset, text.into_bytes());
                    }
                    1 => {
                        let (line, offset) = at_line(rng, &bytes);
                        let length = if rng.random_ratio(1, 4) {
                            rng.random_range(60_000..300_000)
                        } else {
                            rng.random_range(1..5_000)
                        };
                        let digit = *pick(rng, b"0123456789,# ");
                        let mut text = vec![digit; length];
                        text.push(b'\n');
                        done.push(format!(
                            "a {length}-byte line of {:?} before line {}",
                            digit as char,
                            line + 1
                        ));
                        bytes.splice(offset..offset, text);
                    }
                    _ => done.push(mutate_bytes(rng, &mut bytes, Format::Text)),
                }
            }
            Case::bytes("ring.csv", bytes, done.join("; "))
        },
        |path, _| read_points(path).map(drop),
        names_the_file,
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-csv-points",
        "Corrupt CSV point file",
        "truncated (to 0 too), 1-8 bit flips, bytes overwritten, junk inserted and appended, \
         chunks duplicated, grown to up to 1.25 MiB, lines of up to 300 KB, numbers f32 cannot \
         hold, NaN, wrong field counts, odd separators and characters",
        cases,
        &tally.outcome(
            DATA_ALLOCATION_BOUND,
            "as bad input naming the file (and line)",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Config

/// Values put in place of a key's: wrong types, out-of-range and absurd numbers, odd strings,
/// TOML syntax errors.
const CONFIG_VALUES: [&str; 47] = [
    "-1",
    "0",
    "1",
    "-0.0",
    "0.5",
    "1.0",
    "2",
    "3",
    "64",
    "1e300",
    "-1e300",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000",
    "4294967296",
    "65537",
    "1_000",
    "0x10",
    "0b1",
    "\"\"",
    "\" \"",
    "\"text\"",
    "\"a\\nb\"",
    "\"\\u0000\"",
    "\"ring\"",
    "\"grid\"",
    "\"mnist\"",
    "\"lsgan\"",
    "\"wgan-gp\"",
    "\"/\"",
    "'literal'",
    "\"\"\"multi\nline\"\"\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "07:32:00",
    "",
    "\"unterminated",
];

/// Keys that are not config keys: near misses (kebab case, capitals, a trailing space), a
/// table, and keys only a quoted key can spell.
const UNKNOWN_KEYS: [&str; 12] = [
    "batch-size",
    "Batch_size",
    "iterations",
    "lr",
    "\"batch_size \"",
    "\"a\\nb\"",
    "\"\"",
    "\"ключ\"",
    "model.width",
    "'literal key'",
    "x",
    "\"iters\\r\"",
];

/// The 1-based line of each `key = value` line of a config, and its key.
fn config_keys(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (key, _) = line.split_once(" = ")?;
            Some((index + 1, key.trim().to_string()))
        })
        .collect()
}

fn replace_line(text: &str, line: usize, with: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = with;
    lines.join("\n") + "\n"
}

fn insert_line(text: &str, before: usize, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(before - 1, line);
    lines.join("\n") + "\n"
}

/// Nested arrays or inline tables `depth` deep.
fn nested(depth: usize, table: bool) -> String {
    if table {
        "{ a = ".repeat(depth) + "1" + &" }".repeat(depth)
    } else {
        "[".repeat(depth) + "1" + &"]".repeat(depth)
    }
}

/// One config mutation: a key's value replaced, a key renamed, an unknown key or table
/// added, a line duplicated or removed, nesting, padding, or byte-level mutations.
fn mutate_config(rng: &mut ChaCha8Rng, seeds: &[String]) -> Case {
    let text = pick(rng, seeds).clone();
    let keys = config_keys(&text);
    let (line, key) = pick(rng, &keys).clone();
    let lines = text.lines().count();
    let case = |text: String, what: String, key: Option<String>, line: Option<usize>| Case {
        key,
        line,
        ..Case::bytes("config.toml", text.into_bytes(), what)
    };
    match rng.random_range(0..10) {
        0..=2 => {
            let value = pick(rng, &CONFIG_VALUES);
            case(
                replace_line(&text, line, &format!("{key} = {value}")),
                format!("`{key}` set to {value:?}"),
                Some(key),
                Some(line),
            )
        }
        3 => {
            let new = pick(rng, &UNKNOWN_KEYS);
            let value = text
                .lines()
                .nth(line - 1)
                .unwrap()
                .split_once(" = ")
                .unwrap()
                .1;
            case(
                replace_line(&text, line, &format!("{new} = {value}")),
                format!("`{key}` renamed {new}"),
                Some(new.to_string()),
                Some(line),
            )
        }
        4 => {
            let new = pick(rng, &UNKNOWN_KEYS);
            let before = rng.random_range(1..=lines + 1);
            let added = match rng.random_range(0..3) {
                0 => format!("[{new}]"),
                1 => format!("[[{new}]]"),
                _ => format!("{new} = {}", pick(rng, &CONFIG_VALUES)),
            };
            // Added after the last key, a table header swallows nothing; before it, the keys
            // that follow move into the table.
            case(
                insert_line(&text, before, &added),
                format!("{added:?} added before line {before}"),
                None,
                None,
            )
        }
        5 => {
            let original = text.lines().nth(line - 1).unwrap().to_string();
            case(
                insert_line(&text, line + 1, &original),
                format!("line {line} duplicated"),
                Some(key),
                Some(line + 1),
            )
        }
        6 => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(&key)).collect();
            case(
                lines.join("\n") + "\n",
                format!("`{key}` removed"),
                None,
                None,
            )
        }
        7 => {
            let depth = *pick(rng, &[1, 2, 10, 100, 1000, 10_000, 50_000]);
            let table = rng.random_bool(0.5);
            case(
                replace_line(&text, line, &format!("{key} = {}", nested(depth, table))),
                format!("`{key}` nested {depth} deep"),
                Some(key),
                Some(line),
            )
        }
        8 => {
            let limit = MAX_CONFIG_BYTES as usize;
            let target = rng.random_range(limit / 2..2 * limit);
            let mut padded = text.clone();
            let filler = *pick(rng, &["# padding\n", "\n", " ", "\t\n\r\n"]);
            while padded.len() < target {
                padded.push_str(filler);
            }
            case(
                padded,
                format!("padded to {target} bytes with {filler:?}"),
                None,
                None,
            )
        }
        _ => {
            let mut bytes = text.into_bytes();
            let mut done = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                done.push(mutate_bytes(rng, &mut bytes, Format::Text));
            }
            Case::bytes("config.toml", bytes, done.join("; "))
        }
    }
}

/// Whether `message` says `path:LINE:` for some line (a syntax error's position).
fn names_a_line(message: &str, path: &Path) -> bool {
    let prefix = format!("{}:", path.display());
    message.strip_prefix(&prefix).is_some_and(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    })
}

/// A config refusal: bad input, one line, naming the file and a key or a line — the key the
/// mutation targeted, or its line, when it targeted one.
fn config_refusal(path: &Path, case: &Case, error: &Error) -> Result<(), String> {
    let Error::BadInput(message) = error else {
        return Err("not Error::BadInput".into());
    };
    if message.contains('\n') || message.contains('\r') {
        return Err("the message is more than one line".into());
    }
    if !message.contains(&path.display().to_string()) {
        return Err("the message does not name the file".into());
    }
    let names_a_key = message.contains(": key `");
    let too_big = message.contains("bytes lsgan reads from a config file");
    if !(names_a_key || names_a_line(message, path) || too_big) {
        return Err("the message names neither a key nor a line".into());
    }
    if too_big {
        return Ok(());
    }
    if let Some(key) = &case.key {
        let bare = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let line = case
            .line
            .is_some_and(|line| message.starts_with(&format!("{}:{line}:", path.display())));
        if bare && !line && !message.contains(&format!("key `{key}`")) {
            return Err(format!("the message names neither `{key}` nor its line"));
        }
    }
    Ok(())
}

fn config_seeds() -> Vec<String> {
    let mut seeds: Vec<String> = LossKind::ALL
        .iter()
        .map(|&loss| TrainConfig::defaults_for_data(loss, "ring").to_toml())
        .collect();
    seeds.push(TrainConfig::defaults_for_data(LossKind::Lsgan, "mnist").to_toml());
    seeds.push(TrainConfig::defaults_for_data(LossKind::Glsgan, "points.csv").to_toml());
    seeds
}

#[test]
fn fuzz_config_files() {
    let cases = record::trials("LSGAN_FUZZ_CASES", CI_CASES);
    let seeds = config_seeds();
    let dir = tempfile::tempdir().unwrap();
    for seed in &seeds {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, seed).unwrap();
        TrainConfig::from_file(&path).unwrap();
    }
    let tally = campaign(
        "config",
        cases,
        6,
        fixed(DATA_ALLOCATION_BOUND),
        |rng| mutate_config(rng, &seeds),
        |path, _| TrainConfig::from_file(path).map(drop),
        config_refusal,
    );
    tally.assert_clean(cases);
    record::record(
        "fuzz-config",
        "Corrupt TOML config file",
        "values replaced by wrong types, out-of-range and absurd numbers, odd strings and \
         syntax errors; keys renamed to unknown ones; unknown keys and tables added; lines \
         duplicated and removed; nesting up to 50000 deep; padded to twice the size limit; \
         truncated, bit-flipped, junk inserted",
        cases,
        &tally.outcome(
            DATA_ALLOCATION_BOUND,
            "as bad input in one line naming the file and the key (or line)",
        ),
    );
}

/// Replays a case a campaign saved, outside `catch_unwind` so that a panic shows its
/// backtrace: `LSGAN_FUZZ_REPLAY=target/tmp/fuzz-failures/<file> cargo test --release --test
/// fuzz_parsers -- --ignored replay --nocapture`.
#[test]
#[ignore = "replays the saved case named by LSGAN_FUZZ_REPLAY"]
fn replay() {
    let saved = PathBuf::from(std::env::var("LSGAN_FUZZ_REPLAY").expect("LSGAN_FUZZ_REPLAY"));
    let name = saved.file_name().unwrap().to_str().unwrap();
    let targets = [
        "idx-images",
        "idx-labels",
        "cifar-batches",
        "image-folder",
        "csv-points",
        "config",
    ];
    let (target, rest) = targets
        .iter()
        .find_map(|&t| Some((t, name.strip_prefix(t)?.strip_prefix('-')?)))
        .unwrap_or_else(|| panic!("{name}: not named <target>-<case>-<file>"));
    let file_name = rest.split_once('-').expect("<case>-<file>").1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::copy(&saved, &path).unwrap();
    let images = dir.path().join("images-idx3-ubyte");
    std::fs::write(&images, idx_prefix("mnist/t10k-images-idx3-ubyte.gz", 20)).unwrap();
    let (result, largest) = largest_allocation(|| match target {
        "idx-images" => idx::read_images(&path).map(drop),
        "idx-labels" => idx::read_pair(&images, &path).map(drop),
        "cifar-batches" => cifar::read_batch(&path).map(drop),
        "image-folder" => {
            std::fs::remove_file(&images).unwrap();
            [(3, 32), (1, 28)]
                .into_iter()
                .try_for_each(|(channels, side)| {
                    folder::read_folder(dir.path(), channels, side).map(drop)
                })
        }
        "csv-points" => read_points(&path).map(drop),
        _ => TrainConfig::from_file(&path).map(drop),
    });
    println!("{target} {name}: {result:?}; largest allocation {largest} bytes");
}

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

/// Parses `path` and returns the refusal's message, asserting it is bad input naming the
/// file and that nothing bigger than [`SMALL_ALLOCATION`] was asked for.
fn refused_small<T>(path: &Path, parse: impl FnOnce(&Path) -> lsgan::Result<T>) -> String {
    let (result, largest) = largest_allocation(|| parse(path));
    let message = match result {
        Ok(_) => panic!("{}: accepted", path.display()),
        Err(Error::BadInput(message)) => message,
        Err(other) => panic!("{}: not bad input: {other:?}", path.display()),
    };
    assert!(
        message.contains(&path.display().to_string()),
        "the message should name {}: {message}",
        path.display()
    );
    assert!(
        largest < SMALL_ALLOCATION,
        "{}: refused only after allocating {largest} bytes: {message}",
        path.display()
    );
    message
}

/// A file of `len` bytes that takes no room: `head`, then a hole of zeros.
fn sparse_file(path: &Path, head: &[u8], len: u64) {
    let mut file = File::create(path).unwrap();
    file.write_all(head).unwrap();
    file.set_len(len).unwrap();
}

#[test]
fn idx_headers_claiming_a_terabyte_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let header = idx::encode(idx::IMAGES_MAGIC, &[1_275_510_204, 28, 28], &[]);
    let raw = dir.path().join("terabyte-idx3-ubyte");
    std::fs::write(&raw, &header).unwrap();
    let message = refused_small(&raw, idx::read_images);
    assert!(message.contains("1275510204 images"), "{message}");

    let gz = dir.path().join("terabyte-idx3-ubyte.gz");
    std::fs::write(&gz, common::gzip(&header)).unwrap();
    refused_small(&gz, idx::read_images);

    // A claim under the 1 GiB limit in a 2 GiB file that is all hole: the size check refuses
    // it without reading.
    let holes = dir.path().join("hole-idx3-ubyte");
    sparse_file(
        &holes,
        &idx::encode(idx::IMAGES_MAGIC, &[1_000_000, 28, 28], &[]),
        2 << 30,
    );
    refused_small(&holes, idx::read_images);

    // A gzip file claiming far more than the ~8× its size it is reserved for, within what
    // deflate could in principle hold: read as it comes, and refused as truncated.
    let mut claim = idx::encode(idx::IMAGES_MAGIC, &[100_000, 28, 28], &[]);
    claim.extend(random_bytes(&mut ChaCha8Rng::seed_from_u64(0), 80_000));
    let modest = dir.path().join("claim-idx3-ubyte.gz");
    std::fs::write(&modest, common::gzip(&claim)).unwrap();
    let message = refused_small(&modest, idx::read_images);
    assert!(message.contains("truncated"), "{message}");

    let labels = dir.path().join("labels-idx1-ubyte.gz");
    std::fs::write(
        &labels,
        common::gzip(&idx::encode(idx::LABELS_MAGIC, &[u32::MAX], &[])),
    )
    .unwrap();
    refused_small(&labels, idx::read_labels);
}

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

#[test]
fn a_huge_csv_line_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-line.csv");
    let mut text = b"x,y\n1,2\n".to_vec();
    text.extend(vec![b'7'; 16 * MIB]);
    text.extend(b",1\n3,4\n");
    std::fs::write(&path, &text).unwrap();
    let message = refused_small(&path, read_points);
    assert!(
        message.contains(&format!("{}:3", path.display())),
        "{message}"
    );

    let holes = dir.path().join("holes.csv");
    sparse_file(&holes, b"x,y\n1,2\n3,4\n", 4 << 30);
    refused_small(&holes, read_points);
}

#[test]
fn cifar_files_of_the_wrong_size_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let records = cifar_records(3);
    let short = dir.path().join("short.bin");
    std::fs::write(&short, &records[..records.len() - 1]).unwrap();
    let message = refused_small(&short, cifar::read_batch);
    assert!(message.contains("3073-byte records"), "{message}");

    let long = dir.path().join("long.bin");
    std::fs::write(&long, [&records[..], &[0]].concat()).unwrap();
    refused_small(&long, cifar::read_batch);

    // 2 GiB of whole records, all hole: refused by size before a byte is read.
    let huge = dir.path().join("huge.bin");
    sparse_file(
        &huge,
        &records,
        (2u64 << 30) / cifar::RECORD_BYTES as u64 * cifar::RECORD_BYTES as u64,
    );
    refused_small(&huge, cifar::read_batch);
}

#[test]
fn oversized_config_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let config = TrainConfig::default().to_toml();
    sparse_file(&path, config.as_bytes(), 4 << 30);
    let message = refused_small(&path, TrainConfig::from_file);
    assert!(!message.contains('\n'), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Config errors, key by key

/// `config.toml` holding the defaults with `key = value`, resolved.
fn resolve_with(
    key: &str,
    value: &str,
) -> (PathBuf, lsgan::Result<TrainConfig>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = TrainConfig::default().to_toml();
    let line = config_keys(&text)
        .into_iter()
        .find(|(_, k)| k == key)
        .unwrap_or_else(|| panic!("no key {key}"))
        .0;
    std::fs::write(
        &path,
        replace_line(&text, line, &format!("{key} = {value}")),
    )
    .unwrap();
    let result = TrainConfig::from_file(&path);
    (path, result, dir)
}

/// The message of a config refused as bad input, asserted to be one line; `case` names the
/// input in a failure.
fn one_line_refusal(result: lsgan::Result<TrainConfig>, case: &str) -> String {
    let message = match result {
        Err(Error::BadInput(message)) => message,
        other => panic!("{case}: expected bad input, got {other:?}"),
    };
    assert!(!message.contains('\n'), "{case}: {message}");
    message
}

fn assert_refused_naming(key: &str, value: &str, also: &str) {
    let (path, result, _dir) = resolve_with(key, value);
    let message = one_line_refusal(result, &format!("{key} = {value}"));
    assert!(
        message.contains(&format!("{}: key `{key}`", path.display())),
        "{key} = {value}: {message}"
    );
    assert!(
        message.contains(also),
        "{key} = {value}: expected `{also}` in {message}"
    );
}

#[test]
fn absurd_sizes_in_a_config_are_refused_naming_the_key() {
    for key in [
        "batch_size",
        "noise_dim",
        "gen_width",
        "critic_width",
        "gen_depth",
        "critic_depth",
        "critic_steps",
        "eval_samples",
    ] {
        assert_refused_naming(key, "1000000000000", "at most");
        assert_refused_naming(key, "0", "at least 1");
        assert_refused_naming(key, "-1", key);
        assert_refused_naming(key, "\"64\"", "invalid type");
    }
    assert_refused_naming("threads", "1000000", "at most");
    assert_refused_naming("critic_output_bias", "nan", "finite");
    assert_refused_naming("critic_output_bias", "inf", "finite");
    assert_refused_naming("loss", "\"lsq\"", "wgan-gp");
    assert_refused_naming("data", "\"\\n\"", "ring");
    // The largest allowed values are accepted.
    for (key, value) in [
        ("batch_size", "65536"),
        ("noise_dim", "4096"),
        ("gen_width", "4096"),
        ("critic_depth", "64"),
        ("eval_samples", "20000"),
        ("threads", "1024"),
    ] {
        let (_, result, _dir) = resolve_with(key, value);
        result.unwrap_or_else(|e| panic!("{key} = {value}: {e}"));
    }
}

#[test]
fn config_syntax_errors_are_one_line_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = TrainConfig::default().to_toml();
    for (bad, line) in [
        (insert_line(&text, 3, "iters = "), 3),
        (insert_line(&text, 5, "[[[["), 5),
        (insert_line(&text, 2, "seed = 1\nseed = 2"), 3),
        (text.replacen('"', "", 1), 1),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let message = one_line_refusal(TrainConfig::from_file(&path), &bad);
        assert!(
            message.starts_with(&format!("{}:{line}:", path.display())),
            "expected line {line}: {message}"
        );
    }
    std::fs::write(
        &path,
        [b"seed = 1\n".as_slice(), b"iters = \xff\n"].concat(),
    )
    .unwrap();
    let message = TrainConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}:2:", path.display())) && message.contains("UTF-8"),
        "{message}"
    );
    std::fs::write(&path, "\"a\\nb\" = 1\n").unwrap();
    let message = TrainConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        !message.contains('\n') && message.contains("unknown key"),
        "{message}"
    );
}
