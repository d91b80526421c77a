//! Pictures of the diagnostics (see `metrics::diagnostics`): their curves over training
//! (`diagnostics.png`) and the allocation-on-demand scatter of the final generator
//! (`allocation.png`, with its numbers in `allocation.csv`).

use std::path::Path;

use plotters::prelude::*;

use crate::error::Result;
use crate::metrics::{Allocation, Diagnostics};
use crate::report::panels::{
    draw_panels, plot_error, register_font, tick_label, Panel, Scale, Series,
};
use crate::storage::write_atomically;
use crate::train::LogRecord;

/// Reads one diagnostic from a record that has diagnostics (NaN for an absent optional one).
fn diagnostic(record: &LogRecord, value: fn(&Diagnostics) -> Option<f64>) -> f64 {
    record
        .diagnostics
        .as_ref()
        .and_then(value)
        .unwrap_or(f64::NAN)
}

/// Three panels over training: the margin and the allocation correlation, ‖∇_x L‖ on real
/// samples, fakes and interpolates, and the range of L on real samples and fakes.
pub fn draw_diagnostics(path: &Path, title: &str, records: &[LogRecord]) -> Result<()> {
    let records: Vec<LogRecord> = records
        .iter()
        .filter(|r| r.diagnostics.is_some())
        .cloned()
        .collect();
    let shares: Vec<Series> = vec![
        ("allocation rank correlation", BLUE, |r| {
            diagnostic(r, |d| d.allocation_rank_correlation)
        }),
        ("share of pairs past the margin", RGBColor(0, 150, 0), |r| {
            diagnostic(r, |d| d.margin_share)
        }),
    ];
    let norms: Vec<Series> = vec![
        ("mean |∇L| on real", RGBColor(0, 150, 0), |r| {
            diagnostic(r, |d| Some(d.gradient_norm_real.mean))
        }),
        ("mean |∇L| on generated", RED, |r| {
            diagnostic(r, |d| Some(d.gradient_norm_fake.mean))
        }),
        ("mean |∇L| on interpolates", BLUE, |r| {
            diagnostic(r, |d| Some(d.gradient_norm_interpolate.mean))
        }),
    ];
    let ranges: Vec<Series> = vec![
        ("max L(x), real", RGBColor(0, 150, 0), |r| {
            diagnostic(r, |d| Some(d.critic_real.max))
        }),
        ("min L(x), real", RGBColor(120, 200, 120), |r| {
            diagnostic(r, |d| Some(d.critic_real.min))
        }),
        ("max L(G(z)), generated", RED, |r| {
            diagnostic(r, |d| Some(d.critic_fake.max))
        }),
        ("min L(G(z)), generated", RGBColor(240, 150, 140), |r| {
            diagnostic(r, |d| Some(d.critic_fake.min))
        }),
    ];
    draw_panels(
        path,
        title,
        &records,
        vec![
            Panel {
                caption: "margin and allocation on demand",
                y_axis: "share or correlation",
                scale: Scale::Fitted,
                series: shares,
            },
            Panel {
                caption: "Lipschitz behaviour: input-gradient norms",
                y_axis: "mean |∇ₓL|",
                scale: Scale::Fitted,
                series: norms,
            },
            Panel {
                caption: "range of L (bounded without clipping?)",
                y_axis: "L",
                scale: Scale::Fitted,
                series: ranges,
            },
        ],
    )
}

/// The scatter of each fake's distance to the data against the generator gradient's norm.
pub fn draw_allocation(path: &Path, title: &str, allocation: &Allocation) -> Result<()> {
    register_font();
    let points: Vec<(f64, f64)> = allocation
        .distance_to_data
        .iter()
        .copied()
        .zip(allocation.gradient_norm.iter().copied())
        .filter(|(d, g)| d.is_finite() && g.is_finite())
        .collect();
    let upper =
        |values: &mut dyn Iterator<Item = f64>| values.fold(0.0f64, f64::max).max(1e-9) * 1.05;
    let x_max = upper(&mut points.iter().map(|p| p.0));
    let y_max = upper(&mut points.iter().map(|p| p.1));
    let draw = || -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(path, (800, 650)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("distance from G(z) to the nearest real sample")
            .y_desc("‖gradient of the generator objective at G(z)‖")
            .x_label_formatter(&|x| tick_label(*x))
            .y_label_formatter(&|y| tick_label(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 2, RGBColor(230, 60, 40).mix(0.6).filled())),
        )?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| plot_error(path, e))
}

/// `distance_to_data,gradient_norm` per fake, written atomically.
pub fn write_allocation_csv(path: &Path, allocation: &Allocation) -> Result<()> {
    let mut text = String::from("distance_to_data,gradient_norm\n");
    for (d, g) in allocation
        .distance_to_data
        .iter()
        .zip(&allocation.gradient_norm)
    {
        text += &format!("{d},{g}\n");
    }
    write_atomically(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::panels::testing::inked_at_the_edge;

    /// Wide numbers on both axes stay inside the canvas, and the points are drawn.
    #[test]
    fn allocation_labels_stay_inside_the_canvas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("allocation.png");
        let allocation = Allocation {
            distance_to_data: (0..200).map(|k| 1_234.5 * k as f64).collect(),
            gradient_norm: (0..200).map(|k| 98_765.4 * k as f64).collect(),
        };
        draw_allocation(
            &path,
            "LS-GAN on ring, seed 0, iteration 3,000: allocation on demand",
            &allocation,
        )
        .unwrap();
        let picture = image::open(&path).unwrap().to_rgb8();
        assert_eq!(
            inked_at_the_edge(&picture, 3),
            0,
            "a label reaches the edge"
        );
        let points = picture
            .pixels()
            .filter(|p| p.0[0] > 200 && p.0[1] < 150)
            .count();
        assert!(points > 200, "the points are drawn: {points} red pixels");
    }
}
