//! The command-line flags of every option: [`SectionFlags`], derived from the sections'
//! fields (each section's clap `Args`), kept as parsed so that [`TrainConfig::resolve`]
//! writes only the flags given over the file and the defaults. `--help` shows them under
//! their sections' headings, each with its default (or that it depends on the loss and
//! the data: `lsgan config` prints the resolved configuration).

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, FromArgMatches};

use crate::data::options::DataOptions;
use crate::nets::options::NetworkOptions;
use crate::objectives::options::ObjectiveOptions;
use crate::train::config::TrainConfig;
use crate::train::defaults::{default_of, DefaultValue};
use crate::train::options::{BudgetOptions, OptimiserOptions, OutputOptions, RuntimeOptions};

/// The command-line flags of the options, derived from the sections' fields (clap's `Args`
/// on each section, none of them required), kept as parsed so that only the flags given
/// override the file and the defaults ([`TrainConfig::resolve`]). `ONE_STEP` leaves out the
/// sections one training step does not depend on: the data (a benchmark's workload fixes
/// it) and the budget (`lsgan bench --iters` counts timed iterations).
#[derive(Clone, Debug, Default)]
pub struct SectionFlags<const ONE_STEP: bool> {
    matches: Option<ArgMatches>,
}

/// The flags of every option (`train`, `compare`).
pub type ConfigFlags = SectionFlags<false>;
/// The flags of the options one training step depends on (`bench`).
pub type StepFlags = SectionFlags<true>;

impl<const ONE_STEP: bool> FromArgMatches for SectionFlags<ONE_STEP> {
    fn from_arg_matches(matches: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        Ok(SectionFlags {
            matches: Some(matches.clone()),
        })
    }

    fn update_from_arg_matches(
        &mut self,
        matches: &ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.matches = Some(matches.clone());
        Ok(())
    }
}

impl<const ONE_STEP: bool> Args for SectionFlags<ONE_STEP> {
    /// Adds the sections' flags, none of them required (every option has a default
    /// underneath: a flag only overrides it).
    fn augment_args(command: clap::Command) -> clap::Command {
        let before: Vec<clap::Id> = command
            .get_arguments()
            .map(|a| a.get_id().clone())
            .collect();
        let mut command = command;
        if !ONE_STEP {
            command = DataOptions::augment_args(command.next_help_heading("Data"));
            command = BudgetOptions::augment_args(command.next_help_heading("Budget"));
        }
        command = ObjectiveOptions::augment_args(command.next_help_heading("Objective"));
        command = NetworkOptions::augment_args(command.next_help_heading("Networks"));
        command = OptimiserOptions::augment_args(command.next_help_heading("Optimiser"));
        command = OutputOptions::augment_args(command.next_help_heading("Outputs"));
        command = RuntimeOptions::augment_args(command.next_help_heading("Runtime"));
        // The flags after these belong under the command's own heading again.
        command.next_help_heading(None::<&str>).mut_args(|arg| {
            if before.contains(arg.get_id()) {
                arg
            } else {
                with_default_in_help(arg.required(false))
            }
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// `arg` with its default at the end of its help: the value every loss on every data
/// starts from, or that it depends on them (with LS-GAN's on the ring, what `lsgan train`
/// runs).
fn with_default_in_help(arg: clap::Arg) -> clap::Arg {
    if arg
        .get_help()
        .is_some_and(|help| help.to_string().contains("[default:"))
    {
        return arg;
    }
    let key = arg.get_id().as_str().to_owned();
    let default = match default_of(&key) {
        DefaultValue::Shared(value) => format!("[default: {value}]"),
        DefaultValue::Depends { demo } => format!(
            "[default: depends on --loss and --data (LS-GAN on the ring: {demo}); `lsgan config` \
             prints it]"
        ),
    };
    let short = arg.get_help().map(|help| format!("{help} {default}"));
    let long = arg.get_long_help().map(|help| format!("{help} {default}"));
    let arg = arg.help(short.unwrap_or(default));
    match long {
        Some(long) => arg.long_help(long),
        None => arg,
    }
}

impl<const ONE_STEP: bool> SectionFlags<ONE_STEP> {
    /// Whether the flag of `key` (a field name) was given.
    pub fn has(&self, key: &str) -> bool {
        self.matches.as_ref().is_some_and(|m| {
            m.try_get_raw(key).is_ok() && m.value_source(key) == Some(ValueSource::CommandLine)
        })
    }

    /// The value given for `key`'s flag, typed.
    pub(super) fn get<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let matches = self.matches.as_ref()?;
        matches.try_get_one::<T>(key).ok().flatten().cloned()
    }

    /// `config` with every flag given written over it.
    pub(super) fn apply(&self, config: &mut TrainConfig) -> std::result::Result<(), clap::Error> {
        let Some(matches) = &self.matches else {
            return Ok(());
        };
        if !ONE_STEP {
            config.data.update_from_arg_matches(matches)?;
            config.budget.update_from_arg_matches(matches)?;
        }
        config.objective.update_from_arg_matches(matches)?;
        config.networks.update_from_arg_matches(matches)?;
        config.optimiser.update_from_arg_matches(matches)?;
        config.outputs.update_from_arg_matches(matches)?;
        config.runtime.update_from_arg_matches(matches)
    }
}
