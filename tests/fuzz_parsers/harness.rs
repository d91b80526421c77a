//! The fuzzing framework every target shares: the counting allocator and the allocation
//! bounds, real seed inputs from ../shared/data, byte-level mutations, the campaign loop that
//! parses each case inside `catch_unwind`, the case count (`LSGAN_FUZZ_CASES`), and the
//! assertion helpers (a refusal naming the file, refused before allocating).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::Instant;

use lsgan::data::images::{cifar, folder, idx};
use lsgan::Error;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{common, record};

/// Cases per target when `LSGAN_FUZZ_CASES` is not set: the whole file runs in well under a
/// minute in release on two cores.
pub const CI_CASES: usize = 10_000;

pub const MIB: usize = 1 << 20;

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
pub const DATA_ALLOCATION_BOUND: usize = 16 * MIB;

/// The largest single allocation the image folder reader may ask for: the decoders allocate
/// the pixels a header claims once the claim passes the reader's limits
/// ([`folder::MAX_IMAGE_BYTES`]), before finding the data missing.
pub const IMAGE_ALLOCATION_BOUND: usize = folder::MAX_IMAGE_BYTES as usize;

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
pub fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
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
pub fn idx_prefix(relative: &str, count: u32) -> Vec<u8> {
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
pub fn cifar_sample_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(shared_data().join("cifar10-samples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// A seed input: a file name (the extension matters to the IDX reader) and its bytes; a
/// gzipped seed keeps its uncompressed form, so that header fields can be mutated inside.
#[derive(Clone)]
pub struct Seed {
    file_name: String,
    bytes: Vec<u8>,
    gzip: bool,
    format: Format,
}

impl Seed {
    pub fn new(file_name: &str, format: Format, bytes: Vec<u8>) -> Self {
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
pub enum Format {
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
pub struct Field {
    pub offset: usize,
    pub width: usize,
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
pub fn jpeg_fields(bytes: &[u8]) -> Vec<Field> {
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
pub fn fix_png_header_crc(bytes: &mut [u8]) {
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

pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub fn random_bytes(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
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
pub fn mutate_bytes(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, format: Format) -> String {
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
pub struct Case {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub what: String,
    /// A number the parse may use to vary its arguments (the folder reader's channels).
    pub variant: usize,
    /// The config key the mutation targeted, which a refusal must name (or the line).
    pub key: Option<String>,
    /// The 1-based line the mutation is on.
    pub line: Option<usize>,
}

impl Case {
    pub fn bytes(file_name: &str, bytes: Vec<u8>, what: String) -> Self {
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
pub struct Bound<'a> {
    bytes: usize,
    backed: &'a dyn Fn(&Case) -> usize,
}

/// Nothing but the bound: no case's content justifies more.
pub fn fixed(bytes: usize) -> Bound<'static> {
    Bound {
        bytes,
        backed: &|_| 0,
    }
}

/// The bound, or for a gzipped case twice what its stream inflates to (a buffer that grows
/// by doubling holds at most twice the data read) and 1 MiB: memory the data, not a header's
/// claim, asks for.
pub fn gzip_backed(bytes: usize) -> Bound<'static> {
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
pub struct Tally {
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
    pub fn assert_clean(&self, cases: usize) {
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
    pub fn outcome(&self, bound: usize, refusal: &str) -> String {
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
pub fn campaign(
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
pub fn names_the_file(path: &Path, _: &Case, error: &Error) -> Result<(), String> {
    match error {
        Error::BadInput(message) if message.contains(&path.display().to_string()) => Ok(()),
        Error::BadInput(_) => Err("the message does not name the file".into()),
        _ => Err("not Error::BadInput".into()),
    }
}

/// A campaign over byte-mutated `seeds`, every seed first checked to parse as it is.
pub fn byte_campaign(
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

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

/// Parses `path` and returns the refusal's message, asserting it is bad input naming the
/// file and that nothing bigger than [`SMALL_ALLOCATION`] was asked for.
pub fn refused_small<T>(path: &Path, parse: impl FnOnce(&Path) -> lsgan::Result<T>) -> String {
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
pub fn sparse_file(path: &Path, head: &[u8], len: u64) {
    let mut file = File::create(path).unwrap();
    file.write_all(head).unwrap();
    file.set_len(len).unwrap();
}
