//! The `<script src>` elements of every frame, as the observer of
//! [`crate::script_elements`] reports them, one per document, URL and
//! attributes; bounded, whatever the page inserts.

use std::collections::HashSet;

use outflow_model::{Frame, ScriptElement, ServedBody};
use serde_json::Value;

use crate::fields::{URL_LIMIT, truncate};

/// The binding the observer reports through (only in its isolated world,
/// see [`crate::script_elements`]).
pub(crate) const BINDING: &str = "__outflowScriptElements";
/// Most elements recorded per capture.
const MAX_ELEMENTS: usize = 5_000;
/// Attribute values are kept up to this many bytes.
const ATTRIBUTE_LIMIT: usize = 4096;
/// Largest observer batch read.
const BATCH_LIMIT: usize = 8 * 1024 * 1024;

/// The elements recorded so far, one per document, URL and attributes.
#[derive(Debug, Default)]
pub(crate) struct ElementLog {
    elements: Vec<ScriptElement>,
    keys: HashSet<(String, String, Option<String>, Option<String>)>,
    dropped: u64,
    unreadable: u64,
}

impl ElementLog {
    /// A batch the observer sent through [`BINDING`].
    pub(crate) fn on_batch(&mut self, payload: &str) {
        if payload.len() > BATCH_LIMIT {
            self.unreadable += 1;
            return;
        }
        match serde_json::from_str::<Value>(payload) {
            Ok(records) => self.add_all(&records),
            Err(_) => self.unreadable += 1,
        }
    }

    /// Records an array of observer records; anything else is ignored.
    pub(crate) fn add_all(&mut self, records: &Value) {
        for record in records.as_array().into_iter().flatten() {
            self.add(record);
        }
    }

    fn add(&mut self, record: &Value) {
        let text = |key: &str, limit: usize| {
            record
                .get(key)
                .and_then(Value::as_str)
                .map(|v| truncate(v, limit))
        };
        let (Some(document), Some(src)) = (text("document", URL_LIMIT), text("src", URL_LIMIT))
        else {
            return;
        };
        if src.is_empty() {
            return;
        }
        let integrity = text("integrity", ATTRIBUTE_LIMIT);
        let crossorigin = text("crossorigin", ATTRIBUTE_LIMIT);
        let key = (
            document.clone(),
            src.clone(),
            integrity.clone(),
            crossorigin.clone(),
        );
        if self.keys.contains(&key) {
            return;
        }
        if self.elements.len() >= MAX_ELEMENTS {
            self.dropped += 1;
            return;
        }
        self.keys.insert(key);
        self.elements.push(ScriptElement {
            document,
            frame_id: None,
            src,
            integrity,
            crossorigin,
            script_type: text("type", ATTRIBUTE_LIMIT),
            served: None,
            served_error: None,
        });
    }

    /// The URLs of elements with an `integrity` attribute and no served
    /// body yet.
    pub(crate) fn needing_bodies(&self) -> Vec<String> {
        let mut urls: Vec<String> = self
            .elements
            .iter()
            .filter(|e| e.integrity.as_deref().is_some_and(|i| !i.trim().is_empty()))
            .filter(|e| e.served.is_none() && e.served_error.is_none())
            .map(|e| e.src.clone())
            .collect();
        urls.sort();
        urls.dedup();
        urls
    }

    pub(crate) fn set_served(&mut self, src: &str, served: Result<ServedBody, String>) {
        for element in self
            .elements
            .iter_mut()
            .filter(|e| e.src == src && e.integrity.is_some())
        {
            match &served {
                Ok(body) => element.served = Some(body.clone()),
                Err(why) => element.served_error = Some(why.clone()),
            }
        }
    }

    /// The elements, each given the frame that shows its document, and
    /// the problems met.
    pub(crate) fn finish(mut self, frames: &[Frame]) -> (Vec<ScriptElement>, Vec<String>) {
        for element in &mut self.elements {
            element.frame_id = frames
                .iter()
                .find(|f| f.url == element.document)
                .map(|f| f.id.clone());
        }
        let mut problems = Vec::new();
        if self.dropped > 0 {
            problems.push(format!(
                "{} script elements past {MAX_ELEMENTS} dropped",
                self.dropped
            ));
        }
        if self.unreadable > 0 {
            problems.push(format!(
                "{} script element batches unreadable and dropped",
                self.unreadable
            ));
        }
        (self.elements, problems)
    }
}

/// An observer record, as the observer sends it.
#[cfg(test)]
pub(crate) fn observer_record(document: &str, src: &str, integrity: Option<&str>) -> Value {
    serde_json::json!({"document": document, "src": src, "integrity": integrity, "crossorigin": "anonymous", "type": null})
}

#[cfg(test)]
mod tests {
    use outflow_model::Frame;
    use serde_json::json;

    use super::observer_record as record;
    use super::*;

    #[test]
    fn hostile_batches_are_dropped_or_cut_never_fatal() {
        let mut log = ElementLog::default();
        log.on_batch("not json");
        log.on_batch(&"x".repeat(BATCH_LIMIT + 1));
        log.on_batch(r#"{"src": "http://a.test/x.js"}"#);
        log.on_batch(
            r#"[1, null, "s", {"src": 5}, {"document": "d"}, {"document": "d", "src": ""}]"#,
        );
        let long = format!("http://a.test/{}", "a".repeat(100_000));
        let huge_integrity = "sha256-A ".repeat(10_000);
        log.on_batch(
            &json!([record("http://shop.test/", &long, Some(&huge_integrity))]).to_string(),
        );
        let (elements, problems) = log.finish(&[]);
        assert_eq!(elements.len(), 1);
        assert!(elements[0].src.len() <= URL_LIMIT + 4);
        assert!(elements[0].integrity.as_ref().unwrap().len() <= ATTRIBUTE_LIMIT + 4);
        assert_eq!(
            problems,
            vec!["2 script element batches unreadable and dropped".to_string()]
        );
    }

    #[test]
    fn elements_are_deduplicated_bounded_and_given_their_frame() {
        let mut log = ElementLog::default();
        let batch = json!([
            record(
                "http://shop.test/",
                "http://cdn.test/a.js",
                Some("sha256-x")
            ),
            record(
                "http://shop.test/",
                "http://cdn.test/a.js",
                Some("sha256-x")
            ),
            record("http://shop.test/", "http://cdn.test/a.js", None),
            record("http://frame.test/", "http://cdn.test/a.js", None),
        ]);
        log.on_batch(&batch.to_string());
        // The sweep returns the same records again.
        log.add_all(&batch);
        for i in 0..MAX_ELEMENTS + 10 {
            log.add(&record(
                "http://shop.test/",
                &format!("http://cdn.test/{i}.js"),
                None,
            ));
        }
        let frames = vec![Frame {
            id: "F1".to_string(),
            parent_id: None,
            url: "http://shop.test/".to_string(),
            origin: None,
            name: None,
            popup: false,
        }];
        let (elements, problems) = log.finish(&frames);
        assert_eq!(elements.len(), MAX_ELEMENTS);
        assert_eq!(elements[0].frame_id.as_deref(), Some("F1"));
        assert_eq!(elements[2].frame_id, None);
        assert_eq!(
            problems,
            vec![format!("13 script elements past {MAX_ELEMENTS} dropped")]
        );
    }
}
