//! Damaged checkpoints, at random: truncated, bit-flipped (anywhere, and in the header in
//! particular), header length set to extremes, junk appended or inserted, chunks duplicated.
//! Every damaged file is refused as bad input naming it, without a panic, before anything
//! is loaded into the trainer; the undamaged file loads. The number of cases comes from
//! `LSGAN_FUZZ_CASES` (CI runs fewer than `scripts/reliability.sh --long`).

mod common;
mod record;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use common::{lsgan, succeeded};
use lsgan::error::Error;
use lsgan::train::checkpoint::Checkpoint;
use lsgan::train::config::TrainConfig;
use lsgan::train::Trainer;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One way of damaging a file, with the name the tally uses.
const MUTATIONS: [&str; 7] = [
    "truncated",
    "bits flipped anywhere",
    "bits flipped in the header",
    "header length set to an extreme",
    "junk appended",
    "junk inserted",
    "a chunk duplicated",
];

fn below(rng: &mut ChaCha8Rng, bound: usize) -> usize {
    ((u128::from(rng.next_u64()) * bound as u128) >> 64) as usize
}

fn junk(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let length = 1 + below(rng, 4096);
    (0..length).map(|_| rng.next_u64() as u8).collect()
}

/// `original` damaged by mutation number `kind`; never equal to it.
fn damage(original: &[u8], kind: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut bytes = original.to_vec();
    let header_end = 8 + u64::from_le_bytes(original[..8].try_into().unwrap()) as usize;
    match kind {
        0 => bytes.truncate(below(rng, original.len())),
        1 | 2 => {
            let span = if kind == 1 { bytes.len() } else { header_end };
            for _ in 0..1 + below(rng, 8) {
                let at = below(rng, span);
                bytes[at] ^= 1 << below(rng, 8);
            }
        }
        3 => {
            let extremes = [
                0,
                1,
                header_end as u64 - 9,
                header_end as u64 - 7,
                1_000_000_000_000,
                u64::MAX,
                rng.next_u64(),
            ];
            let claim = extremes[below(rng, extremes.len())];
            bytes[..8].copy_from_slice(&claim.to_le_bytes());
        }
        4 => bytes.extend(junk(rng)),
        5 => {
            let at = below(rng, bytes.len());
            let inserted = junk(rng);
            bytes.splice(at..at, inserted);
        }
        _ => {
            let start = below(rng, bytes.len());
            let end = start + 1 + below(rng, (bytes.len() - start).min(4096));
            let chunk = bytes[start..end].to_vec();
            bytes.splice(end..end, chunk);
        }
    }
    if bytes == original {
        // A flip that undid another: damage it for sure.
        bytes.pop();
    }
    bytes
}

/// A trainer built from the run's configuration, to restore into.
fn trainer_for(run: &Path) -> Trainer {
    let config = TrainConfig::from_file(&run.join("config.toml")).unwrap();
    let data = config.load_data(0).unwrap();
    Trainer::new(config, data).unwrap()
}

#[test]
fn every_damaged_checkpoint_is_refused_by_name_without_a_panic() {
    let cases = record::trials("LSGAN_FUZZ_CASES", 2000);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    succeeded(
        lsgan()
            .args(["train", "--out", run.to_str().unwrap()])
            .args(["--data", "ring", "--iters", "20", "--log-every", "10"])
            .args([
                "--gen-width",
                "32",
                "--critic-width",
                "32",
                "--ema-decay",
                "0.9",
            ])
            .args(["--eval-samples", "100", "--threads", "1", "--quiet"])
            .output()
            .unwrap(),
    );
    let original = std::fs::read(run.join("checkpoint.safetensors")).unwrap();
    let mut trainer = trainer_for(&run);
    let intact = Checkpoint::read(&run.join("checkpoint.safetensors")).unwrap();
    intact.restore(&mut trainer).unwrap();
    assert_eq!(trainer.iteration(), 20);

    let damaged = dir.path().join("damaged.safetensors");
    let name = damaged.display().to_string();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut tried = [0usize; MUTATIONS.len()];
    let mut checksum_caught = 0;
    for case in 0..cases {
        let kind = case % MUTATIONS.len();
        tried[kind] += 1;
        std::fs::write(&damaged, damage(&original, kind, &mut rng)).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            Checkpoint::read(&damaged).and_then(|c| c.restore(&mut trainer))
        }));
        match outcome {
            Err(_) => panic!("case {case} ({}): the reader panicked", MUTATIONS[kind]),
            Ok(Ok(_)) => panic!("case {case} ({}): a damaged file loaded", MUTATIONS[kind]),
            Ok(Err(Error::BadInput(message))) => {
                assert!(message.contains(&name), "case {case}: {message}");
                assert!(!message.contains('\n'), "case {case}: {message}");
                checksum_caught += usize::from(message.contains("checksum"));
            }
            Ok(Err(other)) => panic!("case {case}: not reported as bad input: {other}"),
        }
    }
    let tally: Vec<String> = MUTATIONS
        .iter()
        .zip(tried)
        .map(|(mutation, n)| format!("{mutation} {n}"))
        .collect();
    record::record(
        "checkpoint-fuzz",
        "Damaged checkpoint file (random mutations)",
        &format!("{} (tests/checkpoint_fuzz.rs)", tally.join(", ")),
        cases,
        &format!(
            "0 panics, 0 loaded; every case refused as bad input naming the file \
             ({checksum_caught} of them by the checksum, the rest as unreadable)"
        ),
    );
}
