//! Wildcard patterns of policy entries.

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters (none included) and everything else matches itself, ASCII
/// case ignored. Linear in practice: the classic two-pointer match that
/// backtracks only to the last `*`, so a hostile URL cannot make it
/// explode.
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p].eq_ignore_ascii_case(&text[t]) {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_case() {
        assert!(matches(
            "https://js.stripe.com/v3/*",
            "https://js.stripe.com/v3/"
        ));
        assert!(matches(
            "https://js.stripe.com/v3/*",
            "https://JS.stripe.com/v3/x.js"
        ));
        assert!(!matches(
            "https://js.stripe.com/v3/*",
            "https://js.stripe.com/v2/x.js"
        ));
        assert!(matches("*.example.com", "a.b.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(!matches("*.example.com", "example.com.evil.test"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("*", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn long_hostile_input_finishes() {
        let text = "a".repeat(20_000);
        assert!(!matches("*a*a*a*a*a*b", &text));
    }
}
