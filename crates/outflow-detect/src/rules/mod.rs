//! The rules, one per file. Each file's module documentation is the rule's
//! documentation page.

pub mod latent_endpoint;
pub mod obfuscated_script;
pub mod restricted_destination;
