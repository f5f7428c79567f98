//! `outflow deobfuscate FILE`: prints readable code with decoded strings
//! inlined, and a header saying what was undone and what could not be.

use std::io::{Read, Write};
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

/// Runs `outflow deobfuscate`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let source = if args.input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        text
    } else {
        let bytes =
            std::fs::read(&args.input).with_context(|| format!("reading {}", args.input))?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let options = outflow_deobfuscate::Options {
        sandbox_cpu_time: Duration::from_millis(args.sandbox_time_ms),
        sandbox_memory_bytes: args.sandbox_memory_mib.saturating_mul(1024 * 1024),
        max_rounds: args.max_rounds,
        max_decoded_layers: args.max_decoded_layers,
        ..outflow_deobfuscate::Options::default()
    };
    let (code, outcome) = outflow_deobfuscate::deobfuscate_source(&source, &options);
    let mut header = String::from("// outflow deobfuscate\n");
    if outcome.undone.is_empty() {
        header.push_str("// undone: nothing (no obfuscation shape recognised)\n");
    }
    for undone in &outcome.undone {
        header.push_str(&format!("// undone: {undone}\n"));
    }
    header.push_str(&format!(
        "// recovered values: {}\n",
        outcome.recovered.len()
    ));
    for note in &outcome.notes {
        header.push_str(&format!("// note: {note}\n"));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(header.as_bytes())
        .context("writing the output")?;
    stdout
        .write_all(code.as_bytes())
        .context("writing the output")?;
    if !code.ends_with('\n') {
        stdout.write_all(b"\n").context("writing the output")?;
    }
    Ok(ExitCode::SUCCESS)
}
