//! What happens to the page as a whole: its load event, dialogs (all
//! accepted, so that the visit goes on), pop-up windows, downloads and
//! renderer crashes.

use outflow_model::{CaptureErrorKind, PageEvent};
use serde_json::Value;

use super::{FollowUp, Recorder};
use crate::fields::{str_of, truncate};

impl Recorder {
    /// Whether the main frame's load event fired.
    pub(crate) fn load_fired(&self) -> bool {
        self.load_fired
    }

    /// Resets the load flag before a navigation that outflow causes.
    pub(crate) fn expect_load(&mut self) {
        self.load_fired = false;
    }

    /// Whether the page's renderer crashed.
    pub(crate) fn crashed(&self) -> bool {
        self.crashed
    }

    /// A `javascriptDialogOpening`: recorded, and answered.
    pub(super) fn on_dialog(&mut self, params: &Value) -> Vec<FollowUp> {
        self.events.push(PageEvent::Dialog {
            dialog_type: str_of(params, "type").to_string(),
            message: truncate(str_of(params, "message"), 500),
            url: str_of(params, "url").to_string(),
        });
        vec![FollowUp::AnswerDialog {
            prompt_text: truncate(str_of(params, "defaultPrompt"), 1024),
        }]
    }

    /// A `windowOpen`: the page opened a pop-up.
    pub(super) fn on_window_open(&mut self, params: &Value) {
        self.events.push(PageEvent::Popup {
            url: str_of(params, "url").to_string(),
        });
    }

    /// A `downloadWillBegin` (refused by the browser's download behaviour).
    pub(super) fn on_download(&mut self, params: &Value) {
        self.events.push(PageEvent::Download {
            url: str_of(params, "url").to_string(),
            suggested_filename: str_of(params, "suggestedFilename").to_string(),
        });
    }

    /// The page's own renderer crashed: nothing more will come from it.
    pub(super) fn on_page_crash(&mut self) {
        self.crashed = true;
        self.error(CaptureErrorKind::Crash, "the page's renderer crashed");
    }

    /// A pop-up or worker crashed; the page itself goes on.
    pub(super) fn on_target_crash(&mut self) {
        self.error(
            CaptureErrorKind::Crash,
            "a pop-up or worker of the page crashed; the page goes on",
        );
    }
}
