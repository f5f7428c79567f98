//! The values a person typed while recording a HAR, as the capture's
//! canaries: given with `--typed KIND=VALUE` / `--typed-file FILE`, or taken
//! from the recording's own first-party form submissions and login requests
//! (`--typed-from-forms`).
//!
//! A HAR does not record typing, so the leak rules have nothing to search
//! for until they are told what was typed. Values taken from forms follow
//! the canary search's rules: a field's kind comes from its name (e-mail,
//! password, phone, user name, person's name), fields of no such kind
//! (tokens, flags) are not taken, and values shorter than
//! [`outflow_detect::canary::MIN_TERM_CHARS`] or common words (`true`,
//! `null`…) are not searched. The moment the form was submitted is the
//! first navigation or first-party request that carries a typed value.
//!
//! The values may be real credentials: terminal output shows them masked
//! ([`mask`]) unless `--show-typed`; the evidence bundle keeps them in full
//! (in the capture) so that `outflow verify` recomputes the same findings.

use std::collections::BTreeSet;
use std::path::PathBuf;

use outflow_detect::canary::MIN_TERM_CHARS;
use outflow_model::{Canary, CanaryKind, Capture, Request, host_of};

use crate::error::{Result, SessionError};

/// Most canaries taken from one recording's forms.
const MAX_FORM_CANARIES: usize = 64;
/// Values never searched: too common to mean the person typed them.
const COMMON_VALUES: [&str; 12] = [
    "true",
    "false",
    "null",
    "undefined",
    "on",
    "off",
    "yes",
    "no",
    "submit",
    "login",
    "signin",
    "password",
];

/// What was asked about typed values.
#[derive(Debug, Clone, Default)]
pub struct TypedOptions {
    /// `--typed KIND=VALUE`, as given.
    pub typed: Vec<String>,
    /// `--typed-file FILE`: one `KIND=VALUE` a line (`#` comments).
    pub typed_file: Option<PathBuf>,
    /// `--typed-from-forms`.
    pub from_forms: bool,
    /// `--show-typed`: print the values in full.
    pub show: bool,
}

/// A value given by the user, with its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedValue {
    /// What it stands for.
    pub kind: CanaryKind,
    /// The value.
    pub value: String,
    /// Where it was given (`--typed`, the file and line).
    pub given: String,
}

impl TypedOptions {
    /// The values of `--typed` and `--typed-file`; an error names the first
    /// that is not `KIND=VALUE` with a known kind.
    pub fn given_values(&self) -> Result<Vec<TypedValue>> {
        let mut out = Vec::new();
        for (i, item) in self.typed.iter().enumerate() {
            out.push(parse(item, &format!("--typed #{}", i + 1))?);
        }
        if let Some(file) = &self.typed_file {
            let text = std::fs::read_to_string(file).map_err(|e| {
                SessionError::Typed(format!("reading --typed-file {}: {e}", file.display()))
            })?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.trim_start().starts_with('#') {
                    continue;
                }
                out.push(parse(line, &format!("{}:{}", file.display(), n + 1))?);
            }
        }
        Ok(out)
    }
}

/// `KIND=VALUE` read at `given`.
fn parse(item: &str, given: &str) -> Result<TypedValue> {
    let (kind, value) = item.split_once('=').ok_or_else(|| {
        SessionError::Typed(format!(
            "{given}: expected KIND=VALUE (e.g. email=a@b.example)"
        ))
    })?;
    let kind: CanaryKind = kind
        .parse()
        .map_err(|e: outflow_model::UnknownCanaryKind| {
            SessionError::Typed(format!("{given}: {e}"))
        })?;
    if value.is_empty() {
        return Err(SessionError::Typed(format!("{given}: empty value")));
    }
    Ok(TypedValue {
        kind,
        value: value.to_string(),
        given: given.to_string(),
    })
}

/// Sets the capture's canaries: the given values, then (with
/// `from_forms`) those of its first-party form submissions; and marks the
/// submission moment. Returns notes on what was not taken.
pub fn apply(capture: &mut Capture, given: &[TypedValue], from_forms: bool) -> Vec<String> {
    let mut notes = Vec::new();
    let frame_url = capture.target.clone();
    let mut seen: BTreeSet<(CanaryKind, String)> = BTreeSet::new();
    for value in given {
        if value.value.chars().count() < MIN_TERM_CHARS {
            notes.push(format!(
                "{}: a {} value shorter than {MIN_TERM_CHARS} characters is not searched",
                value.given, value.kind
            ));
        }
        if seen.insert((value.kind, value.value.clone())) {
            capture.canaries.push(Canary {
                kind: value.kind,
                value: value.value.clone(),
                field: format!("{} (given with {})", value.kind, value.given),
                frame_url: frame_url.clone(),
                typed_at_ms: 0,
            });
        }
    }
    if from_forms {
        let site = host_of(&capture.target).map(|h| site_of(&h));
        let mut taken = 0usize;
        for request in &capture.requests {
            let first_party = host_of(&request.url).map(|h| site_of(&h)) == site;
            if !first_party || !is_submission(request) {
                continue;
            }
            for (name, value) in form_fields(request) {
                let Some(kind) = kind_of_field(&name) else {
                    continue;
                };
                if !searchable(kind, &value) || !seen.insert((kind, value.clone())) {
                    continue;
                }
                if taken == MAX_FORM_CANARIES {
                    notes.push(format!(
                        "more than {MAX_FORM_CANARIES} form values; the rest not searched"
                    ));
                    break;
                }
                taken += 1;
                capture.canaries.push(Canary {
                    kind,
                    value,
                    field: format!("field {name:?} submitted to {}", request.url),
                    frame_url: frame_url.clone(),
                    typed_at_ms: request.time_ms,
                });
            }
        }
        if taken == 0 {
            notes.push(
                "--typed-from-forms: no first-party form submission or login request with an \
                 e-mail, password, phone or user-name field was found"
                    .to_string(),
            );
        }
    }
    let submitted_at = capture
        .requests
        .iter()
        .filter(|r| is_navigation(r) || is_submission(r))
        .filter(|r| carries_any(r, &capture.canaries))
        .map(|r| r.time_ms)
        .min();
    capture.submitted = submitted_at.is_some();
    capture.submitted_at_ms = submitted_at;
    notes
}

/// The registrable domain of a host (the host itself when it has none).
fn site_of(host: &str) -> String {
    outflow_intel::registrable_domain(host)
        .unwrap_or(host)
        .to_ascii_lowercase()
}

/// A request a form or a login script makes: one with a body, or a
/// navigation with a query.
fn is_submission(request: &Request) -> bool {
    request.body.is_some() && !request.method.eq_ignore_ascii_case("GET")
        || (is_navigation(request) && request.url.contains('?'))
}

/// A navigation (a page or frame loading), as every HAR writer shows it:
/// the resource type, or the headers browsers send only on navigations.
fn is_navigation(request: &Request) -> bool {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.to_ascii_lowercase())
    };
    request.resource_type == "Document"
        || header("sec-fetch-mode").as_deref() == Some("navigate")
        || header("upgrade-insecure-requests").is_some()
}

/// Whether the request's URL or body holds one of the values as typed or
/// form-encoded.
fn carries_any(request: &Request, canaries: &[Canary]) -> bool {
    let body = request.body.as_ref().map(|b| b.text.as_str()).unwrap_or("");
    canaries.iter().any(|c| {
        spellings(&c.value)
            .iter()
            .any(|s| request.url.contains(s.as_str()) || body.contains(s.as_str()))
    })
}

/// A value as typed, percent-encoded, and form-encoded.
fn spellings(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string(), percent_encoded(value, false)];
    out.push(percent_encoded(value, true));
    out.dedup();
    out
}

/// What terminal output must not show of a value: its spellings, in
/// either case, with its last character or not, encoded once or twice.
fn shown_spellings(value: &str) -> Vec<String> {
    let mut bases = vec![
        value.to_string(),
        value.to_uppercase(),
        value.to_lowercase(),
    ];
    let mut shorter = value.chars();
    shorter.next_back();
    if shorter.as_str().chars().count() >= MIN_TERM_CHARS {
        bases.push(shorter.as_str().to_string());
    }
    let mut out = Vec::new();
    for base in bases {
        for spelling in spellings(&base) {
            out.push(percent_encoded(&spelling, false));
            out.push(spelling);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `encodeURIComponent`, or `application/x-www-form-urlencoded` (`+` for
/// a space, `*-._` kept) with `form`.
fn percent_encoded(value: &str, form: bool) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(byte as char),
            b'!' | b'~' | b'\'' | b'(' | b')' if !form => out.push(byte as char),
            b'*' => out.push('*'),
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The (name, value) pairs of a form body (URL-encoded, multipart or JSON)
/// or of a navigation's query.
fn form_fields(request: &Request) -> Vec<(String, String)> {
    let content_type = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.to_ascii_lowercase())
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(body) = request.body.as_ref().filter(|b| !b.base64) {
        let text = body.text.trim_start();
        if content_type.starts_with("multipart/form-data") {
            out.extend(multipart_fields(&body.text, &content_type));
        } else if content_type.contains("json") || text.starts_with('{') {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                json_fields(&value, "", &mut out, 0);
            }
        } else {
            out.extend(urlencoded_fields(&body.text));
        }
    }
    if let Some((_, query)) = request.url.split_once('?') {
        out.extend(urlencoded_fields(query.split('#').next().unwrap_or("")));
    }
    out
}

fn urlencoded_fields(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (form_decoded(name), form_decoded(value)))
        .collect()
}

/// `+` as a space, then percent escapes, lossily.
fn form_decoded(text: &str) -> String {
    let bytes = text.replace('+', " ");
    let bytes = bytes.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn multipart_fields(text: &str, content_type: &str) -> Vec<(String, String)> {
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
    else {
        return Vec::new();
    };
    // The boundary's case as sent: find it in the body itself.
    let marker = format!("--{boundary}");
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut starts: Vec<usize> = lower.match_indices(&marker).map(|(i, _)| i).collect();
    starts.push(text.len());
    for pair in starts.windows(2) {
        let part = &text[pair[0] + marker.len()..pair[1]];
        let Some((head, value)) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
        else {
            continue;
        };
        let Some(name) = head
            .split(';')
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.split(['\r', '\n']).next().unwrap_or("").trim_matches('"'))
        else {
            continue;
        };
        if head.to_ascii_lowercase().contains("filename=") {
            continue;
        }
        out.push((
            name.to_string(),
            value.trim_end_matches(['\r', '\n']).to_string(),
        ));
    }
    out
}

/// String leaves of a JSON body, named by their key (nested keys joined
/// with `.`), to a small depth.
fn json_fields(value: &serde_json::Value, name: &str, out: &mut Vec<(String, String)>, depth: u8) {
    if depth > 8 || out.len() > 256 {
        return;
    }
    match value {
        serde_json::Value::String(s) => out.push((name.to_string(), s.clone())),
        serde_json::Value::Number(n) => out.push((name.to_string(), n.to_string())),
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let key = if name.is_empty() {
                    key.clone()
                } else {
                    format!("{name}.{key}")
                };
                json_fields(inner, &key, out, depth + 1);
            }
        }
        serde_json::Value::Array(items) => {
            for inner in items {
                json_fields(inner, name, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The kind of value a field holds, from its name (its last segment for
/// nested JSON keys): `None` for fields that hold no typed data.
pub fn kind_of_field(name: &str) -> Option<CanaryKind> {
    let last = name.rsplit(['.', '[']).next().unwrap_or(name);
    let word: String = last
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| word.contains(p));
    if has(&[
        "token", "csrf", "nonce", "captcha", "hash", "remember", "redirect", "return",
    ]) {
        return None;
    }
    if has(&[
        "password", "passwd", "pwd", "passcode", "pass", "secret", "pin",
    ]) {
        return Some(CanaryKind::Password);
    }
    if has(&["email", "mail"]) {
        return Some(CanaryKind::Email);
    }
    if has(&["phone", "mobile", "msisdn", "tel"]) {
        return Some(CanaryKind::Phone);
    }
    if has(&["user", "login", "account", "identifier", "handle", "nick"]) {
        return Some(CanaryKind::Username);
    }
    if has(&[
        "firstname",
        "lastname",
        "fullname",
        "surname",
        "givenname",
        "familyname",
    ]) || word == "name"
    {
        return Some(CanaryKind::Name);
    }
    None
}

/// Whether a value of `kind` is worth searching: long enough, not a
/// common word, and shaped like its kind (an e-mail has an `@`, a phone
/// number has digits).
fn searchable(kind: CanaryKind, value: &str) -> bool {
    let trimmed = value.trim();
    if trimmed.chars().count() < MIN_TERM_CHARS
        || COMMON_VALUES
            .iter()
            .any(|c| trimmed.eq_ignore_ascii_case(c))
    {
        return false;
    }
    match kind {
        CanaryKind::Email => trimmed.contains('@'),
        CanaryKind::Phone => trimmed.chars().filter(char::is_ascii_digit).count() >= 6,
        _ => true,
    }
}

/// A value as terminal output shows it: its first two characters and its
/// length (`te…(22 chars)`).
pub fn mask(value: &str) -> String {
    let head: String = value.chars().take(2).collect();
    format!("{head}…({} chars)", value.chars().count())
}

/// `text` with every spelling (as typed, in either case, with its last
/// character or not, percent- or form-encoded, once or twice) of each value
/// masked; longest first, so that one value inside another is
/// masked whole.
pub fn masked(text: &str, values: &[String]) -> String {
    let mut pairs: Vec<(String, String)> = values
        .iter()
        .flat_map(|v| shown_spellings(v).into_iter().map(move |s| (s, mask(v))))
        .filter(|(s, _)| !s.is_empty())
        .collect();
    pairs.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for (spelling, shown) in pairs {
        if out.contains(&spelling) {
            out = out.replace(&spelling, &shown);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_bad_ones_are_named() {
        let v = parse("email=a.person@example.org", "--typed #1").unwrap();
        assert_eq!(v.kind, CanaryKind::Email);
        assert_eq!(v.value, "a.person@example.org");
        assert_eq!(
            parse("password=a=b", "x").unwrap().value,
            "a=b",
            "only the first = splits"
        );
        let e = parse("shoe=42", "--typed #2").unwrap_err().to_string();
        assert!(
            e.contains("unknown canary kind") && e.contains("--typed #2"),
            "{e}"
        );
        assert!(parse("email", "x").is_err());
    }

    #[test]
    fn field_names_give_kinds() {
        assert_eq!(kind_of_field("email"), Some(CanaryKind::Email));
        assert_eq!(kind_of_field("user.login_email"), Some(CanaryKind::Email));
        assert_eq!(kind_of_field("pwd"), Some(CanaryKind::Password));
        assert_eq!(kind_of_field("phone"), Some(CanaryKind::Phone));
        assert_eq!(kind_of_field("username"), Some(CanaryKind::Username));
        assert_eq!(kind_of_field("csrf_token"), None);
        assert_eq!(kind_of_field("remember_me"), None);
        assert_eq!(kind_of_field("lang"), None);
    }

    #[test]
    fn short_and_common_values_are_not_searched() {
        assert!(!searchable(CanaryKind::Password, "abc"));
        assert!(!searchable(CanaryKind::Username, "true"));
        assert!(!searchable(CanaryKind::Email, "not-an-address"));
        assert!(searchable(CanaryKind::Password, "S3cret!"));
    }

    #[test]
    fn forms_of_every_encoding_give_fields() {
        let mut request = outflow_model::Request {
            id: "r".into(),
            url: "https://site.example/login".into(),
            method: "POST".into(),
            resource_type: "XHR".into(),
            headers: vec![outflow_model::Header {
                name: "Content-Type".into(),
                value: "multipart/form-data; boundary=XyZ".into(),
            }],
            body: Some(outflow_model::Body {
                text: "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.example\r\n--XyZ--\r\n".into(),
                base64: false,
                size: 0,
                truncated: false,
            }),
            initiator: outflow_model::Initiator {
                kind: "other".into(),
                url: None,
                script_id: None,
                stack: Vec::new(),
            },
            frame_id: None,
            response: None,
            failure: None,
            redirected_from: None,
            websocket_frames: Vec::new(),
            event_source_messages: Vec::new(),
            worker_url: None,
            time_ms: 0,
        };
        assert_eq!(
            form_fields(&request),
            [("email".into(), "a@b.example".into())]
        );
        request.headers[0].value = "application/json".into();
        request.body.as_mut().unwrap().text = r#"{"user": {"password": "S3cret!"}}"#.into();
        assert_eq!(
            form_fields(&request),
            [("user.password".into(), "S3cret!".into())]
        );
        request.headers.clear();
        request.body.as_mut().unwrap().text = "email=a%40b.example&pw=x+y".into();
        assert_eq!(
            form_fields(&request),
            [
                ("email".into(), "a@b.example".into()),
                ("pw".into(), "x y".into())
            ]
        );
    }

    #[test]
    fn masking_hides_every_spelling() {
        let values = vec!["test.account@example.org".to_string()];
        let text = "sent test.account@example.org and test.account%40example.or, \
                    TEST.ACCOUNT@EXAMPLE.ORG, test.account%2540example.org";
        let out = masked(text, &values);
        assert!(!out.contains("account"), "{out}");
        assert!(out.contains("te…(24 chars)"), "{out}");
    }
}
