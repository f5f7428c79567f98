//! The in-page instrumentation script (instrument.js) and its binding.

use rand::Rng;

const TEMPLATE: &str = include_str!("instrument.js");
const PLACEHOLDER: &str = "__OUTFLOW_BINDING__";

/// The instrumentation for one scan: a binding name no page can guess in
/// advance, and the script that uses it.
#[derive(Debug, Clone)]
pub(crate) struct Instrumentation {
    /// The `Runtime.addBinding` name.
    pub binding: String,
    /// The script injected at document start.
    pub source: String,
}

impl Instrumentation {
    pub(crate) fn new() -> Self {
        let token: u64 = rand::rng().random();
        // Looks like a minifier's name rather than a tool's.
        let binding = format!("_{token:016x}");
        let source = TEMPLATE.replace(PLACEHOLDER, &binding);
        Self { binding, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_is_substituted_and_unique() {
        let a = Instrumentation::new();
        let b = Instrumentation::new();
        assert_ne!(a.binding, b.binding);
        assert!(a.source.contains(&a.binding));
        assert!(!a.source.contains(PLACEHOLDER));
    }
}
