//! The automatic reading of the docs/FORMULAS.md#claims claims from a comparison's runs: for each claim, does
//! it hold on these runs, with the numbers that decide it. The thresholds are written next to
//! each claim; they are a reading aid, not a statistical test.

use serde::Serialize;

use crate::metrics::Diagnostics;
use crate::report::panels::MIN_POINTS_TO_READ;
use crate::report::summary::{counted, mean_std, Quantity, RunResult, Summary};

/// How a claim came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    DoesNotHold,
    /// The runs lack what the claim needs (e.g. no LS-GAN run, or no modes on this data).
    NotMeasured,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// One claim, its verdict, and the evidence in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimReading {
    pub claim: &'static str,
    pub verdict: Verdict,
    pub evidence: String,
    /// The run-folder picture that shows it.
    pub figure: &'static str,
}

/// Claim 1 holds when, at the end, at least half of LS-GAN's pairs are past the margin.
pub const MARGIN_SHARE_THRESHOLD: f64 = 0.5;
/// Claim 2 holds when LS-GAN's rank correlation is above this.
pub const ALLOCATION_THRESHOLD: f64 = 0.1;
/// Claim 3: LS-GAN's mean ‖∇L‖ on real data below this, WGAN-GP's on interpolates within
/// this distance of 1.
pub const REAL_GRADIENT_THRESHOLD: f64 = 0.5;
pub const INTERPOLATE_GRADIENT_TOLERANCE: f64 = 0.5;
/// Claim 4 holds when max L(G(z)) in the second half of training is at most this many times
/// its maximum in the first half.
pub const GROWTH_THRESHOLD: f64 = 2.0;

/// The runs whose critic ended flat ([`Diagnostics::critic_is_flat`] at the last log): their
/// generator got no gradient at the end, which the report says next to their metrics.
pub fn runs_with_flat_critic(summary: &Summary) -> Vec<&RunResult> {
    summary
        .runs
        .iter()
        .filter(|r| {
            r.diagnostics
                .as_ref()
                .is_some_and(Diagnostics::critic_is_flat)
        })
        .collect()
}

/// Reads the five claims. `history` gives a run's logged diagnostics, oldest first. Claims
/// 1–4 are read from the diagnostics over training, so a run that logged fewer than
/// [`MIN_POINTS_TO_READ`] of them is too short to read and counts in none of them; claim 5
/// reads the final evaluation of every run.
pub fn read_claims(
    summary: &Summary,
    history: &dyn Fn(&RunResult) -> Vec<Diagnostics>,
) -> Vec<ClaimReading> {
    let histories: Vec<Vec<Diagnostics>> = summary.runs.iter().map(history).collect();
    let history_of = |run: &RunResult| -> &[Diagnostics] {
        summary
            .runs
            .iter()
            .position(|r| std::ptr::eq(r, run))
            .map_or(&[], |index| &histories[index])
    };
    let readable = |run: &&RunResult| history_of(run).len() >= MIN_POINTS_TO_READ;
    let runs_of = |loss: &str| -> Vec<&RunResult> {
        summary
            .runs
            .iter()
            .filter(|r| r.loss == loss)
            .filter(readable)
            .collect()
    };
    let too_short = |loss: &str, name: &str| -> Option<(Verdict, String)> {
        let runs = summary.runs.iter().filter(|r| r.loss == loss);
        let count = runs.clone().count();
        (count > 0 && !runs.clone().any(|r| readable(&r))).then(|| {
            not_measured(&format!(
                "too short to read: every {name} run logged fewer than {MIN_POINTS_TO_READ} \
                 points of diagnostics (train longer, or log more often with --log-every)"
            ))
        })
    };
    let lsgan = runs_of("lsgan");
    // A flat critic (‖∇L‖ ≈ 0 everywhere, e.g. a dead ReLU output) satisfies claims 2–4
    // vacuously: those read only the LS-GAN runs whose critic is alive.
    let alive: Vec<&RunResult> = lsgan
        .iter()
        .copied()
        .filter(|r| {
            !r.diagnostics
                .as_ref()
                .is_some_and(Diagnostics::critic_is_flat)
        })
        .collect();
    let flat = lsgan.len() - alive.len();
    let vacuous = || {
        not_measured(&format!(
            "every LS-GAN run ended with a flat critic (‖∇L‖ ≈ 0 everywhere: {flat} of {}); the \
             claim would hold vacuously",
            lsgan.len()
        ))
    };
    let mean = |runs: &[&RunResult], read: fn(&Diagnostics) -> Option<f64>| -> Option<f64> {
        let values: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.diagnostics.as_ref().and_then(read))
            .collect();
        mean_std(&values).map(|m| m.mean)
    };
    let seeds =
        |runs: &[&RunResult]| format!("mean over {}", counted(runs.len() as u64, "LS-GAN run"));

    let lsgan_too_short = too_short("lsgan", "LS-GAN");
    let margin = match mean(&lsgan, |d| d.margin_share) {
        None => not_measured("no LS-GAN run with margin diagnostics"),
        Some(share) => (
            verdict(share >= MARGIN_SHARE_THRESHOLD),
            format!(
                "{:.1}% of pairs past the margin at the end ({}; holds at ≥ {:.0}%); pairs past \
                 it contribute 0 to the hinge by construction (unit-tested)",
                100.0 * share,
                seeds(&lsgan),
                100.0 * MARGIN_SHARE_THRESHOLD
            ),
        ),
    };
    let allocation = match mean(&alive, |d| d.allocation_rank_correlation) {
        None if flat > 0 && alive.is_empty() => vacuous(),
        None => not_measured("no LS-GAN run with a defined allocation correlation"),
        Some(rho) => (
            verdict(rho > ALLOCATION_THRESHOLD),
            format!(
                "rank correlation between a fake's distance to the data and its gradient norm: \
                 {rho:.2} ({}; holds above {ALLOCATION_THRESHOLD})",
                seeds(&alive)
            ),
        ),
    };
    let wgan_gp = runs_of("wgan-gp");
    let lipschitz = match (
        mean(&alive, |d| Some(d.gradient_norm_real.mean)),
        mean(&wgan_gp, |d| Some(d.gradient_norm_interpolate.mean)),
    ) {
        (Some(real), Some(interpolate)) => (
            verdict(
                real < REAL_GRADIENT_THRESHOLD
                    && (interpolate - 1.0).abs() <= INTERPOLATE_GRADIENT_TOLERANCE,
            ),
            format!(
                "LS-GAN mean ‖∇L‖ on real data {real:.3} (holds below {REAL_GRADIENT_THRESHOLD}); \
                 WGAN-GP mean ‖∇L‖ on interpolates {interpolate:.3} (holds within \
                 {INTERPOLATE_GRADIENT_TOLERANCE} of 1)"
            ),
        ),
        (None, _) if flat > 0 => vacuous(),
        _ => not_measured("needs LS-GAN and WGAN-GP runs"),
    };
    let bounded = {
        let growth: Vec<f64> = alive
            .iter()
            .filter_map(|run| second_half_growth(history_of(run)))
            .collect();
        match growth.iter().copied().reduce(f64::max) {
            None if flat > 0 && alive.is_empty() => vacuous(),
            None => not_measured("needs LS-GAN runs with at least two logged iterations"),
            Some(worst) => (
                verdict(worst <= GROWTH_THRESHOLD),
                format!(
                    "max L(G(z)) in the second half of training is {worst:.2}× its first-half \
                     maximum (worst of {}; holds at ≤ {GROWTH_THRESHOLD}×), with no weight \
                     clipping",
                    counted(growth.len() as u64, "LS-GAN run")
                ),
            ),
        }
    };
    // A claim the runs could not show because they were too short says so.
    let or_too_short = |reading: (Verdict, String), short: &Option<(Verdict, String)>| match short {
        Some(why) if reading.0 == Verdict::NotMeasured => why.clone(),
        _ => reading,
    };
    let margin = or_too_short(margin, &lsgan_too_short);
    let allocation = or_too_short(allocation, &lsgan_too_short);
    let lipschitz = or_too_short(
        lipschitz,
        &lsgan_too_short
            .clone()
            .or_else(|| too_short("wgan-gp", "WGAN-GP")),
    );
    let bounded = or_too_short(bounded, &lsgan_too_short);
    let coverage = coverage_reading(summary);

    let reading = |claim, (verdict, evidence): (Verdict, String), figure| ClaimReading {
        claim,
        verdict,
        evidence,
        figure,
    };
    vec![
        reading(
            "1. After critic updates most pairs satisfy the margin; satisfied pairs stop contributing",
            margin,
            "diagnostics.png",
        ),
        reading(
            "2. Allocation on demand: the generator's gradient grows with distance to the data",
            allocation,
            "allocation.png",
        ),
        reading(
            "3. LS-GAN's critic gradient on real data stays near 0; WGAN-GP's near 1 on interpolates",
            lipschitz,
            "diagnostics.png",
        ),
        reading(
            "4. L on generated samples stays bounded without weight clipping",
            bounded,
            "diagnostics.png",
        ),
        reading(
            "5. LS-GAN covers at least as many modes as GAN, WGAN and WGAN-GP",
            coverage,
            "critic_landscape.png",
        ),
    ]
}

/// max L(G(z)) over the second half of the log divided by its max over the first half.
fn second_half_growth(history: &[Diagnostics]) -> Option<f64> {
    if history.len() < 2 {
        return None;
    }
    let (first, second) = history.split_at(history.len() / 2);
    let max = |part: &[Diagnostics]| {
        part.iter()
            .map(|d| d.critic_fake.max)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let (early, late) = (max(first), max(second));
    // Growth is measured on magnitudes, so a critic living in negative values still reads.
    Some(late.abs() / early.abs().max(1e-12))
}

fn coverage_reading(summary: &Summary) -> (Verdict, String) {
    // The per-loss mean the summary already holds.
    let modes = |loss: &str| -> Option<f64> {
        summary
            .losses
            .iter()
            .find(|l| l.loss == loss)
            .and_then(|l| l.metrics.get(&Quantity::ModesCovered))
            .map(|m| m.mean)
    };
    let Some(lsgan) = modes("lsgan") else {
        return not_measured("needs LS-GAN runs on data with known modes (ring, grid)");
    };
    let rivals: Vec<(&str, f64)> = ["gan", "wgan", "wgan-gp"]
        .into_iter()
        .filter_map(|loss| modes(loss).map(|m| (loss, m)))
        .collect();
    if rivals.is_empty() {
        return not_measured("needs a GAN, WGAN or WGAN-GP run to compare with");
    }
    let described: Vec<String> = rivals
        .iter()
        .map(|(loss, m)| format!("{loss} {m:.1}"))
        .collect();
    (
        verdict(rivals.iter().all(|&(_, m)| lsgan >= m)),
        format!(
            "mean modes covered: lsgan {lsgan:.1}; {}",
            described.join(", ")
        ),
    )
}

fn verdict(holds: bool) -> Verdict {
    if holds {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    }
}

fn not_measured(why: &str) -> (Verdict, String) {
    (Verdict::NotMeasured, why.to_string())
}

/// Runs made to satisfy or break the claims, for the tests of the claims and of the report.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::metrics::diagnostics::{Range, Spread};
    use crate::metrics::{Evaluation, ModeMetrics, ToyMetrics};
    use crate::objectives::options::LossKind;
    use crate::report::summary::summarise;

    /// Diagnostics with these margin share, rank correlation, mean ‖∇L‖ on real data and
    /// on interpolates, and max L(G(z)).
    pub(crate) fn diagnostics(
        margin: f64,
        rho: f64,
        real: f64,
        interpolate: f64,
        fake_max: f64,
    ) -> Diagnostics {
        Diagnostics {
            margin_share: Some(margin),
            mean_hinge: Some(0.0),
            allocation_rank_correlation: Some(rho),
            gradient_norm_real: Spread {
                mean: real,
                max: real,
            },
            gradient_norm_fake: Spread::default(),
            gradient_norm_interpolate: Spread {
                mean: interpolate,
                max: interpolate,
            },
            critic_real: Range::default(),
            critic_fake: Range {
                min: 0.0,
                max: fake_max,
            },
        }
    }

    /// A ring run of `loss` covering `modes` of 8.
    pub(crate) fn run(loss: &str, modes: i64, d: Diagnostics) -> RunResult {
        RunResult {
            loss: loss.into(),
            variant: String::new(),
            seed: 0,
            run_dir: loss.into(),
            budget: String::new(),
            iterations: 100,
            critic_steps: 100,
            seconds: 10.0,
            seconds_per_iteration: 0.1,
            metrics: Evaluation {
                toy: Some(ToyMetrics {
                    modes: Some(ModeMetrics {
                        modes_covered: modes,
                        modes_total: 8,
                        modes_with_any_high_quality: modes,
                        high_quality_share: 0.5,
                    }),
                    energy_distance: 0.01,
                }),
                images: Vec::new(),
                classification: None,
            },
            diagnostics: Some(d),
        }
    }

    /// The summary of `runs`.
    pub(crate) fn summary(runs: Vec<RunResult>) -> Summary {
        Summary {
            data: "ring".into(),
            iterations: 100,
            seeds: 1,
            losses: summarise(&LossKind::ALL, &runs),
            runs,
            ranking: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{diagnostics, run, summary};
    use super::*;

    #[test]
    fn every_claim_holds_on_runs_made_to_satisfy_it() {
        let s = summary(vec![
            run("lsgan", 8, diagnostics(0.9, 0.6, 0.05, 0.1, 3.0)),
            run("wgan-gp", 7, diagnostics(0.0, 0.0, 0.9, 1.1, 1.0)),
            run("gan", 6, diagnostics(0.0, 0.0, 0.0, 0.0, 1.0)),
        ]);
        let flat_history = |_: &RunResult| vec![diagnostics(0.9, 0.6, 0.05, 0.1, 3.0); 4];
        let claims = read_claims(&s, &flat_history);
        assert_eq!(claims.len(), 5);
        for claim in &claims {
            assert_eq!(claim.verdict, Verdict::Holds, "{claim:?}");
        }
        assert!(
            claims[0].evidence.contains("90.0% of pairs"),
            "{}",
            claims[0].evidence
        );
        assert!(
            claims[4]
                .evidence
                .contains("lsgan 8.0; gan 6.0, wgan-gp 7.0"),
            "{}",
            claims[4].evidence
        );
    }

    #[test]
    fn each_claim_fails_on_runs_made_to_break_it() {
        let s = summary(vec![
            run("lsgan", 5, diagnostics(0.2, -0.3, 2.0, 0.1, 3.0)),
            run("wgan-gp", 7, diagnostics(0.0, 0.0, 0.9, 3.0, 1.0)),
        ]);
        // L(G(z)) runs away: 1 → 10 between the halves.
        let growing = |_: &RunResult| {
            [1.0, 1.0, 5.0, 10.0]
                .iter()
                .map(|&m| diagnostics(0.2, -0.3, 2.0, 0.1, m))
                .collect()
        };
        let claims = read_claims(&s, &growing);
        for claim in &claims {
            assert_eq!(claim.verdict, Verdict::DoesNotHold, "{claim:?}");
        }
        assert!(
            claims[3].evidence.contains("10.00×"),
            "{}",
            claims[3].evidence
        );
    }

    #[test]
    fn a_flat_lsgan_critic_does_not_make_claims_hold_vacuously() {
        let mut dead = diagnostics(0.0, 0.0, 0.0, 0.0, 0.0);
        dead.allocation_rank_correlation = None;
        let s = summary(vec![
            run("lsgan", 0, dead.clone()),
            run("wgan-gp", 0, diagnostics(0.0, 0.0, 0.9, 1.0, 1.0)),
        ]);
        let claims = read_claims(&s, &|_| vec![dead.clone(); 4]);
        assert_eq!(claims[0].verdict, Verdict::DoesNotHold);
        for claim in &claims[1..4] {
            assert_eq!(claim.verdict, Verdict::NotMeasured, "{claim:?}");
            assert!(claim.evidence.contains("flat critic"), "{claim:?}");
        }
    }

    /// Claims 1–4 read the curves: runs that logged one point give no verdict but say why;
    /// claim 5 reads the final evaluation and still does.
    #[test]
    fn runs_too_short_to_read_give_no_verdict_from_their_curves() {
        let s = summary(vec![
            run("lsgan", 8, diagnostics(0.9, 0.6, 0.05, 0.1, 3.0)),
            run("wgan-gp", 7, diagnostics(0.0, 0.0, 0.9, 1.1, 1.0)),
        ]);
        let one_point = |r: &RunResult| vec![r.diagnostics.clone().unwrap_or_default()];
        let claims = read_claims(&s, &one_point);
        for claim in &claims[..4] {
            assert_eq!(claim.verdict, Verdict::NotMeasured, "{claim:?}");
            assert!(
                claim
                    .evidence
                    .contains("too short to read: every LS-GAN run"),
                "{claim:?}"
            );
        }
        assert_eq!(claims[4].verdict, Verdict::Holds, "{:?}", claims[4]);

        let wgan_gp_short = |r: &RunResult| {
            let points = if r.loss == "lsgan" { 4 } else { 1 };
            vec![r.diagnostics.clone().unwrap_or_default(); points]
        };
        let claims = read_claims(&s, &wgan_gp_short);
        assert_eq!(claims[0].verdict, Verdict::Holds, "{:?}", claims[0]);
        assert_eq!(claims[2].verdict, Verdict::NotMeasured, "{:?}", claims[2]);
        assert!(
            claims[2].evidence.contains("every WGAN-GP run"),
            "{:?}",
            claims[2]
        );
    }

    #[test]
    fn claims_without_their_runs_are_not_measured() {
        let s = summary(vec![run("gan", 6, diagnostics(0.0, 0.0, 0.0, 0.0, 1.0))]);
        let claims = read_claims(&s, &|_| Vec::new());
        for claim in &claims {
            assert_eq!(claim.verdict, Verdict::NotMeasured, "{claim:?}");
        }
    }
}
