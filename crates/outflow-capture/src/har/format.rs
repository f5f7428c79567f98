//! The parts of HAR 1.2 (and Chrome's and Playwright's `_` extensions) that
//! outflow reads, as borrowed serde types.
//!
//! Strings borrow from the file's bytes where JSON needs no unescaping
//! (`Cow`), so reading a HAR costs little more than the file itself. Each
//! entry is first kept as a raw JSON slice ([`RawValue`]) and read on its
//! own: one malformed entry becomes a note instead of failing the file, and
//! only one entry's parts are alive at a time. Every list is read through
//! [`Capped`], which keeps its first items and only counts the rest, so a
//! file with millions of entries or headers cannot grow memory past the caps.
//! Fields of the wrong type are read as absent ([`lenient`]) rather than
//! failing the entry.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::value::RawValue;

/// Most entries read.
pub const MAX_ENTRIES: usize = 100_000;
/// Most pages read.
pub const MAX_PAGES: usize = 10_000;
/// Most headers, cookies or form parameters read per message.
pub const MAX_FIELDS: usize = 500;
/// Most WebSocket messages read per connection.
pub const MAX_MESSAGES: usize = 1_000;

/// A HAR file's top level.
#[derive(Deserialize)]
pub struct Root<'a> {
    /// The `log` object.
    #[serde(borrow)]
    pub log: Log<'a>,
}

/// `log`.
#[derive(Deserialize)]
pub struct Log<'a> {
    /// The exporter.
    #[serde(default, deserialize_with = "lenient")]
    pub creator: Option<NameVersion>,
    /// The browser recorded.
    #[serde(default, deserialize_with = "lenient")]
    pub browser: Option<NameVersion>,
    /// The pages.
    #[serde(default, borrow)]
    pub pages: Option<Capped<Page<'a>, MAX_PAGES>>,
    /// The entries, each as raw JSON, read one at a time.
    #[serde(borrow)]
    pub entries: Capped<&'a RawValue, MAX_ENTRIES>,
}

/// A `creator` or `browser` object.
#[derive(Deserialize, Default)]
pub struct NameVersion {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its version.
    #[serde(default)]
    pub version: Option<String>,
}

/// A page: a top-level document.
#[derive(Deserialize)]
pub struct Page<'a> {
    /// Its id, named by entries' `pageref`.
    #[serde(default, borrow)]
    pub id: Option<Cow<'a, str>>,
    /// Its title (the page URL, for Chrome and Playwright).
    #[serde(default, borrow)]
    pub title: Option<Cow<'a, str>>,
}

/// One request and its response.
#[derive(Deserialize)]
pub struct Entry<'a> {
    /// The page it belongs to.
    #[serde(default, borrow)]
    pub pageref: Option<Cow<'a, str>>,
    /// When it started (ISO 8601).
    #[serde(rename = "startedDateTime", default, borrow)]
    pub started: Option<Cow<'a, str>>,
    /// The request.
    #[serde(default, borrow)]
    pub request: Option<HarRequest<'a>>,
    /// The response.
    #[serde(default, borrow)]
    pub response: Option<HarResponse<'a>>,
    /// The server's address.
    #[serde(rename = "serverIPAddress", default, borrow)]
    pub server_ip: Option<Cow<'a, str>>,
    /// Chrome's and Playwright's resource type.
    #[serde(rename = "_resourceType", default, borrow)]
    pub resource_type: Option<Cow<'a, str>>,
    /// Chrome's initiator (with its stack).
    #[serde(rename = "_initiator", default, deserialize_with = "lenient")]
    pub initiator: Option<serde_json::Value>,
    /// Chrome's network error text.
    #[serde(rename = "_error", default, borrow)]
    pub error: Option<Cow<'a, str>>,
    /// Chrome's WebSocket messages.
    #[serde(rename = "_webSocketMessages", default, borrow)]
    pub websocket_messages: Option<Capped<WebSocketMessage<'a>, MAX_MESSAGES>>,
}

/// `request`.
#[derive(Deserialize)]
pub struct HarRequest<'a> {
    /// The method.
    #[serde(default, borrow)]
    pub method: Option<Cow<'a, str>>,
    /// The URL.
    #[serde(default, borrow)]
    pub url: Option<Cow<'a, str>>,
    /// Headers.
    #[serde(default, borrow)]
    pub headers: Option<Capped<NameValue<'a>, MAX_FIELDS>>,
    /// Cookies sent.
    #[serde(default, borrow)]
    pub cookies: Option<Capped<NameValue<'a>, MAX_FIELDS>>,
    /// The body.
    #[serde(rename = "postData", default, borrow)]
    pub post_data: Option<PostData<'a>>,
}

/// `response`.
#[derive(Deserialize)]
pub struct HarResponse<'a> {
    /// The status (0: none).
    #[serde(default, deserialize_with = "lenient")]
    pub status: Option<f64>,
    /// Headers.
    #[serde(default, borrow)]
    pub headers: Option<Capped<NameValue<'a>, MAX_FIELDS>>,
    /// Cookies set.
    #[serde(default, borrow)]
    pub cookies: Option<Capped<NameValue<'a>, MAX_FIELDS>>,
    /// The body.
    #[serde(default, borrow)]
    pub content: Option<Content<'a>>,
    /// The redirect target.
    #[serde(rename = "redirectURL", default, borrow)]
    pub redirect_url: Option<Cow<'a, str>>,
    /// The protocol.
    #[serde(rename = "httpVersion", default, borrow)]
    pub http_version: Option<Cow<'a, str>>,
}

/// A header, cookie or form parameter.
#[derive(Deserialize)]
pub struct NameValue<'a> {
    /// Its name.
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    /// Its value.
    #[serde(default, borrow)]
    pub value: Option<Cow<'a, str>>,
}

/// `postData`.
#[derive(Deserialize)]
pub struct PostData<'a> {
    /// Its media type.
    #[serde(rename = "mimeType", default, borrow)]
    pub mime_type: Option<Cow<'a, str>>,
    /// The body text.
    #[serde(default, borrow)]
    pub text: Option<Cow<'a, str>>,
    /// `base64` when `text` is base64 (an extension some writers use).
    #[serde(default, borrow)]
    pub encoding: Option<Cow<'a, str>>,
    /// Form parameters.
    #[serde(default, borrow)]
    pub params: Option<Capped<NameValue<'a>, MAX_FIELDS>>,
}

/// `response.content`.
#[derive(Deserialize)]
pub struct Content<'a> {
    /// Its media type, with its charset.
    #[serde(rename = "mimeType", default, borrow)]
    pub mime_type: Option<Cow<'a, str>>,
    /// The body text.
    #[serde(default, borrow)]
    pub text: Option<Cow<'a, str>>,
    /// `base64` when `text` is base64.
    #[serde(default, borrow)]
    pub encoding: Option<Cow<'a, str>>,
}

/// One of `_webSocketMessages`.
#[derive(Deserialize)]
pub struct WebSocketMessage<'a> {
    /// `send` or `receive`.
    #[serde(rename = "type", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
    /// Seconds since the epoch.
    #[serde(default, deserialize_with = "lenient")]
    pub time: Option<f64>,
    /// 1 text, 2 binary (then `data` is base64).
    #[serde(default, deserialize_with = "lenient")]
    pub opcode: Option<f64>,
    /// The payload.
    #[serde(default, borrow)]
    pub data: Option<Cow<'a, str>>,
}

/// A JSON array of which the first `N` items are kept and the rest counted.
pub struct Capped<T, const N: usize> {
    /// The first items.
    pub items: Vec<T>,
    /// How many more there were.
    pub dropped: usize,
}

impl<T, const N: usize> Default for Capped<T, N> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            dropped: 0,
        }
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Items<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Items<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Capped::<T, N>::default();
                while out.items.len() < N {
                    match seq.next_element()? {
                        Some(item) => out.items.push(item),
                        None => return Ok(out),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    out.dropped += 1;
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(Items::<T, N>(PhantomData))
    }
}

/// A field read as absent when it has another type than expected (a
/// number as a string, an object as `null`), so that one odd field does
/// not cost its whole entry. Only for owned types: the value is buffered.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Reads one entry from its raw JSON.
pub fn entry(raw: &RawValue) -> Result<Entry<'_>, serde_json::Error> {
    serde_json::from_str(raw.get())
}

/// Why a parse failed, in words: serde_json's recursion limit named as
/// what it guards.
pub fn parse_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if text.contains("recursion limit") {
        format!("JSON nested too deeply (more than 128 levels): {text}")
    } else {
        text
    }
}
