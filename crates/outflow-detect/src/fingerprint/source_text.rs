//! Lexical facts read straight from a script's text, for what static
//! analysis does not record: string literals (font lists, drawn text),
//! calls the API catalogue leaves out (`save`, `restore`,
//! `setRemoteDescription`), and whether several APIs are used close
//! together (the same function, in practice).
//!
//! These are heuristics over hostile text: every scan is linear and
//! bounded, and a misread (a quote inside a regular expression) only costs
//! precision, never a panic.

use outflow_model::{Location, SourceSpan};

/// Most string literals read from one script.
const MAX_LITERALS: usize = 200_000;

/// Most bytes of one script scanned for literals.
const MAX_SCAN_BYTES: usize = 16 * 1024 * 1024;

/// The string literals of a script, their contents without quotes (escapes
/// left as written), in source order. Comments are skipped; `'` and `"`
/// strings end at a newline when unterminated.
pub fn string_literals(source: &str) -> Vec<(usize, &str)> {
    let bytes = &source.as_bytes()[..source.len().min(MAX_SCAN_BYTES)];
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_LITERALS {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr_from(bytes, b'\n', i).unwrap_or(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find_from(bytes, b"*/", i + 2).map_or(bytes.len(), |end| end + 2);
            }
            quote @ (b'\'' | b'"' | b'`') => {
                let start = i + 1;
                let mut j = start;
                let mut closed = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 2,
                        b'\n' if quote != b'`' => break,
                        b if b == quote => {
                            closed = true;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                let end = j.min(bytes.len());
                if closed && let Some(text) = source.get(start..end) {
                    out.push((start, text));
                }
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// How many times `.name(` (a method call) appears, spaces allowed before
/// the parenthesis.
pub fn method_calls(source: &str, name: &str) -> usize {
    let needle = format!(".{name}");
    let mut count = 0;
    let mut from = 0;
    while let Some(found) = source[from..].find(&needle) {
        let after = from + found + needle.len();
        let rest = source[after..].trim_start_matches([' ', '\t']);
        if rest.starts_with('(') {
            count += 1;
        }
        from = after;
    }
    count
}

/// The first arguments of calls of `.name(` that are string literals.
pub fn literal_first_arguments<'s>(source: &'s str, name: &str) -> Vec<&'s str> {
    let needle = format!(".{name}(");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = source[from..].find(&needle) {
        let after = from + found + needle.len();
        from = after;
        let rest = source[after..].trim_start();
        let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            out.push(&rest[1..1 + end]);
        }
        if out.len() >= 1000 {
            break;
        }
    }
    out
}

/// The string literals assigned to `.property` (`x.fillStyle = '#f60'`),
/// in source order, at most a thousand.
pub fn literal_assignments<'s>(source: &'s str, property: &str) -> Vec<&'s str> {
    let needle = format!(".{property}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = source[from..].find(&needle) {
        let after = from + found + needle.len();
        from = after;
        let rest = source[after..].trim_start();
        let Some(rest) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            out.push(&rest[1..1 + end]);
        }
        if out.len() >= 1000 {
            break;
        }
    }
    out
}

/// The number of distinct characters of a text.
pub fn distinct_chars(text: &str) -> usize {
    let mut seen: Vec<char> = text.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The smallest stretch of the source holding one offset of every group,
/// when one no longer than `max_bytes` exists: `(start, end)`.
pub fn co_located(groups: &[Vec<u32>], max_bytes: u32) -> Option<(u32, u32)> {
    if groups.is_empty() || groups.iter().any(Vec::is_empty) {
        return None;
    }
    // Every offset, tagged with its group, swept with a window.
    let mut points: Vec<(u32, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, offsets)| offsets.iter().map(move |&o| (o, g)))
        .collect();
    points.sort_unstable();
    let mut in_window = vec![0usize; groups.len()];
    let mut covered = 0;
    let mut best: Option<(u32, u32)> = None;
    let mut left = 0;
    for right in 0..points.len() {
        let (_, g) = points[right];
        if in_window[g] == 0 {
            covered += 1;
        }
        in_window[g] += 1;
        while covered == groups.len() {
            let span = (points[left].0, points[right].0);
            if best.is_none_or(|(s, e)| span.1 - span.0 < e - s) {
                best = Some(span);
            }
            let (_, lg) = points[left];
            in_window[lg] -= 1;
            if in_window[lg] == 0 {
                covered -= 1;
            }
            left += 1;
        }
    }
    best.filter(|(s, e)| e - s <= max_bytes)
}

/// The [`SourceSpan`] of `start..end` in `source` (1-based lines, columns
/// in UTF-16 code units), clamped to the text and to character boundaries.
pub fn span_at(source: &str, start: usize, end: usize) -> SourceSpan {
    let start = floor_boundary(source, start.min(source.len()));
    let end = floor_boundary(source, end.clamp(start, source.len()));
    let location = |offset: usize| {
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line: u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX),
            column: u32::try_from(before[line_start..].encode_utf16().count() + 1)
                .unwrap_or(u32::MAX),
        }
    };
    SourceSpan {
        start: location(start),
        end: location(end),
        byte_start: u32::try_from(start).unwrap_or(u32::MAX),
        byte_end: u32::try_from(end).unwrap_or(u32::MAX),
    }
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn memchr_from(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map(|p| from + p)
}

fn find_from(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= bytes.len() {
        return None;
    }
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_skip_comments_and_keep_escapes() {
        let source =
            "// 'no'\nvar a = 'Arial', b = \"Comic \\\"Sans\\\" MS\"; /* \"x\" */ c = `t`;";
        let texts: Vec<&str> = string_literals(source)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(texts, ["Arial", "Comic \\\"Sans\\\" MS", "t"]);
    }

    #[test]
    fn unterminated_and_truncated_text_does_not_panic() {
        for source in ["'abc", "\"a\\", "`", "/*", "//", "é'ü", "a.fillText('x"] {
            let _ = string_literals(source);
            let _ = literal_first_arguments(source, "fillText");
            let _ = method_calls(source, "save");
        }
    }

    #[test]
    fn method_calls_need_a_parenthesis() {
        assert_eq!(method_calls("c.save(); c.saved = 1; c.save  ()", "save"), 2);
    }

    #[test]
    fn literal_arguments() {
        let source = "x.fillText('Cwm fjordbank glyphs', 2, 2); x.fillText(t, 1, 1)";
        assert_eq!(
            literal_first_arguments(source, "fillText"),
            ["Cwm fjordbank glyphs"]
        );
        assert_eq!(distinct_chars("aab"), 2);
        let styles = "x.fillStyle = '#f60'; x.fillStyle=\"#069\"; if (x.fillStyle == 'a') {}";
        assert_eq!(literal_assignments(styles, "fillStyle"), ["#f60", "#069"]);
    }

    #[test]
    fn spans_count_lines_and_utf16_columns() {
        let source = "a\n\u{e9}\u{1f600}x";
        let start = source.find('x').unwrap();
        let span = span_at(source, start, start + 1);
        assert_eq!((span.start.line, span.start.column), (2, 4));
        assert_eq!(span_at(source, 999, 2).byte_start as usize, source.len());
    }

    #[test]
    fn co_location_finds_the_tightest_window() {
        let groups = vec![vec![10, 5000], vec![40, 5050], vec![5100]];
        assert_eq!(co_located(&groups, 200), Some((5000, 5100)));
        assert_eq!(co_located(&groups, 50), None);
        assert_eq!(co_located(&[vec![1], vec![]], 100), None);
    }
}
