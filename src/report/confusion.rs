//! A conditional run's confusion matrix as a picture (`confusion.png`): true class down,
//! predicted class across, each cell shaded by its share of the true class and labelled with
//! its count.

use std::path::Path;

use image::RgbImage;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::Result;
use crate::report::grid::png_bytes;
use crate::report::panels::{plot_error, register_font};
use crate::storage::write_atomically;

/// The picture's size in pixels.
const SIZE: (u32, u32) = (760, 720);

/// Draws `counts[true][predicted]` into the PNG `path`, under `title`.
pub fn draw_confusion(path: &Path, title: &str, counts: &[Vec<u64>]) -> Result<()> {
    register_font();
    let (width, height) = SIZE;
    let mut canvas = vec![0u8; (width * height * 3) as usize];
    let classes = counts.len();
    let draw = |canvas: &mut [u8]| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::with_buffer(canvas, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.margin(8, 8, 8, 8).titled(title, ("sans-serif", 20))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(60)
            // A segmented a..b holds the segments of a to b inclusive: K of them.
            .build_cartesian_2d(
                (0..classes - 1).into_segmented(),
                (0..classes - 1).into_segmented(),
            )?;
        // Row 0 at the top, as a matrix reads: true class t is drawn in row K − 1 − t.
        let class_of = |value: &SegmentValue<usize>, flip: bool| match value {
            SegmentValue::CenterOf(k) if *k < classes => {
                if flip { classes - 1 - k } else { *k }.to_string()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(classes)
            .y_labels(classes)
            .x_desc("predicted class")
            .y_desc("true class")
            .x_label_formatter(&|x| class_of(x, false))
            .y_label_formatter(&|y| class_of(y, true))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()?;
        let centred = Pos::new(HPos::Center, VPos::Center);
        for (truth, row) in counts.iter().enumerate() {
            let total = row.iter().sum::<u64>().max(1) as f64;
            let y = classes - 1 - truth;
            for (predicted, &count) in row.iter().enumerate() {
                let share = count as f64 / total;
                // White for none, deep blue for the whole class.
                let shade = |full: u8| (255.0 - share * (255.0 - full as f64)) as u8;
                let colour = RGBColor(shade(8), shade(48), shade(107));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(predicted), SegmentValue::Exact(y)),
                        (
                            SegmentValue::Exact(predicted + 1),
                            SegmentValue::Exact(y + 1),
                        ),
                    ],
                    colour.filled(),
                )))?;
                let text_colour = if share > 0.5 { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    count.to_string(),
                    (SegmentValue::CenterOf(predicted), SegmentValue::CenterOf(y)),
                    ("sans-serif", 14)
                        .into_font()
                        .color(&text_colour)
                        .pos(centred),
                )))?;
            }
        }
        root.present()?;
        Ok(())
    };
    draw(&mut canvas).map_err(|e| plot_error(path, e))?;
    let picture = RgbImage::from_raw(width, height, canvas)
        .ok_or_else(|| plot_error(path, "the canvas did not fit its pixels"))?;
    write_atomically(path, &png_bytes(&picture, path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_shades_the_diagonal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confusion.png");
        let counts = vec![vec![90, 10], vec![0, 100]];
        draw_confusion(&path, "two classes", &counts).unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(picture.dimensions(), SIZE);
        // Class 1, all of it predicted right, fills its cell with the deepest blue; nothing
        // else in the picture has that colour.
        let deepest = picture.pixels().filter(|p| p.0 == [8, 48, 107]).count();
        assert!(
            deepest > 20_000,
            "{deepest} pixels of the full-share colour"
        );
    }
}
