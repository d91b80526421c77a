//! `lsgan sample`: draw N points from a finished run's generator and write them as CSV (one
//! `x,y` per line) or NumPy `.npy` (an N×2 float32 array).

use std::io::Write;
use std::path::Path;

use tch::nn;
use tch::{Device, Tensor};

use crate::data::SampleShape;
use crate::error::{Error, Result};
use crate::nets::Generator;
use crate::report::run_dir::{write_atomically, RunDir, GENERATOR_FILE};
use crate::train::trainer::sample_noise;

/// The output formats, picked by the file extension.
enum SampleFormat {
    Csv,
    Npy,
}

/// Writes `count` samples of the generator in `run_dir` to `out`, drawing noise with `seed`.
pub fn write_samples(run_dir: &Path, count: usize, out: &Path, seed: u64) -> Result<()> {
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some("csv") => SampleFormat::Csv,
        Some("npy") => SampleFormat::Npy,
        _ => {
            return Err(Error::bad_input(format!(
                "--out {}: expected a file name ending in .csv or .npy",
                out.display()
            )))
        }
    };
    if count == 0 {
        return Err(Error::bad_input("-n: expected at least 1 sample"));
    }
    let samples = generate(run_dir, count, seed)?;
    match format {
        SampleFormat::Csv => {
            let points = crate::train::run::points_of(&samples)?;
            let mut text = Vec::with_capacity(count * 24);
            for (x, y) in points {
                writeln!(text, "{x},{y}").map_err(|e| Error::io("formatting", out, e))?;
            }
            write_atomically(out, &text)
        }
        SampleFormat::Npy => {
            let file_name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let temporary = out.with_file_name(format!(".{file_name}.partial.npy"));
            samples.write_npy(&temporary)?;
            std::fs::rename(&temporary, out).map_err(|e| Error::io("writing", out, e))
        }
    }
}

/// `count` samples, shape [count, 2], from the final generator of the run in `run_dir`.
pub fn generate(run_dir: &Path, count: usize, seed: u64) -> Result<Tensor> {
    let run = RunDir::open(run_dir)?;
    let config = run.read_config()?;
    let mut store = nn::VarStore::new(Device::Cpu);
    let generator = Generator::build(&store.root(), &config, SampleShape::of(&config))?;
    let weights = run.file(GENERATOR_FILE);
    store.load(&weights).map_err(|e| {
        Error::bad_input(format!(
            "{}: cannot load the generator ({e}); was the run's config.toml edited?",
            weights.display()
        ))
    })?;
    tch::manual_seed(seed as i64);
    let noise = sample_noise(config.noise, count, config.noise_dim, Device::Cpu);
    Ok(tch::no_grad(|| generator.forward_t(&noise, false)))
}
