//! Process-wide settings for libtorch's work on the CPU, made once at the start of `main`
//! while the process still has one thread: MKL's thread count fixed, and glibc's allocator
//! told to keep the memory a training iteration frees for the next one.

/// Fixes MKL's thread count and keeps freed memory in the process; call first in `main`.
pub fn configure() {
    fix_mkl_threads();
    keep_freed_memory();
}

/// MKL's dynamic threading may use fewer threads when the machine is busy, and another
/// thread count can change a matrix product's rounding. Fixing the count removes that source
/// of run-to-run differences on the CPU (unless the user sets `MKL_DYNAMIC`). Must run before
/// libtorch starts MKL.
fn fix_mkl_threads() {
    if std::env::var_os("MKL_DYNAMIC").is_none() {
        std::env::set_var("MKL_DYNAMIC", "FALSE");
    }
}

/// Largest block glibc serves from its heap instead of a fresh `mmap` (glibc's own ceiling).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 32 << 20;
/// Free memory at the top of the heap glibc keeps instead of handing back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD_BYTES: libc::c_int = 1 << 30;

/// A training iteration allocates and frees the same activation buffers every time: tens of
/// megabytes in blocks of 0.1–30 MB. glibc's defaults serve many of those with `mmap` and hand
/// the heap's top back to the kernel on `free`, so every iteration page-faults its buffers in
/// again, each page cleared by the kernel (about 2,000 faults per iteration on the ring,
/// 6,000 on DCGAN-MNIST: BENCHMARKS.md). Serving blocks up to glibc's ceiling from the heap and
/// keeping the freed top lets the next iteration reuse them. The cost: the process keeps its
/// peak memory until it exits, which a training run reaches in its first iterations anyway.
/// (PyTorch's tuning guide gives the same advice, as jemalloc or tcmalloc.) The environment
/// variables `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` still win when set.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let user_set = |name: &str| std::env::var_os(name).is_some();
        // SAFETY: mallopt only sets the allocator's parameters; called before other threads.
        unsafe {
            if !user_set("MALLOC_MMAP_THRESHOLD_") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
            }
            if !user_set("MALLOC_TRIM_THRESHOLD_") {
                libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
            }
        }
    }
}

/// libtorch's one random generator is shared by every thread of the process: a unit test that
/// seeds it or draws from it holds this lock meanwhile (through [`seeded`]), so that tests
/// running side by side never draw between another test's seed and its draws.
#[cfg(test)]
static GLOBAL_GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// For a unit test: holds libtorch's global random generator until the guard is dropped, and
/// seeds it with `seed`. Every test that draws from it takes the guard first, also one that
/// draws through code that seeds it itself (a training step, a classifier's training) or only
/// initialises a network; under it the test may seed again.
#[cfg(test)]
pub(crate) fn seeded(seed: i64) -> std::sync::MutexGuard<'static, ()> {
    let guard = GLOBAL_GENERATOR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    tch::manual_seed(seed);
    guard
}
