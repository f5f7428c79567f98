//! Card values in what a page sent, beyond what the canary index finds.
//!
//! The index ([`super::CanaryIndex`]) finds the card number in every
//! spelling and encoding (digits only, grouped with spaces or dashes, URL,
//! form, JSON, base64, hashes…) and the cardholder name. Two things need
//! more than a unique string:
//!
//! - the masked form skimmers and checkout scripts log: the first six and
//!   last four digits around a run of mask characters (`400000******1234`,
//!   `4000 00•• •••• 1234`); the first six are the shared test prefix, so
//!   the form counts only whole;
//! - the expiry and the security code, short values that occur anywhere by
//!   chance: they count only next to the card number (within
//!   [`NEAR_CARD_BYTES`] of it in the same decoded text) or as the value of
//!   a field named for them in a structured payload (`"cvc":"738"`,
//!   `exp_month=07&exp_year=2029`).
//!
//! Every view of the haystack ([`super::decode::expand`]) is searched, so
//! the values are found inside base64, gzip or URL encoding too.

use outflow_model::{Canary, CanaryKind};

use super::decode::{Limits, expand};
use super::search::Hit;

/// How far from the card number (in bytes of decoded text) an expiry or
/// security code still counts as sent with it.
pub const NEAR_CARD_BYTES: usize = 200;
/// The fewest and most mask characters between the first six and last four
/// digits of a masked card number.
const MASK_RUN: (usize, usize) = (2, 12);

/// The card's values as typed: what to look for.
#[derive(Debug, Clone, Default)]
pub struct CardValues {
    card: Option<(usize, String)>,
    cvv: Option<(usize, String)>,
    /// The expiry's canaries (one `MM/YY` field, or a month and a year),
    /// the first one's index, and the month and year.
    expiry: Option<(usize, u32, u32)>,
}

impl CardValues {
    /// The card values among a capture's canaries.
    pub fn of(canaries: &[Canary]) -> Self {
        let mut out = CardValues::default();
        let mut month: Option<(usize, u32)> = None;
        let mut year: Option<u32> = None;
        for (i, canary) in canaries.iter().enumerate() {
            let value = canary.value.trim();
            match canary.kind {
                CanaryKind::CardNumber if out.card.is_none() => {
                    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                    if digits.len() >= 12 {
                        out.card = Some((i, digits));
                    }
                }
                CanaryKind::CardCvv
                    if out.cvv.is_none()
                        && (3..=4).contains(&value.len())
                        && value.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    out.cvv = Some((i, value.to_string()));
                }
                CanaryKind::CardExpiry => {
                    let parts: Vec<u32> = value
                        .split(|c: char| !c.is_ascii_digit())
                        .filter(|p| !p.is_empty())
                        .filter_map(|p| p.parse().ok())
                        .collect();
                    match parts.as_slice() {
                        [m, y] if (1..=12).contains(m) => {
                            out.expiry.get_or_insert((i, *m, y % 100));
                        }
                        [n] if value.len() <= 2 && (1..=12).contains(n) => {
                            month.get_or_insert((i, *n));
                        }
                        [n] => {
                            year.get_or_insert(n % 100);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        if out.expiry.is_none()
            && let (Some((i, m)), Some(y)) = (month, year)
        {
            out.expiry = Some((i, m, y));
        }
        out
    }

    /// Whether there is a card number to look for.
    pub fn has_card(&self) -> bool {
        self.card.is_some()
    }

    /// The card number in its masked form, when the index did not find it
    /// (`card_found`), and the expiry and security code where they count.
    pub fn search(&self, haystack: &[u8], card_found: bool) -> Vec<Hit> {
        let Some((card_index, card)) = &self.card else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        let (mut views, _) = expand(haystack, &Limits::default());
        views.insert(
            0,
            super::decode::View {
                bytes: haystack.to_vec(),
                chain: Vec::new(),
                span: (0, haystack.len()),
            },
        );
        let mut card_seen = card_found;
        let mut masked = !card_found;
        let mut cvv_seen = self.cvv.is_none();
        let mut expiry_seen = self.expiry.is_none();
        for view in &views {
            let text = String::from_utf8_lossy(&view.bytes);
            let chain: Vec<String> = view.chain.iter().map(|s| s.to_string()).collect();
            let mut near: Vec<usize> = card_positions(&text, card);
            if masked && let Some((at, matched)) = masked_card(&text, card) {
                hits.push(Hit {
                    canary: *card_index,
                    matched,
                    encodings: with(&chain, "masked: first 6 and last 4 digits"),
                });
                masked = false;
                near.push(at);
            }
            card_seen |= !near.is_empty();
            if !cvv_seen
                && let Some((i, cvv)) = &self.cvv
                && let Some(hit) = companion(&text, &near, std::slice::from_ref(cvv), CVV_KEYS)
            {
                hits.push(Hit {
                    canary: *i,
                    matched: hit.0,
                    encodings: with(&chain, &hit.1),
                });
                cvv_seen = true;
            }
            if !expiry_seen
                && let Some((i, month, year)) = self.expiry
                && let Some(hit) = expiry(&text, &near, month, year)
            {
                hits.push(Hit {
                    canary: i,
                    matched: hit.0,
                    encodings: with(&chain, &hit.1),
                });
                expiry_seen = true;
            }
            if !masked && cvv_seen && expiry_seen {
                break;
            }
        }
        if !card_seen {
            // Without the card, only structured fields count, and those were
            // searched above; a bare expiry is never a leak.
            hits.retain(|h| h.encodings.iter().any(|e| e.starts_with("field")));
        }
        hits
    }
}

/// Field names a security code is sent under (lower case, as substrings).
const CVV_KEYS: &[&str] = &[
    "cvv", "cvc", "csc", "cvn", "cid", "security", "seccode", "cardcode",
];
/// Field names of an expiry or its parts.
const EXPIRY_KEYS: &[&str] = &["exp", "month", "year", "valid", "mm", "yy"];

fn with(chain: &[String], last: &str) -> Vec<String> {
    let mut out = chain.to_vec();
    out.push(last.to_string());
    out
}

/// Byte offsets of the card number as digits, or grouped by spaces or
/// dashes, in `text`.
fn card_positions(text: &str, card: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let grouped = |sep: &str| {
        card.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(sep)
    };
    for needle in [card.to_string(), grouped(" "), grouped("-")] {
        out.extend(text.match_indices(&needle).map(|(i, _)| i).take(16));
    }
    out
}

/// The masked card (first six, 2–12 mask characters, last four) in `text`:
/// where, and the text.
fn masked_card(text: &str, card: &str) -> Option<(usize, String)> {
    let (first, last) = (&card[..6], &card[card.len() - 4..]);
    for (at, _) in text.match_indices(first).take(64) {
        let rest = &text[at + first.len()..];
        let mut masks = 0;
        let mut consumed = 0;
        for c in rest.chars() {
            if matches!(c, '*' | 'x' | 'X' | '•' | '#' | '.' | '…') {
                masks += 1;
            } else if !matches!(c, ' ' | '-') {
                break;
            }
            consumed += c.len_utf8();
            if consumed > 40 {
                break;
            }
        }
        if !(MASK_RUN.0..=MASK_RUN.1).contains(&masks) {
            continue;
        }
        let tail = &rest[consumed..];
        if tail.starts_with(last) && !tail[4..].starts_with(|c: char| c.is_ascii_digit()) {
            let end = at + first.len() + consumed + 4;
            return Some((at, text[at..end].to_string()));
        }
    }
    None
}

/// Where `token` occurs as a whole number (no digit on either side).
fn number_tokens<'a>(text: &'a str, token: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(token)
        .map(|(i, _)| i)
        .filter(move |&i| {
            let before = text[..i].chars().next_back();
            let after = text[i + token.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| c.is_ascii_digit())
        })
        .take(256)
}

/// The field name just before offset `at` (`"cvc":"` or `cvc=`), lower
/// case, when the value is a field's.
fn key_before(text: &str, at: usize) -> Option<String> {
    let head = &text[..at];
    let head = head.trim_end_matches(['"', '\'', ' ']);
    let head = head.strip_suffix([':', '='])?;
    let head = head.trim_end_matches(['"', '\'', ' ', '\\']);
    let key: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!key.is_empty()).then(|| key.to_lowercase())
}

/// A value (one of `spellings`) next to the card, or as a field named by
/// one of `keys`: the matched text and how it was recognised.
fn companion(
    text: &str,
    near: &[usize],
    spellings: &[String],
    keys: &[&str],
) -> Option<(String, String)> {
    for spelling in spellings {
        for at in number_tokens(text, spelling) {
            if let Some(key) = key_before(text, at)
                && keys.iter().any(|k| key.contains(k))
            {
                return Some((spelling.clone(), format!("field {key}")));
            }
            if near.iter().any(|&c| c.abs_diff(at) <= NEAR_CARD_BYTES) {
                return Some((spelling.clone(), "next to the card number".to_string()));
            }
        }
    }
    None
}

/// The expiry: `MM/YY`, `MM/YYYY`, `MM-YY`, `MMYY` next to the card or as
/// a field, or its month and year as two fields.
fn expiry(text: &str, near: &[usize], month: u32, year: u32) -> Option<(String, String)> {
    let (mm, yy, yyyy) = (
        format!("{month:02}"),
        format!("{year:02}"),
        format!("20{year:02}"),
    );
    let joined: Vec<String> = [
        format!("{mm}/{yy}"),
        format!("{mm}/{yyyy}"),
        format!("{mm}-{yy}"),
        format!("{mm} / {yy}"),
        format!("{mm}{yy}"),
        format!("{mm}/{yyyy}"),
    ]
    .into_iter()
    .collect();
    if let Some(hit) = companion(text, near, &joined, EXPIRY_KEYS) {
        return Some(hit);
    }
    let month_field = [mm.clone(), month.to_string()]
        .into_iter()
        .find_map(|m| field_value(text, &m, &["month", "mm", "exp_m", "expm"]));
    let year_field = [yyyy.clone(), yy.clone()]
        .into_iter()
        .find_map(|y| field_value(text, &y, &["year", "yy", "exp_y", "expy"]));
    match (month_field, year_field) {
        (Some(m), Some(y)) => Some((format!("{mm} {yyyy}"), format!("fields {m} and {y}"))),
        _ => None,
    }
}

/// The name of a field named by one of `keys` whose value is `value`.
fn field_value(text: &str, value: &str, keys: &[&str]) -> Option<String> {
    number_tokens(text, value)
        .filter_map(|at| key_before(text, at))
        .find(|key| keys.iter().any(|k| key.contains(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> CardValues {
        let canary = |kind, value: &str| Canary {
            kind,
            value: value.to_string(),
            field: String::new(),
            frame_url: String::new(),
            typed_at_ms: 0,
        };
        CardValues::of(&[
            canary(CanaryKind::CardNumber, "4000001234567899"),
            canary(CanaryKind::CardExpiry, "07/29"),
            canary(CanaryKind::CardCvv, "738"),
        ])
    }

    fn kinds(hits: &[Hit]) -> Vec<usize> {
        hits.iter().map(|h| h.canary).collect()
    }

    #[test]
    fn cvv_and_expiry_count_next_to_the_card() {
        let hits = values().search(b"c=4000001234567899|07/29|738", true);
        assert_eq!(kinds(&hits), vec![2, 1], "{hits:?}");
    }

    #[test]
    fn cvv_counts_as_a_named_field_in_json_or_a_form() {
        let hits = values().search(
            br#"{"pan":"tok_x","cvc":"738","exp_month":"07","exp_year":"2029"}"#,
            false,
        );
        assert_eq!(kinds(&hits), vec![2, 1], "{hits:?}");
        let hits = values().search(b"security_code=738", false);
        assert_eq!(kinds(&hits), vec![2], "{hits:?}");
    }

    #[test]
    fn a_stray_number_is_not_a_leak() {
        assert!(values().search(b"id=738&t=07/29&n=17385", false).is_empty());
        // Part of a longer number, even next to the card.
        assert!(
            values()
                .search(b"4000001234567899 x 17385 0729123", true)
                .is_empty()
        );
    }

    #[test]
    fn the_masked_form_is_found_whole_only() {
        let hits = values().search(b"{\"card\":\"400000******7899\"}", false);
        assert_eq!(kinds(&hits), vec![0]);
        assert!(hits[0].encodings.iter().any(|e| e.contains("first 6")));
        assert!(values().search(b"400000******7898", false).is_empty());
        assert!(values().search(b"4000007899", false).is_empty());
    }

    #[test]
    fn values_are_found_inside_base64() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::STANDARD
            .encode(br#"{"n":"4000 0012 3456 7899","cvv":"738","exp":"07/29"}"#);
        let hits = values().search(payload.as_bytes(), true);
        assert_eq!(hits.len(), 2, "{hits:?}");
    }
}
