//! `outflow deobfuscate`: a script's readable code after deobfuscation,
//! under a header saying what was undone and what could not be.

use std::io::Read;

use crate::{Options, deobfuscate_source};

/// A script that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading {what}")]
pub struct ReadError {
    /// `standard input`, or the file's path.
    pub what: String,
    /// Why not.
    #[source]
    pub source: std::io::Error,
}

/// Reads the script at `input` (`-`: standard input; bytes that are not
/// UTF-8 are replaced, as a browser's decoder would) and returns
/// [`listing`] of it.
pub fn deobfuscate_input(input: &str, options: &Options) -> Result<String, ReadError> {
    let source = if input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| ReadError {
                what: "standard input".to_string(),
                source,
            })?;
        text
    } else {
        let bytes = std::fs::read(input).map_err(|source| ReadError {
            what: input.to_string(),
            source,
        })?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Ok(listing(&source, options))
}

/// The deobfuscated code of `source_text` ([`deobfuscate_source`]) under a
/// `//` header: each thing undone (or "nothing"), the number of recovered
/// values, and every note; it ends with a newline.
pub fn listing(source_text: &str, options: &Options) -> String {
    let (code, outcome) = deobfuscate_source(source_text, options);
    let mut text = String::from("// outflow deobfuscate\n");
    if outcome.undone.is_empty() {
        text.push_str("// undone: nothing (no obfuscation shape recognised)\n");
    }
    for undone in &outcome.undone {
        text.push_str(&format!("// undone: {undone}\n"));
    }
    text.push_str(&format!(
        "// recovered values: {}\n",
        outcome.recovered.len()
    ));
    for note in &outcome.notes {
        text.push_str(&format!("// note: {note}\n"));
    }
    text.push_str(&code);
    if !code.ends_with('\n') {
        text.push('\n');
    }
    text
}
