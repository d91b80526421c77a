//! The exponential moving average of the generator's weights (Yazıcı et al. 2019): after
//! each generator step, θ̄ ← d·θ̄ + (1 − d)·θ. Samples and metrics may use the averaged
//! generator, which is usually smoother than the last iterate. Batch-norm running statistics
//! are copied, not averaged.
//!
//! The decay warms up as in TensorFlow's `ExponentialMovingAverage(num_updates)`:
//! d_t = min(d, (1 + t) / (10 + t)) at update t, so that early in a run the average follows
//! the generator instead of lingering for ~1/(1 − d) steps near its random initialisation.

use tch::nn::VarStore;

use crate::data::SampleShape;
use crate::error::Result;
use crate::nets::options::NetworkOptions;
use crate::nets::Generator;

/// A generator whose weights trail the trained one's.
pub struct Ema {
    pub store: VarStore,
    pub generator: Generator,
    decay: f64,
}

impl Ema {
    /// Starts as a copy of the generator in `source`.
    pub fn new(
        source: &VarStore,
        networks: &NetworkOptions,
        shape: SampleShape,
        classes: i64,
        decay: f64,
    ) -> Result<Self> {
        let mut store = VarStore::new(source.device());
        let generator = Generator::build(&store.root(), networks, shape, classes)?;
        store.copy(source)?;
        store.freeze();
        Ok(Ema {
            store,
            generator,
            decay,
        })
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
        let mut ema = Ema::new(&source, &config.networks, shape, 0, 0.99).unwrap();
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
