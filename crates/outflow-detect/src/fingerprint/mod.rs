//! What the fingerprinting, session-recording and identity-SDK rules share:
//! one view of each script's API use from its code and from the visit
//! ([`script_apis`]), lexical facts from its text ([`source_text`]), the
//! data they judge by (font names, attribute weights, product signatures)
//! and the shape of their conclusions ([`verdict`]).

pub mod fonts;
pub mod script_apis;
pub mod signatures;
pub mod source_text;
pub mod verdict;
pub mod weights;

pub use script_apis::{ScriptApis, script_apis};
pub use verdict::{Verdict, technique_findings};
