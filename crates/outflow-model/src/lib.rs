//! outflow's vocabulary, shared by every stage of the pipeline.
//!
//! The types here are plain data with serde: they know nothing of browsers,
//! JavaScript parsers or output formats. Field names are part of the JSON
//! schema ([`SCHEMA_VERSION`]); rename a field only with a schema bump.
//!
//! - [`location`]: where in a source something was found.
//! - [`document`]: a file given to `outflow js` and the scripts in it.
//! - [`script`]: what static analysis learns about one script (endpoints,
//!   privacy-relevant API use, obfuscation signals).
//! - [`attribution`]: who is behind a host, with sourced facts.
//! - [`capture`]: what a page did during one visit (browser or HAR).
//! - [`finding`]: what a detection rule concludes, with its evidence.
//! - [`report`]: the document every analysis ends with.
//! - [`page`]: what a visit showed besides its report (security headers,
//!   destinations by CSP directive), kept in the scan history.
//! - [`authorisation`]: what a policy says about a script.
//! - [`host`]: the one way a URL becomes a host.
//! - [`integrity`]: the `sha256-…` value pinning a recorded hash.
//! - [`scan_diff`]: what changed between two saved scans.

pub mod attribution;
pub mod authorisation;
pub mod capture;
pub mod document;
pub mod finding;
pub mod host;
pub mod integrity;
pub mod location;
pub mod page;
pub mod report;
pub mod scan_diff;
pub mod script;
pub mod timestamp;

pub use attribution::{
    Attribution, Entity, Flag, LegalNote, Network, Ownership, Party, SourcedFact,
};
pub use authorisation::{Authorisation, ScriptAuthority};
pub use capture::{
    ApiAccess, ApiCall, Body, Canary, CanaryKind, Capture, CaptureError, CaptureErrorKind,
    CaptureSource, Cookie, CookieSetter, EventSourceMessage, Frame, Header, INCOMPLETE_BUSY,
    Initiator, PageEvent, Request, Response, Script, ScriptElement, ScriptOrigin, ServedBody,
    StackFrame, StorageArea, StorageWrite, UnknownCanaryKind, WebSocketFrame,
};
pub use document::{DocumentAnalysis, DocumentFormat};
pub use finding::{Channel, Confidence, Evidence, Finding, Observation, Severity};
pub use host::{host_of, origin_of};
pub use integrity::sri_value;
pub use location::{Location, SourceSpan};
pub use page::{Destination, Directive, PageFacts, TRACKED_HEADERS};
pub use report::{
    Flow, IntegrityStatus, InventoryScript, Report, ScriptIntegrity, Summary, Target, TargetKind,
};
pub use script::{
    Access, ApiUse, ComputedBy, Endpoint, EndpointKind, Obfuscation, ObfuscationSignal,
    ObfuscationSignalKind, ParseDiagnostic, Recovery, ScriptAnalysis, ScriptInput, Sink, Technique,
};

/// Version of the JSON documents outflow writes. Bumped on any breaking
/// change of a serialised field.
pub const SCHEMA_VERSION: &str = "0.1";
