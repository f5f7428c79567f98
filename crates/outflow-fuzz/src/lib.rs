//! Fuzzing outflow's readers of hostile input on stable Rust, without
//! nightly or a coverage-guided engine: [`runner::fuzz`] mutates seeds
//! taken from the repository's fixtures ([`mutate`]) and runs each input
//! through a target ([`targets::TARGETS`]: JavaScript analysis,
//! deobfuscation, HAR import, canary search, bundle verification) in a
//! child process with limits on memory (`RLIMIT_AS`) and CPU
//! (`RLIMIT_CPU`) and a wall-clock watchdog. A child that panics, aborts,
//! overflows its stack, runs out of memory or stops making progress is a
//! [`runner::Failure`], and the input that did it is saved for replay
//! (`outflow-fuzz run TARGET FILE`).
//!
//! Settings come from the environment ([`runner::Settings::from_env`]),
//! so the bounded run in the test suite and a long session use one code
//! path.

pub mod mutate;
pub mod runner;
pub mod targets;
