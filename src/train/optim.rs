//! Adam and RMSProp written with tensor operations, step for step as `torch.optim` writes
//! them, so that their state (moments, step count) can be saved in a checkpoint and a resumed
//! run continues with exactly the numbers an uninterrupted run would have. tch's own
//! optimisers keep their state inside libtorch with no way to read or restore it.
//!
//! Parameters are held by name, sorted, so the state's order never depends on hash order.

use tch::nn::VarStore;
use tch::Tensor;

use crate::config::OptimizerKind;
use crate::error::{Error, Result};

/// Adam's ε and RMSProp's ε, as in `torch.optim`.
const EPS: f64 = 1e-8;
/// RMSProp's smoothing constant α, as in `torch.optim.RMSprop`.
const RMSPROP_ALPHA: f64 = 0.99;

/// The update rule and its constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Adam { beta1: f64, beta2: f64 },
    RmsProp,
}

/// One trainable parameter and its running statistics.
struct Slot {
    name: String,
    parameter: Tensor,
    /// Adam's first moment (absent for RMSProp).
    first_moment: Option<Tensor>,
    /// Adam's second moment, RMSProp's square average.
    second_moment: Tensor,
}

/// An optimiser over the trainable variables of one [`VarStore`].
pub struct Optimizer {
    rule: Rule,
    slots: Vec<Slot>,
    /// L2 weight decay added to the gradient (torch's `weight_decay`).
    weight_decay: f64,
    pub lr: f64,
    /// Updates done (Adam's bias correction uses it).
    steps: i64,
}

impl Optimizer {
    /// An optimiser for the trainable variables of `store`.
    pub fn new(store: &VarStore, kind: OptimizerKind, betas: (f64, f64), lr: f64, wd: f64) -> Self {
        let rule = match kind {
            OptimizerKind::Adam => Rule::Adam {
                beta1: betas.0,
                beta2: betas.1,
            },
            OptimizerKind::Rmsprop => Rule::RmsProp,
        };
        let mut variables: Vec<(String, Tensor)> = store
            .variables()
            .into_iter()
            .filter(|(_, tensor)| tensor.requires_grad())
            .collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        let slots = variables
            .into_iter()
            .map(|(name, parameter)| Slot {
                first_moment: matches!(rule, Rule::Adam { .. }).then(|| parameter.zeros_like()),
                second_moment: parameter.zeros_like(),
                name,
                parameter,
            })
            .collect();
        Optimizer {
            rule,
            slots,
            weight_decay: wd,
            lr,
            steps: 0,
        }
    }

    /// Zeroes the gradients, backpropagates `objective` and applies one update.
    pub fn backward_step(&mut self, objective: &Tensor) {
        self.zero_grad();
        objective.backward();
        self.step();
    }

    /// Sets every parameter's gradient to zero.
    pub fn zero_grad(&mut self) {
        for slot in &self.slots {
            let mut gradient = slot.parameter.grad();
            if gradient.defined() {
                let _ = gradient.detach_().zero_();
            }
        }
    }

    /// One update from the current gradients (parameters without a gradient are skipped).
    pub fn step(&mut self) {
        self.steps += 1;
        let (lr, wd, steps) = (self.lr, self.weight_decay, self.steps);
        tch::no_grad(|| {
            for slot in &mut self.slots {
                let raw_gradient = slot.parameter.grad();
                if !raw_gradient.defined() {
                    continue;
                }
                let gradient = if wd != 0.0 {
                    &raw_gradient + &slot.parameter * wd
                } else {
                    raw_gradient
                };
                match self.rule {
                    // In place where torch.optim.Adam is, so that a step allocates two
                    // temporaries per parameter (g², the denominator) and not seven.
                    Rule::Adam { beta1, beta2 } => {
                        let first = slot
                            .first_moment
                            .as_mut()
                            .expect("Adam keeps a first moment");
                        // m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
                        let _ = first.lerp_(&gradient, 1.0 - beta1);
                        let _ = slot.second_moment.lerp_(&gradient.square(), 1.0 - beta2);
                        // θ ← θ − lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε), as
                        // θ ← θ + m / d with d = −(√v / √(1−β2^t) + ε) · (1−β1^t)/lr.
                        let correction1 = 1.0 - beta1.powi(steps as i32);
                        let correction2 = (1.0 - beta2.powi(steps as i32)).sqrt();
                        let mut denominator = slot.second_moment.sqrt();
                        let _ = denominator.g_div_scalar_(correction2);
                        let _ = denominator.g_add_scalar_(EPS);
                        let _ = denominator.g_mul_scalar_(-correction1 / lr);
                        let _ = slot.parameter.addcdiv_(first, &denominator);
                    }
                    Rule::RmsProp => {
                        // v ← α·v + (1−α)·g² ;  θ ← θ − lr · g / (√v + ε), as
                        // θ ← θ + g / d with d = −(√v + ε) / lr.
                        let _ = slot
                            .second_moment
                            .lerp_(&gradient.square(), 1.0 - RMSPROP_ALPHA);
                        let mut denominator = slot.second_moment.sqrt();
                        let _ = denominator.g_add_scalar_(EPS);
                        let _ = denominator.g_mul_scalar_(-1.0 / lr);
                        let _ = slot.parameter.addcdiv_(&gradient, &denominator);
                    }
                }
            }
        });
    }

    /// The state as named tensors (prefixed by `prefix`), for a checkpoint.
    pub fn state(&self, prefix: &str) -> Vec<(String, Tensor)> {
        let mut state = vec![(format!("{prefix}.steps"), Tensor::from(self.steps))];
        for slot in &self.slots {
            if let Some(first) = &slot.first_moment {
                state.push((
                    format!("{prefix}.first_moment.{}", slot.name),
                    first.shallow_clone(),
                ));
            }
            state.push((
                format!("{prefix}.second_moment.{}", slot.name),
                slot.second_moment.shallow_clone(),
            ));
        }
        state
    }

    /// Restores a state written by [`Optimizer::state`]; `find` looks a name up.
    pub fn load_state(
        &mut self,
        prefix: &str,
        find: &dyn Fn(&str) -> Option<Tensor>,
    ) -> Result<()> {
        let missing = |name: String| Error::bad_input(format!("checkpoint has no tensor `{name}`"));
        let steps_name = format!("{prefix}.steps");
        let steps = find(&steps_name).ok_or_else(|| missing(steps_name.clone()))?;
        self.steps = match (steps.numel(), steps.f_int64_value(&[])) {
            (1, Ok(steps)) if steps >= 0 => steps,
            _ => {
                return Err(Error::bad_input(format!(
                    "`{steps_name}` is not a step count"
                )))
            }
        };
        tch::no_grad(|| -> Result<()> {
            for slot in &mut self.slots {
                if let Some(first) = slot.first_moment.as_mut() {
                    let name = format!("{prefix}.first_moment.{}", slot.name);
                    let saved = find(&name).ok_or_else(|| missing(name.clone()))?;
                    copy_same_shape(first, &saved, &name)?;
                }
                let name = format!("{prefix}.second_moment.{}", slot.name);
                let saved = find(&name).ok_or_else(|| missing(name.clone()))?;
                copy_same_shape(&mut slot.second_moment, &saved, &name)?;
            }
            Ok(())
        })
    }
}

/// Copies `saved` into `moment`, refusing another shape (a copy would broadcast it).
fn copy_same_shape(moment: &mut Tensor, saved: &Tensor, name: &str) -> Result<()> {
    if saved.size() != moment.size() || saved.kind() != moment.kind() {
        return Err(Error::bad_input(format!(
            "`{name}` is {:?} {:?}, expected {:?} {:?}",
            saved.kind(),
            saved.size(),
            moment.kind(),
            moment.size()
        )));
    }
    moment.f_copy_(saved)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::OptimizerConfig;
    use tch::{nn, Device, Kind};

    /// A quadratic objective on a small linear layer, the same for both optimisers compared.
    fn objective(layer: &nn::Linear, x: &Tensor) -> Tensor {
        use tch::nn::Module;
        (layer.forward(x) - 0.3).square().mean(Kind::Float)
    }

    fn twin_stores() -> (VarStore, nn::Linear, VarStore, nn::Linear) {
        tch::manual_seed(1);
        let a = VarStore::new(Device::Cpu);
        let layer_a = nn::linear(a.root() / "l", 3, 2, Default::default());
        let mut b = VarStore::new(Device::Cpu);
        let layer_b = nn::linear(b.root() / "l", 3, 2, Default::default());
        b.copy(&a).unwrap();
        (a, layer_a, b, layer_b)
    }

    /// Our Adam and RMSProp take the same steps as libtorch's own (torch::optim) on the
    /// same gradients, weight decay included.
    #[test]
    fn matches_libtorch_optimizers() {
        let x = Tensor::randn([8, 3], (Kind::Float, Device::Cpu));
        for kind in [OptimizerKind::Adam, OptimizerKind::Rmsprop] {
            let (ours_store, ours_layer, theirs_store, theirs_layer) = twin_stores();
            let mut ours = Optimizer::new(&ours_store, kind, (0.5, 0.9), 1e-2, 1e-3);
            let mut theirs = match kind {
                OptimizerKind::Adam => nn::Adam {
                    beta1: 0.5,
                    beta2: 0.9,
                    wd: 1e-3,
                    ..Default::default()
                }
                .build(&theirs_store, 1e-2)
                .unwrap(),
                OptimizerKind::Rmsprop => nn::RmsProp {
                    wd: 1e-3,
                    ..Default::default()
                }
                .build(&theirs_store, 1e-2)
                .unwrap(),
            };
            for _ in 0..20 {
                ours.backward_step(&objective(&ours_layer, &x));
                theirs.backward_step(&objective(&theirs_layer, &x));
            }
            let difference = (&ours_layer.ws - &theirs_layer.ws)
                .abs()
                .max()
                .double_value(&[]);
            let moved = (&ours_layer.ws - &twin_stores().1.ws)
                .abs()
                .max()
                .double_value(&[]);
            assert!(
                difference < 1e-6,
                "{kind:?}: differs from libtorch by {difference}"
            );
            assert!(
                moved > 1e-2,
                "{kind:?}: the parameters must have moved ({moved})"
            );
        }
    }

    /// Saving the state and loading it into a fresh optimiser continues identically.
    #[test]
    fn state_round_trip_continues_identically() {
        let x = Tensor::randn([8, 3], (Kind::Float, Device::Cpu));
        let (store, layer, mut copy_store, copy_layer) = twin_stores();
        let mut first = Optimizer::new(&store, OptimizerKind::Adam, (0.5, 0.9), 1e-2, 0.0);
        for _ in 0..5 {
            first.backward_step(&objective(&layer, &x));
        }
        copy_store.copy(&store).unwrap();
        let state = first.state("opt");
        let mut second = Optimizer::new(&copy_store, OptimizerKind::Adam, (0.5, 0.9), 1e-2, 0.0);
        second
            .load_state("opt", &|name| {
                state.iter().find(|(n, _)| n == name).map(|(_, t)| t.copy())
            })
            .unwrap();
        for _ in 0..5 {
            first.backward_step(&objective(&layer, &x));
            second.backward_step(&objective(&copy_layer, &x));
        }
        assert!(layer.ws.equal(&copy_layer.ws), "resumed optimiser diverged");
    }
}
