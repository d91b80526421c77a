//! Curves over training as stacked panels (plotters), the layout every run picture with
//! curves shares: the iteration on each x axis as whole numbers, each panel's legend beside
//! its plot instead of over the curves' ends, each axis named, margins wide enough for the
//! last tick label, and a log too short to draw a curve said in words instead of a blank plot.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::report::summary::{counted, whole_number};
use crate::train::LogRecord;

/// Fewer logged points than this make no curve worth reading: the pictures say so in words,
/// and the report reads no claim from such a run's curves.
pub const MIN_POINTS_TO_READ: usize = 3;

/// Why a log of `points` logged points cannot be read as curves, if it cannot.
pub fn too_short_to_read(points: usize) -> Option<String> {
    (points < MIN_POINTS_TO_READ).then(|| {
        format!(
            "too short to read: {}, a curve needs at least {MIN_POINTS_TO_READ}",
            counted(points as u64, "logged point")
        )
    })
}

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

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// One curve of a panel: its legend label, its colour, and how to read it from a record
/// (NaN where the record lacks it).
pub(crate) type Series = (&'static str, RGBColor, fn(&LogRecord) -> f64);

/// How a panel's y axis reads.
#[derive(Clone, Copy)]
pub(crate) enum Scale {
    /// Fitted to the values, labels to a few significant digits.
    Fitted,
    /// Shares from 0% to 100%.
    Share,
}

/// One panel of curves: its caption, the name of its y axis, its scale and its curves.
pub(crate) struct Panel {
    pub caption: &'static str,
    pub y_axis: &'static str,
    pub scale: Scale,
    pub series: Vec<Series>,
}

/// Width of the legend column right of each plot.
const LEGEND_WIDTH: u32 = 270;
/// Height of one panel.
const PANEL_HEIGHT: u32 = 340;
/// Width of every curve picture.
const WIDTH: u32 = 1000;
/// Height of a picture's title.
const TITLE_HEIGHT: u32 = 50;

/// Draws `panels` stacked under `title` into a PNG at `path`. Curves with no value in the
/// records, and panels left without curves, are left out; a log too short to read (or one
/// with nothing to draw) is said in words.
pub(crate) fn draw_panels(
    path: &Path,
    title: &str,
    records: &[LogRecord],
    panels: Vec<Panel>,
) -> Result<()> {
    register_font();
    let panels: Vec<Panel> = panels
        .into_iter()
        .map(|panel| Panel {
            series: panel
                .series
                .into_iter()
                .filter(|(_, _, value)| records.iter().any(|r| value(r).is_finite()))
                .collect(),
            ..panel
        })
        .filter(|panel| !panel.series.is_empty())
        .collect();
    let message = too_short_to_read(records.len()).or_else(|| {
        panels
            .is_empty()
            .then(|| "nothing to draw: no record has these quantities".to_string())
    });
    let height = TITLE_HEIGHT + PANEL_HEIGHT * (panels.len().max(1) as u32);
    let draw = || -> DrawResult {
        let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.margin(8, 8, 8, 8).titled(title, ("sans-serif", 22))?;
        if let Some(message) = &message {
            return say(
                &root,
                &[
                    message,
                    "(train longer, or log more often with --log-every)",
                ],
            );
        }
        let first = records.first().map_or(0, |r| r.iteration) as f64;
        let last = records.last().map_or(1, |r| r.iteration) as f64;
        let start = if first <= last / 10.0 { 0.0 } else { first };
        for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(&panels) {
            draw_panel(area, (start, last.max(start + 1.0)), records, panel)?;
        }
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// Lines of text in place of a picture's plots.
fn say(area: &Area, lines: &[&str]) -> DrawResult {
    for (index, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.to_string(),
            (40, 60 + 34 * index as i32),
            ("sans-serif", 20).into_font(),
        ))?;
    }
    area.present()?;
    Ok(())
}

fn draw_panel(
    area: &Area,
    (start, last): (f64, f64),
    records: &[LogRecord],
    panel: &Panel,
) -> DrawResult {
    let (plot, legend) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
    let (lo, hi) = match panel.scale {
        Scale::Share => (0.0, 1.0),
        Scale::Fitted => fitted_range(records, &panel.series),
    };
    let pad = 0.05 * (hi - lo);
    let mut chart = ChartBuilder::on(&plot)
        .caption(panel.caption, ("sans-serif", 17))
        .margin(10)
        .margin_right(36)
        .x_label_area_size(42)
        .y_label_area_size(78)
        .build_cartesian_2d(start..last, (lo - pad)..(hi + pad))?;
    // A tick at zero computed as 3.5e-18 reads as zero.
    let y_label = |y: &f64| match panel.scale {
        Scale::Share => format!("{:.0}%", 100.0 * y),
        Scale::Fitted if y.abs() < 1e-6 * (hi - lo) => "0".into(),
        Scale::Fitted => tick_label(*y),
    };
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc(panel.y_axis)
        .x_labels(7)
        .x_label_formatter(&|x| whole_number(*x))
        .y_label_formatter(&y_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for &(_, colour, value) in &panel.series {
        chart.draw_series(LineSeries::new(
            records
                .iter()
                .map(|r| (r.iteration as f64, value(r)))
                .filter(|(_, y)| y.is_finite()),
            colour.stroke_width(2),
        ))?;
    }
    for (index, &(label, colour, _)) in panel.series.iter().enumerate() {
        let y = 52 + 24 * index as i32;
        legend.draw(&PathElement::new(
            vec![(4, y), (30, y)],
            colour.stroke_width(3),
        ))?;
        legend.draw(&Text::new(
            label,
            (38, y - 8),
            ("sans-serif", 14).into_font(),
        ))?;
    }
    Ok(())
}

/// The smallest and largest finite value of the series (0 to 1 when there is none, a unit
/// around a constant).
fn fitted_range(records: &[LogRecord], series: &[Series]) -> (f64, f64) {
    let (lo, hi) = records
        .iter()
        .flat_map(|r| series.iter().map(move |(_, _, f)| f(r)))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 * lo.abs().max(1.0) {
        let half = 0.5 * lo.abs().max(1e-3);
        return (lo - half, hi + half);
    }
    (lo, hi)
}

/// A tick value to at most four significant digits, without trailing zeros (`0.05`, `1.5`,
/// `1200`, `2.5e-5`).
pub(crate) fn tick_label(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-3..6).contains(&magnitude) {
        return format!("{value:.1e}");
    }
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Checks the pictures' tests share.
#[cfg(test)]
pub(crate) mod testing {
    /// Pixels of `picture` that are not white within `band` pixels of its edge: a label cut
    /// at the canvas's edge leaves some.
    pub(crate) fn inked_at_the_edge(picture: &image::RgbImage, band: u32) -> usize {
        let (width, height) = picture.dimensions();
        picture
            .enumerate_pixels()
            .filter(|&(x, y, _)| x < band || y < band || x >= width - band || y >= height - band)
            .filter(|(_, _, pixel)| pixel.0 != [255, 255, 255])
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.05), "0.05");
        assert_eq!(tick_label(1.5), "1.5");
        assert_eq!(tick_label(1.6), "1.6");
        assert_eq!(tick_label(1200.0), "1200");
        assert_eq!(tick_label(-0.25), "-0.25");
        assert_eq!(tick_label(2.5e-5), "2.5e-5");
    }

    #[test]
    fn a_log_under_three_points_is_too_short() {
        assert_eq!(
            too_short_to_read(1).as_deref(),
            Some("too short to read: 1 logged point, a curve needs at least 3")
        );
        assert!(too_short_to_read(0).is_some());
        assert!(too_short_to_read(2).is_some());
        assert_eq!(too_short_to_read(3), None);
    }
}
