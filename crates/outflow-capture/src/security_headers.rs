//! The response headers a capture keeps on every response, whether it was
//! recorded live or imported from a HAR file: the security headers, the
//! cross-origin and reporting ones, and the redirects and cookies that
//! place data elsewhere.

/// The response headers kept on every [`outflow_model::Response`]
/// (compared without regard to ASCII case).
pub(crate) const SECURITY_HEADERS: &[&str] = &[
    "content-security-policy",
    "content-security-policy-report-only",
    "strict-transport-security",
    "x-frame-options",
    "x-content-type-options",
    "x-xss-protection",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-embedder-policy",
    "cross-origin-resource-policy",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "timing-allow-origin",
    "set-cookie",
    "location",
    "report-to",
    "reporting-endpoints",
    "nel",
];

/// Whether a response header named `name` is kept.
pub(crate) fn is_security_header(name: &str) -> bool {
    SECURITY_HEADERS
        .iter()
        .any(|kept| name.eq_ignore_ascii_case(kept))
}
