//! Image batches as pictures: a grid PNG of a batch under a caption that says what it shows
//! (the sample grids of a run, `lsgan sample --out x.png`, interpolation strips), and one
//! PNG per image (`lsgan sample --out DIR/`, for external evaluators). Pixels in [−1, 1] map
//! to 0..255, as the data loader mapped them in.

use std::path::Path;

use image::codecs::png::PngEncoder;
use image::{ColorType, DynamicImage, ImageEncoder, RgbImage};
use plotters::prelude::*;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::report::panels::{plot_error, register_font};
use crate::storage::write_atomically;

/// Pixels between neighbouring images of a grid.
const GAP: u32 = 2;
/// A captioned grid is scaled up (each pixel a square of pixels) to at least this width, so
/// that 28-pixel digits can be seen and the caption fits.
const CAPTIONED_MIN_WIDTH: u32 = 480;
/// Height of the caption's band above the grid.
const CAPTION_HEIGHT: u32 = 30;

/// [N, C, H, W] values in [−1, 1] as u8 [N, H, W, C] bytes.
fn to_bytes(images: &Tensor) -> Result<(Vec<u8>, [usize; 4])> {
    let size = images.size();
    let [n, c, h, w] = size[..] else {
        return Err(Error::bad_input(format!(
            "an image batch must be [N, C, H, W], got {size:?}"
        )));
    };
    if c != 1 && c != 3 {
        return Err(Error::bad_input(format!(
            "images must have 1 or 3 channels, got {c}"
        )));
    }
    let bytes = ((images.to_device(tch::Device::Cpu).to_kind(Kind::Float) + 1.0) * 127.5)
        .round()
        .clamp(0.0, 255.0)
        .to_kind(Kind::Uint8)
        .permute([0, 2, 3, 1])
        .contiguous()
        .view([-1]);
    let shape = [n as usize, c as usize, h as usize, w as usize];
    Ok((Vec::<u8>::try_from(bytes)?, shape))
}

/// The batch laid out `columns` images wide (rows as needed) on a white background.
pub fn grid_image(images: &Tensor, columns: usize) -> Result<DynamicImage> {
    let (bytes, [n, c, h, w]) = to_bytes(images)?;
    let columns = columns.clamp(1, n.max(1));
    let rows = n.div_ceil(columns);
    let width = columns as u32 * (w as u32 + GAP) + GAP;
    let height = rows as u32 * (h as u32 + GAP) + GAP;
    let mut canvas = RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    for (index, pixels) in bytes.chunks_exact(h * w * c).enumerate() {
        let left = GAP + (index % columns) as u32 * (w as u32 + GAP);
        let top = GAP + (index / columns) as u32 * (h as u32 + GAP);
        for (offset, pixel) in pixels.chunks_exact(c).enumerate() {
            let rgb = if c == 1 {
                [pixel[0]; 3]
            } else {
                [pixel[0], pixel[1], pixel[2]]
            };
            let (x, y) = ((offset % w) as u32, (offset / w) as u32);
            canvas.put_pixel(left + x, top + y, image::Rgb(rgb));
        }
    }
    Ok(DynamicImage::ImageRgb8(canvas))
}

/// The grid of [`grid_image`] scaled up by a whole factor to at least
/// [`CAPTIONED_MIN_WIDTH`] pixels, under one line of `caption` (its font shrunk until it
/// fits); a failure to draw names `path`, the picture it is for.
pub fn captioned_grid(
    path: &Path,
    images: &Tensor,
    columns: usize,
    caption: &str,
) -> Result<RgbImage> {
    let grid = grid_image(images, columns)?.to_rgb8();
    let scale = CAPTIONED_MIN_WIDTH.div_ceil(grid.width()).clamp(1, 8);
    let grid = image::imageops::resize(
        &grid,
        grid.width() * scale,
        grid.height() * scale,
        image::imageops::FilterType::Nearest,
    );
    let (width, height) = (grid.width(), grid.height() + CAPTION_HEIGHT);
    let mut canvas = vec![255u8; (width * height * 3) as usize];
    canvas[(width * CAPTION_HEIGHT * 3) as usize..].copy_from_slice(grid.as_raw());
    register_font();
    let draw = |canvas: &mut [u8]| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let area = BitMapBackend::with_buffer(canvas, (width, height)).into_drawing_area();
        let mut size = 17.0;
        let font = loop {
            let font: TextStyle = ("sans-serif", size).into_font().into();
            let (text_width, _) = area.estimate_text_size(caption, &font)?;
            if text_width + 12 <= width || size <= 9.0 {
                break font;
            }
            size -= 1.0;
        };
        area.draw(&Text::new(caption, (6, 7), font))?;
        area.present()?;
        Ok(())
    };
    draw(&mut canvas).map_err(|e| plot_error(path, e))?;
    RgbImage::from_raw(width, height, canvas).ok_or_else(|| {
        plot_error(
            path,
            format!("a {width}×{height} canvas did not fit its pixels"),
        )
    })
}

/// Writes the batch as a captioned grid PNG at `path` ([`captioned_grid`]), atomically.
pub fn write_grid(path: &Path, images: &Tensor, columns: usize, caption: &str) -> Result<()> {
    let grid = captioned_grid(path, images, columns, caption)?;
    write_atomically(path, &png_bytes(&grid, path)?)
}

/// A near-square column count for `n` images.
pub fn square_columns(n: usize) -> usize {
    (n as f64).sqrt().ceil().max(1.0) as usize
}

/// Writes each image of the batch as `dir/000000.png`, `dir/000001.png`, ….
pub fn write_image_files(dir: &Path, images: &Tensor) -> Result<()> {
    let (bytes, [_, c, h, w]) = to_bytes(images)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let colour = if c == 1 {
        ColorType::L8
    } else {
        ColorType::Rgb8
    };
    for (index, pixels) in bytes.chunks_exact(h * w * c).enumerate() {
        let path = dir.join(format!("{index:06}.png"));
        let png = encode_png(pixels, (w as u32, h as u32), colour, &path)?;
        write_atomically(&path, &png)?;
    }
    Ok(())
}

/// `picture` encoded as PNG; a failure names `path`, the file it is for.
pub fn png_bytes(picture: &RgbImage, path: &Path) -> Result<Vec<u8>> {
    encode_png(
        picture.as_raw(),
        picture.dimensions(),
        ColorType::Rgb8,
        path,
    )
}

/// `pixels` (rows of `colour` pixels, `width` × `height`) encoded as PNG.
fn encode_png(
    pixels: &[u8],
    (width, height): (u32, u32),
    colour: ColorType,
    path: &Path,
) -> Result<Vec<u8>> {
    let mut encoded = Vec::new();
    PngEncoder::new(&mut encoded)
        .write_image(pixels, width, height, colour)
        .map_err(|e| Error::io("encoding PNG", path, std::io::Error::other(e)))?;
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_places_each_image_with_its_pixels() {
        // Two 1-channel 2x2 images: all −1 (black) and all +1 (white).
        let images = Tensor::cat(
            &[
                Tensor::full([1, 1, 2, 2], -1.0, (Kind::Float, tch::Device::Cpu)),
                Tensor::full([1, 1, 2, 2], 1.0, (Kind::Float, tch::Device::Cpu)),
            ],
            0,
        );
        let grid = grid_image(&images, 2).unwrap().to_rgb8();
        assert_eq!(grid.dimensions(), (2 * (2 + GAP) + GAP, 2 + 2 * GAP));
        assert_eq!(grid.get_pixel(GAP, GAP).0, [0, 0, 0]);
        assert_eq!(grid.get_pixel(2 * GAP + 2, GAP).0, [255, 255, 255]);
        assert_eq!(grid.get_pixel(0, 0).0, [255, 255, 255], "gap is white");
    }

    #[test]
    fn colour_channels_keep_their_order() {
        // One 3-channel 1x1 image: red.
        let red = Tensor::from_slice(&[1.0f32, -1.0, -1.0]).view([1, 3, 1, 1]);
        let grid = grid_image(&red, 1).unwrap().to_rgb8();
        assert_eq!(grid.get_pixel(GAP, GAP).0, [255, 0, 0]);
    }

    /// A caption band of text above the grid scaled up to a readable width, each image's
    /// pixels kept.
    #[test]
    fn a_captioned_grid_is_scaled_up_under_its_caption() {
        let images = Tensor::cat(
            &[
                Tensor::full([1, 1, 28, 28], -1.0, (Kind::Float, tch::Device::Cpu)),
                Tensor::full([1, 1, 28, 28], 1.0, (Kind::Float, tch::Device::Cpu)),
            ],
            0,
        );
        let raw_width = 2 * (28 + GAP) + GAP;
        let scale = CAPTIONED_MIN_WIDTH.div_ceil(raw_width);
        let grid = captioned_grid(
            Path::new("samples.png"),
            &images,
            2,
            "LS-GAN on mnist, seed 0, iteration 3,000",
        )
        .unwrap();
        assert_eq!(grid.width(), raw_width * scale);
        assert_eq!(grid.height(), (28 + 2 * GAP) * scale + CAPTION_HEIGHT);
        let below_caption =
            |x: u32, y: u32| grid.get_pixel(x * scale, CAPTION_HEIGHT + y * scale).0;
        assert_eq!(below_caption(GAP, GAP), [0, 0, 0]);
        assert_eq!(below_caption(2 * GAP + 28, GAP), [255, 255, 255]);
        let inked = (0..grid.width())
            .flat_map(|x| (0..CAPTION_HEIGHT).map(move |y| (x, y)))
            .filter(|&(x, y)| grid.get_pixel(x, y).0[0] < 128)
            .count();
        assert!(
            inked > 200,
            "the caption band holds text: {inked} dark pixels"
        );
        let right_edge_inked = (0..CAPTION_HEIGHT)
            .filter(|&y| grid.get_pixel(grid.width() - 1, y).0[0] < 250)
            .count();
        assert_eq!(right_edge_inked, 0, "the caption fits inside the picture");
    }

    #[test]
    fn image_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let images = Tensor::from_slice(&[-1.0f32, 0.0, 0.5, 1.0]).view([1, 1, 2, 2]);
        write_image_files(dir.path(), &images).unwrap();
        let back = image::open(dir.path().join("000000.png"))
            .unwrap()
            .to_luma8();
        assert_eq!(back.into_raw(), vec![0, 128, 191, 255]);
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let flat = Tensor::zeros([4, 2], (Kind::Float, tch::Device::Cpu));
        assert!(grid_image(&flat, 2).is_err());
        let four = Tensor::zeros([1, 4, 2, 2], (Kind::Float, tch::Device::Cpu));
        assert!(grid_image(&four, 1).is_err());
    }
}
