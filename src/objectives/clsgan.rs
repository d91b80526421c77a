//! The conditional, semi-supervised Loss-Sensitive GAN (CLS-GAN, docs/FORMULAS.md#cls-gan;
//! Qi 2017, "Conditional LS-GAN" and its semi-supervised form): the loss function takes a
//! class, L(x, y), and serves as a classifier, ŷ = argmin_y L(x, y).
//!
//! The critic has one output a_y(x) per class (K logits). From them:
//!
//! - the class loss L(x, y) = −log softmax_y a(x) = −a_y(x) + log Σ_k exp a_k(x), as in the
//!   author's `clsgan.lua` (a LogSoftMax output, negated);
//! - the unlabelled loss L(x) = −log Σ_k exp a_k(x), the paper's loss of an example whose
//!   class is unknown (a free energy: small where some class explains x well).
//!
//! Critic objective over a labelled batch (x_l, y_l), an unlabelled batch x_u and fakes
//! G(z, y_l) drawn for the labelled batch's classes:
//!
//! S(θ) = γ_c · mean L(x_l, y_l)
//!      + λ · mean (Δ(x_l, G) + L(x_l, y_l) − L(G, y_l))_+
//!      + μ · mean (Δ(x_u, G) + L(x_u) − L(G))_+
//!      + γ · mean ‖∇_x L(x_u)‖²
//!
//! with γ_c the weight on the labelled loss (`real_weight`, 1 in the author's code), λ the
//! conditional hinge's (`hinge_weight`), μ the unlabelled hinge's (`unlabelled_weight`, 0:
//! the fully supervised author code) and γ the zero-centred penalty on real data, as for
//! LS-GAN. The generator minimises
//!
//! T(φ) = λ · mean L(G(z, y), y) + μ · mean L(G(z, y)) + φ_fm · ‖mean f(x_u) − mean f(G(z, y))‖² / D
//!
//! each loss the critic raises on fakes, lowered with the critic's weight on it (λ = 0 leaves
//! the generator unconditional), and optionally feature matching
//! (Salimans et al. 2016, "Improved techniques for training GANs"): the mean over the D
//! features f of the critic's last hidden layer, on real and generated images.

use tch::{Kind, Tensor};

use crate::objectives::lsgan::hinge;

/// The weights of the CLS-GAN critic objective's terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClsGanWeights {
    /// γ_c, on mean L(x_l, y_l) (the classification loss on labelled data).
    pub labelled: f64,
    /// λ, on the conditional hinge.
    pub hinge: f64,
    /// μ, on the unlabelled hinge.
    pub unlabelled: f64,
    /// γ, on the zero-centred gradient penalty on real data.
    pub penalty: f64,
    /// φ_fm, on feature matching in the generator's objective.
    pub feature_matching: f64,
}

/// L(x, y) = −log softmax_y a(x) for each row of `logits` [n, K] and its class in `labels`
/// [n] (i64), shape [n].
pub fn class_loss(logits: &Tensor, labels: &Tensor) -> Tensor {
    -logits
        .log_softmax(1, Kind::Float)
        .gather(1, &labels.unsqueeze(1), false)
        .squeeze_dim(1)
}

/// L(x) = −log Σ_k exp a_k(x) for each row of `logits` [n, K], shape [n].
pub fn unlabelled_loss(logits: &Tensor) -> Tensor {
    -logits.to_kind(Kind::Float).logsumexp([1], false)
}

/// The class argmin_y L(x, y) = argmax_y a_y(x) of each row of `logits`, shape [n] (i64).
pub fn predicted_class(logits: &Tensor) -> Tensor {
    logits.argmax(1, false)
}

/// The parts of the CLS-GAN critic objective, each shape [n] (the penalty a scalar).
pub struct ClsGanParts<'a> {
    /// L(x_l, y_l).
    pub labelled_real: &'a Tensor,
    /// L(G(z, y_l), y_l).
    pub labelled_fake: &'a Tensor,
    /// Δ(x_l, G(z, y_l)).
    pub labelled_margin: &'a Tensor,
    /// L(x_u).
    pub unlabelled_real: &'a Tensor,
    /// L(G(z, y_l)).
    pub unlabelled_fake: &'a Tensor,
    /// Δ(x_u, G(z, y_l)).
    pub unlabelled_margin: &'a Tensor,
    /// mean ‖∇_x L(x_u)‖².
    pub penalty: &'a Tensor,
}

/// CLS-GAN critic objective S(θ) (module documentation), minimised over θ.
pub fn clsgan_critic_objective(parts: &ClsGanParts, weights: ClsGanWeights) -> Tensor {
    let mean = |t: Tensor| t.mean(None::<Kind>);
    mean(parts.labelled_real.shallow_clone()) * weights.labelled
        + mean(hinge(
            parts.labelled_real,
            parts.labelled_fake,
            parts.labelled_margin,
        )) * weights.hinge
        + mean(hinge(
            parts.unlabelled_real,
            parts.unlabelled_fake,
            parts.unlabelled_margin,
        )) * weights.unlabelled
        + parts.penalty * weights.penalty
}

/// Feature matching: (1/D) ‖mean_i f(x_i) − mean_i f(G_i)‖² for features [n, D] of real and
/// [m, D] of generated images.
pub fn feature_matching(real_features: &Tensor, fake_features: &Tensor) -> Tensor {
    (real_features.mean_dim(0, false, Kind::Float) - fake_features.mean_dim(0, false, Kind::Float))
        .square()
        .mean(Kind::Float)
}

/// CLS-GAN generator objective T(φ) (module documentation), minimised over φ, given L(G, y),
/// L(G) and the feature-matching term.
pub fn clsgan_generator_objective(
    class_loss_fake: &Tensor,
    unlabelled_loss_fake: &Tensor,
    feature_matching: &Tensor,
    weights: ClsGanWeights,
) -> Tensor {
    class_loss_fake.mean(None::<Kind>) * weights.hinge
        + unlabelled_loss_fake.mean(None::<Kind>) * weights.unlabelled
        + feature_matching * weights.feature_matching
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(values: &[f32], shape: &[i64]) -> Tensor {
        Tensor::from_slice(values).view(shape)
    }

    #[test]
    fn class_and_unlabelled_losses_by_hand() {
        // Logits (0, ln 3): softmax (1/4, 3/4); log Σ exp = ln 4.
        let logits = t(&[0.0, 3f32.ln()], &[1, 2]);
        let of = |x: Tensor| x.double_value(&[0]);
        assert!((of(class_loss(&logits, &Tensor::from_slice(&[0i64]))) - 4f64.ln()).abs() < 1e-6);
        assert!(
            (of(class_loss(&logits, &Tensor::from_slice(&[1i64]))) - (4.0f64 / 3.0).ln()).abs()
                < 1e-6
        );
        assert!((of(unlabelled_loss(&logits)) + 4f64.ln()).abs() < 1e-6);
        assert_eq!(predicted_class(&logits).int64_value(&[0]), 1);
    }

    #[test]
    fn objective_matches_hand_computation() {
        let parts = |values: &[f32]| t(values, &[2]);
        let (lr, lf, lm) = (parts(&[1.0, 0.5]), parts(&[1.5, 3.0]), parts(&[1.0, 1.0]));
        let (ur, uf, um) = (
            parts(&[-2.0, -1.0]),
            parts(&[-2.5, 0.0]),
            parts(&[0.5, 0.5]),
        );
        let penalty = Tensor::from(4.0f32);
        // Labelled hinges: (1 + 1 − 1.5)_+ = 0.5, (1 + 0.5 − 3)_+ = 0 → mean 0.25.
        // Unlabelled hinges: (0.5 − 2 + 2.5)_+ = 1, (0.5 − 1 − 0)_+ = 0 → mean 0.5.
        let weights = ClsGanWeights {
            labelled: 2.0,
            hinge: 3.0,
            unlabelled: 5.0,
            penalty: 0.5,
            feature_matching: 2.0,
        };
        let value = clsgan_critic_objective(
            &ClsGanParts {
                labelled_real: &lr,
                labelled_fake: &lf,
                labelled_margin: &lm,
                unlabelled_real: &ur,
                unlabelled_fake: &uf,
                unlabelled_margin: &um,
                penalty: &penalty,
            },
            weights,
        );
        let by_hand = 2.0 * 0.75 + 3.0 * 0.25 + 5.0 * 0.5 + 0.5 * 4.0;
        assert!((value.double_value(&[]) - by_hand).abs() < 1e-6);
        // Features (1, 3) and (3, 5) against (0, 0) and (2, 0): means (2, 4) and (1, 0),
        // squared differences 1 and 16, mean 8.5.
        let real = t(&[1.0, 3.0, 3.0, 5.0], &[2, 2]);
        let fake = t(&[0.0, 0.0, 2.0, 0.0], &[2, 2]);
        let matching = feature_matching(&real, &fake);
        assert!((matching.double_value(&[]) - 8.5).abs() < 1e-6);
        let generator = clsgan_generator_objective(&lf, &uf, &matching, weights);
        let by_hand = 3.0 * 2.25 + 5.0 * -1.25 + 2.0 * 8.5;
        assert!((generator.double_value(&[]) - by_hand).abs() < 1e-6);
    }
}
