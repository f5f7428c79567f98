//! Escaping for HTML text and attribute values. Every string in a report
//! may come from a hostile page, so every string goes through [`text`]
//! before it reaches the document; nothing is ever written raw.

use crate::style::clean;

/// Longest string shown in full; longer ones are cut (with their length
/// noted) so that one hostile value cannot bloat the report.
pub(crate) const MAX_SHOWN: usize = 4000;

/// Escapes text for HTML element content and quoted attribute values:
/// `& < > " '` become entities, and control, bidirectional and invisible
/// formatting characters become visible `\u{…}` escapes (see
/// [`crate::clean`]) so that a reader sees what is really there.
pub(crate) fn text(raw: &str) -> String {
    let cut;
    let raw = if raw.chars().count() > MAX_SHOWN {
        let total = raw.len();
        cut = format!(
            "{}… ({total} bytes in all)",
            raw.chars().take(MAX_SHOWN).collect::<String>()
        );
        cut.as_str()
    } else {
        raw
    };
    let cleaned = clean(raw);
    let mut out = String::with_capacity(cleaned.len() + 16);
    for c in cleaned.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An `href` for a source link, only for plain `http(s)` URLs (never
/// `javascript:`, `data:` or relative ones); escaped.
pub(crate) fn link(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    let safe = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    safe.then(|| text(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_inert() {
        assert_eq!(
            text("\"><img src=x onerror='a()'>"),
            "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;"
        );
        assert_eq!(text("</script>"), "&lt;/script&gt;");
    }

    #[test]
    fn only_http_links() {
        assert!(link("javascript:alert(1)").is_none());
        assert!(link("JaVaScRiPt:alert(1)").is_none());
        assert!(link("data:text/html,x").is_none());
        assert!(link("https://ok.test/\"x").is_some_and(|l| l.contains("&quot;")));
        assert!(link("https://ok.test/\nx").is_none());
    }

    #[test]
    fn long_values_are_cut() {
        let long = "a".repeat(MAX_SHOWN * 3);
        assert!(text(&long).len() < MAX_SHOWN + 100);
    }
}
