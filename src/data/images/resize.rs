//! Bringing u8 images to the channels and side the networks want: 1 → 3 channels by
//! repeating the gray plane, 3 → 1 by luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B), and
//! any side to a square side×side by bilinear interpolation, antialiased when shrinking.
//! The work is done in float on chunks of images, so a whole dataset is never held in f32.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};

/// Images converted to float at a time.
const CHUNK: i64 = 1024;
/// Luma weights of R, G and B.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// u8 images `[N, C, H, W]` with `channels` channels and side `side`; a 0 keeps the images' own.
pub fn adapt(images: Tensor, channels: i64, side: i64) -> Result<Tensor> {
    let images = to_channels(images, channels)?;
    to_side(images, side)
}

/// u8 images `[N, C, H, W]` with `channels` (0: unchanged, 1 or 3) channels.
pub fn to_channels(images: Tensor, channels: i64) -> Result<Tensor> {
    let have = images.size()[1];
    match (have, channels) {
        (_, 0) => Ok(images),
        (have, want) if have == want => Ok(images),
        (1, 3) => Ok(images.f_repeat([1, 3, 1, 1])?),
        (3, 1) => {
            let weights = Tensor::from_slice(&LUMA).view([1, 3, 1, 1]);
            by_chunks(&images, |chunk| {
                (chunk * &weights).f_sum_dim_intlist(1i64, true, Kind::Float)
            })
        }
        (have, want) => Err(Error::bad_input(format!(
            "cannot turn images of {have} channels into images of {want}; expected 1 or 3"
        ))),
    }
}

/// u8 images `[N, C, side, side]`; `side` 0 leaves them as they are. Non-square images are
/// stretched to the square.
pub fn to_side(images: Tensor, side: i64) -> Result<Tensor> {
    let size = images.size();
    let (height, width) = (size[2], size[3]);
    if side == 0 || (height == side && width == side) {
        return Ok(images);
    }
    let shrinking = side < height || side < width;
    by_chunks(&images, |chunk| {
        if shrinking {
            chunk.f_internal_upsample_bilinear2d_aa([side, side], false, None, None)
        } else {
            chunk.f_upsample_bilinear2d([side, side], false, None, None)
        }
    })
}

/// Applies `f` to chunks of `images` converted to f32 and brings the results back to u8
/// (rounded, clamped to 0..=255).
fn by_chunks(
    images: &Tensor,
    f: impl Fn(Tensor) -> std::result::Result<Tensor, tch::TchError>,
) -> Result<Tensor> {
    let mut results = Vec::new();
    for chunk in images.split(CHUNK, 0) {
        let float = f(chunk.to_kind(Kind::Float))?;
        results.push(float.round().clamp(0.0, 255.0).to_kind(Kind::Uint8));
    }
    Ok(Tensor::f_cat(&results, 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_to_rgb_repeats_and_rgb_to_gray_weighs() {
        let gray = Tensor::from_slice(&[10u8, 200]).view([1, 1, 1, 2]);
        let rgb = to_channels(gray, 3).unwrap();
        assert_eq!(rgb.size(), [1, 3, 1, 2]);
        assert_eq!(rgb.int64_value(&[0, 2, 0, 1]), 200);
        let pure_red = Tensor::from_slice(&[255u8, 0, 0]).view([1, 3, 1, 1]);
        assert_eq!(
            to_channels(pure_red, 1).unwrap().int64_value(&[0, 0, 0, 0]),
            76
        );
    }

    #[test]
    fn resizing_keeps_a_constant_image_constant() {
        let flat = Tensor::full([2, 1, 28, 28], 77, (Kind::Uint8, tch::Device::Cpu));
        for side in [14, 32, 64] {
            let resized = to_side(flat.shallow_clone(), side).unwrap();
            assert_eq!(resized.size(), [2, 1, side, side]);
            assert_eq!(resized.kind(), Kind::Uint8);
            assert_eq!(resized.min().int64_value(&[]), 77);
            assert_eq!(resized.max().int64_value(&[]), 77);
        }
    }
}
