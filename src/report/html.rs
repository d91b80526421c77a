//! The comparison report: one self-contained HTML file (every picture embedded as a data URI)
//! and its Markdown twin. Per loss: final metrics as mean ± std over seeds, the automatic
//! reading of each claim (see `claims`), and seed 0's pictures (critic landscape or sample
//! grid, metric curves, diagnostics, allocation scatter).

use std::path::Path;

use base64::Engine;

use crate::error::{Error, Result};
use crate::metrics::diagnostics::{FLAT_GRADIENT_NORM, FLAT_GRADIENT_RATIO};
use crate::metrics::Diagnostics;
use crate::report::claims::{read_claims, runs_with_flat_critic, ClaimReading, Verdict};
use crate::report::summary::{
    markdown, ranked_cell, three_digits, whole_number, LossSummary, Quantity, RunResult, Summary,
};
use crate::storage::{files, write_atomically, RunDir};
use crate::train::LogRecord;

/// The report's file names.
pub const REPORT_HTML: &str = "report.html";
pub const REPORT_MARKDOWN: &str = "report.md";

/// The pictures shown per loss, in order, with their captions.
const PICTURES: &[(&str, &str)] = &[
    (
        files::LANDSCAPE_FILE,
        "critic L(x) with real (white) and generated (red) points",
    ),
    (
        files::SAMPLES_FILE,
        "samples of the final (averaged) generator (CLS-GAN: one row per class)",
    ),
    (files::LOSS_CURVES_FILE, "losses and metrics over training"),
    (
        files::DIAGNOSTICS_FILE,
        "margin, allocation, gradient norms and range of L over training",
    ),
    (
        files::ALLOCATION_PLOT_FILE,
        "allocation on demand at the end",
    ),
    (
        files::CONFUSION_FILE,
        "the critic as a classifier (CLS-GAN): confusion matrix on the test split",
    ),
];

/// Writes `report.html` and `report.md` for `summary` into `out`; returns the claims read.
pub fn write_report(summary: &Summary, out: &Path) -> Result<Vec<ClaimReading>> {
    let claims = read_claims(summary, &logged_diagnostics);
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating", out, e))?;
    write_atomically(&out.join(REPORT_HTML), html(summary, &claims)?.as_bytes())?;
    write_atomically(
        &out.join(REPORT_MARKDOWN),
        report_markdown(summary, &claims).as_bytes(),
    )?;
    Ok(claims)
}

/// The diagnostics a run logged, oldest first (none when its log cannot be read).
fn logged_diagnostics(run: &RunResult) -> Vec<Diagnostics> {
    RunDir::open_finished(&run.run_dir)
        .and_then(|dir| dir.read_metrics_log::<LogRecord>())
        .map(|records| records.into_iter().filter_map(|r| r.diagnostics).collect())
        .unwrap_or_default()
}

/// The summary's tables followed by the claims.
pub fn report_markdown(summary: &Summary, claims: &[ClaimReading]) -> String {
    let mut text = markdown(summary);
    text += "\n## Claims about LS-GAN, read automatically\n\n| claim | verdict | evidence | figure |\n|---|---|---|---|\n";
    for claim in claims {
        text += &format!(
            "| {} | **{}** | {} | {} |\n",
            claim.claim,
            claim.verdict.label(),
            claim.evidence,
            figure_of(claim).map_or_else(|| "—".into(), |f| format!("`{f}`"))
        );
    }
    let flat = runs_with_flat_critic(summary);
    if !flat.is_empty() {
        text += &format!(
            "\n## Runs whose critic ended flat\n\n{}\n\n",
            flat_critic_meaning()
        );
        for run in flat {
            text += &format!("- {} (`{}`)\n", run.label(), run.run_dir.display());
        }
    }
    text
}

/// What the report says of a run whose critic ended flat.
fn flat_critic_meaning() -> String {
    format!(
        "At the last log these runs' critic was flat: the mean ‖∇L‖ on the real and on the \
         generated evaluation samples was under {FLAT_GRADIENT_RATIO:e} of its mean on the \
         interpolates between them (or under {FLAT_GRADIENT_NORM:e} everywhere), so their \
         generator got no gradient. Their final metrics count in the means above; claims 2–4 \
         leave flat LS-GAN runs out. Training warned of it, with the remedy for the critic's \
         output (docs/METRICS.md, \"A flat critic\")."
    )
}

/// The picture that shows a claim, unless the claim could not be read on these runs.
fn figure_of(claim: &ClaimReading) -> Option<&'static str> {
    (claim.verdict != Verdict::NotMeasured).then_some(claim.figure)
}

fn html(summary: &Summary, claims: &[ClaimReading]) -> Result<String> {
    let columns = summary.present_quantities();
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n\
         <h1>{title}</h1>\n\
         <p>{budget}. Final metrics as mean ± standard deviation over seeds; diagnostics as \
         last logged. A column's key in summary.json shows when the pointer rests on its \
         header.</p>\n<div class=\"wide\"><table><tr><th>loss</th>",
        title = escape(&summary.title()),
        budget = escape(&summary.budget_text()),
    );
    let header = |quantity: &Quantity| {
        format!(
            "<th title=\"{}\">{}</th>",
            quantity.key(),
            escape(quantity.header())
        )
    };
    for quantity in &columns {
        page += &header(quantity);
    }
    page += "</tr>\n";
    let modes_total = summary.modes_total();
    for loss in &summary.losses {
        page += &format!("<tr><td>{}</td>", escape(&loss.label()));
        for &quantity in &columns {
            page += &format!("<td>{}</td>", escape(&loss.cell(quantity, modes_total)));
        }
        page += "</tr>\n";
    }
    page += "</table></div>\n";
    if let Some(ranking) = &summary.ranking {
        page += &format!(
            "<h2>Ranking</h2>\n<p>Best first, by {} (mean ± standard deviation over seeds, ties \
             broken by the worst seed).</p>\n<table class=\"ranking\"><tr><th>rank</th><th>loss</th>",
            escape(&ranking.headers().join(", then "))
        );
        for quantity in &ranking.by {
            page += &header(quantity);
        }
        page += "</tr>\n";
        for (place, entry) in ranking.entries.iter().enumerate() {
            page += &format!(
                "<tr><td>{}</td><td>{}</td>",
                place + 1,
                escape(&entry.label())
            );
            for value in &entry.values {
                page += &format!("<td>{}</td>", escape(&ranked_cell(value, modes_total)));
            }
            page += "</tr>\n";
        }
        page += "</table>\n";
    }
    page += "<h2>Runs</h2>\n<p>Each run's budget and what it used.</p>\n<div class=\"wide\"><table class=\"runs\">\
             <tr><th>run</th><th>budget</th><th>generator steps</th><th>critic steps</th><th>seconds</th>";
    for quantity in &columns {
        page += &header(quantity);
    }
    page += "</tr>\n";
    for run in &summary.runs {
        page += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&run.label()),
            escape(&run.budget),
            whole_number(run.iterations as f64),
            whole_number(run.critic_steps as f64),
            three_digits(run.seconds)
        );
        for &quantity in &columns {
            page += &format!("<td>{}</td>", escape(&run.cell(quantity, modes_total)));
        }
        page += "</tr>\n";
    }
    page += "</table></div>\n";
    page += "<h2>Claims, read automatically</h2>\n<table><tr><th>claim</th><th>verdict</th><th>evidence</th><th>figure</th></tr>\n";
    for claim in claims {
        let class = match claim.verdict {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "fails",
            Verdict::NotMeasured => "absent",
        };
        page += &format!(
            "<tr><td>{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(claim.claim),
            claim.verdict.label(),
            escape(&claim.evidence),
            figure_of(claim).map_or_else(|| "—".into(), escape)
        );
    }
    page += "</table>\n";
    let flat = runs_with_flat_critic(summary);
    if !flat.is_empty() {
        page += &format!(
            "<h2>Runs whose critic ended flat</h2>\n<p class=\"absent\">{}</p>\n<ul>\n",
            escape(&flat_critic_meaning())
        );
        for run in flat {
            page += &format!(
                "<li>{} (<code>{}</code>)</li>\n",
                escape(&run.label()),
                escape(&run.run_dir.display().to_string())
            );
        }
        page += "</ul>\n";
    }
    for loss in pictured_groups(summary) {
        let Some(run) = summary.runs.iter().find(|r| loss.holds(r)) else {
            continue;
        };
        page += &format!(
            "<h2>{} (seed {}, <code>{}</code>)</h2>\n<div class=\"pictures\">\n",
            escape(&loss.label()),
            run.seed,
            escape(&run.run_dir.display().to_string())
        );
        for (file, caption) in PICTURES {
            let path = run.run_dir.join(file);
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
            page += &format!(
                "<figure><img alt=\"{caption}\" src=\"data:image/png;base64,{}\"><figcaption>{caption}</figcaption></figure>\n",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
        }
        page += "</div>\n";
    }
    page += "</body></html>\n";
    Ok(page)
}

/// The losses (and variants) whose pictures the report shows: every one, or in a sweep
/// each loss's best-ranked variant.
fn pictured_groups(summary: &Summary) -> Vec<&LossSummary> {
    let Some(ranking) = summary
        .ranking
        .as_ref()
        .filter(|_| summary.losses.iter().any(|group| !group.variant.is_empty()))
    else {
        return summary.losses.iter().collect();
    };
    let mut best: Vec<&LossSummary> = Vec::new();
    for entry in &ranking.entries {
        if best.iter().any(|group| group.loss == entry.loss) {
            continue;
        }
        if let Some(group) = summary
            .losses
            .iter()
            .find(|g| g.loss == entry.loss && g.variant == entry.variant)
        {
            best.push(group);
        }
    }
    best
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:14px}\
th{background:#f3f3f3;font-size:12px;max-width:120px;overflow-wrap:normal;hyphens:none}.wide{overflow-x:auto}.holds{background:#d8f5d8}.fails{background:#f8d8d8}.absent{background:#eee}\
.pictures{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;max-width:440px}img{width:100%}\
figcaption{font-size:13px;color:#555}";

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::diagnostics::Spread;
    use crate::report::claims::testing::{diagnostics, run, summary};

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    /// The report is titled by what it compares, counts in words, headers in words with
    /// the key behind them.
    #[test]
    fn titles_and_headers_are_written_for_people() {
        let one = summary(vec![run("lsgan", 8, diagnostics(0.9, 0.6, 0.05, 0.1, 3.0))]);
        let page = html(&one, &[]).unwrap();
        assert!(page.contains("<h1>LS-GAN on ring</h1>"), "{page}");
        assert!(
            page.contains("<p>100 iterations, 1 seed per loss."),
            "{page}"
        );
        assert!(
            page.contains("<th title=\"seconds_per_iteration\">seconds per iteration</th>"),
            "{page}"
        );
        assert!(
            !page.contains("seed(s)") && !page.contains("rivals"),
            "{page}"
        );
        let markdown = report_markdown(&one, &[]);
        assert!(
            markdown.starts_with("# LS-GAN on ring\n\n100 iterations, 1 seed per loss."),
            "{markdown}"
        );

        let three = summary(vec![
            run("lsgan", 8, diagnostics(0.9, 0.6, 0.05, 0.1, 3.0)),
            run("wgan-gp", 7, diagnostics(0.0, 0.0, 0.9, 1.1, 1.0)),
            run("gan", 6, diagnostics(0.0, 0.0, 0.0, 0.0, 1.0)),
        ]);
        assert_eq!(three.title(), "LS-GAN, WGAN-GP and GAN on ring");
    }

    /// A GLS-GAN run whose softplus output sank is listed as flat, and the report says so
    /// under its own heading; a live run is not listed.
    #[test]
    fn runs_with_a_flat_critic_are_named_in_the_report() {
        let mut sunk = diagnostics(0.0, 0.2, 2.5e-7, 3.46, 1e-5);
        sunk.gradient_norm_fake = Spread {
            mean: 5.7e-7,
            max: 1.5e-4,
        };
        let mut alive = diagnostics(0.9, 0.2, 0.08, 0.17, 0.5);
        alive.gradient_norm_fake = Spread {
            mean: 0.14,
            max: 0.26,
        };
        let s = summary(vec![run("lsgan", 8, alive), run("glsgan", 2, sunk)]);
        let flat: Vec<&str> = runs_with_flat_critic(&s)
            .iter()
            .map(|r| r.loss.as_str())
            .collect();
        assert_eq!(flat, ["glsgan"]);
        let claims = read_claims(&s, &|_| Vec::new());
        let report = report_markdown(&s, &claims);
        let section = report
            .split("## Runs whose critic ended flat")
            .nth(1)
            .unwrap_or_else(|| panic!("no flat-critic section: {report}"));
        assert!(section.contains("- glsgan seed 0"), "{section}");
        assert!(!section.contains("- lsgan seed"), "{section}");
    }
}
