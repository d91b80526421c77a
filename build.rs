//! Link-time set-up for binaries that use libtorch from the torch wheel:
//! an rpath to its folder (no LD_LIBRARY_PATH needed) and libtorch_cuda kept in NEEDED
//! (the linker's as-needed default drops it, since nothing calls it by name, and CUDA would
//! then never be available).
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    if Path::new(&lib_dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
