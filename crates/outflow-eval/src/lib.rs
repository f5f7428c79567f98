//! outflow's accuracy, measured: runs the detection rules over a labelled
//! corpus (files and packages, each with the rules it must and must not
//! trigger) and counts, per rule, true and false positives and negatives.
//!
//! The corpus is described by a labels file ([`Labels`], TOML); each sample
//! is analysed like `outflow js` does (`outflow_pipeline::report_files`),
//! and a rule "flags" a sample when one of its findings reaches the labels'
//! `min_severity`. [`evaluate`] returns an [`Evaluation`] with a
//! [`RuleMatrix`] per rule; [`Evaluation::render`] prints it; [`run`] is
//! `outflow eval` (load, evaluate, render, judge the targets).
//!
//! ```text
//! min_severity = "medium"
//!
//! [[sample]]
//! name = "fingerprintjs"
//! path = "npm/node_modules/@fingerprintjs/fingerprintjs/dist/fp.js"
//! role = "positive"
//! expected = ["canvas-fingerprinting", "audio-fingerprinting"]
//! not_expected = ["webrtc-ip-discovery"]
//! ```

mod error;
mod evaluate;
mod labels;
mod matrix;
mod render;
mod run;

pub use error::EvalError;
pub use evaluate::{Evaluation, SampleResult, evaluate};
pub use labels::{Labels, Role, Sample};
pub use matrix::RuleMatrix;
pub use run::{EvalFormat, EvalRun, run};
