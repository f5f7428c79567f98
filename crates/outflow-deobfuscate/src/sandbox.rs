//! The only place where a script's own code runs: QuickJS-ng (rquickjs) with
//! a CPU-time limit enforced by an interrupt handler (which also stops the
//! regex engine), a heap limit, a stack limit, and no host functions: no I/O,
//! no timers, no network, no module loader.

use std::time::{Duration, Instant};

use rquickjs::{Context, Runtime};

/// Why evaluation in the sandbox failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The engine could not be created.
    #[error("sandbox could not start: {0}")]
    Start(String),
    /// The CPU-time limit was reached (infinite loop, regex bomb, ...).
    #[error("sandbox time limit of {0:?} reached")]
    Timeout(Duration),
    /// The heap limit was reached.
    #[error("sandbox memory limit of {0} bytes reached")]
    OutOfMemory(usize),
    /// The stack limit was reached (deep recursion).
    #[error("sandbox stack limit reached (too much recursion)")]
    StackOverflow,
    /// The script threw, or returned something that is not a list of strings.
    #[error("script error in sandbox: {0}")]
    Script(String),
}

/// Limits of one sandbox run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time the engine may run before it is interrupted.
    pub cpu_time: Duration,
    /// Bytes the engine's heap may grow to.
    pub memory_bytes: usize,
    /// Bytes of native stack the engine may use.
    pub stack_bytes: usize,
}

/// Evaluates `code` as a classic script and converts its completion value,
/// which must be an array of strings or nulls.
pub fn eval_strings(code: &str, limits: Limits) -> Result<Vec<Option<String>>, SandboxError> {
    let runtime = Runtime::new().map_err(|e| SandboxError::Start(e.to_string()))?;
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(limits.stack_bytes);
    runtime.set_gc_threshold(limits.memory_bytes / 4);
    let started = Instant::now();
    let cpu_time = limits.cpu_time;
    runtime.set_interrupt_handler(Some(Box::new(move || started.elapsed() > cpu_time)));
    let context = Context::full(&runtime).map_err(|e| SandboxError::Start(e.to_string()))?;
    let result = context.with(|ctx| {
        let value: Result<Vec<Option<String>>, rquickjs::Error> =
            ctx.eval(code.as_bytes().to_vec());
        match value {
            Ok(v) => Ok(v),
            Err(rquickjs::Error::Exception) => {
                let thrown = ctx.catch();
                let message = thrown
                    .as_exception()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            e.message().unwrap_or_default(),
                            e.stack().unwrap_or_default()
                        )
                    })
                    .or_else(|| thrown.as_string().and_then(|s| s.to_string().ok()))
                    .unwrap_or_else(|| format!("{thrown:?}"));
                Err(message)
            }
            Err(other) => Err(other.to_string()),
        }
    });
    let elapsed = started.elapsed();
    result.map_err(|message| classify(&message, elapsed, limits))
}

fn classify(message: &str, elapsed: Duration, limits: Limits) -> SandboxError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("interrupted") || elapsed > limits.cpu_time {
        SandboxError::Timeout(limits.cpu_time)
    } else if lower.contains("out of memory") || lower.contains("allocation") {
        SandboxError::OutOfMemory(limits.memory_bytes)
    } else if lower.contains("stack overflow") || lower.contains("too much recursion") {
        SandboxError::StackOverflow
    } else {
        let mut short: String = message.chars().take(200).collect();
        if short.len() < message.len() {
            short.push('…');
        }
        SandboxError::Script(short)
    }
}

/// Writes `s` as a JavaScript string literal (double quotes, escapes for
/// quotes, backslashes, control and line-separator characters).
pub fn js_string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
