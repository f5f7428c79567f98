//! Cookies and web storage: `localStorage`/`sessionStorage` and
//! `document.cookie` writes from the instrumentation's records, and who set
//! each cookie of the jar (a `Set-Cookie` response or a script).

use outflow_model::{ApiAccess, Cookie, CookieSetter, Response, StorageArea, StorageWrite};
use serde_json::Value;

use super::Recorder;
use crate::fields::str_of;

/// Most storage writes recorded.
const MAX_STORAGE_WRITES: usize = 10_000;

impl Recorder {
    /// Remembers which response set each cookie name.
    pub(super) fn note_set_cookies(&mut self, response: &Response, request_id: &str) {
        for header in &response.security_headers {
            if header.name.eq_ignore_ascii_case("set-cookie")
                && let Some((name, _)) = header.value.split_once('=')
                && self.cookie_responses.len() < 10_000
            {
                self.cookie_responses
                    .insert(name.trim().to_string(), request_id.to_string());
            }
        }
    }

    /// A storage or `document.cookie` write among the instrumentation's
    /// records.
    pub(super) fn note_storage(
        &mut self,
        api: &str,
        access: ApiAccess,
        argument: &str,
        script_url: &str,
        frame_url: &str,
    ) {
        if self.storage_writes.len() >= MAX_STORAGE_WRITES {
            return;
        }
        let time_ms = Some(self.now_ms());
        let write = match (api, access) {
            ("Storage.setItem", ApiAccess::Call) => {
                let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(argument) else {
                    return;
                };
                let part = |i: usize| {
                    parts
                        .get(i)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                StorageWrite {
                    area: if part(0) == "session" {
                        StorageArea::Session
                    } else {
                        StorageArea::Local
                    },
                    key: part(1),
                    value: part(2),
                    script_url: script_url.to_string(),
                    frame_url: frame_url.to_string(),
                    time_ms,
                }
            }
            ("Document.cookie", ApiAccess::Set) => {
                let pair = argument.split(';').next().unwrap_or_default();
                let (key, value) = pair.split_once('=').unwrap_or(("", pair));
                let key = key.trim().to_string();
                if self.cookie_writers.len() < 10_000 {
                    self.cookie_writers
                        .insert(key.clone(), script_url.to_string());
                }
                StorageWrite {
                    area: StorageArea::Cookie,
                    key,
                    value: value.trim().to_string(),
                    script_url: script_url.to_string(),
                    frame_url: frame_url.to_string(),
                    time_ms,
                }
            }
            _ => return,
        };
        self.storage_writes.push(write);
    }

    /// Cookies from `Network.getAllCookies`, with who set each.
    pub(crate) fn cookies_from(&self, result: &Value) -> Vec<Cookie> {
        let Some(cookies) = result.get("cookies").and_then(Value::as_array) else {
            return Vec::new();
        };
        cookies
            .iter()
            .take(10_000)
            .map(|cookie| {
                let name = str_of(cookie, "name").to_string();
                let set_by = if let Some(request_id) = self.cookie_responses.get(&name) {
                    CookieSetter::Http {
                        request_id: request_id.clone(),
                    }
                } else if let Some(script_url) = self.cookie_writers.get(&name) {
                    CookieSetter::Script {
                        script_url: script_url.clone(),
                    }
                } else {
                    CookieSetter::Unknown
                };
                let session = cookie.get("session").and_then(Value::as_bool) == Some(true);
                Cookie {
                    value: str_of(cookie, "value").to_string(),
                    domain: str_of(cookie, "domain").to_string(),
                    path: str_of(cookie, "path").to_string(),
                    expires: if session {
                        None
                    } else {
                        cookie
                            .get("expires")
                            .and_then(Value::as_f64)
                            .filter(|e| *e > 0.0)
                            .map(|e| e as i64)
                    },
                    http_only: cookie.get("httpOnly").and_then(Value::as_bool) == Some(true),
                    secure: cookie.get("secure").and_then(Value::as_bool) == Some(true),
                    same_site: cookie
                        .get("sameSite")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    set_by,
                    name,
                }
            })
            .collect()
    }
}
