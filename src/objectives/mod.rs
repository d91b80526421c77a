//! The objectives, one file per loss (each a pure function on tensors, its formula in the
//! doc comment, a critic and a generator objective each), the margin Δ and the gradient
//! penalties. [`Loss`] is the closed set of losses with their parameters; [`Objective`]
//! (a loss and its penalty) picks the pair of objectives, so every loss shares one training
//! loop. The loss and its parameters are configured by the objective section (`options`).
//!
//! | loss      | critic objective                 | file          |
//! |-----------|----------------------------------|---------------|
//! | `lsgan`   | w·E L(x) + λ·E (Δ + L(x) − L(G))_+ + γ·E‖∇L(x)‖² | `lsgan.rs` |
//! | `glsgan`  | the same with max(a, ν·a)        | `glsgan.rs`   |
//! | `wgan`    | E L(x) − E L(G), clipped weights | `wgan.rs`     |
//! | `wgan-gp` | E L(x) − E L(G) + γ·E(‖∇L(x̂)‖ − 1)² | `wgan_gp.rs` |
//! | `gan`     | E softplus(L(x)) + E softplus(−L(G)) | `gan.rs`  |
//! | `clsgan`  | γ_c·E L(x,y) + λ·E (Δ + L(x,y) − L(G,y))_+ + μ·E (Δ + L(x) − L(G))_+ + γ·E‖∇L(x)‖² | `clsgan.rs` |
//! | `cwgan-gp` | E L(x,y) − E L(G,y) + γ·E(‖∇L(x̂,y)‖ − 1)², L(x,y) = a_y(x) | `cwgan_gp.rs` |
//!
//! The generator minimises E L(G(z)) for all but `gan` (E softplus(L(G(z)))) and `clsgan`
//! (λ·E L(G(z,y),y) + μ·E L(G(z,y))). CLS-GAN's critic sees classes: its objective is
//! [`Objective::conditional_critic_terms`] on labelled and unlabelled batches.

pub mod clsgan;
pub mod cwgan_gp;
pub mod gan;
pub mod glsgan;
pub mod lsgan;
pub mod margin;
pub mod options;
pub mod penalty;
pub mod wgan;
pub mod wgan_gp;

use tch::Tensor;

use crate::objectives::options::{LossKind, MarginDistance, MarginNorm, ObjectiveOptions};
pub use clsgan::ClsGanWeights;
pub use lsgan::LsGanWeights;

/// The margin Δ(x, y) = τ · dist(x, y) of the margin losses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Margin {
    pub distance: MarginDistance,
    /// τ.
    pub scale: f64,
    pub norm: MarginNorm,
}

impl Margin {
    /// Δ for each pair of rows, shape [n] (see [`margin::margin`]).
    pub fn between(&self, real: &Tensor, fake: &Tensor) -> Tensor {
        margin::margin(real, fake, self.distance, self.scale, self.norm)
    }
}

/// The losses lsgan trains, each with its own parameters: a closed set, matched whole
/// wherever a loss decides something.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    /// LS-GAN: w · E L(x) + λ · E (Δ + L(x) − L(G))_+.
    Lsgan {
        margin: Margin,
        /// w, on mean L(x).
        real_weight: f64,
        /// λ, on the mean hinge.
        hinge_weight: f64,
    },
    /// GLS-GAN: the hinge replaced by max(a, ν·a).
    Glsgan {
        margin: Margin,
        real_weight: f64,
        hinge_weight: f64,
        /// ν.
        slope: f64,
    },
    /// WGAN: E L(x) − E L(G); the trainer clips the critic's weights to [−c, c].
    Wgan {
        /// c.
        clip: f64,
    },
    /// WGAN-GP: E L(x) − E L(G) with the penalty on interpolates, centred at 1.
    WganGp,
    /// The standard non-saturating GAN, L a logit.
    Gan,
    /// CLS-GAN: L(x, y) per class (`clsgan.rs`).
    Clsgan {
        margin: Margin,
        /// γ_c, on mean L(x_l, y_l).
        labelled_weight: f64,
        /// λ, on the conditional hinge.
        hinge_weight: f64,
        /// μ, on the unlabelled hinge.
        unlabelled_weight: f64,
        /// φ_fm, on feature matching in the generator's objective.
        feature_matching: f64,
    },
    /// The conditional WGAN-GP (`cwgan_gp.rs`).
    CwganGp,
}

impl Loss {
    /// The loss the objective section describes.
    pub fn from_options(options: &ObjectiveOptions) -> Self {
        let margin = Margin {
            distance: options.margin,
            scale: options.margin_scale,
            norm: options.margin_norm,
        };
        match options.loss {
            LossKind::Lsgan => Loss::Lsgan {
                margin,
                real_weight: options.real_weight,
                hinge_weight: options.hinge_weight,
            },
            LossKind::Glsgan => Loss::Glsgan {
                margin,
                real_weight: options.real_weight,
                hinge_weight: options.hinge_weight,
                slope: options.glsgan_slope,
            },
            LossKind::Wgan => Loss::Wgan { clip: options.clip },
            LossKind::WganGp => Loss::WganGp,
            LossKind::Gan => Loss::Gan,
            LossKind::Clsgan => Loss::Clsgan {
                margin,
                labelled_weight: options.real_weight,
                hinge_weight: options.hinge_weight,
                unlabelled_weight: options.unlabelled_weight,
                feature_matching: options.feature_matching,
            },
            LossKind::CwganGp => Loss::CwganGp,
        }
    }

    /// The margin, for the margin losses (LS-GAN, GLS-GAN, CLS-GAN).
    pub fn margin(&self) -> Option<Margin> {
        match *self {
            Loss::Lsgan { margin, .. }
            | Loss::Glsgan { margin, .. }
            | Loss::Clsgan { margin, .. } => Some(margin),
            Loss::Wgan { .. } | Loss::WganGp | Loss::Gan | Loss::CwganGp => None,
        }
    }
}

/// The objective settings of a run: the loss and its gradient penalty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    pub loss: Loss,
    /// γ: on the zero-centred penalty on real data, or (WGAN-GP) on the interpolate penalty.
    pub penalty_weight: f64,
    /// Lazy regularisation: the penalty on every k-th critic step, weighted k·γ.
    pub penalty_every: u64,
}

/// One CLS-GAN critic step's samples: a labelled batch of n_l, an unlabelled one of n and n
/// fakes (detached from the generator), the first n_l drawn for the labelled batch's classes,
/// G(z_i, y_i) beside (x_i, y_i).
pub struct ConditionalBatch<'a> {
    pub labelled: &'a Tensor,
    /// The labelled batch's classes, i64 [n].
    pub labels: &'a Tensor,
    pub unlabelled: &'a Tensor,
    pub fake: &'a Tensor,
}

/// The critic objective on one batch and the parts it was made of (for logging).
#[derive(Debug)]
pub struct CriticTerms {
    /// The scalar the critic minimises.
    pub objective: Tensor,
    /// L(x_i), shape [n].
    pub loss_real: Tensor,
    /// L(G(z_i)), shape [n].
    pub loss_fake: Tensor,
    /// The gradient penalty's value (0 when the loss uses none).
    pub penalty: Tensor,
    /// Δ(x_i, G(z_i)) for the margin-based losses.
    pub margin: Option<Tensor>,
}

impl CriticTerms {
    /// Share of pairs with L(G(z)) − L(x) ≥ Δ(x, G(z)) (margin losses only).
    pub fn margin_satisfaction(&self) -> Option<f64> {
        let margin = self.margin.as_ref()?;
        Some(margin::share_past_margin(
            &self.loss_real,
            &self.loss_fake,
            margin,
        ))
    }
}

impl Objective {
    /// The objective the objective section of a configuration describes.
    pub fn from_options(options: &ObjectiveOptions) -> Self {
        Objective {
            loss: Loss::from_options(options),
            penalty_weight: options.penalty_weight,
            penalty_every: options.penalty_every,
        }
    }

    /// The objective of critic step `step` (counted from the start of training): with
    /// lazy regularisation, the penalty weighted k·γ on every k-th step and left out (not
    /// even computed) on the others, so that its average weight stays γ.
    pub fn at_critic_step(&self, step: u64) -> Objective {
        let k = self.penalty_every.max(1);
        let mut objective = *self;
        objective.penalty_weight *= if step.is_multiple_of(k) {
            k as f64
        } else {
            0.0
        };
        objective
    }

    /// The critic objective on a batch of `real` samples paired row by row with `fake` ones
    /// (detached from the generator). `critic` maps [n, ...] samples to L, shape [n].
    pub fn critic_terms(
        &self,
        critic: &dyn Fn(&Tensor) -> Tensor,
        real: &Tensor,
        fake: &Tensor,
    ) -> CriticTerms {
        let gamma = self.penalty_weight;
        let on_interpolates = matches!(self.loss, Loss::WganGp | Loss::CwganGp);
        let zero_centred = !on_interpolates && gamma > 0.0;
        // L(x) is computed once and serves both the objective and the penalty on real data.
        let real = if zero_centred {
            real.detach().set_requires_grad(true)
        } else {
            real.shallow_clone()
        };
        let loss_real = critic(&real);
        let loss_fake = critic(fake);
        let penalty = if gamma == 0.0 {
            Tensor::zeros([], (loss_real.kind(), loss_real.device()))
        } else if on_interpolates {
            let mixed = penalty::interpolates(&real, fake);
            penalty::interpolate_gradient_penalty(&mixed, &critic(&mixed))
        } else {
            penalty::zero_centred_gradient_penalty(&real, &loss_real)
        };
        let weights = |real_weight, hinge_weight| LsGanWeights {
            real: real_weight,
            hinge: hinge_weight,
            penalty: gamma,
        };
        // LS-GAN's objective with `weights`, and its margin Δ.
        let lsgan_form = |margin: &Margin, weights| {
            let delta = margin.between(&real, fake);
            let objective =
                lsgan::lsgan_critic_objective(&loss_real, &loss_fake, &delta, &penalty, weights);
            (objective, Some(delta))
        };
        let (objective, margin) = match self.loss {
            Loss::Lsgan {
                margin,
                real_weight,
                hinge_weight,
            } => lsgan_form(&margin, weights(real_weight, hinge_weight)),
            // Without classes (the diagnostics' view: `score` is the unlabelled loss L(x)),
            // CLS-GAN is its unlabelled hinge: LS-GAN with weight μ and none on mean L(x).
            Loss::Clsgan {
                margin,
                unlabelled_weight,
                ..
            } => lsgan_form(&margin, weights(0.0, unlabelled_weight)),
            Loss::Glsgan {
                margin,
                real_weight,
                hinge_weight,
                slope,
            } => {
                let delta = margin.between(&real, fake);
                let objective = glsgan::glsgan_critic_objective(
                    &loss_real,
                    &loss_fake,
                    &delta,
                    &penalty,
                    weights(real_weight, hinge_weight),
                    slope,
                );
                (objective, Some(delta))
            }
            Loss::Wgan { .. } => (
                wgan::wgan_critic_objective(&loss_real, &loss_fake, &penalty, gamma),
                None,
            ),
            // Without classes (the diagnostics' view), the conditional WGAN-GP is WGAN-GP.
            Loss::WganGp | Loss::CwganGp => (
                wgan_gp::wgan_gp_critic_objective(&loss_real, &loss_fake, &penalty, gamma),
                None,
            ),
            Loss::Gan => (
                gan::gan_critic_objective(&loss_real, &loss_fake, &penalty, gamma),
                None,
            ),
        };
        CriticTerms {
            objective,
            loss_real,
            loss_fake,
            penalty,
            margin,
        }
    }

    /// The generator's objective given L(G(z_i)), the loss's own.
    pub fn generator_objective(&self, loss_fake: &Tensor) -> Tensor {
        match self.loss {
            Loss::Lsgan { .. } => lsgan::lsgan_generator_objective(loss_fake),
            Loss::Glsgan { .. } => glsgan::glsgan_generator_objective(loss_fake),
            Loss::Wgan { .. } => wgan::wgan_generator_objective(loss_fake),
            Loss::WganGp | Loss::CwganGp => wgan_gp::wgan_gp_generator_objective(loss_fake),
            Loss::Gan => gan::gan_generator_objective(loss_fake),
            // The unconditional view (see `critic_terms`): the unlabelled term.
            Loss::Clsgan {
                unlabelled_weight, ..
            } => lsgan::lsgan_generator_objective(loss_fake) * unlabelled_weight,
        }
    }

    /// CLS-GAN's weights, when the loss is CLS-GAN.
    pub fn clsgan_weights(&self) -> Option<ClsGanWeights> {
        match self.loss {
            Loss::Clsgan {
                labelled_weight,
                hinge_weight,
                unlabelled_weight,
                feature_matching,
                ..
            } => Some(ClsGanWeights {
                labelled: labelled_weight,
                hinge: hinge_weight,
                unlabelled: unlabelled_weight,
                penalty: self.penalty_weight,
                feature_matching,
            }),
            _ => None,
        }
    }

    /// Whether the generator is trained at all: not when CLS-GAN has neither hinge (λ = μ =
    /// 0), which leaves the critic a plain classifier of the labelled images, the labels-only
    /// baseline.
    pub fn trains_generator(&self) -> bool {
        self.clsgan_weights()
            .is_none_or(|weights| weights.hinge != 0.0 || weights.unlabelled != 0.0)
    }

    /// A conditional loss's critic objective on one step's batches: CLS-GAN's (`clsgan.rs`)
    /// or the conditional WGAN-GP's (`cwgan_gp.rs`). `logits` maps [n, ...] samples to the
    /// critic's class outputs a(x), shape [n, K].
    pub fn conditional_critic_terms(
        &self,
        logits: &dyn Fn(&Tensor) -> Tensor,
        batch: &ConditionalBatch,
    ) -> CriticTerms {
        match self.loss {
            Loss::CwganGp => self.cwgan_gp_critic_terms(logits, batch),
            _ => self.clsgan_critic_terms(logits, batch),
        }
    }

    /// The conditional WGAN-GP's critic terms, on the labelled batch and its fakes.
    fn cwgan_gp_critic_terms(
        &self,
        logits: &dyn Fn(&Tensor) -> Tensor,
        batch: &ConditionalBatch,
    ) -> CriticTerms {
        let labelled_count = batch.labels.size()[0];
        let fake = batch.fake.narrow(0, 0, labelled_count);
        let score = |x: &Tensor| cwgan_gp::class_score(&logits(x), batch.labels);
        let loss_real = score(batch.labelled);
        let loss_fake = score(&fake);
        let penalty = if self.penalty_weight > 0.0 {
            let mixed = penalty::interpolates(batch.labelled, &fake);
            penalty::interpolate_gradient_penalty(&mixed, &score(&mixed))
        } else {
            Tensor::zeros([], (loss_real.kind(), loss_real.device()))
        };
        CriticTerms {
            objective: wgan_gp::wgan_gp_critic_objective(
                &loss_real,
                &loss_fake,
                &penalty,
                self.penalty_weight,
            ),
            loss_real,
            loss_fake,
            penalty,
            margin: None,
        }
    }

    /// CLS-GAN's critic terms.
    fn clsgan_critic_terms(
        &self,
        logits: &dyn Fn(&Tensor) -> Tensor,
        batch: &ConditionalBatch,
    ) -> CriticTerms {
        let weights = self
            .clsgan_weights()
            .expect("conditional critic terms are CLS-GAN's");
        let margin = self.loss.margin().expect("CLS-GAN has a margin");
        let labelled_real = clsgan::class_loss(&logits(batch.labelled), batch.labels);
        let with_penalty = weights.penalty > 0.0;
        let unlabelled = if with_penalty {
            batch.unlabelled.detach().set_requires_grad(true)
        } else {
            batch.unlabelled.shallow_clone()
        };
        let unlabelled_real = clsgan::unlabelled_loss(&logits(&unlabelled));
        let fake_logits = logits(batch.fake);
        let labelled_count = batch.labels.size()[0];
        let labelled_fake =
            clsgan::class_loss(&fake_logits.narrow(0, 0, labelled_count), batch.labels);
        let unlabelled_fake = clsgan::unlabelled_loss(&fake_logits);
        let penalty = if with_penalty {
            penalty::zero_centred_gradient_penalty(&unlabelled, &unlabelled_real)
        } else {
            Tensor::zeros([], (unlabelled_real.kind(), unlabelled_real.device()))
        };
        let labelled_margin =
            margin.between(batch.labelled, &batch.fake.narrow(0, 0, labelled_count));
        let objective = clsgan::clsgan_critic_objective(
            &clsgan::ClsGanParts {
                labelled_real: &labelled_real,
                labelled_fake: &labelled_fake,
                labelled_margin: &labelled_margin,
                unlabelled_real: &unlabelled_real,
                unlabelled_fake: &unlabelled_fake,
                unlabelled_margin: &margin.between(&unlabelled, batch.fake),
                penalty: &penalty,
            },
            weights,
        );
        CriticTerms {
            objective,
            loss_real: labelled_real,
            loss_fake: labelled_fake,
            penalty,
            margin: Some(labelled_margin),
        }
    }

    /// CLS-GAN's generator objective given the critic's last hidden features and class
    /// outputs on G(z, y), the classes y the fakes were drawn for, and the critic's features
    /// of a real batch (for feature matching).
    pub fn conditional_generator_objective(
        &self,
        (fake_features, fake_logits): (&Tensor, &Tensor),
        labels: &Tensor,
        real_features: &Tensor,
    ) -> Tensor {
        if matches!(self.loss, Loss::CwganGp) {
            return wgan_gp::wgan_gp_generator_objective(&cwgan_gp::class_score(
                fake_logits,
                labels,
            ));
        }
        let weights = self
            .clsgan_weights()
            .expect("a conditional loss: CLS-GAN or the conditional WGAN-GP");
        let matching = if weights.feature_matching > 0.0 {
            clsgan::feature_matching(real_features, fake_features)
        } else {
            Tensor::zeros([], (fake_logits.kind(), fake_logits.device()))
        };
        clsgan::clsgan_generator_objective(
            &clsgan::class_loss(fake_logits, labels),
            &clsgan::unlabelled_loss(fake_logits),
            &matching,
            weights,
        )
    }

    /// The clipping bound c when the loss clips critic weights (WGAN).
    pub fn weight_clip(&self) -> Option<f64> {
        match self.loss {
            Loss::Wgan { clip } => Some(clip),
            Loss::Lsgan { .. }
            | Loss::Glsgan { .. }
            | Loss::WganGp
            | Loss::Gan
            | Loss::Clsgan { .. }
            | Loss::CwganGp => None,
        }
    }
}

/// Fixtures shared by the objectives' and the diagnostics' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The objective of `kind` with the parameters the tests compute by hand: l1 margin
    /// τ = 1 summed, λ = 1, no weight on mean L(x), penalty γ = 0.1 for LS-GAN and GLS-GAN,
    /// 10 for WGAN-GP, none for WGAN and GAN, on every critic step, ν = 0.5, c = 0.01.
    pub fn objective(kind: LossKind) -> Objective {
        Objective::from_options(&ObjectiveOptions {
            loss: kind,
            margin: MarginDistance::L1,
            margin_scale: 1.0,
            margin_norm: MarginNorm::Sum,
            hinge_weight: 1.0,
            real_weight: 0.0,
            unlabelled_weight: 1.0,
            feature_matching: 0.0,
            penalty_weight: match kind {
                LossKind::Lsgan | LossKind::Glsgan | LossKind::Clsgan => 0.1,
                LossKind::WganGp | LossKind::CwganGp => 10.0,
                LossKind::Wgan | LossKind::Gan => 0.0,
            },
            penalty_every: 1,
            glsgan_slope: 0.5,
            clip: 0.01,
        })
    }

    /// A fixed smooth critic, L(x) = ‖x‖² + x₀, whose input gradient is 2x + e₀.
    pub fn critic(x: &Tensor) -> Tensor {
        x.square().sum_dim_intlist(1, false, None) + x.select(1, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{critic, objective};
    use super::*;
    use crate::process::seeded;
    use tch::{Device, Kind};

    fn pairs() -> (Tensor, Tensor) {
        let real = Tensor::from_slice(&[1.0f64, 0.0, 0.0, 2.0]).view([2, 2]);
        let fake = Tensor::from_slice(&[3.0f64, 0.0, 0.0, 0.0]).view([2, 2]);
        (real, fake)
    }

    #[test]
    fn lsgan_terms_by_hand() {
        let (real, fake) = pairs();
        let terms = objective(LossKind::Lsgan).critic_terms(&critic, &real, &fake);
        // L(x) = [2, 4], L(G) = [12, 0], Δ (l1, τ = 1) = [2, 2].
        // Hinges: (2 + 2 − 12)_+ = 0, (2 + 4 − 0)_+ = 6 → mean 3.
        // ∇L(x) = [3, 0] and [1, 4]: penalty (9 + 17) / 2 = 13; γ = 0.1, w = 0, λ = 1.
        assert!((terms.penalty.double_value(&[]) - 13.0).abs() < 1e-12);
        assert!((terms.objective.double_value(&[]) - (3.0 + 1.3)).abs() < 1e-12);
        assert_eq!(terms.margin_satisfaction(), Some(0.5));
    }

    #[test]
    fn lazy_penalty_weighs_every_kth_step_k_times_and_skips_the_rest() {
        let (real, fake) = pairs();
        let mut lazy = objective(LossKind::Lsgan);
        lazy.penalty_every = 4;
        let objective_at = |step| {
            lazy.at_critic_step(step)
                .critic_terms(&critic, &real, &fake)
                .objective
                .double_value(&[])
        };
        // Mean hinge 3 and penalty 13 (see lsgan_terms_by_hand); γ = 0.1, k = 4.
        assert!((objective_at(0) - (3.0 + 0.4 * 13.0)).abs() < 1e-12);
        assert!((objective_at(8) - (3.0 + 0.4 * 13.0)).abs() < 1e-12);
        for step in [1, 2, 3, 5] {
            assert!((objective_at(step) - 3.0).abs() < 1e-12, "step {step}");
        }
        let skipped = lazy.at_critic_step(1).critic_terms(&critic, &real, &fake);
        assert_eq!(skipped.penalty.double_value(&[]), 0.0);
    }

    #[test]
    fn lsgan_penalty_uses_real_samples_only() {
        let (real, fake) = pairs();
        let lsgan = objective(LossKind::Lsgan);
        let first = lsgan
            .critic_terms(&critic, &real, &fake)
            .penalty
            .double_value(&[]);
        let second = lsgan
            .critic_terms(&critic, &real, &(fake * 10.0))
            .penalty
            .double_value(&[]);
        assert_eq!(
            first, second,
            "moving the fakes must not change the penalty"
        );
    }

    #[test]
    fn wgan_gp_penalty_is_on_interpolates() {
        // ∇L at an interpolate of x = (1, 0), y = (3, 0) is (2t + 1, 0) with t ∈ [1, 3]:
        // (‖∇L‖ − 1)² = (2t)² ∈ [4, 36] — never the real-data value 4 for both rows.
        let _rng = seeded(1);
        let real = Tensor::from_slice(&[1.0f64, 0.0, 1.0, 0.0]).view([2, 2]);
        let fake = Tensor::from_slice(&[3.0f64, 0.0, 3.0, 0.0]).view([2, 2]);
        let terms = objective(LossKind::WganGp).critic_terms(&critic, &real, &fake);
        let penalty = terms.penalty.double_value(&[]);
        assert!(penalty > 4.0 && penalty < 36.0, "{penalty}");
        let value = terms.objective.double_value(&[]);
        assert!((value - ((2.0 - 12.0) + 10.0 * penalty)).abs() < 1e-9);
    }

    #[test]
    fn every_loss_produces_a_finite_differentiable_objective() {
        let _rng = seeded(0);
        let (real, fake) = pairs();
        for kind in LossKind::ALL {
            let w = Tensor::ones([2], (Kind::Double, Device::Cpu)).set_requires_grad(true);
            let scorer = |x: &Tensor| critic(x) * w.get(0) + x.select(1, 1) * w.get(1);
            let terms = objective(kind).critic_terms(&scorer, &real, &fake);
            assert!(terms.objective.double_value(&[]).is_finite(), "{kind:?}");
            let gradient = Tensor::run_backward(&[&terms.objective], &[&w], false, false);
            assert!(
                gradient[0].abs().sum(Kind::Double).double_value(&[]) > 0.0,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn generator_objectives() {
        let loss_fake = Tensor::from_slice(&[1.0f64, 3.0]);
        assert_eq!(
            objective(LossKind::Lsgan)
                .generator_objective(&loss_fake)
                .double_value(&[]),
            2.0
        );
        assert_eq!(objective(LossKind::Wgan).weight_clip(), Some(0.01));
        assert_eq!(objective(LossKind::Lsgan).weight_clip(), None);
    }
}
