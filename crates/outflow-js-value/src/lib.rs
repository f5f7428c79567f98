//! JavaScript's number conversions, shared by analysis and deobfuscation.
//!
//! `outflow-js` depends on `outflow-deobfuscate` (it deobfuscates before it
//! walks), and both fold constant expressions: this crate sits below both,
//! so that neither owns the other's semantics and a number printed by the
//! deobfuscator into a rewritten literal is the number the analysis reads
//! back. It holds only conversions that have one correct answer in the
//! specification; each crate's value type and evaluator stay with the
//! questions it asks (literals to write back, strings with unknown parts).
//!
//! The algorithms come from `oxc_ecmascript` (ToInt32, StringToNumber) and
//! `oxc_syntax` (Number::toString digits), which the parser's own crates
//! already build; what is written here are the edges they leave to callers.

mod number;

pub use number::{exponentiate, number_to_string, string_to_number, to_int32, to_uint32};
