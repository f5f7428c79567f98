//! `outflow verify DIR`: re-checks an evidence bundle offline (see
//! [`outflow_bundle::verify`]).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `outflow verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle folder (written by `outflow scan --out DIR` or
    /// `outflow har --out DIR`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs `outflow verify`: exit 0 when the reports stand, 1 when a file or a
/// finding disagrees, 2 when the bundle cannot be read at all.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let verification = outflow_bundle::verify(&args.dir, env!("CARGO_PKG_VERSION"))?;
    print!("{verification}");
    Ok(if verification.stands() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
