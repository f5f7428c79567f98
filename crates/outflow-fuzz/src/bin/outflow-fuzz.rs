//! `outflow-fuzz`: `fuzz [TARGET…]` fuzzes targets (all when none is
//! named) for `OUTFLOW_FUZZ_SECONDS` each and exits 1 when an input
//! failed, listing the saved inputs; `run TARGET FILE…` runs files through
//! a target in this process (what the fuzz loop's child does, and how a
//! saved input is replayed); `list` names the targets.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_fuzz::runner::{FailureKind, Settings, fuzz, run_files};
use outflow_fuzz::targets::{TARGETS, target};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for t in TARGETS {
                println!("{:12} {}", t.name, t.about);
            }
            ExitCode::SUCCESS
        }
        Some("run") if args.len() >= 2 => {
            let Some(t) = target(&args[1]) else {
                eprintln!("unknown target {:?}", args[1]);
                return ExitCode::from(2);
            };
            let paths: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            match run_files(t, &paths) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Some("fuzz") => fuzz_targets(&args[1..]),
        _ => {
            eprintln!("usage: outflow-fuzz list | fuzz [TARGET…] | run TARGET FILE…");
            ExitCode::from(2)
        }
    }
}

fn fuzz_targets(names: &[String]) -> ExitCode {
    let settings = Settings::from_env();
    let chosen: Vec<_> = if names.is_empty() {
        TARGETS.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for name in names {
            match target(name) {
                Some(t) => chosen.push(t),
                None => {
                    eprintln!("unknown target {name:?}");
                    return ExitCode::from(2);
                }
            }
        }
        chosen
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "seed {}; {} s per target, {} s per input, {} MiB, inputs up to {} bytes",
        settings.seed,
        settings.seconds,
        settings.input_seconds,
        settings.memory_mb,
        settings.max_len
    );
    let mut failed = false;
    for t in chosen {
        match fuzz(&exe, t, &settings) {
            Ok(outcome) => {
                println!(
                    "{}: {} inputs ({} seeds), {} failure(s)",
                    outcome.target,
                    outcome.inputs,
                    outcome.seeds,
                    outcome.failures.len()
                );
                for failure in &outcome.failures {
                    let kind = match failure.kind {
                        FailureKind::Crash => "crash",
                        FailureKind::Hang => "hang",
                    };
                    println!(
                        "  {kind}: {} — replay: outflow-fuzz run {} {}",
                        failure.detail,
                        outcome.target,
                        failure.input.display()
                    );
                }
                failed |= !outcome.failures.is_empty();
            }
            Err(error) => {
                eprintln!("error: fuzzing {}: {error}", t.name);
                return ExitCode::from(2);
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
