//! The exponential moving average of the generator's weights (Yazıcı et al. 2019): after
//! each generator step, θ̄ ← d·θ̄ + (1 − d)·θ. Samples and metrics may use the averaged
//! generator, which is usually smoother than the last iterate. Batch-norm running statistics
//! are copied, not averaged.

use tch::nn::VarStore;

use crate::config::TrainConfig;
use crate::data::SampleShape;
use crate::error::Result;
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
        config: &TrainConfig,
        shape: SampleShape,
        decay: f64,
    ) -> Result<Self> {
        let mut store = VarStore::new(source.device());
        let generator = Generator::build(&store.root(), config, shape)?;
        store.copy(source)?;
        store.freeze();
        Ok(Ema {
            store,
            generator,
            decay,
        })
    }

    /// One averaging step towards the weights in `source`.
    pub fn update(&mut self, source: &VarStore) {
        let current = source.variables();
        tch::no_grad(|| {
            for (name, mut average) in self.store.variables() {
                let Some(value) = current.get(&name) else {
                    continue;
                };
                if value.requires_grad() {
                    let _ = average.g_mul_scalar_(self.decay);
                    let _ = average.g_add_(&(value * (1.0 - self.decay)));
                } else {
                    average.copy_(value);
                }
            }
        });
    }
}
