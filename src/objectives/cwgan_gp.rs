//! The conditional WGAN-GP (docs/FORMULAS.md#cls-gan, the baseline beside CLS-GAN), written as
//! a loss function on the same K-output critic: L(x, y) = a_y(x), the critic's output for
//! class y (a one-hot, or multi-head, conditional critic), trained on labelled images with
//! WGAN-GP's objective and penalty (`wgan_gp.rs`) on interpolates of (x, y) and (G(z, y), y).

use tch::Tensor;

/// L(x, y) = a_y(x) for each row of `outputs` [n, K] and its class in `labels` [n], shape [n].
pub fn class_score(outputs: &Tensor, labels: &Tensor) -> Tensor {
    outputs
        .gather(1, &labels.unsqueeze(1), false)
        .squeeze_dim(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_the_output_of_the_class() {
        let outputs = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).view([2, 3]);
        let labels = Tensor::from_slice(&[2i64, 0]);
        let score = Vec::<f32>::try_from(class_score(&outputs, &labels)).unwrap();
        assert_eq!(score, [3.0, 4.0]);
    }
}
