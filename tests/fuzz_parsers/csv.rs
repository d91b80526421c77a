//! CSV point files fuzzed: byte mutations plus CSV-specific junk lines and very long lines;
//! and a huge line refused before allocating.

use lsgan::data::csv::read_points;
use lsgan::data::GaussianMixture;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tch::Device;

use crate::harness::{
    campaign, fixed, mutate_bytes, names_the_file, pick, refused_small, sparse_file, Case, Format,
    CI_CASES, DATA_ALLOCATION_BOUND, MIB,
};
use crate::record;

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
// Explicit cases: absurd claims refused before allocating

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
