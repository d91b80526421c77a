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
//! Cases per target: `LSGAN_FUZZ_CASES` (default [`CI_CASES`](harness::CI_CASES)). After its
//! assertions each campaign writes its row of the reliability record (tests/record). A failing
//! case is saved under `target/tmp/fuzz-failures/`, and the ignored test `replay` replays one.
//!
//! A long campaign: `LSGAN_FUZZ_CASES=100000 cargo test --release --test fuzz_parsers`, or
//! `bash scripts/reliability.sh --long`, which runs this suite with the other fault-injection
//! tests and writes their rows into RELIABILITY.md.
//!
//! The framework (seed inputs, mutations, campaigns, allocation bounds, the assertion
//! helpers) is in `harness.rs`; each target has its own file, with its campaign and its
//! explicit cases; `replay.rs` replays a saved case of any of them.

#[path = "../common/mod.rs"]
mod common;
#[path = "../record/mod.rs"]
mod record;

mod harness;

mod cifar;
mod config;
mod csv;
mod idx;
mod image_folder;
mod replay;
