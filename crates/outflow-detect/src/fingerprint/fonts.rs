//! Font families a font-probing script tests for
//! (`data/detect/fonts.toml`, compiled in), and how many of them a script's
//! code names.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::source_text::string_literals;

const FONTS_TOML: &str = include_str!("../../../../data/detect/fonts.toml");

/// Longest literal considered a font list.
const MAX_FONT_LITERAL: usize = 2000;

#[derive(Debug, Deserialize)]
struct FontsFile {
    fonts: BTreeMap<String, Vec<String>>,
}

/// The known font family names, lower-case.
pub fn known_fonts() -> &'static BTreeSet<String> {
    static FONTS: OnceLock<BTreeSet<String>> = OnceLock::new();
    FONTS.get_or_init(|| {
        toml::from_str::<FontsFile>(FONTS_TOML)
            .map(|f| {
                f.fonts
                    .into_values()
                    .flatten()
                    .map(|n| n.to_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The distinct known font names a script's string literals name, with the
/// offset of the first literal naming each; whole literals and the items of
/// comma-separated lists count.
pub fn named_fonts(source: &str) -> BTreeMap<String, usize> {
    let known = known_fonts();
    let mut out = BTreeMap::new();
    for (offset, literal) in string_literals(source) {
        if literal.is_empty() || literal.len() > MAX_FONT_LITERAL {
            continue;
        }
        for item in literal.split(',') {
            let name = item.trim().trim_matches(['\'', '"']).to_lowercase();
            if known.contains(&name) {
                out.entry(name).or_insert(offset);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_list_parses() {
        toml::from_str::<FontsFile>(FONTS_TOML).expect("data/detect/fonts.toml");
        assert!(known_fonts().len() > 200);
        assert!(known_fonts().contains("comic sans ms"));
    }

    #[test]
    fn fonts_are_found_in_literals_and_lists() {
        let source = "var f=['Arial','Calibri'],g=\"Menlo, 'Courier New', monospace\"; // 'Impact'";
        let found: Vec<String> = named_fonts(source).into_keys().collect();
        assert_eq!(found, ["arial", "calibri", "courier new", "menlo"]);
    }
}
