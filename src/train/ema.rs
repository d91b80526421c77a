//! Exponential moving averages of network weights (Yazıcı et al. 2019): after each
//! iteration, θ̄ ← d·θ̄ + (1 − d)·θ. Samples and metrics use the averaged generator, which is
//! usually smoother than the last iterate; a conditional run's test error uses the averaged
//! critic, whose class boundaries swing less than the trained critic's (EXPERIMENTS.md,
//! "The averaged critic"). Neither average feeds back into training. Batch-norm running
//! statistics are copied, not averaged.
//!
//! The decay warms up as in TensorFlow's `ExponentialMovingAverage(num_updates)`:
//! d_t = min(d, (1 + t) / (10 + t)) at update t, so that early in a run the average follows
//! the network instead of lingering for ~1/(1 − d) steps near its random initialisation.

use tch::nn::{self, VarStore};

use crate::error::Result;
use crate::nets::Generator;

/// A network whose weights trail a trained one's.
pub struct Averaged<N> {
    pub store: VarStore,
    pub net: N,
    decay: f64,
}

/// The averaged generator.
pub type Ema = Averaged<Generator>;

impl<N> Averaged<N> {
    /// Starts as a copy of the network in `source`, built again by `build` (the same
    /// network's constructor), averaged with `decay`.
    pub fn new(
        source: &VarStore,
        decay: f64,
        build: impl FnOnce(&nn::Path) -> Result<N>,
    ) -> Result<Self> {
        let mut store = VarStore::new(source.device());
        let net = build(&store.root())?;
        store.copy(source)?;
        store.freeze();
        Ok(Averaged { store, net, decay })
    }

    /// The decay used at update `t` (counted from 0).
    pub fn decay_at(&self, t: u64) -> f64 {
        self.decay.min((1.0 + t as f64) / (10.0 + t as f64))
    }

    /// Averaging step `t` (counted from 0) towards the weights in `source`.
    pub fn update(&mut self, source: &VarStore, t: u64) {
        let decay = self.decay_at(t);
        let current = source.variables();
        tch::no_grad(|| {
            for (name, mut average) in self.store.variables() {
                let Some(value) = current.get(&name) else {
                    continue;
                };
                if value.requires_grad() {
                    // a ← d·a + (1 − d)·v, in one pass.
                    let _ = average.lerp_(value, 1.0 - decay);
                } else {
                    average.copy_(value);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SampleShape;
    use crate::process::seeded;
    use crate::train::config::TrainConfig;

    #[test]
    fn the_average_follows_the_formula_with_warm_up() {
        let _rng = seeded(0);
        let mut config = TrainConfig::default();
        config.networks.gen_width = 4;
        let shape = SampleShape::Point { dim: 2 };
        let source = VarStore::new(tch::Device::Cpu);
        let _generator = Generator::build(&source.root(), &config.networks, shape, 0).unwrap();
        let mut ema = Ema::new(&source, 0.99, |path| {
            Generator::build(path, &config.networks, shape, 0)
        })
        .unwrap();
        assert!((ema.decay_at(0) - 0.1).abs() < 1e-12);
        assert!((ema.decay_at(1000) - 0.99).abs() < 1e-12);

        let (name, start) = source.variables().into_iter().next().unwrap();
        let start = start.detach().copy();
        tch::no_grad(|| {
            let _ = source.variables()[&name].shallow_clone().fill_(1.0);
        });
        ema.update(&source, 5);
        let d = 6.0 / 15.0;
        let want = &start * d + (1.0 - d);
        let got = &ema.store.variables()[&name];
        assert!(f64::try_from((got - want).abs().max()).unwrap() < 1e-6);
    }
}
