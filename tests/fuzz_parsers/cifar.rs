//! CIFAR-10 binary batches fuzzed, with files of the wrong size refused before reading.

use lsgan::data::images::cifar;

use crate::common;
use crate::harness::{
    byte_campaign, cifar_sample_paths, fixed, refused_small, sparse_file, Format, Seed,
    DATA_ALLOCATION_BOUND,
};
use crate::record;

/// The first `count` CIFAR-10 sample images as binary batch records (label from the name).
fn cifar_records(count: usize) -> Vec<u8> {
    let mut records = Vec::new();
    for path in cifar_sample_paths().into_iter().take(count) {
        records.extend(common::cifar_record(&path).1);
    }
    records
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

// ---------------------------------------------------------------------------------------------
// Explicit cases: absurd claims refused before allocating

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
