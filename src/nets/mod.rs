//! The networks: a generator G_φ(z) and a critic ("loss function") L_θ(x). Issue-3 scope is
//! the MLP pair for 2-D data (`mlp`).

pub mod mlp;

pub use mlp::{Mlp, MlpConfig};
