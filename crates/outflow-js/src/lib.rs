//! Static analysis of JavaScript: what a script can reach and what it probes.
//!
//! For every script it reads (a file, standard input, an HTML page's inline
//! `<script>` blocks, strings of a JSON document, and code that a script
//! builds and runs with `eval`/`Function`/`document.write`), outflow-js
//! reports:
//!
//! - **endpoints**: URLs, hosts and addresses the code names, with the sink
//!   they flow into when visible, including those it computes from literals
//!   (with the evaluator of `outflow-js-value`, the one JavaScript value
//!   semantics it shares with the deobfuscator) and patterns with unknown
//!   parts;
//! - **API use** relevant to privacy, by technique ([`api_catalog`]);
//! - **obfuscation signals** and a 0–1 score ([`obfuscation`]).
//!
//! Entry points: [`analyze_script`] for one script's bytes,
//! [`analyze_document`] for a file of any supported kind, and
//! [`analyze_paths`] for files and directories in parallel.
//!
//! Hostile input is expected: scripts larger than
//! [`Options::max_script_bytes`] are skipped with a note, binary files (by magic number or
//! a high share of non-text bytes, never one NUL byte) are refused with an
//! "unreadable script" error, invalid UTF-8 is replaced, syntax errors are recovered from
//! ([`parse`]), expression nesting is bounded, and every static evaluation
//! runs under a step budget. Analysis runs on threads with a large stack
//! ([`ANALYSIS_STACK_BYTES`]) so that deep but legal nesting parses.

pub mod analyze;
pub mod api_catalog;
pub mod binary_content;
pub mod endpoint;
pub mod html;
pub mod input;
pub mod lexical;
pub mod line_index;
pub mod obfuscation;
pub mod parse;
pub mod script;

pub use input::{analyze_document, analyze_paths};
pub use script::analyze_script;

/// Runs `work` on a thread with [`ANALYSIS_STACK_BYTES`] of stack, so that
/// callers need not know how deep hostile input nests: the deobfuscator's
/// large-stack runner, which falls back to the current thread if no thread
/// can be started.
pub(crate) fn on_analysis_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    outflow_deobfuscate::nesting::on_large_stack(work)
}

/// Stack reserved for each analysis thread. Parsing recurses once per
/// nesting level of the source; this leaves room for tens of thousands of
/// levels in debug builds. Untouched stack costs no memory. The same
/// stack as the deobfuscator's, whose runner the analysis uses.
pub const ANALYSIS_STACK_BYTES: usize = outflow_deobfuscate::nesting::STACK_BYTES;

/// Limits and switches of an analysis.
#[derive(Debug, Clone)]
pub struct Options {
    /// Scripts larger than this are skipped with a note.
    pub max_script_bytes: usize,
    /// How many layers of code built at run time (`eval(atob(…))` inside
    /// `eval(…)`) are decoded and analysed.
    pub max_decoded_depth: u32,
    /// How many files a directory walk reads at most.
    pub max_files: usize,
    /// Deobfuscation before analysis, with its sandbox limits; `None`
    /// analyses the code as written.
    pub deobfuscation: Option<outflow_deobfuscate::Options>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_script_bytes: 64 << 20,
            max_decoded_depth: 4,
            max_files: 200_000,
            deobfuscation: Some(outflow_deobfuscate::Options::default()),
        }
    }
}
