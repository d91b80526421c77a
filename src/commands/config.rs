//! `lsgan config`: the configuration `lsgan train` runs with the same options — the loss's
//! defaults on the data, then a file, then the flags — resolved and printed as TOML without
//! training. The keys are those of a run folder's `config.toml`, so the output can be edited
//! and passed back with `--config`; the shape of the data (a point's coordinates, the image
//! size and channels) is read from the data as `train` does, where the data can be read.

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
    let mut config =
        TrainConfig::resolve(args.config.as_deref(), &args.options, &toml::Table::new())?;
    match config.load_data(0) {
        Ok(data) => config.data = data.complete(config.data),
        Err(error) => eprintln!(
            "note: the data's shape stays 0 (the data's own) below, as the data cannot be read \
             here: {error}"
        ),
    }
    print!("{}", config.to_toml());
    Ok(())
}
