//! Whether a capture succeeded: the difference between a page that loaded
//! with problems and a visit that recorded nothing worth analysing.

use outflow_model::{Capture, CaptureErrorKind};

/// Whether a capture failed at its core (the page never loaded, the browser
/// died) rather than in part.
pub fn capture_failed(capture: &Capture) -> bool {
    capture.errors.iter().any(|e| {
        matches!(
            e.kind,
            CaptureErrorKind::Navigation
                | CaptureErrorKind::Tls
                | CaptureErrorKind::RedirectLoop
                | CaptureErrorKind::Crash
                | CaptureErrorKind::Launch
        )
    })
}
