//! The conditional parts of a training step (CLS-GAN, `objectives/clsgan.rs`): the critic's
//! batches (labelled, unlabelled, and fakes drawn for the labelled classes) and the
//! generator's objective on fakes of random classes. The step itself is `trainer.rs`'s.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::nets::conditional_input;
use crate::objectives::{ConditionalBatch, CriticTerms, Objective};
use crate::train::precision::forward_in;
use crate::train::trainer::Trainer;

impl Trainer {
    /// The critic terms of one conditional critic step under `objective`: a labelled batch
    /// (x_l, y_l), an unlabelled batch of `batch` images and `batch` fakes, the first of them
    /// drawn for y_l and the rest (when there are fewer labelled images than `batch`) for
    /// random classes.
    /// Returns the unlabelled batch too (the generator's feature matching compares with it).
    pub(super) fn conditional_critic_terms(
        &mut self,
        objective: &Objective,
        batch: usize,
    ) -> Result<(CriticTerms, Tensor)> {
        let (labelled, labels) = self.data.next_labelled_batch(self.device).ok_or_else(|| {
            Error::bad_input("CLS-GAN trains on labelled images; the data has none")
        })?;
        let unlabelled = self.data.next_batch(batch, self.device);
        let fake_labels = self.fake_classes(&labels, batch);
        let fake = tch::no_grad(|| self.generate(&self.conditional_noise(&fake_labels)));
        let terms = objective.conditional_critic_terms(
            &|x| self.logits(x),
            &ConditionalBatch {
                labelled: &labelled,
                labels: &labels,
                unlabelled: &unlabelled,
                fake: &fake,
            },
        );
        Ok((terms, unlabelled))
    }

    /// The generator's objective on `batch` fakes of uniformly random classes, `real` the
    /// last critic step's unlabelled batch.
    pub(super) fn conditional_generator_objective(&self, batch: usize, real: &Tensor) -> Tensor {
        let labels = self.random_classes(batch as i64);
        let fake = self.generate(&self.conditional_noise(&labels));
        let (real_features, _) = tch::no_grad(|| self.features_and_logits(real));
        let (fake_features, fake_logits) = self.features_and_logits(&fake);
        self.objective.conditional_generator_objective(
            (&fake_features, &fake_logits),
            &labels,
            &real_features,
        )
    }

    /// `labels`, then random classes up to `batch` in all.
    fn fake_classes(&self, labels: &Tensor, batch: usize) -> Tensor {
        let missing = batch as i64 - labels.size()[0];
        if missing <= 0 {
            return labels.shallow_clone();
        }
        Tensor::cat(&[labels, &self.random_classes(missing)], 0)
    }

    /// `n` classes drawn uniformly, i64, on the run's device.
    fn random_classes(&self, n: i64) -> Tensor {
        Tensor::randint(self.classes, [n], (Kind::Int64, self.device))
    }

    /// The generator's input for `labels`: fresh noise with the classes one-hot appended.
    fn conditional_noise(&self, labels: &Tensor) -> Tensor {
        conditional_input(&self.noise(labels.size()[0] as usize), labels, self.classes)
    }

    /// The critic's last hidden features and class outputs, in the configured precision.
    fn features_and_logits(&self, x: &Tensor) -> (Tensor, Tensor) {
        // One forward in the precision, its two outputs side by side, then apart.
        let both = forward_in(self.config.runtime.precision, self.device, || {
            let (features, logits) = self.critic.features_and_logits(x);
            Tensor::cat(
                &[features.to_kind(Kind::Float), logits.to_kind(Kind::Float)],
                1,
            )
        });
        let features = both.size()[1] - self.classes;
        (
            both.narrow(1, 0, features),
            both.narrow(1, features, self.classes),
        )
    }

    /// The critic's class outputs a(x), [n, K], in the configured precision.
    fn logits(&self, x: &Tensor) -> Tensor {
        forward_in(self.config.runtime.precision, self.device, || {
            self.critic.logits(x)
        })
    }
}
