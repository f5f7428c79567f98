//! `outflow rules`: the detection rules and their documentation.

use std::process::ExitCode;

/// Arguments of `outflow rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule's slug: print its documentation. Without it, list the rules.
    #[arg(value_name = "SLUG")]
    pub slug: Option<String>,
}

/// Runs `outflow rules`. Exits 2 for an unknown slug.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.slug {
        None => {
            let width = outflow_detect::RULES
                .iter()
                .map(|r| r.slug().len())
                .max()
                .unwrap_or(0);
            for rule in outflow_detect::RULES {
                println!("{:<width$}  {}", rule.slug(), rule.summary());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(slug) => match outflow_detect::rule(&slug) {
            Some(rule) => {
                println!("{}", rule.documentation());
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("error: no rule named {slug:?}; `outflow rules` lists them");
                Ok(ExitCode::from(2))
            }
        },
    }
}
