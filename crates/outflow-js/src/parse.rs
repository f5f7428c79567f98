//! Parsing with oxc, and recovery from syntax errors oxc cannot get past.
//!
//! oxc recovers from many errors by itself. When it cannot (it then returns
//! an empty program), the region around the error is blanked out with
//! spaces (newlines kept, so every byte offset and line stays where it was)
//! and the text is parsed again, a bounded number of times. If that does
//! not converge, the longest prefix of whole lines that parses is kept.
//! The blanked regions are returned so that they can still be scanned for
//! string literals ([`crate::lexical`]): a syntax error halfway through a
//! file loses neither the code before it nor the URLs after it.
//!
//! Before the first parse, regions nested deeper than
//! [`outflow_deobfuscate::nesting::MAX_NESTING`] levels (measured lexically,
//! see [`outflow_deobfuscate::nesting`]) are blanked the same way, with a
//! "nesting deeper than N levels" error: oxc's parser recurses per level
//! and a stack overflow would abort the process.

use oxc_allocator::Allocator;
use oxc_ast::ast::Program;
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;

/// Re-parses after blanking an error region, at most.
const MAX_BLANKING_ROUNDS: usize = 12;

/// A syntax error: message and byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The parser's message.
    pub message: String,
    /// Byte range, when the parser gave one.
    pub range: Option<(u32, u32)>,
}

/// A parsed program and what could not be parsed.
pub struct Parsed<'a> {
    /// The program (empty when nothing could be parsed).
    pub program: Program<'a>,
    /// The text the program was parsed from: the input, with unparseable
    /// regions blanked. Same length and line structure as the input.
    pub text: &'a str,
    /// Syntax errors of the original text.
    pub errors: Vec<SyntaxError>,
    /// Byte ranges left out of the program.
    pub blanked: Vec<(u32, u32)>,
}

/// Blanking rounds for regions nested too deep, before the text past the
/// last one is given up whole.
const MAX_DEEP_REGIONS: usize = 16;

/// Parses `source`, recovering from fatal syntax errors and blanking
/// regions nested too deep, as described above.
pub fn parse<'a>(allocator: &'a Allocator, source: &'a str, source_type: SourceType) -> Parsed<'a> {
    use outflow_deobfuscate::nesting::{MAX_NESTING, deep_region};
    let Some(first_deep) = deep_region(source, MAX_NESTING) else {
        return parse_shallow(allocator, source, source_type);
    };
    let mut text = source.to_owned();
    let mut deep = vec![first_deep];
    blank(&mut text, first_deep.0, first_deep.1);
    while let Some(region) = deep_region(&text, MAX_NESTING) {
        if deep.len() >= MAX_DEEP_REGIONS {
            let len = text.len();
            blank(&mut text, region.0, len);
            deep.push((region.0, len));
            break;
        }
        blank(&mut text, region.0, region.1);
        deep.push(region);
    }
    let mut parsed = parse_shallow(allocator, allocator.alloc_str(&text), source_type);
    parsed.errors.insert(
        0,
        SyntaxError {
            message: format!(
                "nesting deeper than {MAX_NESTING} levels: not analysed beyond ({} bytes in {} regions; their string literals were scanned)",
                deep.iter().map(|(s, e)| e - s).sum::<usize>(),
                deep.len()
            ),
            range: Some((first_deep.0 as u32, first_deep.0 as u32 + 1)),
        },
    );
    parsed
        .blanked
        .extend(deep.iter().map(|(s, e)| (*s as u32, *e as u32)));
    parsed.blanked = merge(std::mem::take(&mut parsed.blanked));
    parsed
}

/// [`parse`] of text known to nest no deeper than the limit.
fn parse_shallow<'a>(
    allocator: &'a Allocator,
    source: &'a str,
    source_type: SourceType,
) -> Parsed<'a> {
    let first = parse_once(allocator, source, source_type);
    let errors = first.1.clone();
    if !first.2 {
        return Parsed {
            program: first.0,
            text: source,
            errors,
            blanked: Vec::new(),
        };
    }
    let mut text = source.to_owned();
    let mut blanked: Vec<(u32, u32)> = Vec::new();
    let mut error_at = first_error_offset(&first.1);
    for _ in 0..MAX_BLANKING_ROUNDS {
        let Some(at) = error_at else { break };
        let (start, end) = line_around(&text, at as usize);
        if end <= start || start as u32 >= text.len() as u32 {
            break;
        }
        blank(&mut text, start, end);
        blanked.push((start as u32, end as u32));
        let attempt = allocator.alloc_str(&text);
        let (program, diagnostics, panicked) = parse_once(allocator, attempt, source_type);
        if !panicked {
            return Parsed {
                program,
                text: attempt,
                errors,
                blanked: merge(blanked),
            };
        }
        error_at = first_error_offset(&diagnostics);
    }
    // Did not converge (typically an unclosed bracket that makes every later
    // line part of the error): keep the longest parseable prefix of lines.
    let text = source.to_owned();
    let starts = line_starts(&text);
    let (mut good, mut bad) = (0usize, starts.len());
    let mut best: Option<(Program<'a>, &'a str)> = None;
    while good + 1 < bad {
        let mid = (good + bad) / 2;
        let mut candidate = text.clone();
        let len = candidate.len();
        blank(&mut candidate, starts[mid], len);
        let attempt = allocator.alloc_str(&candidate);
        let (program, _, panicked) = parse_once(allocator, attempt, source_type);
        if panicked {
            bad = mid;
        } else {
            good = mid;
            best = Some((program, attempt));
        }
    }
    let cut = starts.get(good).copied().unwrap_or(0);
    let cut = if best.is_some() { cut } else { 0 };
    let (program, text) = match best {
        Some(found) => found,
        None => (parse_once(allocator, "", source_type).0, source),
    };
    Parsed {
        program,
        text,
        errors,
        blanked: vec![(cut as u32, source.len() as u32)],
    }
}

fn parse_once<'a>(
    allocator: &'a Allocator,
    text: &'a str,
    source_type: SourceType,
) -> (Program<'a>, Vec<SyntaxError>, bool) {
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let parsed = Parser::new(allocator, text, source_type)
        .with_options(options)
        .parse();
    let errors = parsed
        .diagnostics
        .iter()
        .map(|d| SyntaxError {
            message: d.message.to_string(),
            range: d.labels.first().map(|l| (l.span().start, l.span().end)),
        })
        .collect();
    (parsed.program, errors, parsed.panicked)
}

fn first_error_offset(errors: &[SyntaxError]) -> Option<u32> {
    errors.iter().filter_map(|e| e.range.map(|r| r.0)).min()
}

/// The line containing byte `at`: from its start to the start of the next.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    if text[start..end].trim().is_empty() {
        // Already blank: the error is further on; take the next line too.
        let next_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        return (start, next_end);
    }
    (start, end)
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Replaces `text[start..end]` with spaces, keeping line breaks, so that
/// offsets and lines are unchanged.
fn blank(text: &mut String, start: usize, end: usize) {
    let end = end.min(text.len());
    let blanked: String = text[start..end]
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(start..end, &blanked);
}

fn merge(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_code_parses_untouched() {
        let allocator = Allocator::default();
        let parsed = parse(
            &allocator,
            "fetch('https://a.com');",
            SourceType::unambiguous(),
        );
        assert!(parsed.errors.is_empty());
        assert!(parsed.blanked.is_empty());
        assert_eq!(parsed.program.body.len(), 1);
    }

    #[test]
    fn a_broken_line_is_blanked_and_the_rest_kept() {
        let allocator = Allocator::default();
        let source = "fetch('https://a.com');\nlet = = ;;; ))(\nfetch('https://b.com');\n";
        let parsed = parse(&allocator, source, SourceType::unambiguous());
        assert!(!parsed.errors.is_empty());
        assert_eq!(parsed.text.len(), source.len());
        assert_eq!(parsed.program.body.len(), 2, "both good lines are kept");
        assert_eq!(parsed.blanked, vec![(24, 40)]);
    }

    #[test]
    fn an_unclosed_block_keeps_the_prefix() {
        let allocator = Allocator::default();
        let source = "fetch('https://a.com');\nfunction f() {\n  go('x');\n";
        let parsed = parse(&allocator, source, SourceType::unambiguous());
        assert!(!parsed.errors.is_empty());
        assert!(!parsed.program.body.is_empty());
    }
}
