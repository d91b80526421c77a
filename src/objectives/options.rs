//! The objective section of the configuration: which loss, and every parameter of the
//! losses (margin, weights, penalty, slope, clipping bound).

use serde::{Deserialize, Serialize};

/// Which critic/generator objective pair to train with (docs/FORMULAS.md#ls-gan to #baselines-on-the-same-loop).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LossKind {
    /// Loss-Sensitive GAN: hinge on the margin, zero-centred gradient penalty on real data.
    Lsgan,
    /// Generalised LS-GAN: the hinge replaced by max(a, ν·a).
    Glsgan,
    /// WGAN with weight clipping.
    Wgan,
    /// WGAN-GP: gradient penalty on interpolates, centred at 1.
    WganGp,
    /// Standard non-saturating GAN, the critic's output used as a logit.
    Gan,
    /// Conditional, semi-supervised LS-GAN: L(x, y) per class, a classifier too (labelled
    /// image data: mnist, fashion-mnist, cifar10).
    Clsgan,
    /// Conditional WGAN-GP on the same nets (one critic output per class), the baseline
    /// beside CLS-GAN; trains on the labelled images.
    CwganGp,
}

impl LossKind {
    /// Every loss, in the order reports list them.
    pub const ALL: [LossKind; 7] = [
        LossKind::Lsgan,
        LossKind::Glsgan,
        LossKind::Wgan,
        LossKind::WganGp,
        LossKind::Gan,
        LossKind::Clsgan,
        LossKind::CwganGp,
    ];

    /// Whether the loss is conditional: a generator G(z, y), a critic with one output per
    /// class, labelled data.
    pub fn is_conditional(self) -> bool {
        matches!(self, LossKind::Clsgan | LossKind::CwganGp)
    }

    /// Whether the critic is a classifier too, ŷ = argmin_y L(x, y) (CLS-GAN).
    pub fn classifies(self) -> bool {
        matches!(self, LossKind::Clsgan)
    }

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            LossKind::Lsgan => "lsgan",
            LossKind::Glsgan => "glsgan",
            LossKind::Wgan => "wgan",
            LossKind::WganGp => "wgan-gp",
            LossKind::Gan => "gan",
            LossKind::Clsgan => "clsgan",
            LossKind::CwganGp => "cwgan-gp",
        }
    }

    /// The name people write in prose and the pictures' titles (`LS-GAN`, `WGAN-GP`).
    pub fn display_name(self) -> &'static str {
        match self {
            LossKind::Lsgan => "LS-GAN",
            LossKind::Glsgan => "GLS-GAN",
            LossKind::Wgan => "WGAN",
            LossKind::WganGp => "WGAN-GP",
            LossKind::Gan => "GAN",
            LossKind::Clsgan => "CLS-GAN",
            LossKind::CwganGp => "cWGAN-GP",
        }
    }
}

/// The distance inside the margin Δ(x, y) = τ · dist(x, y).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum MarginDistance {
    /// Σ_j |x_j − y_j|
    L1,
    /// ‖x − y‖₂
    L2,
}

/// How Δ's distance is scaled to the data's dimension d.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum MarginNorm {
    /// τ · dist(x, y) as it is: a sum over the d coordinates (l1), so one τ means ten times
    /// more on 784 pixels than on 78 (the docs/FORMULAS.md#defaults note on τ).
    #[default]
    Sum,
    /// τ · dist(x, y) / d for l1 (the mean absolute difference per coordinate) and
    /// τ · ‖x − y‖₂ / √d for l2 (the root-mean-square difference): one τ means the same on
    /// 2-D points and on images of any size.
    Mean,
}

/// The loss and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct ObjectiveOptions {
    /// The objective [default: lsgan].
    #[arg(long, value_enum)]
    pub loss: LossKind,
    /// Δ's distance (LS-GAN, GLS-GAN).
    #[arg(long, value_enum)]
    pub margin: MarginDistance,
    /// τ in Δ(x, y) = τ · dist(x, y).
    #[arg(long, allow_negative_numbers = true)]
    pub margin_scale: f64,
    /// `sum`: Δ's distance summed over the coordinates, so τ's effect grows with the data's
    /// dimension; `mean`: divided by the dimension (l1) or its square root (l2), so one τ
    /// means the same on points and on images.
    #[arg(long, value_enum)]
    // Run folders written before the option lack the key: sum, as they trained.
    #[serde(default)]
    pub margin_norm: MarginNorm,
    /// λ, the weight of the mean hinge.
    #[arg(long, allow_negative_numbers = true)]
    pub hinge_weight: f64,
    /// The weight of mean L(x) in the critic objective (0 in the author's code); CLS-GAN: of
    /// mean L(x, y) on labelled data (1 in the author's code).
    #[arg(long, allow_negative_numbers = true)]
    pub real_weight: f64,
    /// μ, CLS-GAN's weight of the unlabelled hinge (Δ + L(x) − L(G))_+ on unlabelled data; 0
    /// trains on the labelled images only.
    #[arg(long, allow_negative_numbers = true)]
    // Run folders written before the option lack the key: no unlabelled term, as they trained.
    #[serde(default)]
    pub unlabelled_weight: f64,
    /// CLS-GAN: the weight of feature matching (the squared distance between the mean
    /// critic features of real and generated images) in the generator's objective.
    #[arg(long, allow_negative_numbers = true)]
    // Run folders written before the option lack the key: none, as they trained.
    #[serde(default)]
    pub feature_matching: f64,
    /// γ: zero-centred penalty on real data (LS-GAN, GLS-GAN, WGAN, GAN as R1), or the
    /// interpolate penalty centred at 1 (WGAN-GP).
    #[arg(long, allow_negative_numbers = true)]
    pub penalty_weight: f64,
    /// Lazy regularisation: the penalty on every k-th critic step only, with weight k·γ
    /// (Karras et al. 2020, StyleGAN2); 1 computes it on every critic step.
    #[arg(long)]
    // Run folders written before the option lack the key: 1, as they trained.
    #[serde(default = "every_critic_step")]
    pub penalty_every: u64,
    /// ν in GLS-GAN's cost max(a, ν·a).
    #[arg(long, allow_negative_numbers = true)]
    pub glsgan_slope: f64,
    /// c: WGAN clips critic weights to [−c, c] after each step.
    #[arg(long, allow_negative_numbers = true)]
    pub clip: f64,
}

/// `penalty_every` in a run folder written before the option existed: every critic step, as
/// then.
fn every_critic_step() -> u64 {
    1
}

impl ObjectiveOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.penalty_every == 0 {
            return Err(("penalty_every", "a whole number of at least 1"));
        }
        for (key, value) in [("margin_scale", self.margin_scale), ("clip", self.clip)] {
            if !(value.is_finite() && value > 0.0) {
                return Err((key, "a finite number greater than 0"));
            }
        }
        let non_negative = [
            ("hinge_weight", self.hinge_weight),
            ("real_weight", self.real_weight),
            ("penalty_weight", self.penalty_weight),
            ("unlabelled_weight", self.unlabelled_weight),
            ("feature_matching", self.feature_matching),
        ];
        for (key, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err((key, "a finite number of at least 0"));
            }
        }
        if !(self.glsgan_slope.is_finite() && self.glsgan_slope <= 1.0) {
            return Err(("glsgan_slope", "a finite number of at most 1"));
        }
        Ok(())
    }
}
