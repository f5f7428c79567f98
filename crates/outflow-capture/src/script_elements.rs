//! The `<script src>` elements of every frame, with their `integrity` and
//! `crossorigin` attributes, and digests of the bodies their servers sent:
//! what Subresource Integrity checks (PCI DSS 6.4.3 asks that each script's
//! integrity be assured).
//!
//! A mutation observer runs in an isolated world of every document from
//! its first byte, so that scripts inserted and removed again by a loader
//! are seen too; it reports through a binding that exists only in that
//! world (the page can neither call it nor see the observer). At the end of
//! the visit every frame's document is swept once more, and for each
//! element with an `integrity` attribute the response body is read back
//! (`Network.getResponseBody`) and hashed. A script whose check fails is
//! blocked by the browser and never compiled, so it has no
//! [`outflow_model::Script`]: its element and digests are the only record.

use std::time::{Duration, Instant};

use base64::Engine as _;
use chromiumoxide::Page;
use outflow_model::{Request, ServedBody};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::cdp::{call, in_isolated_world};
use crate::follow_up::{Shared, lock};
use crate::recorder::element_log::BINDING;

/// The isolated world the observer runs in.
const WORLD: &str = "outflow-script-elements";
/// Most frames swept at the end of the visit.
const MAX_FRAMES: usize = 200;
/// Largest response body hashed.
const BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Longest time spent sweeping and reading bodies at the end of a visit.
const COLLECT_BUDGET: Duration = Duration::from_secs(8);
/// Limit of each command of the end-of-visit collection.
const CALL_LIMIT: Duration = Duration::from_secs(3);

/// The observer. Idempotent: evaluated again in a world where it runs, it
/// only sweeps. Returns the records not yet reported.
const OBSERVER: &str = r#"(() => {
  const KEY = Symbol.for('outflow.scriptElements');
  let state = globalThis[KEY];
  if (!state) {
    const send = globalThis.__outflowScriptElements;
    const LIMIT = 5000, CUT = 16384, CHUNK = 100;
    const seen = new WeakSet();
    let pending = [], count = 0, observer = null;
    const cut = (v) => (v === null || v === undefined) ? null : String(v).slice(0, CUT);
    const note = (el) => {
      if (count >= LIMIT || seen.has(el)) return;
      seen.add(el);
      if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || !el.hasAttribute('src')) return;
      count++;
      pending.push({
        document: cut(document.URL),
        src: cut(el.src),
        integrity: cut(el.getAttribute('integrity')),
        crossorigin: cut(el.getAttribute('crossorigin')),
        type: cut(el.getAttribute('type')),
      });
      if (count >= LIMIT && observer) observer.disconnect();
    };
    const visit = (node) => {
      if (node.nodeType !== 1) return;
      if (node.localName === 'script') { note(node); return; }
      if (!node.firstElementChild) return;
      for (const el of node.getElementsByTagName('script')) {
        if (count >= LIMIT) break;
        note(el);
      }
    };
    const flush = () => {
      while (pending.length && typeof send === 'function') {
        const chunk = pending.splice(0, CHUNK);
        try { send(JSON.stringify(chunk)); } catch (e) { break; }
      }
    };
    observer = new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) visit(node);
      flush();
    });
    observer.observe(document, { childList: true, subtree: true });
    state = {
      sweep() {
        for (const el of document.getElementsByTagName('script')) {
          if (count >= LIMIT) break;
          note(el);
        }
        const out = pending;
        pending = [];
        return out;
      },
    };
    Object.defineProperty(globalThis, KEY, { value: state });
  }
  return state.sweep();
})()
//# sourceURL=outflow:script-elements"#;

/// The DevTools commands that install the observer before the page loads.
pub(crate) fn setup_steps() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Runtime.addBinding",
            json!({"name": BINDING, "executionContextName": WORLD}),
        ),
        (
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": OBSERVER, "worldName": WORLD}),
        ),
    ]
}

/// Sweeps every frame's document once more (when the page loaded: a page
/// that never did may have a renderer that answers nothing) and reads back
/// the body of every script with an `integrity` attribute, within
/// [`COLLECT_BUDGET`]. A sweep that fails costs nothing but itself: the
/// observer has reported as it went. A body that cannot be read is noted
/// on its elements (`served_error`).
pub(crate) async fn collect(page: &Page, recorder: &Shared, limit: Duration, loaded: bool) {
    let deadline = Instant::now() + COLLECT_BUDGET;
    let limit = limit.min(CALL_LIMIT);
    if loaded {
        match call(page, "Page.getFrameTree", json!({}), limit).await {
            Ok(tree) => {
                for frame_id in frame_ids(&tree) {
                    if Instant::now() >= deadline {
                        break;
                    }
                    if let Err(why) = sweep(page, recorder, &frame_id, limit).await {
                        // Frames that navigated away meanwhile are common
                        // and harmless.
                        tracing::debug!("sweeping script elements of frame {frame_id}: {why}");
                    }
                }
            }
            Err(error) => tracing::debug!("listing frames to sweep: {error}"),
        }
    }
    let wanted = lock(recorder).script_elements.needing_bodies();
    for src in wanted {
        let request = {
            let recorder = lock(recorder);
            script_request(recorder.requests(), &src)
        };
        let served = match request {
            _ if Instant::now() >= deadline => Err(format!(
                "not read: the {} s given to reading bodies at the end of the visit ran out",
                COLLECT_BUDGET.as_secs()
            )),
            Some(ScriptRequest::Fetched(id)) => read_body(page, &id, limit).await,
            Some(ScriptRequest::Failed(why)) => Err(format!("the request failed: {why}")),
            None => Err("no request for it was recorded".to_string()),
        };
        lock(recorder).script_elements.set_served(&src, served);
    }
}

/// The frame ids of a `Page.getFrameTree` answer, the main frame first,
/// at most [`MAX_FRAMES`].
fn frame_ids(tree: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut stack = vec![tree.get("frameTree")];
    while let Some(node) = stack.pop().flatten() {
        if ids.len() >= MAX_FRAMES {
            break;
        }
        if let Some(id) = node
            .get("frame")
            .and_then(|f| f.get("id"))
            .and_then(Value::as_str)
        {
            ids.push(id.to_string());
        }
        if let Some(children) = node.get("childFrames").and_then(Value::as_array) {
            stack.extend(children.iter().rev().map(Some));
        }
    }
    ids
}

async fn sweep(
    page: &Page,
    recorder: &Shared,
    frame_id: &str,
    limit: Duration,
) -> Result<(), String> {
    let (_, records) = in_isolated_world(page, frame_id, WORLD, OBSERVER, limit).await?;
    lock(recorder).script_elements.add_all(&records);
    Ok(())
}

/// What was recorded of the request that fetched a script.
#[derive(Debug, PartialEq, Eq)]
enum ScriptRequest {
    /// A response arrived: the browser's request id.
    Fetched(String),
    /// No response, and why.
    Failed(String),
}

/// The request that fetched `src`: a script request to that URL, one
/// answered without failure preferred. Redirect hops share the browser's request id
/// (`<id>#<n>`); the body is the last hop's, under the bare id.
fn script_request(requests: &[Request], src: &str) -> Option<ScriptRequest> {
    let candidates: Vec<&Request> = requests
        .iter()
        .filter(|r| r.url == src && r.resource_type == "Script")
        .collect();
    let bare = |id: &str| id.split('#').next().unwrap_or(id).to_string();
    // A response to a request that then failed (a CORS error, a body cut
    // off) is not what the script element got.
    if let Some(fetched) = candidates
        .iter()
        .find(|r| r.response.is_some() && r.failure.is_none())
    {
        return Some(ScriptRequest::Fetched(bare(&fetched.id)));
    }
    candidates.first().map(|r| {
        ScriptRequest::Failed(
            r.failure
                .clone()
                .unwrap_or_else(|| "no response".to_string()),
        )
    })
}

async fn read_body(page: &Page, request_id: &str, limit: Duration) -> Result<ServedBody, String> {
    let answer = call(
        page,
        "Network.getResponseBody",
        json!({"requestId": request_id}),
        limit,
    )
    .await
    .map_err(|e| format!("reading the body: {e}"))?;
    let body = answer
        .get("body")
        .and_then(Value::as_str)
        .ok_or("reading the body: no body in the answer")?;
    let bytes = if answer.get("base64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| format!("reading the body: bad base64: {e}"))?
    } else {
        // Chromium hands text bodies back decoded; for UTF-8 scripts (the
        // norm) these are the bytes served.
        body.as_bytes().to_vec()
    };
    served_body(request_id, &bytes)
}

/// Digests of a body as served.
fn served_body(request_id: &str, bytes: &[u8]) -> Result<ServedBody, String> {
    if bytes.len() > BODY_LIMIT {
        return Err(format!("larger than {BODY_LIMIT} bytes: not hashed"));
    }
    Ok(ServedBody {
        request_id: request_id.to_string(),
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
        sha384: hex::encode(Sha384::digest(bytes)),
        sha512: hex::encode(Sha512::digest(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::element_log::{ElementLog, observer_record as record};
    use outflow_model::{Initiator, Response};

    #[test]
    fn bodies_are_asked_once_per_url_with_integrity() {
        let mut log = ElementLog::default();
        log.add_all(&json!([
            record(
                "http://shop.test/",
                "http://cdn.test/b.js",
                Some("sha384-x")
            ),
            record(
                "http://frame.test/",
                "http://cdn.test/b.js",
                Some("sha384-x")
            ),
            record("http://shop.test/", "http://cdn.test/a.js", Some("  ")),
            record("http://shop.test/", "http://cdn.test/c.js", None),
        ]));
        assert_eq!(
            log.needing_bodies(),
            vec!["http://cdn.test/b.js".to_string()]
        );
        log.set_served("http://cdn.test/b.js", served_body("7", b"b()"));
        assert!(log.needing_bodies().is_empty());
        let (elements, _) = log.finish(&[]);
        assert_eq!(elements[0].served, elements[1].served);
        assert_eq!(elements[0].served.as_ref().unwrap().size, 3);
    }

    fn request(id: &str, url: &str, kind: &str, answered: bool, failure: Option<&str>) -> Request {
        Request {
            id: id.to_string(),
            url: url.to_string(),
            method: "GET".to_string(),
            resource_type: kind.to_string(),
            headers: Vec::new(),
            body: None,
            initiator: Initiator {
                kind: "parser".to_string(),
                url: None,
                script_id: None,
                stack: Vec::new(),
            },
            frame_id: None,
            response: answered.then(|| Response {
                status: 200,
                mime_type: None,
                remote_address: None,
                protocol: None,
                security_headers: Vec::new(),
            }),
            failure: failure.map(str::to_string),
            redirected_from: None,
            websocket_frames: Vec::new(),
            event_source_messages: Vec::new(),
            worker_url: None,
            time_ms: 0,
        }
    }

    #[test]
    fn the_request_of_a_script_is_found_by_url_and_type() {
        let src = "http://cdn.test/a.js";
        let requests = vec![
            request("1", src, "Image", true, None),
            request("2", src, "Script", false, Some("net::ERR_FAILED")),
            request("3#1", src, "Script", true, None),
            request(
                "4",
                src,
                "Script",
                true,
                Some("net::ERR_FAILED (blocked: corsError)"),
            ),
        ];
        assert_eq!(
            script_request(&requests, src),
            Some(ScriptRequest::Fetched("3".to_string()))
        );
        assert_eq!(
            script_request(&requests[..2], src),
            Some(ScriptRequest::Failed("net::ERR_FAILED".to_string()))
        );
        assert_eq!(
            script_request(&requests[3..], src),
            Some(ScriptRequest::Failed(
                "net::ERR_FAILED (blocked: corsError)".to_string()
            ))
        );
        assert_eq!(script_request(&requests, "http://other.test/"), None);
    }

    #[test]
    fn frame_trees_are_walked_main_first_and_bounded() {
        // Deep (as deep as a JSON answer can be read) and wide.
        let mut deep = json!({"frame": {"id": "leaf"}});
        for i in 0..100 {
            deep = json!({"frame": {"id": format!("d{i}")}, "childFrames": [deep]});
        }
        let mut children: Vec<Value> = (0..300)
            .map(|i| json!({"frame": {"id": format!("w{i}")}}))
            .collect();
        children.insert(0, deep);
        let tree = json!({"frame": {"id": "main"}, "childFrames": children});
        let ids = frame_ids(&json!({"frameTree": tree}));
        assert_eq!(ids.len(), MAX_FRAMES);
        assert_eq!(&ids[..3], ["main", "d99", "d98"]);
        let small = json!({"frameTree": {"frame": {"id": "main"}, "childFrames": [
            {"frame": {"id": "a"}}, {"frame": {"id": "b"}, "childFrames": [{"frame": {"id": "c"}}]}
        ]}});
        assert_eq!(frame_ids(&small), vec!["main", "a", "b", "c"]);
        assert!(frame_ids(&json!({"nothing": true})).is_empty());
    }
}
