//! PNG pictures of a run, drawn with plotters from plain numbers (no tensors here):
//! the critic's landscape L(x) as a heat map under real and generated points, and the loss
//! and metric curves over training.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use crate::error::{Error, Result};
use crate::train::outputs::LandscapeSnapshot;
use crate::train::LogRecord;

const REAL_COLOUR: RGBColor = RGBColor(255, 255, 255);
const GENERATED_COLOUR: RGBColor = RGBColor(230, 60, 40);

pub(crate) fn register_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        // The bundled DejaVu Sans always parses; failure would only mean text is not drawn.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

pub(crate) fn plot_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::io("drawing", path, std::io::Error::other(error.to_string()))
}

/// Draws the landscape into a PNG at `path`.
pub fn draw_landscape(path: &Path, title: &str, landscape: &LandscapeSnapshot) -> Result<()> {
    register_font();
    let draw =
        || -> std::result::Result<(), Box<dyn std::error::Error>> {
            let root = BitMapBackend::new(path, (900, 820)).into_drawing_area();
            root.fill(&WHITE)?;
            let (plot_area, legend_area) = root.split_horizontally(790);
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
                .caption(title, ("sans-serif", 20))
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(45)
                .build_cartesian_2d(lo..hi, lo..hi)?;
            chart.configure_mesh().disable_mesh().draw()?;

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
                .margin_top(45)
                .margin_bottom(45)
                .margin_right(15)
                .y_label_area_size(55)
                .caption("L(x)", ("sans-serif", 16))
                .build_cartesian_2d(0.0..1.0, min_score as f64..(min_score + span) as f64)?;
            bar.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_label_style(("sans-serif", 13))
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
    draw().map_err(|e| plot_error(path, e))
}

/// Draws loss curves (top) and metrics (bottom) from the logged records into a PNG.
pub fn draw_loss_curves(path: &Path, title: &str, records: &[LogRecord]) -> Result<()> {
    register_font();
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(path, (900, 800)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 22))?;
        let (top, bottom) = root.split_vertically(390);
        let last_iteration = records.last().map_or(1, |r| r.iteration).max(1) as f64;

        let losses: [Series; 4] = [
            ("critic objective", BLUE, |r| r.critic_objective),
            ("generator objective", RED, |r| r.generator_objective),
            ("mean L(x), real", RGBColor(0, 150, 0), |r| r.loss_real),
            ("mean L(G(z)), generated", RGBColor(200, 120, 0), |r| {
                r.loss_fake
            }),
        ];
        draw_panel(
            &top,
            "losses (interval means)",
            last_iteration,
            records,
            &losses,
        )?;

        let mut metrics: Vec<Series> = Vec::new();
        if records.iter().any(|r| r.metrics.modes().is_some()) {
            metrics.push(("share of modes covered", BLUE, |r| {
                r.metrics
                    .modes()
                    .map_or(0.0, |m| m.modes_covered as f64 / m.modes_total as f64)
            }));
            metrics.push(("high-quality share", RED, |r| {
                r.metrics.modes().map_or(0.0, |m| m.high_quality_share)
            }));
        }
        if records.iter().any(|r| r.margin_satisfaction.is_some()) {
            metrics.push(("margin satisfied", RGBColor(0, 150, 0), |r| {
                r.margin_satisfaction.unwrap_or(0.0)
            }));
        }
        if records
            .iter()
            .any(|r| r.metrics.energy_distance().is_some())
        {
            metrics.push(("energy distance", RGBColor(120, 120, 120), |r| {
                r.metrics.energy_distance().unwrap_or(f64::NAN)
            }));
        }
        draw_panel(
            &bottom,
            "metrics on fixed evaluation noise",
            last_iteration,
            records,
            &metrics,
        )?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// One curve of a panel: its legend label, its colour, and how to read it from a record.
pub(crate) type Series = (&'static str, RGBColor, fn(&LogRecord) -> f64);

pub(crate) fn draw_panel(
    area: &Area,
    caption: &str,
    last_iteration: f64,
    records: &[LogRecord],
    series: &[Series],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let values = records
        .iter()
        .flat_map(|r| series.iter().map(move |(_, _, f)| f(r)));
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = 0.05 * (hi - lo).max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..last_iteration, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for &(label, colour, value) in series {
        chart
            .draw_series(LineSeries::new(
                records.iter().map(|r| (r.iteration as f64, value(r))),
                colour.stroke_width(2),
            ))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}
