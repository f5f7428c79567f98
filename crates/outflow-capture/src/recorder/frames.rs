//! The frame tree of the page and of its pop-ups, and which frame is the
//! main one.

use outflow_model::Frame;
use serde_json::Value;

use super::{Recorder, Scope};
use crate::fields::{URL_LIMIT, str_of, truncate};

impl Recorder {
    /// The URL of the main frame, when known.
    pub(crate) fn main_frame_url(&self) -> Option<String> {
        let id = self.main_frame.as_ref()?;
        self.frames
            .iter()
            .find(|f| &f.id == id)
            .map(|f| f.url.clone())
    }

    /// A `frameAttached`: a frame exists, with its parent, before it loads.
    pub(super) fn on_frame_attached(&mut self, scope: &Scope, params: &Value) {
        let id = str_of(params, "frameId").to_string();
        let parent = params
            .get("parentFrameId")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.upsert_frame(scope, id, parent, None, None, None);
    }

    /// A `frameNavigated`: a frame's URL, origin and name.
    pub(super) fn on_frame_navigated(&mut self, scope: &Scope, params: &Value) {
        if let Some(frame) = params.get("frame") {
            let url = truncate(
                &format!("{}{}", str_of(frame, "url"), str_of(frame, "urlFragment")),
                URL_LIMIT,
            );
            self.upsert_frame(
                scope,
                str_of(frame, "id").to_string(),
                frame
                    .get("parentId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                Some(url),
                frame
                    .get("securityOrigin")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                frame
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            );
        }
    }

    fn upsert_frame(
        &mut self,
        scope: &Scope,
        id: String,
        parent_id: Option<String>,
        url: Option<String>,
        origin: Option<String>,
        name: Option<String>,
    ) {
        if id.is_empty() {
            return;
        }
        // A pop-up's top frame: its own frames (iframes) are not pop-ups.
        let popup = matches!(scope, Scope::Popup { .. }) && parent_id.is_none();
        if parent_id.is_none() && self.main_frame.is_none() && !popup {
            self.main_frame = Some(id.clone());
        }
        if let Some(frame) = self.frames.iter_mut().find(|f| f.id == id) {
            if let Some(url) = url {
                frame.url = url;
            }
            if origin.is_some() {
                frame.origin = origin;
            }
            if name.is_some() {
                frame.name = name;
            }
            if parent_id.is_some() {
                frame.parent_id = parent_id;
            }
        } else if self.frames.len() < 10_000 {
            self.frames.push(Frame {
                id,
                parent_id,
                url: url.unwrap_or_else(|| "about:blank".to_string()),
                origin,
                name,
                popup,
            });
        }
    }
}
