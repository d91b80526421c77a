//! PNG pictures of a run, drawn with plotters from plain numbers (no tensors here):
//! the critic's landscape L(x) as a heat map under real and generated points, with its
//! colour bar, and the objectives and metrics over training (`loss_curves.png`).

use std::path::Path;

use image::RgbImage;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use crate::error::Result;
use crate::metrics::FeatureSpace;
use crate::report::grid::png_bytes;
use crate::report::panels::{
    draw_panels, plot_error, register_font, tick_label, Panel, Scale, Series,
};
use crate::storage::write_atomically;
use crate::train::outputs::LandscapeSnapshot;
use crate::train::LogRecord;

const REAL_COLOUR: RGBColor = RGBColor(255, 255, 255);
const GENERATED_COLOUR: RGBColor = RGBColor(230, 60, 40);

/// Pixels of the landscape picture.
const LANDSCAPE_SIZE: (u32, u32) = (960, 880);

/// Draws the landscape into a PNG at `path` ([`landscape_picture`]), atomically.
pub fn draw_landscape(path: &Path, title: &str, landscape: &LandscapeSnapshot) -> Result<()> {
    let picture = landscape_picture(path, title, landscape)?;
    write_atomically(path, &png_bytes(&picture, path)?)
}

/// The landscape as a picture: L(x) as a heat map with its colour bar, real points white,
/// generated points red; a failure to draw names `path`, the picture it is for.
pub fn landscape_picture(
    path: &Path,
    title: &str,
    landscape: &LandscapeSnapshot,
) -> Result<RgbImage> {
    register_font();
    let (width, height) = LANDSCAPE_SIZE;
    let mut canvas = vec![0u8; (width * height * 3) as usize];
    let draw =
        |canvas: &mut [u8]| -> std::result::Result<(), Box<dyn std::error::Error>> {
            let root = BitMapBackend::with_buffer(canvas, LANDSCAPE_SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let root = root.margin(8, 8, 8, 8).titled(title, ("sans-serif", 20))?;
            let (plot_area, legend_area) = root.split_horizontally(830);
            let (lo, hi) = landscape.bounds;
            let (min_score, max_score) = landscape
                .scores
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &s| {
                    (a.min(s), b.max(s))
                });
            let span = if max_score > min_score {
                max_score - min_score
            } else {
                1.0
            };
            let mut chart = ChartBuilder::on(&plot_area)
                .margin(10)
                .margin_right(24)
                .x_label_area_size(50)
                .y_label_area_size(64)
                .build_cartesian_2d(lo..hi, lo..hi)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("x\u{2081}")
                .y_desc("x\u{2082}")
                .x_label_formatter(&|x| tick_label(*x))
                .y_label_formatter(&|y| tick_label(*y))
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16))
                .draw()?;

            let cell = (hi - lo) / landscape.resolution as f64;
            chart.draw_series(landscape.scores.iter().enumerate().map(|(index, &score)| {
                let (row, column) = (index / landscape.resolution, index % landscape.resolution);
                let x0 = lo + column as f64 * cell;
                let y0 = lo + row as f64 * cell;
                let colour = ViridisRGB::get_color_normalized(score, min_score, min_score + span);
                Rectangle::new([(x0, y0), (x0 + cell, y0 + cell)], colour.filled())
            }))?;
            chart
                .draw_series(
                    landscape
                        .real
                        .iter()
                        .map(|&(x, y)| Circle::new((x as f64, y as f64), 2, REAL_COLOUR.filled())),
                )?
                .label("real")
                .legend(|(x, y)| Circle::new((x, y), 4, REAL_COLOUR.filled()));
            chart
                .draw_series(landscape.generated.iter().map(|&(x, y)| {
                    Circle::new((x as f64, y as f64), 2, GENERATED_COLOUR.filled())
                }))?
                .label("generated")
                .legend(|(x, y)| Circle::new((x, y), 4, GENERATED_COLOUR.filled()));
            chart
                .configure_series_labels()
                .background_style(BLACK.mix(0.6))
                .label_font(("sans-serif", 16).into_font().color(&WHITE))
                .position(SeriesLabelPosition::UpperLeft)
                .draw()?;

            // Colour bar: L from its minimum (bottom) to its maximum (top) on the grid.
            let mut bar = ChartBuilder::on(&legend_area)
                .margin_top(10)
                .margin_bottom(60)
                .margin_right(12)
                .y_label_area_size(70)
                .caption("L(x)", ("sans-serif", 16))
                .build_cartesian_2d(0.0..1.0, min_score as f64..(min_score + span) as f64)?;
            bar.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .set_tick_mark_size(LabelAreaPosition::Left, 0)
                .y_label_formatter(&|v| tick_label(*v))
                .y_label_style(("sans-serif", 14))
                .draw()?;
            let steps = 100;
            bar.draw_series((0..steps).map(|i| {
                let a = min_score as f64 + span as f64 * i as f64 / steps as f64;
                let b = min_score as f64 + span as f64 * (i + 1) as f64 / steps as f64;
                let colour =
                    ViridisRGB::get_color_normalized(a as f32, min_score, min_score + span);
                Rectangle::new([(0.0, a), (1.0, b)], colour.filled())
            }))?;
            root.present()?;
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

/// Draws the objectives, the shares on the fixed evaluation noise (modes covered,
/// high-quality points, pairs past the margin) and the distances to the data (energy
/// distance on points, FID on images) over training, one panel each, into a PNG.
pub fn draw_loss_curves(path: &Path, title: &str, records: &[LogRecord]) -> Result<()> {
    let objectives: Vec<Series> = vec![
        ("critic objective", BLUE, |r| r.critic_objective),
        ("generator objective", RED, |r| r.generator_objective),
        ("mean L(x), real", RGBColor(0, 150, 0), |r| r.loss_real),
        ("mean L(G(z)), generated", RGBColor(200, 120, 0), |r| {
            r.loss_fake
        }),
    ];
    let shares: Vec<Series> = vec![
        ("modes covered", BLUE, |r| {
            r.metrics
                .modes()
                .map_or(f64::NAN, |m| m.modes_covered as f64 / m.modes_total as f64)
        }),
        ("high-quality points", RED, |r| {
            r.metrics.modes().map_or(f64::NAN, |m| m.high_quality_share)
        }),
        ("pairs past the margin", RGBColor(0, 150, 0), |r| {
            r.margin_satisfaction.unwrap_or(f64::NAN)
        }),
    ];
    let distances: Vec<Series> = vec![
        ("energy distance", RGBColor(90, 90, 90), |r| {
            r.metrics.energy_distance().unwrap_or(f64::NAN)
        }),
        ("FID, classifier features", RGBColor(120, 60, 160), |r| {
            r.metrics
                .image_metrics(FeatureSpace::Classifier)
                .map_or(f64::NAN, |m| m.fid)
        }),
        ("FID, Inception features", RGBColor(0, 130, 150), |r| {
            r.metrics
                .image_metrics(FeatureSpace::Inception)
                .map_or(f64::NAN, |m| m.fid)
        }),
    ];
    draw_panels(
        path,
        title,
        records,
        vec![
            Panel {
                caption: "training objectives (means over each logged interval)",
                y_axis: "value",
                scale: Scale::Fitted,
                series: objectives,
            },
            Panel {
                caption: "shares (modes and quality: evaluation noise; margin: training pairs)",
                y_axis: "share",
                scale: Scale::Share,
                series: shares,
            },
            Panel {
                caption: "distance to the data (lower is better)",
                y_axis: "distance",
                scale: Scale::Fitted,
                series: distances,
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Evaluation, ModeMetrics, ToyMetrics};
    use crate::report::panels::testing::inked_at_the_edge;

    /// A record at `iteration` whose objectives and metrics grow with `scale`.
    fn record(iteration: u64, scale: f64) -> LogRecord {
        LogRecord {
            iteration,
            seconds: None,
            critic_objective: 12_345.678 * scale,
            generator_objective: -9_876.5 * scale,
            loss_real: 0.5 * scale,
            loss_fake: 1.5 * scale,
            penalty: 0.0,
            margin_satisfaction: Some(0.5),
            metrics: Evaluation {
                toy: Some(ToyMetrics {
                    modes: Some(ModeMetrics {
                        modes_covered: 7,
                        modes_total: 8,
                        modes_with_any_high_quality: 8,
                        high_quality_share: 0.9,
                    }),
                    energy_distance: 0.001 * scale,
                }),
                images: Vec::new(),
                classification: None,
            },
            diagnostics: None,
        }
    }

    fn pixels_of(picture: &image::RgbImage, colour: RGBColor) -> usize {
        picture
            .pixels()
            .filter(|pixel| pixel.0 == [colour.0, colour.1, colour.2])
            .count()
    }

    /// Long runs with wide numbers: every label inside the canvas, each curve drawn.
    #[test]
    fn curves_keep_every_label_inside_and_draw_each_curve() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss_curves.png");
        let records: Vec<LogRecord> = (1..=40)
            .map(|k| record(k * 2_500, 1.0 + k as f64))
            .collect();
        draw_loss_curves(&path, "LS-GAN on ring, seed 0", &records).unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(
            inked_at_the_edge(&picture, 3),
            0,
            "a label reaches the edge"
        );
        for colour in [BLUE, RED, RGBColor(0, 150, 0), RGBColor(90, 90, 90)] {
            assert!(
                pixels_of(&picture, colour) > 200,
                "curve of colour {colour:?} missing"
            );
        }
    }

    /// One logged point: no curve, and the words that say why.
    #[test]
    fn a_log_too_short_to_read_says_so_instead_of_a_blank_plot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss_curves.png");
        draw_loss_curves(&path, "LS-GAN on ring, seed 0", &[record(20, 1.0)]).unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(pixels_of(&picture, BLUE) + pixels_of(&picture, RED), 0);
        let text_rows = (60..140)
            .filter(|&y| (0..picture.width()).any(|x| picture.get_pixel(x, y).0[0] < 100))
            .count();
        assert!(
            text_rows > 20,
            "the message is written: {text_rows} inked rows"
        );
    }

    /// A landscape of wide numbers keeps its axis and colour-bar labels inside the canvas.
    #[test]
    fn landscape_labels_stay_inside_the_canvas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("critic_landscape.png");
        let resolution = 20;
        let landscape = LandscapeSnapshot {
            bounds: (-1234.5, 6789.5),
            resolution,
            scores: (0..resolution * resolution)
                .map(|k| 1_000.0 + 98_765.43 * k as f32)
                .collect(),
            real: vec![(0.0, 0.0)],
            generated: vec![(100.0, 100.0)],
        };
        draw_landscape(&path, "LS-GAN on ring, seed 0, iteration 3,000", &landscape).unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(
            inked_at_the_edge(&picture, 3),
            0,
            "a label reaches the edge"
        );
    }
}
