//! How obfuscated a script looks: signals and a 0–1 score.
//!
//! The analysis walk counts what obfuscators leave behind
//! ([`ObfuscationCounters`]); [`score`] turns the counts into signals, each
//! with a weight, combined as independent evidence:
//! `score = 1 - Π(1 - weight)`. Minifiers shorten names and strip spaces
//! but leave none of these traces, so minified bundles score near 0.

use outflow_model::ObfuscationSignalKind;
use rustc_hash::FxHashMap;

/// A string array needs at least this many strings.
pub const STRING_ARRAY_MIN_STRINGS: usize = 20;
/// And its decoder at least this many calls with a numeric index.
pub const DECODER_MIN_CALLS: u32 = 10;
/// Share of identifiers shaped like `_0x1a2b` above which names look
/// generated.
pub const HEX_IDENTIFIER_SHARE: f64 = 0.2;
/// Share of string literals written with `\x`/`\u` escapes above which
/// strings look deliberately hidden.
pub const ESCAPED_STRING_SHARE: f64 = 0.3;
/// Minimum number of string literals before shares are judged.
pub const MIN_LITERALS: u32 = 10;
/// Bits per character above which a long literal looks encoded.
pub const HIGH_ENTROPY_BITS: f64 = 5.0;
/// Literals shorter than this are too short to judge entropy.
pub const ENTROPY_MIN_LEN: usize = 40;

/// Counts gathered by the analysis walk. Byte ranges mark a representative
/// place.
#[derive(Debug, Default)]
pub struct ObfuscationCounters {
    /// Identifiers seen.
    pub identifiers: u32,
    /// Identifiers shaped like `_0x1a2b`.
    pub hex_identifiers: u32,
    /// First hex identifier.
    pub hex_identifier_at: Option<(u32, u32)>,
    /// String literals seen.
    pub string_literals: u32,
    /// String literals with `\x`/`\u` escapes.
    pub escaped_literals: u32,
    /// Long literals with high entropy (not `data:` URLs).
    pub high_entropy_literals: u32,
    /// First such literal.
    pub high_entropy_at: Option<(u32, u32)>,
    /// Largest array literal made only of strings: (count, range).
    pub largest_string_array: Option<(usize, (u32, u32))>,
    /// Calls `f(<number>, …)` by callee name: candidates for a decoder.
    pub numeric_calls: FxHashMap<String, (u32, (u32, u32))>,
    /// `eval`/`Function`/string timers run on computed strings.
    pub dynamic_code: Vec<(u32, u32)>,
    /// `"3|1|0|2".split("|")` dispatchers.
    pub dispatchers: Vec<(u32, u32)>,
    /// A packer signature in the raw text.
    pub packer_at: Option<(u32, u32)>,
}

impl ObfuscationCounters {
    /// Counts an identifier name.
    pub fn identifier(&mut self, name: &str, range: (u32, u32)) {
        self.identifiers += 1;
        if is_hex_identifier(name) {
            self.hex_identifiers += 1;
            self.hex_identifier_at.get_or_insert(range);
        }
    }

    /// Counts a string literal by its raw text and value.
    pub fn string_literal(&mut self, raw: Option<&str>, value: &str, range: (u32, u32)) {
        self.string_literals += 1;
        if raw.is_some_and(|r| r.contains("\\x") || r.contains("\\u")) {
            self.escaped_literals += 1;
        }
        if value.len() >= ENTROPY_MIN_LEN
            && !value.starts_with("data:")
            && entropy(value) > HIGH_ENTROPY_BITS
        {
            self.high_entropy_literals += 1;
            self.high_entropy_at.get_or_insert(range);
        }
    }

    /// Looks for packer signatures in the raw text.
    pub fn scan_text(&mut self, text: &str) {
        // One pass for the parameter list, in any spacing the packers emit;
        // then the word `function` just before it.
        let finder = memchr::memmem::Finder::new("p,a,c,k,e,");
        let compact: &[u8] = text.as_bytes();
        for at in finder.find_iter(compact) {
            let before = text[..at].trim_end_matches(|c: char| c == '(' || c.is_whitespace());
            if before.ends_with("function") {
                let start = before.len() - "function".len();
                self.packer_at = Some((start as u32, (at + 10) as u32));
                return;
            }
        }
    }
}

/// `_0x` followed by at least four hex digits, as javascript-obfuscator
/// names things by default.
fn is_hex_identifier(name: &str) -> bool {
    name.strip_prefix("_0x")
        .is_some_and(|rest| rest.len() >= 4 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Shannon entropy in bits per character.
fn entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// A signal before its byte range is located.
#[derive(Debug, Clone)]
pub struct RawSignal {
    /// What was seen.
    pub kind: ObfuscationSignalKind,
    /// Contribution to the score.
    pub weight: f64,
    /// Human-readable account.
    pub detail: String,
    /// A representative byte range.
    pub range: Option<(u32, u32)>,
}

/// [`score`], with what deobfuscation undid counted as signals: once a
/// string array is decoded it no longer shows in the walk, but it was there.
pub fn score_with_undone(
    counters: &ObfuscationCounters,
    undone: &[String],
) -> (f64, Vec<RawSignal>) {
    let (_, mut signals) = score(counters);
    for what in undone {
        let lower = what.to_ascii_lowercase();
        let (kind, weight) = if lower.contains("string array") {
            (ObfuscationSignalKind::StringArray, 0.9)
        } else if lower.contains("packer") || lower.contains("p,a,c,k,e") {
            (ObfuscationSignalKind::Packer, 0.9)
        } else if lower.contains("control") || lower.contains("dispatcher") {
            (ObfuscationSignalKind::FlattenedControlFlow, 0.6)
        } else if lower.contains("escape") {
            (ObfuscationSignalKind::EscapedStrings, 0.5)
        } else {
            (ObfuscationSignalKind::DynamicCode, 0.3)
        };
        if signals.iter().any(|s| s.kind == kind) {
            continue;
        }
        signals.push(RawSignal {
            kind,
            weight,
            detail: format!("undone: {what}"),
            range: None,
        });
    }
    signals.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.kind.cmp(&b.kind)));
    let keep = signals.iter().fold(1.0, |acc, s| acc * (1.0 - s.weight));
    (((1.0 - keep) * 1000.0).round() / 1000.0, signals)
}

/// The score and signals for a script's counters, strongest first.
pub fn score(counters: &ObfuscationCounters) -> (f64, Vec<RawSignal>) {
    let mut signals = Vec::new();
    let mut push = |kind, weight: f64, detail: String, range: Option<(u32, u32)>| {
        signals.push(RawSignal {
            kind,
            weight,
            detail,
            range,
        });
    };
    let decoder = counters
        .numeric_calls
        .iter()
        .max_by_key(|(name, (n, _))| (*n, std::cmp::Reverse((*name).clone())));
    if let (Some((size, at)), Some((name, (calls, _)))) = (counters.largest_string_array, decoder)
        && size >= STRING_ARRAY_MIN_STRINGS
        && *calls >= DECODER_MIN_CALLS
    {
        push(
            ObfuscationSignalKind::StringArray,
            0.9,
            format!(
                "an array of {size} strings, and {calls} calls of `{name}` with a numeric index"
            ),
            Some(at),
        );
    }
    if let Some(at) = counters.packer_at {
        push(
            ObfuscationSignalKind::Packer,
            0.9,
            "packer signature `eval(function(p,a,c,k,e,…)`".into(),
            Some(at),
        );
    }
    if counters.identifiers > 0 {
        let share = f64::from(counters.hex_identifiers) / f64::from(counters.identifiers);
        if share >= HEX_IDENTIFIER_SHARE {
            push(
                ObfuscationSignalKind::HexIdentifiers,
                (0.4 + share).min(0.8),
                format!(
                    "{} of {} identifiers look like _0x1a2b",
                    counters.hex_identifiers, counters.identifiers
                ),
                counters.hex_identifier_at,
            );
        }
    }
    if !counters.dispatchers.is_empty() {
        push(
            ObfuscationSignalKind::FlattenedControlFlow,
            0.6,
            format!(
                "{} `\"3|1|0\".split(\"|\")` dispatchers",
                counters.dispatchers.len()
            ),
            counters.dispatchers.first().copied(),
        );
    }
    if counters.string_literals >= MIN_LITERALS {
        let share = f64::from(counters.escaped_literals) / f64::from(counters.string_literals);
        if share >= ESCAPED_STRING_SHARE {
            push(
                ObfuscationSignalKind::EscapedStrings,
                0.5,
                format!(
                    "{} of {} string literals use \\x or \\u escapes",
                    counters.escaped_literals, counters.string_literals
                ),
                None,
            );
        }
    }
    if !counters.dynamic_code.is_empty() {
        push(
            ObfuscationSignalKind::DynamicCode,
            0.15,
            format!(
                "{} calls of eval/Function/string timers on computed strings",
                counters.dynamic_code.len()
            ),
            counters.dynamic_code.first().copied(),
        );
    }
    if counters.high_entropy_literals > 0 {
        let weight = (0.05 * f64::from(counters.high_entropy_literals)).min(0.15);
        push(
            ObfuscationSignalKind::HighEntropyStrings,
            weight,
            format!(
                "{} long string literals look encoded (over {HIGH_ENTROPY_BITS} bits per character)",
                counters.high_entropy_literals
            ),
            counters.high_entropy_at,
        );
    }
    signals.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.kind.cmp(&b.kind)));
    let keep = signals.iter().fold(1.0, |acc, s| acc * (1.0 - s.weight));
    let score = ((1.0 - keep) * 1000.0).round() / 1000.0;
    (score, signals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_identifiers() {
        assert!(is_hex_identifier("_0x1a2b3c"));
        assert!(!is_hex_identifier("_0x1"));
        assert!(!is_hex_identifier("_0xzzzz"));
    }

    #[test]
    fn entropy_separates_text_from_encoded_data() {
        assert!(entropy("the quick brown fox jumps over the lazy dog again") < HIGH_ENTROPY_BITS);
        assert!(
            entropy("q8Zr+T0aLm3Yx9Vb7Nc2Wd5Ke1Jf4Hg6Pi/Ou8Mt0Ss3Rq9Ap7Bn2Ck5Dl1Ev")
                > HIGH_ENTROPY_BITS
        );
    }

    #[test]
    fn nothing_scores_zero() {
        let counters = ObfuscationCounters::default();
        let (score, signals) = score(&counters);
        assert_eq!(score, 0.0);
        assert!(signals.is_empty());
    }
}
