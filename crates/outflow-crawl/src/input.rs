//! The list of sites to crawl: one per line.

use std::collections::BTreeSet;
use std::io::BufRead;

use crate::error::CrawlError;
use crate::job::JobSpec;

/// Longest URL accepted; longer lines are reported and skipped.
pub const MAX_URL_LEN: usize = 2048;

/// Reads sites, one per line: URLs, or bare host names (as in the Tranco
/// and similar lists, also `rank,host`) which become `https://host/`. Blank
/// lines and `#` comments are skipped. Each site is paired with each
/// persona (`""` when the list is empty). Returns the jobs, without
/// duplicates, in input order, and one message per rejected line.
pub fn read_targets(
    reader: impl BufRead,
    personas: &[String],
) -> Result<(Vec<JobSpec>, Vec<String>), CrawlError> {
    let personas: Vec<String> = if personas.is_empty() {
        vec![String::new()]
    } else {
        personas.to_vec()
    };
    let mut seen = BTreeSet::new();
    let mut jobs = Vec::new();
    let mut rejected = Vec::new();
    for (index, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|source| CrawlError::Io {
            what: "reading the list of sites".to_string(),
            source,
        })?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match normalise(line) {
            Ok(url) => {
                if seen.insert(url.clone()) {
                    for persona in &personas {
                        jobs.push(JobSpec {
                            url: url.clone(),
                            persona: persona.clone(),
                        });
                    }
                }
            }
            Err(why) => rejected.push(format!("line {}: {why}", index + 1)),
        }
    }
    Ok((jobs, rejected))
}

fn normalise(line: &str) -> Result<String, String> {
    if line.len() > MAX_URL_LEN {
        return Err(format!("longer than {MAX_URL_LEN} bytes"));
    }
    // `rank,host` (Tranco's CSV).
    let line = match line.split_once(',') {
        Some((rank, host)) if rank.trim().bytes().all(|b| b.is_ascii_digit()) => host.trim(),
        _ => line,
    };
    if let Some(scheme) = named_scheme(line)
        && !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
    {
        return Err(format!("{line:?}: only http and https URLs are crawled"));
    }
    let text = if line.contains("://") {
        line.to_string()
    } else {
        format!("https://{line}/")
    };
    let url = url::Url::parse(&text).map_err(|e| format!("{line:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{line:?}: only http and https URLs are crawled"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{line:?} has no host"));
    }
    Ok(url.to_string())
}

/// The scheme a line starts with (`file:/etc/passwd`, `javascript:x`,
/// `mailto:a@b`), told apart from a bare `host:port` by what follows the
/// colon: a port starts with a digit.
fn named_scheme(line: &str) -> Option<&str> {
    let (scheme, rest) = line.split_once(':')?;
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (is_scheme && !rest.starts_with(|c: char| c.is_ascii_digit())).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls_hosts_and_ranked_hosts() {
        let input = "# top sites\nexample.com\n1,example.org\n\nhttp://a.test/login?x=1\nftp://no.test/\nexample.com\nhttps://\n";
        let (jobs, rejected) = read_targets(input.as_bytes(), &["us".into(), "cn".into()]).unwrap();
        let urls: Vec<(&str, &str)> = jobs
            .iter()
            .map(|j| (j.url.as_str(), j.persona.as_str()))
            .collect();
        assert_eq!(
            urls,
            [
                ("https://example.com/", "us"),
                ("https://example.com/", "cn"),
                ("https://example.org/", "us"),
                ("https://example.org/", "cn"),
                ("http://a.test/login?x=1", "us"),
                ("http://a.test/login?x=1", "cn"),
            ]
        );
        assert_eq!(rejected.len(), 2, "{rejected:?}");
        assert!(rejected[0].starts_with("line 6:"), "{rejected:?}");
    }

    #[test]
    fn no_persona_is_the_empty_persona() {
        let (jobs, _) = read_targets("a.test".as_bytes(), &[]).unwrap();
        assert_eq!(jobs[0].persona, "");
    }

    #[test]
    fn overlong_lines_are_rejected() {
        let line = format!("https://a.test/{}", "x".repeat(MAX_URL_LEN));
        let (jobs, rejected) = read_targets(line.as_bytes(), &[]).unwrap();
        assert!(jobs.is_empty());
        assert_eq!(rejected.len(), 1);
    }

    #[test]
    fn other_schemes_are_rejected_before_https_is_added() {
        for line in [
            "file:/etc/passwd",
            "FILE:/etc/passwd",
            "javascript:alert(1)",
            "view-source:https://a.test/",
            "chrome://settings",
            "data:text/html,x",
            "mailto:a@b.test",
        ] {
            let error = normalise(line).expect_err(line);
            assert!(error.contains("only http and https"), "{line}: {error}");
        }
        assert_eq!(normalise("a.test:8080").unwrap(), "https://a.test:8080/");
        assert_eq!(
            normalise("localhost:8443/x").unwrap(),
            "https://localhost:8443/x/"
        );
    }
}
