//! Samples from a finished run: `lsgan sample` writes N generated samples as CSV (one `x,y`
//! per line, 2-D runs), NumPy `.npy` (N×2, or N×C×H×W with values in [−1, 1]), a `.png` grid
//! or a folder of N PNG files (image runs, for external evaluators); `lsgan interpolate`
//! writes latent interpolation strips. Either generator can be used: the moving average of
//! its weights where the run has one (as the run's own pictures and `compare` use), else the
//! final weights (`--final`); on the device `--device` picks (the noise is drawn on the CPU,
//! so one seed gives the same samples anywhere).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::{Device, Kind, Tensor};

use crate::data::csv::read_points;
use crate::data::images::builtin_class_names;
use crate::data::options::DataSource;
use crate::data::standardise::Standardisation;
use crate::data::SampleShape;
use crate::error::{Error, Result};
use crate::nets::options::NoiseKind;
use crate::nets::{conditional_input, Generator};
use crate::objectives::options::LossKind;
use crate::report::grid::{square_columns, write_grid, write_image_files};
use crate::report::summary::counted;
use crate::storage::files::{
    EMA_GENERATOR_FILE, GENERATOR_FILE, LABELLED_FILE, STANDARDISATION_FILE,
};
use crate::storage::{write_atomically, RunDir};
use crate::train::config::TrainConfig;
use crate::train::options::DeviceChoice;
use crate::train::trainer::{pick_device, sample_noise};

/// The output formats, picked by the file extension (none: a folder of PNG files).
enum SampleFormat {
    Csv,
    Npy,
    PngGrid,
    PngFolder,
}

/// Which of a run's generators to draw from (`final` or `ema` where a file names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weights {
    /// The generator's final weights.
    #[serde(rename = "final")]
    Final,
    /// The moving average of its weights (runs with `ema_decay` > 0).
    #[serde(rename = "ema")]
    Averaged,
}

impl Weights {
    /// `averaged` or `final`, as messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            Weights::Final => "final",
            Weights::Averaged => "averaged",
        }
    }

    /// The averaged weights when the run in `run_dir` has them, else the final ones.
    pub fn preferred(run_dir: &Path) -> Weights {
        if run_dir.join(EMA_GENERATOR_FILE).is_file() {
            Weights::Averaged
        } else {
            Weights::Final
        }
    }
}

/// Which generator of a run to use and where: the flags `sample`, `interpolate` and
/// `evaluate` share.
#[derive(Clone, Debug, clap::Args)]
pub struct GeneratorFlags {
    /// Use the generator's final weights [default: the moving average of its weights where
    /// the run has one, as the run's own pictures do].
    #[arg(long = "final", conflicts_with = "ema")]
    pub final_weights: bool,
    /// Insist on the moving average of the generator's weights (an error where the run has
    /// none).
    #[arg(long)]
    pub ema: bool,
    /// Where the networks run: cuda when available, else cpu.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
}

impl GeneratorFlags {
    /// The weights these flags choose for the run in `run_dir`.
    pub fn weights(&self, run_dir: &Path) -> Weights {
        match (self.final_weights, self.ema) {
            (true, _) => Weights::Final,
            (_, true) => Weights::Averaged,
            _ => Weights::preferred(run_dir),
        }
    }

    /// The device these flags choose.
    pub fn device(&self) -> Result<Device> {
        pick_device(self.device)
    }
}

/// A run's generator, loaded on a device, with the configuration it was trained with.
pub struct TrainedGenerator {
    pub config: TrainConfig,
    pub generator: Generator,
    device: Device,
    /// How the run standardised its CSV points: samples are put back in the file's units.
    standardisation: Option<Standardisation>,
    _store: nn::VarStore,
}

/// How the run in `run` standardised its CSV points, if it did: its
/// `standardisation.json`, else computed again from the CSV file it names.
fn standardisation_of(run: &RunDir, config: &TrainConfig) -> Result<Option<Standardisation>> {
    let DataSource::PointsFile(csv) = &config.data.data else {
        return Ok(None);
    };
    if !config.data.standardise {
        return Ok(None);
    }
    let path = run.file(STANDARDISATION_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::bad_input(format!(
                "{}: not a standardisation file ({e})",
                path.display()
            ))
        }),
        Err(_) => {
            let points = read_points(csv).map_err(|e| {
                e.advise(format!(
                    "{} is missing, and without it or the data the samples cannot be put back \
                     in the data's units",
                    path.display()
                ))
            })?;
            Ok(Some(Standardisation::of(&points)))
        }
    }
}

impl TrainedGenerator {
    /// Loads the generator of the run in `run_dir` onto `device`.
    pub fn load(run_dir: &Path, weights: Weights, device: Device) -> Result<Self> {
        let run = RunDir::open(run_dir)?;
        let config = TrainConfig::read_from(&run)?;
        let mut store = nn::VarStore::new(device);
        let generator = Generator::build(
            &store.root(),
            &config.networks,
            SampleShape::of(&config.data),
            config.classes(),
        )?;
        let file = match weights {
            Weights::Final => GENERATOR_FILE,
            Weights::Averaged => EMA_GENERATOR_FILE,
        };
        let path = run.file(file);
        if weights == Weights::Averaged && !path.exists() {
            return Err(Error::bad_input(format!(
                "{}: no averaged generator; the run was trained with ema_decay = 0 (drop --ema)",
                path.display()
            )));
        }
        store.load(&path).map_err(|e| {
            Error::bad_input(format!(
                "{}: cannot load the generator ({e}); was the run's config.toml edited?",
                path.display()
            ))
        })?;
        let standardisation = standardisation_of(&run, &config)?;
        Ok(TrainedGenerator {
            config,
            generator,
            device,
            standardisation,
            _store: store,
        })
    }

    /// G(z) for a batch of noise (batch norm in evaluation mode), on the CPU.
    pub fn generate(&self, noise: &Tensor) -> Tensor {
        tch::no_grad(|| {
            self.generator
                .forward_t(&noise.to_device(self.device), false)
                .to_device(Device::Cpu)
        })
    }

    /// `count` samples drawn with noise from `seed`; of a conditional run, sample i is of
    /// class `class`, or i mod K when none is given.
    pub fn samples(&self, count: usize, seed: u64) -> Tensor {
        self.samples_of(count, seed, None)
    }

    /// [`TrainedGenerator::samples`], all of class `class` when one is given (conditional
    /// runs: the caller checks it with [`TrainedGenerator::check_class`]).
    pub fn samples_of(&self, count: usize, seed: u64, class: Option<i64>) -> Tensor {
        tch::manual_seed(seed as i64);
        let noise = sample_noise(
            self.config.networks.noise,
            count,
            self.config.networks.noise_dim,
            Device::Cpu,
        );
        let classes = match class {
            Some(class) => Tensor::full([count as i64], class, (Kind::Int64, Device::Cpu)),
            None => self.cycled_classes(count, 1),
        };
        let samples = self.generate(&self.input(&noise, &classes));
        match &self.standardisation {
            Some(standardisation) => standardisation.undo(&samples),
            None => samples,
        }
    }

    /// K, the classes of a conditional run; 0 for others.
    pub fn classes(&self) -> i64 {
        self.config.classes()
    }

    /// `class` if the run draws it: a conditional run and a class below K; else what
    /// `--class` should have been.
    pub fn check_class(&self, class: i64, run_dir: &Path) -> Result<()> {
        match self.classes() {
            0 => Err(Error::bad_input(format!(
                "option --class: {} is not conditional (trained with --loss {}); only CLS-GAN \
                 runs draw a chosen class",
                run_dir.display(),
                self.config.objective.loss.name()
            ))),
            classes if !(0..classes).contains(&class) => Err(Error::bad_input(format!(
                "option --class: expected a class from 0 to {}, got {class}",
                classes - 1
            ))),
            _ if !self.draws_classes() => Err(Error::bad_input(format!(
                "option --class: {}'s generator ignores its class (trained with hinge_weight = \
                 0, the semi-supervised default); train with --hinge-weight 1 to draw a chosen \
                 class",
                run_dir.display()
            ))),
            _ => Ok(()),
        }
    }

    /// The class `text` names: a number, or a class's name as the run's labelled.json lists
    /// them (a class folder's subfolders); checked as [`TrainedGenerator::check_class`] does.
    pub fn class_named(&self, text: &str, run_dir: &Path) -> Result<i64> {
        let class = match text.parse::<i64>() {
            Ok(number) => number,
            Err(_) => {
                // An unconditional run, or one whose generator ignores its class, says so first.
                self.check_class(0, run_dir)?;
                let names = class_names(run_dir);
                let found = names.iter().position(|name| name == text);
                found.ok_or_else(|| {
                    Error::bad_input(format!(
                        "option --class: {text:?} is not a class of {}; expected a number from \
                         0 to {} or one of {}",
                        run_dir.display(),
                        self.classes() - 1,
                        names.join(", ")
                    ))
                })? as i64
            }
        };
        self.check_class(class, run_dir)?;
        Ok(class)
    }

    /// Whether the generator was trained to draw the class it is given: a conditional run
    /// whose generator objective has a class term (CLS-GAN with λ > 0, the conditional
    /// WGAN-GP).
    pub fn draws_classes(&self) -> bool {
        let objective = &self.config.objective;
        match objective.loss {
            LossKind::Clsgan => objective.hinge_weight > 0.0,
            loss => loss.is_conditional(),
        }
    }

    /// The classes of `count` samples in runs of `run` each: run r is of class r mod K
    /// (empty for an unconditional generator).
    fn cycled_classes(&self, count: usize, run: usize) -> Tensor {
        Tensor::arange(count as i64, (Kind::Int64, Device::Cpu))
            .divide_scalar_mode(run.max(1) as i64, "floor")
            .remainder(self.classes().max(1))
    }

    /// The generator's input for `noise`: the noise itself, or (a conditional run) with
    /// `classes` one-hot appended.
    fn input(&self, noise: &Tensor, classes: &Tensor) -> Tensor {
        match self.classes() {
            0 => noise.shallow_clone(),
            k => conditional_input(noise, classes, k),
        }
    }

    /// "LS-GAN on mnist, seed 0": whose generator this is, for pictures' captions.
    fn title(&self) -> String {
        self.config.title(&self.config.data.data.to_string())
    }

    fn is_images(&self) -> bool {
        matches!(
            SampleShape::of(&self.config.data),
            SampleShape::Image { .. }
        )
    }
}

/// The names of a conditional run's classes by number, from its labelled.json (`0` … `9`
/// for a run written before the file listed them).
fn class_names(run_dir: &Path) -> Vec<String> {
    let listed = std::fs::read(run_dir.join(LABELLED_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|record| serde_json::from_value(record["classes"].clone()).ok());
    listed.unwrap_or_else(builtin_class_names)
}

/// Writes `count` samples of the run in `run_dir` to `out`, drawing noise with `seed`.
pub fn write_samples(
    run_dir: &Path,
    count: usize,
    out: &Path,
    seed: u64,
    class: Option<&str>,
    generator: &GeneratorFlags,
) -> Result<()> {
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some("csv") => SampleFormat::Csv,
        Some("npy") => SampleFormat::Npy,
        Some("png") => SampleFormat::PngGrid,
        None => SampleFormat::PngFolder,
        Some(_) => {
            return Err(Error::bad_input(format!(
                "--out {}: expected a file name ending in .csv, .npy or .png, or a folder name",
                out.display()
            )))
        }
    };
    if count == 0 {
        return Err(Error::bad_input("-n: expected at least 1 sample"));
    }
    let weights = generator.weights(run_dir);
    let trained = TrainedGenerator::load(run_dir, weights, generator.device()?)?;
    let images = trained.is_images();
    match (&format, images) {
        (SampleFormat::Csv, true) => {
            return Err(Error::bad_input(format!(
                "--out {}: CSV holds points; write images as .npy, .png or a folder",
                out.display()
            )))
        }
        (SampleFormat::PngGrid | SampleFormat::PngFolder, false) => {
            return Err(Error::bad_input(format!(
                "--out {}: this run makes points; write them as .csv or .npy",
                out.display()
            )))
        }
        _ => {}
    }
    let class = class
        .map(|text| trained.class_named(text, run_dir))
        .transpose()?;
    let samples = trained.samples_of(count, seed, class);
    match format {
        SampleFormat::Csv => write_csv(out, &samples),
        SampleFormat::Npy => write_npy(out, &samples),
        SampleFormat::PngGrid => {
            let of_class = class.map_or(String::new(), |class| format!(" of class {class}"));
            let caption = format!(
                "{}: {count} samples{of_class} of the {} generator (noise seed {seed})",
                trained.title(),
                weights.describe()
            );
            // A conditional run's sample i is of class i mod 10: one class per column.
            let columns = match (trained.classes(), class) {
                (0, _) | (_, Some(_)) => square_columns(count),
                (classes, None) => (classes as usize).min(count),
            };
            write_grid(out, &samples, columns, &caption)
        }
        SampleFormat::PngFolder => write_image_files(out, &samples),
    }
}

/// One point per line, its coordinates separated by commas.
fn write_csv(out: &Path, samples: &Tensor) -> Result<()> {
    let dim = samples.size()[1] as usize;
    let values = Vec::<f32>::try_from(samples.to_kind(Kind::Float).contiguous().view([-1]))?;
    let mut text = Vec::with_capacity(values.len() * 12);
    for point in values.chunks_exact(dim) {
        let line: Vec<String> = point.iter().map(f32::to_string).collect();
        writeln!(text, "{}", line.join(",")).map_err(|e| Error::io("formatting", out, e))?;
    }
    write_atomically(out, &text)
}

fn write_npy(out: &Path, samples: &Tensor) -> Result<()> {
    let file_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = out.with_file_name(format!(".{file_name}.partial.npy"));
    samples.to_kind(Kind::Float).write_npy(&temporary)?;
    std::fs::rename(&temporary, out).map_err(|e| Error::io("writing", out, e))
}

/// Writes `rows` latent interpolation strips of `steps` images each to the PNG `out`: each
/// row walks from one noise vector to another (spherically for normal noise, whose mass
/// lies on a shell; linearly for uniform noise, which stays in the cube).
pub fn write_interpolation(
    run_dir: &Path,
    out: &Path,
    rows: usize,
    steps: usize,
    seed: u64,
    generator: &GeneratorFlags,
) -> Result<()> {
    if out.extension().and_then(|e| e.to_str()) != Some("png") {
        return Err(Error::bad_input(format!(
            "--out {}: expected a file name ending in .png",
            out.display()
        )));
    }
    if rows == 0 || steps < 2 {
        return Err(Error::bad_input(
            "--rows must be at least 1 and --steps at least 2",
        ));
    }
    let trained = TrainedGenerator::load(run_dir, generator.weights(run_dir), generator.device()?)?;
    if !trained.is_images() {
        return Err(Error::bad_input(format!(
            "{}: interpolation strips are drawn for image runs; this run makes 2-D points",
            run_dir.display()
        )));
    }
    tch::manual_seed(seed as i64);
    let config = &trained.config;
    let start = sample_noise(
        config.networks.noise,
        rows,
        config.networks.noise_dim,
        Device::Cpu,
    );
    let end = sample_noise(
        config.networks.noise,
        rows,
        config.networks.noise_dim,
        Device::Cpu,
    );
    let path = interpolate(&start, &end, steps, config.networks.noise);
    // A conditional run's strip r keeps class r mod K.
    let classes = trained.cycled_classes(rows * steps, steps);
    let images = trained.generate(&trained.input(&path, &classes));
    let caption = format!(
        "{}: {} through the noise in {steps} steps (noise seed {seed})",
        trained.title(),
        counted(rows as u64, "walk")
    );
    write_grid(out, &images, steps, &caption)
}

/// Row-major [rows·steps, k] noise: row r goes from `start[r]` to `end[r]` in `steps` points.
pub fn interpolate(start: &Tensor, end: &Tensor, steps: usize, noise: NoiseKind) -> Tensor {
    let t = Tensor::linspace(0.0, 1.0, steps as i64, (Kind::Float, Device::Cpu)).view([1, -1, 1]);
    let (a, b) = (start.unsqueeze(1), end.unsqueeze(1));
    let path = match noise {
        NoiseKind::Uniform => &a * (-&t + 1.0) + &b * &t,
        NoiseKind::Normal => {
            let cos = (start * end).sum_dim_intlist(1, false, Kind::Float)
                / (start.norm_scalaropt_dim(2, [1], false) * end.norm_scalaropt_dim(2, [1], false));
            let omega = cos.clamp(-1.0, 1.0).acos().clamp_min(1e-6).view([-1, 1, 1]);
            let sin = omega.sin();
            let from_start: Tensor = (-&t + 1.0) * &omega;
            let to_end: Tensor = &t * &omega;
            &a * from_start.sin() / &sin + &b * to_end.sin() / &sin
        }
    };
    path.reshape([-1, start.size()[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_paths_start_and_end_at_the_endpoints() {
        let start = Tensor::from_slice(&[0.0f32, 1.0, -1.0, 0.5]).view([2, 2]);
        let end = Tensor::from_slice(&[1.0f32, -1.0, 1.0, 0.5]).view([2, 2]);
        let path = interpolate(&start, &end, 3, NoiseKind::Uniform);
        let rows = Vec::<f32>::try_from(path.view([-1])).unwrap();
        assert_eq!(
            rows,
            vec![0.0, 1.0, 0.5, 0.0, 1.0, -1.0, -1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
        );
    }

    #[test]
    fn spherical_paths_keep_the_norm_between_equal_norm_endpoints() {
        let start = Tensor::from_slice(&[3.0f32, 0.0]).view([1, 2]);
        let end = Tensor::from_slice(&[0.0f32, 3.0]).view([1, 2]);
        let path = interpolate(&start, &end, 5, NoiseKind::Normal);
        let norms = Vec::<f32>::try_from(path.norm_scalaropt_dim(2, [1], false)).unwrap();
        for norm in norms {
            assert!((norm - 3.0).abs() < 1e-5, "{norm}");
        }
        let last = Vec::<f32>::try_from(path.get(4)).unwrap();
        assert!((last[0]).abs() < 1e-5 && (last[1] - 3.0).abs() < 1e-5);
    }

    #[test]
    fn the_generators_are_named_final_and_ema_in_files() {
        for (weights, name) in [
            (Weights::Final, "\"final\""),
            (Weights::Averaged, "\"ema\""),
        ] {
            assert_eq!(serde_json::to_string(&weights).unwrap(), name);
            assert_eq!(serde_json::from_str::<Weights>(name).unwrap(), weights);
        }
    }
}

#[derive(clap::Args)]
pub struct SampleArgs {
    /// A finished run folder.
    pub run_dir: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', long = "count", default_value_t = 2500)]
    pub count: usize,
    /// Output: .csv (x,y per line; 2-D runs), .npy (N×2, or N×C×H×W in [-1, 1]), .png (a
    /// grid; image runs) or a folder name without extension (N PNG files; image runs).
    #[arg(long, short, value_name = "FILE|DIR")]
    pub out: PathBuf,
    /// Seed for the generator's noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A conditional run (CLS-GAN, the conditional WGAN-GP): draw every sample of this
    /// class, by number (0 to K − 1) or by name (a class folder's subfolder, as the run's
    /// labelled.json lists them); without it, sample i is of class i mod K.
    #[arg(long, value_name = "K|NAME", allow_negative_numbers = true)]
    pub class: Option<String>,
    #[command(flatten)]
    pub generator: GeneratorFlags,
}

#[derive(clap::Args)]
pub struct InterpolateArgs {
    /// A finished image run folder.
    pub run_dir: PathBuf,
    /// The PNG to write.
    #[arg(long, short, value_name = "FILE.png")]
    pub out: PathBuf,
    /// Strips (pairs of noise vectors).
    #[arg(long, default_value_t = 8)]
    pub rows: usize,
    /// Images per strip, endpoints included.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Seed for the endpoints.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub generator: GeneratorFlags,
}

/// `lsgan sample`: writes the samples, says where.
pub fn sample_command(args: SampleArgs) -> Result<()> {
    write_samples(
        &args.run_dir,
        args.count,
        &args.out,
        args.seed,
        args.class.as_deref(),
        &args.generator,
    )?;
    let of_class = args
        .class
        .map_or(String::new(), |class| format!(" of class {class}"));
    println!(
        "wrote {} samples{of_class} of the {} generator to {}",
        args.count,
        args.generator.weights(&args.run_dir).describe(),
        args.out.display()
    );
    Ok(())
}

/// `lsgan interpolate`: writes the strips, says where.
pub fn interpolate_command(args: InterpolateArgs) -> Result<()> {
    write_interpolation(
        &args.run_dir,
        &args.out,
        args.rows,
        args.steps,
        args.seed,
        &args.generator,
    )?;
    println!(
        "wrote {} interpolation strips to {}",
        args.rows,
        args.out.display()
    );
    Ok(())
}
