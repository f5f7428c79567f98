//! `outflow deobfuscate FILE`: prints readable code with decoded strings
//! inlined, and a header saying what was undone and what could not be.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

/// Arguments of `outflow deobfuscate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The script to deobfuscate; `-` reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: String,

    /// Time the whole deobfuscation of the script may take (every sandbox
    /// run, round and decoded layer), in milliseconds.
    #[arg(long, default_value_t = outflow_deobfuscate::Options::default().sandbox_cpu_time.as_millis() as u64)]
    pub sandbox_time_ms: u64,

    /// Heap the sandbox may use, in MiB.
    #[arg(long, default_value_t = outflow_deobfuscate::Options::default().sandbox_memory_bytes / (1024 * 1024))]
    pub sandbox_memory_mib: usize,

    /// Rewriting rounds.
    #[arg(long, default_value_t = outflow_deobfuscate::Options::default().max_rounds)]
    pub max_rounds: u32,

    /// Layers of packed code (eval, Function, document.write) decoded and
    /// printed after the script.
    #[arg(long, default_value_t = outflow_deobfuscate::Options::default().max_decoded_layers)]
    pub max_decoded_layers: u32,
}

/// Runs `outflow deobfuscate` (see [`outflow_deobfuscate::deobfuscate_input`]).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = outflow_deobfuscate::Options {
        sandbox_cpu_time: Duration::from_millis(args.sandbox_time_ms),
        sandbox_memory_bytes: args.sandbox_memory_mib.saturating_mul(1024 * 1024),
        max_rounds: args.max_rounds,
        max_decoded_layers: args.max_decoded_layers,
        ..outflow_deobfuscate::Options::default()
    };
    let text = outflow_deobfuscate::deobfuscate_input(&args.input, &options)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the output")?;
    Ok(ExitCode::SUCCESS)
}
