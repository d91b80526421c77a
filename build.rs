//! Link-time set-up for binaries that use libtorch from the torch wheel:
//! an rpath to its folder (no LD_LIBRARY_PATH needed) and libtorch_cuda kept in NEEDED
//! (the linker's as-needed default drops it, since nothing calls it by name, and CUDA would
//! then never be available).
//!
//! Also passes `LSGAN_INCEPTION_WEIGHTS_DEFAULT` (written into `.cargo/config.toml` by
//! scripts/setup.sh: where the Inception-v3 weights for FID were installed) through to the
//! crate, where `metrics::inception` reads it with `option_env!`.
use std::path::Path;

/// The build-time default path of the Inception-v3 TorchScript file.
const INCEPTION_DEFAULT: &str = "LSGAN_INCEPTION_WEIGHTS_DEFAULT";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={INCEPTION_DEFAULT}");
    if let Ok(weights) = std::env::var(INCEPTION_DEFAULT) {
        println!("cargo:rustc-env={INCEPTION_DEFAULT}={weights}");
    }
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    if Path::new(&lib_dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
