//! Characters a report never prints as they are: those that change how a
//! terminal or a browser shows what follows, or that hide or reorder text.
//!
//! The class, by Unicode property rather than by example:
//! - control characters (Cc: escape sequences, carriage return, new line);
//! - format characters (Cf: bidi marks, embeddings, overrides and isolates,
//!   U+061C ARABIC LETTER MARK, zero-width characters, U+00AD SOFT HYPHEN,
//!   the tag characters U+E0001 and U+E0020–E007F, U+FEFF), read from the
//!   `unicode-general-category` crate's tables;
//! - line and paragraph separators (Zl U+2028, Zp U+2029), which break a
//!   line without looking like a new line;
//! - every other Default_Ignorable_Code_Point (Unicode 16,
//!   DerivedCoreProperties.txt, <https://www.unicode.org/Public/16.0.0/ucd/DerivedCoreProperties.txt>,
//!   read 2026-12-04) that is not Cf: the Hangul fillers (U+115F, U+1160,
//!   U+3164, U+FFA0), variation selectors, Mongolian free variation
//!   selectors, combining grapheme joiner, and the unassigned ignorable
//!   ranges (U+2065, U+FFF0–FFF8, U+E0000, U+E0002–E001F, U+E0080–E0FFF),
//!   listed in [`IGNORABLE_NOT_FORMAT`] since they are letters, marks or
//!   unassigned by general category.

use unicode_general_category::{GeneralCategory, get_general_category};

/// Default_Ignorable_Code_Point ranges (inclusive) whose general category
/// is not Cf.
const IGNORABLE_NOT_FORMAT: &[(char, char)] = &[
    ('\u{034f}', '\u{034f}'),
    ('\u{115f}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180f}'),
    ('\u{2065}', '\u{2065}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{fff0}', '\u{fff8}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0000}', '\u{e0fff}'),
];

/// Whether `c` must be shown escaped.
pub(crate) fn is_invisible(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    if matches!(
        get_general_category(c),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) {
        return true;
    }
    IGNORABLE_NOT_FORMAT
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_class_is_invisible() {
        for c in [
            '\u{1b}',
            '\r',
            '\n',
            '\u{7f}',
            '\u{85}',
            '\u{ad}',
            '\u{61c}',
            '\u{200b}',
            '\u{200e}',
            '\u{202e}',
            '\u{2028}',
            '\u{2029}',
            '\u{2066}',
            '\u{2069}',
            '\u{3164}',
            '\u{115f}',
            '\u{ffa0}',
            '\u{feff}',
            '\u{fe0f}',
            '\u{e0000}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{e0100}',
            '\u{180e}',
            '\u{34f}',
            '\u{2065}',
        ] {
            assert!(is_invisible(c), "U+{:04X} is shown as is", c as u32);
        }
        for c in ['a', 'é', '中', 'ب', ' ', '-', '…', '😀', '\u{301}'] {
            assert!(!is_invisible(c), "U+{:04X} is escaped", c as u32);
        }
    }
}
