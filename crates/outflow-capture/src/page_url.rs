//! Which URLs a scan visits: `http` and `https` only, with a host.
//!
//! `file:`, `chrome:`, `view-source:`, `javascript:`, `data:`, `about:` and
//! every other scheme are refused before the browser starts: outflow
//! analyses what a web page does on the network, and a local file or a
//! browser page would let a scan target read the scanner's own machine.

use crate::error::CaptureFailure;

/// The URL a scan may visit, normalised, or why not.
pub fn check_page_url(text: &str) -> Result<String, CaptureFailure> {
    let refuse = |why: String| CaptureFailure::Options(format!("{text:?}: {why}"));
    let url = url::Url::parse(text.trim()).map_err(|e| refuse(format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(format!(
            "only http and https URLs are scanned, not {}:",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("the URL has no host".to_string()));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_with_a_host_are_scanned() {
        for bad in [
            "file:///etc/passwd",
            "file:/etc/passwd",
            "chrome://settings",
            "view-source:https://example.com/",
            "javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "about:blank",
            "ftp://example.com/",
            "ws://example.com/",
            "https://",
            "example.com",
        ] {
            assert!(check_page_url(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(
            check_page_url("https://Example.com/login").unwrap(),
            "https://example.com/login"
        );
        assert!(check_page_url("http://127.0.0.1:8080/").is_ok());
    }
}
