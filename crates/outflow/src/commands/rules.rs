//! `outflow rules`: the detection rules and their documentation.

use std::process::ExitCode;

/// Arguments of `outflow rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule's slug: print its documentation. Without it, list the rules.
    #[arg(value_name = "SLUG")]
    pub slug: Option<String>,
}

/// Runs `outflow rules` (see [`outflow_detect::rules_text`]). Exits 2 for
/// an unknown slug.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match outflow_detect::rules_text(args.slug.as_deref()) {
        Some(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "error: no rule named {:?}; `outflow rules` lists them",
                args.slug.unwrap_or_default()
            );
            Ok(ExitCode::from(2))
        }
    }
}
