//! Call stacks from the two places they come from: DevTools stack traces
//! (0-based positions, async parents) and V8's `Error().stack` text (1-based
//! positions), both turned into [`StackFrame`]s with 1-based positions.

use outflow_model::{Initiator, Location, StackFrame};
use serde_json::Value;

use crate::fields::{URL_LIMIT, clamp, truncate};

/// Most frames kept from one stack, parents included.
pub(crate) const MAX_FRAMES: usize = 32;

/// A DevTools `Network.Initiator` (live, or Chrome's `_initiator` in a
/// HAR): its type (`unknown` when there is none, `other` when it has no
/// type), its URL (else the first frame's that has one), the script of the
/// innermost frame that names one, and the stack ([`from_cdp`]).
pub(crate) fn initiator(initiator: Option<&Value>) -> Initiator {
    let Some(initiator) = initiator else {
        return Initiator {
            kind: "unknown".to_string(),
            url: None,
            script_id: None,
            stack: Vec::new(),
        };
    };
    let stack = initiator.get("stack").map(from_cdp).unwrap_or_default();
    let url = initiator
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| {
            stack
                .iter()
                .find(|f| !f.url.is_empty())
                .map(|f| f.url.clone())
        });
    Initiator {
        kind: initiator
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("other")
            .to_string(),
        script_id: stack.iter().find_map(|f| f.script_id.clone()),
        url,
        stack,
    }
}

/// Frames of a DevTools `Runtime.StackTrace`, innermost first, async parent
/// stacks appended (their first frame names the boundary).
pub(crate) fn from_cdp(stack: &Value) -> Vec<StackFrame> {
    let mut frames = Vec::new();
    let mut current = Some(stack);
    let mut boundary: Option<String> = None;
    let mut depth = 0;
    while let Some(trace) = current {
        depth += 1;
        if depth > MAX_FRAMES {
            break;
        }
        if let Some(calls) = trace.get("callFrames").and_then(Value::as_array) {
            for call in calls {
                if frames.len() >= MAX_FRAMES {
                    return frames;
                }
                let line = call.get("lineNumber").and_then(Value::as_u64).unwrap_or(0);
                let column = call
                    .get("columnNumber")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                frames.push(StackFrame {
                    function: text(call, "functionName"),
                    url: truncate(&text(call, "url"), URL_LIMIT),
                    script_id: call
                        .get("scriptId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    at: Location {
                        line: clamp(line.saturating_add(1)),
                        column: clamp(column.saturating_add(1)),
                    },
                    async_boundary: boundary.take(),
                });
            }
        }
        current = trace.get("parent");
        boundary = current.map(|parent| {
            let description = text(parent, "description");
            if description.is_empty() {
                "async".to_string()
            } else {
                description
            }
        });
    }
    frames
}

/// Frames of an `Error().stack` string, after dropping its first line
/// (`Error`) and `skip` frames of outflow's own instrumentation.
pub(crate) fn from_v8_text(stack: &str, skip: usize) -> Vec<StackFrame> {
    stack
        .lines()
        .skip(1)
        .filter_map(|line| line.trim().strip_prefix("at "))
        .skip(skip)
        .take(MAX_FRAMES)
        .map(parse_v8_frame)
        .collect()
}

fn parse_v8_frame(frame: &str) -> StackFrame {
    let frame = frame.strip_prefix("async ").unwrap_or(frame);
    let (function, place) = match (frame.find(" ("), frame.ends_with(')')) {
        (Some(open), true) => (&frame[..open], &frame[open + 2..frame.len() - 1]),
        _ => ("", frame),
    };
    // `eval at f (url:1:2), <anonymous>:3:4`: the position inside the eval'd
    // code comes last.
    let place = place.rsplit(", ").next().unwrap_or(place);
    let (url, line, column) = split_position(place);
    StackFrame {
        function: function.to_string(),
        url: if url == "<anonymous>" || url == "native" {
            String::new()
        } else {
            truncate(url, URL_LIMIT)
        },
        script_id: None,
        at: Location { line, column },
        async_boundary: None,
    }
}

fn split_position(place: &str) -> (&str, u32, u32) {
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next().and_then(|c| c.parse::<u32>().ok());
    let line = parts.next().and_then(|l| l.parse::<u32>().ok());
    match (line, column, parts.next()) {
        (Some(line), Some(column), Some(url)) => (url, line, column),
        _ => (place, 0, 0),
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v8_text_frames() {
        let stack = "Error\n    at stackText (<anonymous>:1:2)\n    at note (<anonymous>:3:4)\n    \
                     at HTMLCanvasElement.toDataURL (<anonymous>:5:6)\n    \
                     at fp (https://cdn.tracker.test/t.js:10:17)\n    \
                     at https://site.test/login:22:5\n    \
                     at eval (eval at run (https://a.test/x.js:1:40), <anonymous>:1:9)";
        let frames = from_v8_text(stack, 3);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].function, "fp");
        assert_eq!(frames[0].url, "https://cdn.tracker.test/t.js");
        assert_eq!(
            frames[0].at,
            Location {
                line: 10,
                column: 17
            }
        );
        assert_eq!(frames[1].url, "https://site.test/login");
        assert_eq!(frames[1].at.line, 22);
        assert_eq!(frames[2].function, "eval");
        assert_eq!(frames[2].url, "");
        assert_eq!(frames[2].at, Location { line: 1, column: 9 });
    }

    #[test]
    fn cdp_frames_are_one_based_with_async_parents() {
        let stack = serde_json::json!({
            "callFrames": [{"functionName": "send", "scriptId": "7", "url": "https://t.test/a.js", "lineNumber": 0, "columnNumber": 4}],
            "parent": {"description": "setTimeout", "callFrames": [{"functionName": "", "scriptId": "8", "url": "https://t.test/b.js", "lineNumber": 9, "columnNumber": 0}]}
        });
        let frames = from_cdp(&stack);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].at, Location { line: 1, column: 5 });
        assert_eq!(frames[0].async_boundary, None);
        assert_eq!(frames[1].async_boundary.as_deref(), Some("setTimeout"));
        assert_eq!(frames[1].script_id.as_deref(), Some("8"));
    }
}
