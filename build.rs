//! Link-time set-up for binaries that use libtorch from the cache scripts/setup.sh fills:
//! an rpath to its folder (no LD_LIBRARY_PATH needed) and, where the folder holds the CUDA
//! build, libtorch_cuda kept in NEEDED (the linker's as-needed default drops it, since nothing
//! calls it by name, and CUDA would then never be available). The CPU build has no
//! libtorch_cuda, and the binary then links libtorch's CPU libraries only.
//!
//! Also passes to the crate, for `option_env!`:
//! - `LSGAN_INCEPTION_WEIGHTS_DEFAULT` (written into `.cargo/config.toml` by scripts/setup.sh:
//!   where the Inception-v3 weights for FID were installed), read by `metrics::inception`;
//! - `LSGAN_LIBTORCH_BUILD`, `cpu` or `cuda` (`unknown` without libtorch): which libtorch the binary links, so that
//!   `--device cuda` on a CPU build says how to get the CUDA one.
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
        println!("cargo:rustc-env=LSGAN_LIBTORCH_BUILD=unknown");
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    let cuda = Path::new(&lib_dir).join("libtorch_cuda.so").exists();
    if cuda {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    let build = if cuda { "cuda" } else { "cpu" };
    println!("cargo:rustc-env=LSGAN_LIBTORCH_BUILD={build}");
}
