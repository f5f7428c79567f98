//! Building evidence that points into a script's code.

use outflow_model::{Endpoint, Evidence, SourceSpan};

use crate::facts::ScriptFacts;

/// How much of a line a snippet shows: minified code puts a whole bundle on
/// one line, and a report needs the part around the match.
const SNIPPET_CHARS: usize = 160;

/// A [`Evidence::Code`] at `span` in `script`, with the code there as its
/// snippet.
pub fn code_evidence(script: &ScriptFacts, span: SourceSpan, detail: String) -> Evidence {
    Evidence::Code {
        script: script.name.clone(),
        script_id: Some(script.id.clone()).filter(|id| !id.is_empty()),
        sha256: script.sha256.clone(),
        at: span,
        snippet: script
            .source
            .as_deref()
            .map(|s| snippet_at(s, span.byte_start as usize, span.byte_end as usize))
            .unwrap_or_default(),
        detail,
    }
}

/// What an endpoint's place in the code shows, e.g. "fetch of
/// https://x.example/{*}, decoded from string array, rc4".
pub fn endpoint_detail(endpoint: &Endpoint) -> String {
    let mut detail = match endpoint.sink {
        Some(sink) => format!("{} of {}", sink.api(), endpoint.value),
        None => format!("names {}", endpoint.value),
    };
    if let Some(recovery) = &endpoint.recovery {
        detail.push_str(", decoded from ");
        detail.push_str(&recovery.method);
    }
    detail
}

/// The text around `start..end` on its line, at most [`SNIPPET_CHARS`]
/// characters, cut on character boundaries, with `…` where it was cut.
pub fn snippet_at(source: &str, start: usize, end: usize) -> String {
    let start = floor_boundary(source, start.min(source.len()));
    let end = floor_boundary(source, end.clamp(start, source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..].find('\n').map_or(source.len(), |i| end + i);
    let line = &source[line_start..line_end];
    if line.chars().count() <= SNIPPET_CHARS {
        return line.trim().to_string();
    }
    // Centre the window on the match, keeping as much of it as fits.
    let match_chars = source[start..end].chars().count();
    let before_budget = SNIPPET_CHARS.saturating_sub(match_chars) / 3;
    let from = back_chars(source, start, before_budget).max(line_start);
    let mut to = from;
    for (count, (i, c)) in source[from..line_end].char_indices().enumerate() {
        if count >= SNIPPET_CHARS {
            break;
        }
        to = from + i + c.len_utf8();
    }
    let mut out = String::new();
    if from > line_start {
        out.push('…');
    }
    out.push_str(source[from..to].trim());
    if to < line_end {
        out.push('…');
    }
    out
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn back_chars(text: &str, index: usize, count: usize) -> usize {
    text[..index]
        .char_indices()
        .rev()
        .take(count)
        .last()
        .map_or(index, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::snippet_at;

    #[test]
    fn short_lines_are_shown_whole() {
        let source = "a();\n  fetch('https://x.example/');\nb();";
        let start = source.find("fetch").unwrap();
        assert_eq!(
            snippet_at(source, start, start + 5),
            "fetch('https://x.example/');"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_match_on_char_boundaries() {
        let source = format!("{}fetch('ü'){}", "é".repeat(500), "x".repeat(500));
        let start = source.find("fetch").unwrap();
        let snippet = snippet_at(&source, start, start + 11);
        assert!(snippet.contains("fetch('ü')"));
        assert!(snippet.starts_with('…') && snippet.ends_with('…'));
        assert!(snippet.chars().count() <= 162);
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        assert_eq!(snippet_at("abc", 10, 2), "abc");
        assert_eq!(snippet_at("", 0, 0), "");
    }
}
