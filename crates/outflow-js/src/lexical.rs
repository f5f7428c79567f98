//! A lexical fallback: the string literals of text that could not be parsed.
//!
//! Used on the regions the parser had to leave out ([`crate::parse`]) so
//! that a URL after a syntax error is still reported. It knows quotes,
//! backslash escapes and comments, not the grammar: a regular expression
//! literal containing a quote can make it pair quotes wrongly, which only
//! costs precision in text that is broken anyway.

/// Longest literal kept.
const MAX_LITERAL: usize = 8192;

/// String literals in `text[start..end]`: (byte range of the literal
/// including quotes, its value with simple escapes decoded).
pub fn string_literals(text: &str, start: usize, end: usize) -> Vec<((u32, u32), String)> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr_newline(bytes, i, end);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..end].find("*/").map_or(end, |j| i + 2 + j + 2);
            }
            quote @ (b'"' | b'\'' | b'`') => {
                let open = i;
                let mut value = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < end {
                    let b = bytes[j];
                    if b == quote {
                        closed = true;
                        break;
                    }
                    if b == b'\n' && quote != b'`' {
                        break;
                    }
                    if b == b'\\' && j + 1 < end {
                        let (decoded, used) = escape(&text[j..end]);
                        value.push_str(&decoded);
                        j += used;
                        continue;
                    }
                    let c = text[j..].chars().next().unwrap_or(' ');
                    value.push(c);
                    j += c.len_utf8();
                }
                if closed && value.len() <= MAX_LITERAL {
                    out.push(((open as u32, (j + 1) as u32), value));
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn memchr_newline(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes[from..end]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(end, |p| from + p)
}

/// Decodes one escape at the start of `s` (which starts with a backslash):
/// the text and the bytes consumed.
fn escape(s: &str) -> (String, usize) {
    let rest = &s[1..];
    let hex = |len: usize| -> Option<char> {
        let digits = rest.get(1..1 + len)?;
        char::from_u32(u32::from_str_radix(digits, 16).ok()?)
    };
    match rest.chars().next() {
        Some('x') => hex(2).map_or((String::new(), 2), |c| (c.to_string(), 4)),
        Some('u') if rest.as_bytes().get(1) != Some(&b'{') => {
            hex(4).map_or((String::new(), 2), |c| (c.to_string(), 6))
        }
        Some('n') => ("\n".into(), 2),
        Some('t') => ("\t".into(), 2),
        Some(c) => (c.to_string(), 1 + c.len_utf8()),
        None => (String::new(), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_literals_and_skips_comments() {
        let text = r#"x = "https://a.com"; // "not this"
        /* 'nor this' */ y('\x68ttp://b.cn', `t`)"#;
        let found: Vec<String> = string_literals(text, 0, text.len())
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(found, vec!["https://a.com", "http://b.cn", "t"]);
    }

    #[test]
    fn unterminated_literals_are_dropped() {
        assert!(string_literals("x = 'abc\ny", 0, 10).is_empty());
    }
}
