//! Mixed precision (`--precision bf16`): each network's forward pass runs under libtorch's
//! autocast, which casts the inputs of matrix products and convolutions to bfloat16 (the
//! elementwise ops and norms after them then run in bfloat16 too, except those autocast keeps
//! in float32: on CUDA layer norm and softplus among them), and hands its output back in
//! float32. Weights, their gradients, the optimisers' state, the objectives and the gradient
//! penalty's input stay float32; the casts of the weights are in the autograd graph, so the
//! gradients that reach the float32 weights have passed through the bfloat16 arithmetic.
//! bfloat16 keeps float32's exponent range, so no loss scaling is needed.
//!
//! tch 0.24 wraps only autocast's deprecated switch, which turns on float16 on CUDA and nothing
//! on the CPU, so the four functions that read and choose the device and the type are declared
//! here from libtorch's C++ API, under the names the C++ compiler gives them in libtorch 2.11.0
//! (the version lsgan pins; another version without them fails to link).

use tch::{Device, Kind, Tensor};

use crate::train::options::Precision;

/// libtorch's `at::autocast` functions; `c10::DeviceType` and `c10::ScalarType` are 8-bit
/// enums.
mod autocast_api {
    extern "C" {
        #[link_name = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE"]
        pub fn is_autocast_enabled(device_type: i8) -> bool;
        #[link_name = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb"]
        pub fn set_autocast_enabled(device_type: i8, enabled: bool);
        #[link_name = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE"]
        pub fn get_autocast_dtype(device_type: i8) -> i8;
        #[link_name = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE"]
        pub fn set_autocast_dtype(device_type: i8, dtype: i8);
    }
}

/// `c10::DeviceType::CPU` and `CUDA`.
const DEVICE_TYPE_CPU: i8 = 0;
const DEVICE_TYPE_CUDA: i8 = 1;
/// `c10::ScalarType::BFloat16`.
const SCALAR_TYPE_BFLOAT16: i8 = 15;

/// Runs `forward`, one network's forward pass on `device`, in `precision`; its output is
/// float32 either way.
pub fn forward_in(
    precision: Precision,
    device: Device,
    forward: impl FnOnce() -> Tensor,
) -> Tensor {
    match precision {
        Precision::Fp32 => forward(),
        Precision::Bf16 => {
            let _autocast = Autocast::bfloat16(device);
            forward().to_kind(Kind::Float)
        }
    }
}

/// A warning when `precision` runs far slower than fp32 on `device`: bf16 on a CPU without
/// bfloat16 instructions (AVX512-BF16, which every CPU with AMX also has), where libtorch
/// falls back to scalar loops (20–30 times slower than fp32 here: BENCHMARKS.md).
pub fn slow_on_this_machine(precision: Precision, device: Device) -> Option<String> {
    let cpu_has_bf16 = {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512bf16")
        }
        // Elsewhere lsgan cannot tell; no warning.
        #[cfg(not(target_arch = "x86_64"))]
        {
            true
        }
    };
    (precision == Precision::Bf16 && device == Device::Cpu && !cpu_has_bf16).then(|| {
        "--precision bf16 on a CPU without bfloat16 instructions (AVX512-BF16/AMX): libtorch \
         computes bfloat16 products in plain loops, 20-30 times slower than fp32; bf16 pays \
         on a GPU or a CPU that has them"
            .to_string()
    })
}

/// bfloat16 autocast on one device type while alive; dropping it restores what was there
/// and, leaving the outermost one, empties autocast's cache of cast weights (the weights
/// change at the next optimiser step).
struct Autocast {
    device_type: i8,
    was_enabled: bool,
    previous_dtype: i8,
}

impl Autocast {
    fn bfloat16(device: Device) -> Self {
        let device_type = match device {
            Device::Cuda(_) => DEVICE_TYPE_CUDA,
            _ => DEVICE_TYPE_CPU,
        };
        // SAFETY: these set and read thread-local state in libtorch and cannot fail.
        unsafe {
            let autocast = Autocast {
                device_type,
                was_enabled: autocast_api::is_autocast_enabled(device_type),
                previous_dtype: autocast_api::get_autocast_dtype(device_type),
            };
            autocast_api::set_autocast_dtype(device_type, SCALAR_TYPE_BFLOAT16);
            autocast_api::set_autocast_enabled(device_type, true);
            torch_sys::at_autocast_increment_nesting();
            autocast
        }
    }
}

impl Drop for Autocast {
    fn drop(&mut self) {
        // SAFETY: as in `bfloat16`.
        unsafe {
            if torch_sys::at_autocast_decrement_nesting() == 0 {
                torch_sys::at_autocast_clear_cache();
            }
            autocast_api::set_autocast_enabled(self.device_type, self.was_enabled);
            autocast_api::set_autocast_dtype(self.device_type, self.previous_dtype);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use tch::nn::{self, Module};

    #[test]
    fn bf16_computes_products_in_bfloat16_and_returns_float32() {
        let _rng = seeded(0);
        let store = nn::VarStore::new(Device::Cpu);
        let layer = nn::linear(store.root(), 3, 2, Default::default());
        let x = Tensor::randn([4, 3], (Kind::Float, Device::Cpu));
        let mut inner_kind = None;
        let out = forward_in(Precision::Bf16, Device::Cpu, || {
            let y = layer.forward(&x);
            inner_kind = Some(y.kind());
            y
        });
        assert_eq!(inner_kind, Some(Kind::BFloat16));
        assert_eq!(out.kind(), Kind::Float);
        // Autocast is off again afterwards, and fp32 does not touch it.
        assert_eq!(layer.forward(&x).kind(), Kind::Float);
        let plain = forward_in(Precision::Fp32, Device::Cpu, || layer.forward(&x));
        assert_eq!(plain, layer.forward(&x));
        // bfloat16 keeps 8 significant bits: the products agree to about 1%.
        let relative =
            (&out - &plain).abs().max().double_value(&[]) / plain.abs().max().double_value(&[]);
        assert!(
            relative > 0.0 && relative < 2e-2,
            "relative difference {relative}"
        );
    }

    #[test]
    fn bf16_gradients_reach_the_float32_weights() {
        let _rng = seeded(0);
        let store = nn::VarStore::new(Device::Cpu);
        let layer = nn::linear(store.root(), 8, 1, Default::default());
        let x = Tensor::randn([16, 8], (Kind::Float, Device::Cpu));
        let gradient = |precision| {
            let mut weights = layer.ws.shallow_clone();
            weights.zero_grad();
            forward_in(precision, Device::Cpu, || layer.forward(&x))
                .pow_tensor_scalar(2)
                .mean(Kind::Float)
                .backward();
            layer.ws.grad().copy()
        };
        let exact = gradient(Precision::Fp32);
        let mixed = gradient(Precision::Bf16);
        assert_eq!(mixed.kind(), Kind::Float);
        let cosine = (&exact * &mixed).sum(Kind::Float).double_value(&[])
            / (exact.norm().double_value(&[]) * mixed.norm().double_value(&[]));
        assert!(cosine > 0.999, "cosine {cosine}");
        assert_ne!(exact, mixed, "the mixed gradient went through bfloat16");
    }
}
