//! `lsgan config`: the configuration `lsgan train` runs with the same options — the loss's
//! defaults on the data, then a file, then the flags — resolved and printed as TOML without
//! training. The keys are those of a run folder's `config.toml`, so the output can be edited
//! and passed back with `--config`.

use std::path::PathBuf;

use crate::error::Result;
use crate::train::config::TrainConfig;
use crate::train::flags::ConfigFlags;

/// `lsgan config`'s options: those of `lsgan train` that decide the configuration.
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Read options from this TOML file (flags override it; a run's config.toml works; the
    /// defaults of the loss on the data lie underneath).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub options: ConfigFlags,
}

/// `lsgan config`: prints the resolved configuration on stdout.
pub fn config_command(args: ConfigArgs) -> Result<()> {
    let config = TrainConfig::resolve(args.config.as_deref(), &args.options, &toml::Table::new())?;
    print!("{}", config.to_toml());
    Ok(())
}
