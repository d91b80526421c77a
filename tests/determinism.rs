//! Same seed, same numbers on CPU: two runs with one seed write identical metrics.jsonl
//! (but for the wall-clock `seconds`); a different seed gives a different trajectory.

mod common;

use lsgan::commands::train::train;
use lsgan::data::options::DataSource;
use lsgan::objectives::options::LossKind;
use lsgan::train::config::TrainConfig;
use lsgan::train::run::RunOptions;

fn metrics_log(seed: u64, out: &std::path::Path) -> String {
    let mut config = TrainConfig::defaults(LossKind::Lsgan, &DataSource::Ring);
    config.budget.iters = 60;
    config.outputs.log_every = 20;
    config.runtime.seed = seed;
    config.networks.gen_width = 64;
    config.networks.critic_width = 64;
    config.outputs.eval_samples = 500;
    train(
        config,
        out,
        RunOptions {
            force: false,
            verbose: false,
        },
    )
    .unwrap();
    common::metrics_log(out)
}

#[test]
fn one_seed_gives_identical_metrics_logs() {
    let dir = tempfile::tempdir().unwrap();
    let first = metrics_log(11, &dir.path().join("first"));
    let second = metrics_log(11, &dir.path().join("second"));
    assert_eq!(first.lines().count(), 3);
    assert_eq!(first, second);
    assert_ne!(first, metrics_log(12, &dir.path().join("other-seed")));
}
