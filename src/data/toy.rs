//! The toy mixtures of docs/FORMULAS.md#toy-data-and-metrics: `ring` (8 Gaussians on a circle of radius 2, σ = 0.02) and
//! `grid` (25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05), with equal weights.

use std::f64::consts::PI;

use tch::{Device, Kind, Tensor};

/// An equal-weight mixture of isotropic Gaussians in the plane.
#[derive(Debug)]
pub struct GaussianMixture {
    pub name: &'static str,
    /// Component means, shape [modes, 2], f32 on the CPU.
    pub means: Tensor,
    /// Standard deviation of every component.
    pub sigma: f64,
}

impl GaussianMixture {
    /// 8 Gaussians, means at radius 2 and angles 2πk/8, σ = 0.02.
    pub fn ring() -> Self {
        let means: Vec<f32> = (0..8)
            .flat_map(|k| {
                let angle = 2.0 * PI * k as f64 / 8.0;
                [(2.0 * angle.cos()) as f32, (2.0 * angle.sin()) as f32]
            })
            .collect();
        GaussianMixture {
            name: "ring",
            means: Tensor::from_slice(&means).view([8, 2]),
            sigma: 0.02,
        }
    }

    /// 25 Gaussians, means {−4, −2, 0, 2, 4}², σ = 0.05.
    pub fn grid() -> Self {
        let coordinates = [-4.0f32, -2.0, 0.0, 2.0, 4.0];
        let means: Vec<f32> = coordinates
            .iter()
            .flat_map(|&x| coordinates.iter().flat_map(move |&y| [x, y]))
            .collect();
        GaussianMixture {
            name: "grid",
            means: Tensor::from_slice(&means).view([25, 2]),
            sigma: 0.05,
        }
    }

    /// Number of components.
    pub fn modes(&self) -> i64 {
        self.means.size()[0]
    }

    /// `n` points, shape [n, 2], f32 on `device`: a uniformly chosen mean plus σ·N(0, I).
    pub fn sample(&self, n: usize, device: Device) -> Tensor {
        let n = n as i64;
        let component = Tensor::randint(self.modes(), [n], (Kind::Int64, Device::Cpu));
        let noise = Tensor::randn([n, 2], (Kind::Float, Device::Cpu)) * self.sigma;
        (self.means.index_select(0, &component) + noise).to_device(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    #[test]
    fn ring_means_are_at_radius_two_and_45_degrees_apart() {
        let ring = GaussianMixture::ring();
        let radius = ring
            .means
            .square()
            .sum_dim_intlist(1, false, Kind::Float)
            .sqrt();
        assert!((radius - 2.0).abs().max().double_value(&[]) < 1e-6);
        let first = Vec::<f32>::try_from(ring.means.get(1)).unwrap();
        let half_sqrt2 = 2.0 * (PI / 4.0).cos() as f32;
        assert!((first[0] - half_sqrt2).abs() < 1e-6 && (first[1] - half_sqrt2).abs() < 1e-6);
    }

    #[test]
    fn samples_have_the_mixture_spread() {
        let _rng = seeded(0);
        let grid = GaussianMixture::grid();
        let points = grid.sample(20_000, Device::Cpu);
        assert_eq!(points.size(), [20_000, 2]);
        // Distance to the nearest mean, per coordinate, has standard deviation σ.
        let offsets = &points - points.round_decimals(0).divide_scalar(2.0).round() * 2.0;
        let std = offsets.std(true).double_value(&[]);
        assert!((std - 0.05).abs() < 0.002, "std {std}");
        let mean = points.mean(Kind::Float).double_value(&[]);
        assert!(mean.abs() < 0.1, "mixture mean {mean}");
    }
}
