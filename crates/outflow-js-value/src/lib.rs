//! One JavaScript value semantics for outflow's analysis and deobfuscation.
//!
//! `outflow-js` depends on `outflow-deobfuscate` (it deobfuscates before it
//! walks), and both fold constant expressions: this crate sits below both,
//! so that `"b" > "a"`, `[] == 0`, `parseInt("0x1f")` or a number printed
//! into a rewritten literal mean the same in both, and the same as in node.
//!
//! - [`value`]: the [`Value`] type (strings possibly known only in part)
//!   and the specification's coercions and equalities;
//! - [`number`]: Number ↔ string and the 32-bit integer views;
//! - [`builtins`]: the global functions and string, array and number
//!   methods that scripts use to hide strings;
//! - [`evaluate`]: the [`Evaluator`] of literals, operators and calls,
//!   approximate for analysis or exact for rewriting, over an
//!   [`Environment`] that says what names stand for;
//! - [`bindings`]: the scope-resolved table of constant bindings, the
//!   analysis' environment;
//! - [`steps`]: which transformations an evaluation went through.
//!
//! The number algorithms come from `oxc_ecmascript` (ToInt32,
//! StringToNumber) and `oxc_syntax` (Number::toString digits); scopes are
//! oxc's. `oxc_ecmascript`'s own constant evaluator is not used: it answers
//! only fully known values, without the partly known strings the analysis
//! needs or the browser built-ins (`atob`, `String.fromCharCode`) that hide
//! endpoints.

pub mod bindings;
pub mod builtins;
pub mod evaluate;
pub mod number;
pub mod steps;
pub mod value;

pub use bindings::{Binding, Bindings, ScopeIndex, ScopeTracker};
pub use evaluate::{Environment, Evaluation, Evaluator, Literals, Lookup};
pub use number::{exponentiate, number_to_string, string_to_number, to_int32, to_uint32};
pub use steps::{Step, Steps};
pub use value::{PartialString, Piece, Value};
