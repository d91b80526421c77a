//! Adam and RMSProp written with tensor operations, step for step as `torch.optim` writes
//! them, so that their state (moments, step count) can be saved in a checkpoint and a resumed
//! run continues with exactly the numbers an uninterrupted run would have. tch's own
//! optimisers keep their state inside libtorch with no way to read or restore it.
//!
//! The parameters of a store, their gradients and their moments each live end to end in one
//! flat buffer, the store's variables being views into it: an update is then a handful of
//! kernels over one buffer and not ten per parameter tensor, which is what a step costs on a
//! GPU, where launches dominate at these sizes (BENCHMARKS.md). `torch.optim.Adam`'s
//! multi-tensor path gets the same from `_foreach_*` kernels, which tch does not expose.
//! Parameters are ordered by name, so the state's order never depends on hash order.

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};

/// Optimiser for both networks.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    Adam,
    Rmsprop,
}

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

/// One trainable parameter and where it lies in the flat buffers.
struct Slot {
    name: String,
    /// The store's variable, a view into [`Optimizer::parameters`].
    parameter: Tensor,
    offset: i64,
    numel: i64,
    shape: Vec<i64>,
}

impl Slot {
    /// This parameter's part of a flat buffer, in its own shape.
    fn view_of(&self, flat: &Tensor) -> Tensor {
        flat.narrow(0, self.offset, self.numel)
            .view(self.shape.as_slice())
    }
}

/// An optimiser over the trainable variables of one [`VarStore`].
pub struct Optimizer {
    rule: Rule,
    slots: Vec<Slot>,
    /// Every parameter, end to end.
    parameters: Tensor,
    /// Every parameter's gradient, end to end: each parameter's `.grad` is a view into it,
    /// which backpropagation accumulates into in place.
    gradients: Tensor,
    /// Adam's first moment (absent for RMSProp).
    first_moment: Option<Tensor>,
    /// Adam's second moment, RMSProp's square average.
    second_moment: Tensor,
    /// L2 weight decay added to the gradient (torch's `weight_decay`).
    weight_decay: f64,
    pub lr: f64,
    /// Updates done (Adam's bias correction uses it).
    steps: i64,
}

impl Optimizer {
    /// An optimiser for the trainable variables of `store`, which from now on are views
    /// into the optimiser's flat parameter buffer (their values are kept).
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
        let kind = variables.first().map_or(Kind::Float, |(_, t)| t.kind());
        let mut offset = 0;
        let slots: Vec<Slot> = variables
            .into_iter()
            .map(|(name, parameter)| {
                assert_eq!(
                    parameter.kind(),
                    kind,
                    "{name}: one type for all parameters"
                );
                let numel = parameter.numel() as i64;
                offset += numel;
                Slot {
                    name,
                    shape: parameter.size(),
                    parameter,
                    offset: offset - numel,
                    numel,
                }
            })
            .collect();
        let zeros = || Tensor::zeros([offset], (kind, store.device()));
        let parameters = zeros();
        let gradients = zeros();
        tch::no_grad(|| {
            for slot in &slots {
                let mut view = slot.view_of(&parameters);
                view.copy_(&slot.parameter);
                slot.parameter.shallow_clone().set_data(&view);
            }
        });
        let optimizer = Optimizer {
            rule,
            first_moment: matches!(rule, Rule::Adam { .. }).then(zeros),
            second_moment: zeros(),
            gradients,
            parameters,
            slots,
            weight_decay: wd,
            lr,
            steps: 0,
        };
        optimizer.attach_gradients();
        optimizer
    }

    /// Points every parameter's `.grad` at its part of [`Optimizer::gradients`], copying in
    /// whatever gradient it holds, unless it points there already. Backpropagation without
    /// `create_graph` adds into a defined `.grad` in place, so once attached they stay so;
    /// a backward that replaced one (one with `create_graph`, say) is caught here.
    fn attach_gradients(&self) {
        // Where each slot's part of the buffer starts, from its offset: no tensor call per slot.
        let base = self.gradients.data_ptr() as usize;
        let element = self.gradients.kind().elt_size_in_bytes();
        let detached: Vec<&Slot> = self
            .slots
            .iter()
            .filter(|slot| {
                let gradient = slot.parameter.grad();
                !gradient.defined()
                    || gradient.data_ptr() as usize != base + slot.offset as usize * element
            })
            .collect();
        if detached.is_empty() {
            return;
        }
        // A `.grad` can only be re-pointed once it exists: one backward of 0·Σθ makes the
        // missing ones (zeros) and adds nothing to the others.
        let missing: Vec<&&Slot> = detached
            .iter()
            .filter(|slot| !slot.parameter.grad().defined())
            .collect();
        if !missing.is_empty() {
            let nothing = missing
                .iter()
                .map(|slot| slot.parameter.sum(slot.parameter.kind()) * 0.0)
                .fold(
                    Tensor::zeros([], (self.parameters.kind(), self.parameters.device())),
                    |a, b| a + b,
                );
            nothing.backward();
        }
        tch::no_grad(|| {
            for slot in detached {
                let mut view = slot.view_of(&self.gradients);
                view.copy_(&slot.parameter.grad());
                slot.parameter.grad().set_data(&view);
            }
        });
    }

    /// Zeroes the gradients, backpropagates `objective` and applies one update.
    pub fn backward_step(&mut self, objective: &Tensor) {
        self.zero_grad();
        objective.backward();
        self.step();
    }

    /// Sets every parameter's gradient to zero.
    pub fn zero_grad(&mut self) {
        self.attach_gradients();
        let _ = self.gradients.zero_();
    }

    /// One update of every parameter from the current gradients.
    pub fn step(&mut self) {
        self.attach_gradients();
        self.steps += 1;
        let (lr, wd, steps) = (self.lr, self.weight_decay, self.steps);
        tch::no_grad(|| {
            let decayed;
            let gradient = if wd != 0.0 {
                decayed = &self.gradients + &self.parameters * wd;
                &decayed
            } else {
                &self.gradients
            };
            match self.rule {
                // In place where torch.optim.Adam is: a step allocates two temporaries
                // (g², the denominator).
                Rule::Adam { beta1, beta2 } => {
                    let first = self
                        .first_moment
                        .as_mut()
                        .expect("Adam keeps a first moment");
                    // m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
                    let _ = first.lerp_(gradient, 1.0 - beta1);
                    let _ = self.second_moment.lerp_(&gradient.square(), 1.0 - beta2);
                    // θ ← θ − lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε), as
                    // θ ← θ + m / d with d = −(√v / √(1−β2^t) + ε) · (1−β1^t)/lr.
                    let correction1 = 1.0 - beta1.powi(steps as i32);
                    let correction2 = (1.0 - beta2.powi(steps as i32)).sqrt();
                    let mut denominator = self.second_moment.sqrt();
                    let _ = denominator.g_div_scalar_(correction2);
                    let _ = denominator.g_add_scalar_(EPS);
                    let _ = denominator.g_mul_scalar_(-correction1 / lr);
                    let _ = self.parameters.addcdiv_(first, &denominator);
                }
                Rule::RmsProp => {
                    // v ← α·v + (1−α)·g² ;  θ ← θ − lr · g / (√v + ε), as
                    // θ ← θ + g / d with d = −(√v + ε) / lr.
                    let _ = self
                        .second_moment
                        .lerp_(&gradient.square(), 1.0 - RMSPROP_ALPHA);
                    let mut denominator = self.second_moment.sqrt();
                    let _ = denominator.g_add_scalar_(EPS);
                    let _ = denominator.g_mul_scalar_(-1.0 / lr);
                    let _ = self.parameters.addcdiv_(gradient, &denominator);
                }
            }
        });
    }

    /// The state as named tensors (prefixed by `prefix`), for a checkpoint: per parameter,
    /// as before the buffers were flat, so checkpoints read the same.
    pub fn state(&self, prefix: &str) -> Vec<(String, Tensor)> {
        let mut state = vec![(format!("{prefix}.steps"), Tensor::from(self.steps))];
        for slot in &self.slots {
            if let Some(first) = &self.first_moment {
                state.push((
                    format!("{prefix}.first_moment.{}", slot.name),
                    slot.view_of(first),
                ));
            }
            state.push((
                format!("{prefix}.second_moment.{}", slot.name),
                slot.view_of(&self.second_moment),
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
            for slot in &self.slots {
                if let Some(first) = &self.first_moment {
                    let name = format!("{prefix}.first_moment.{}", slot.name);
                    let saved = find(&name).ok_or_else(|| missing(name.clone()))?;
                    copy_same_shape(&mut slot.view_of(first), &saved, &name)?;
                }
                let name = format!("{prefix}.second_moment.{}", slot.name);
                let saved = find(&name).ok_or_else(|| missing(name.clone()))?;
                copy_same_shape(&mut slot.view_of(&self.second_moment), &saved, &name)?;
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
    use crate::process::seeded;
    use tch::nn::OptimizerConfig;
    use tch::{nn, Device, Kind};

    /// A quadratic objective on a small linear layer, the same for both optimisers compared.
    fn objective(layer: &nn::Linear, x: &Tensor) -> Tensor {
        use tch::nn::Module;
        (layer.forward(x) - 0.3).square().mean(Kind::Float)
    }

    /// Fixed values of `shape` in about [−1, 1], drawn from no random generator.
    fn fixed(shape: &[i64], phase: f64) -> Tensor {
        let count: i64 = shape.iter().product();
        (Tensor::arange(count, (Kind::Float, Device::Cpu)) * 0.731 + phase)
            .sin()
            .view(shape)
    }

    /// Two stores holding the same small linear layer, with fixed initial weights.
    fn twin_stores() -> (VarStore, nn::Linear, VarStore, nn::Linear) {
        let a = VarStore::new(Device::Cpu);
        let layer_a = nn::linear(a.root() / "l", 3, 2, Default::default());
        tch::no_grad(|| {
            for (name, mut variable) in a.variables() {
                let phase = name.len() as f64;
                variable.copy_(&(fixed(&variable.size(), phase) * 0.5));
            }
        });
        let mut b = VarStore::new(Device::Cpu);
        let layer_b = nn::linear(b.root() / "l", 3, 2, Default::default());
        b.copy(&a).unwrap();
        (a, layer_a, b, layer_b)
    }

    /// Our Adam and RMSProp take the same steps as libtorch's own (torch::optim) on the
    /// same gradients, weight decay included.
    #[test]
    fn matches_libtorch_optimizers() {
        let _rng = seeded(0);
        let x = fixed(&[8, 3], 0.0);
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

    /// The store's variables keep their values, become views of the flat buffer (an update
    /// reaches the modules that hold them), and a `.grad` replaced by another tensor still
    /// drives the update.
    #[test]
    fn variables_become_views_of_the_flat_buffer() {
        let _rng = seeded(0);
        let x = fixed(&[8, 3], 0.0);
        let (store, layer, _, _) = twin_stores();
        let before = layer.ws.copy();
        let mut optimizer = Optimizer::new(&store, OptimizerKind::Adam, (0.5, 0.9), 1e-2, 0.0);
        assert!(layer.ws.equal(&before), "values kept");
        assert_eq!(optimizer.parameters.numel(), 3 * 2 + 2);
        for slot in &optimizer.slots {
            assert_eq!(
                slot.parameter.data_ptr(),
                slot.view_of(&optimizer.parameters).data_ptr(),
                "{}",
                slot.name
            );
        }
        // One step by plain backward; one where the gradient was replaced by a tensor of its
        // own, as autograd does when it accumulates with create_graph.
        optimizer.backward_step(&objective(&layer, &x));
        let after_one = layer.ws.copy();
        assert!(!after_one.equal(&before), "the layer's own tensor moved");
        optimizer.zero_grad();
        let expected = Tensor::randn([2, 3], (Kind::Float, Device::Cpu));
        layer.ws.grad().set_data(&expected.copy());
        optimizer.step();
        assert!(
            layer.ws.grad().equal(&expected),
            "the replaced gradient was copied in"
        );
        assert_eq!(
            layer.ws.grad().data_ptr(),
            optimizer.slots[1].view_of(&optimizer.gradients).data_ptr(),
            "re-attached"
        );
    }

    /// Saving the state and loading it into a fresh optimiser continues identically.
    #[test]
    fn state_round_trip_continues_identically() {
        let _rng = seeded(0);
        let x = fixed(&[8, 3], 0.0);
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
