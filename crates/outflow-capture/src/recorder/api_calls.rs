//! The instrumentation's records of privacy-relevant API use, streamed in
//! batches through its `Runtime.addBinding` binding and aggregated by
//! script, API and access.

use std::collections::HashMap;

use outflow_model::{ApiAccess, ApiCall, Location, Script, ScriptOrigin};
use serde_json::Value;

use super::Recorder;
use crate::fields::str_of;
use crate::stack;

/// Largest instrumentation batch read.
const BATCH_LIMIT: usize = 8 * 1024 * 1024;
/// Most distinct argument summaries kept per API call record.
const ARGUMENTS_PER_CALL: usize = 128;
/// Most aggregated API call records.
const MAX_API_CALLS: usize = 50_000;
/// Frames of outflow's own instrumentation at the top of every recorded
/// stack (see instrument.js).
const INSTRUMENT_FRAMES: usize = 3;

impl Recorder {
    /// A batch of records the instrumentation sent through its binding.
    pub(super) fn on_batch(&mut self, payload: &str) {
        if payload.len() > BATCH_LIMIT {
            self.api_records_dropped += 1;
            return;
        }
        let Ok(batch) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let frame_url = str_of(&batch, "u").to_string();
        self.api_records_dropped += batch.get("d").and_then(Value::as_u64).unwrap_or(0);
        let Some(records) = batch.get("r").and_then(Value::as_array) else {
            return;
        };
        for record in records {
            let Some(fields) = record.as_array() else {
                continue;
            };
            let text = |i: usize| fields.get(i).and_then(Value::as_str).unwrap_or_default();
            let api = text(0);
            let access = match text(1) {
                "get" => ApiAccess::Get,
                "set" => ApiAccess::Set,
                "construct" => ApiAccess::Construct,
                _ => ApiAccess::Call,
            };
            let argument = text(2);
            let frames = stack::from_v8_text(text(3), INSTRUMENT_FRAMES);
            let count = fields.get(4).and_then(Value::as_u64).unwrap_or(1);
            let script_url = frames.first().map(|f| f.url.clone()).unwrap_or_default();
            self.note_storage(api, access, argument, &script_url, &frame_url);
            self.add_api_call(api, access, argument, frames, count, script_url, &frame_url);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_api_call(
        &mut self,
        api: &str,
        access: ApiAccess,
        argument: &str,
        frames: Vec<outflow_model::StackFrame>,
        count: u64,
        script_url: String,
        frame_url: &str,
    ) {
        let key = (script_url.clone(), api.to_string(), access);
        let index = match self.api_index.get(&key) {
            Some(&index) => index,
            None => {
                if self.api_calls.len() >= MAX_API_CALLS {
                    self.api_records_dropped += count;
                    return;
                }
                self.api_calls.push(ApiCall {
                    script_id: None,
                    script_url,
                    api: api.to_string(),
                    access,
                    count: 0,
                    arguments: Vec::new(),
                    arguments_truncated: false,
                    first_stack: frames,
                    frame_url: Some(frame_url.to_string()).filter(|u| !u.is_empty()),
                });
                self.api_index.insert(key, self.api_calls.len() - 1);
                self.api_calls.len() - 1
            }
        };
        let call = &mut self.api_calls[index];
        call.count = call.count.saturating_add(count);
        if !argument.is_empty() && !call.arguments.iter().any(|a| a == argument) {
            if call.arguments.len() < ARGUMENTS_PER_CALL {
                call.arguments.push(argument.to_string());
            } else {
                call.arguments_truncated = true;
            }
        }
    }

    /// Gives each API call record the id of the script it came from.
    pub(super) fn resolve_api_call_scripts(&mut self) {
        for call in &mut self.api_calls {
            call.script_id = resolve_script(&self.scripts, &self.inline_starts, call);
        }
    }
}

/// The script an API call came from: external scripts by URL, inline ones
/// by the last block of the document starting at or before the call's line.
fn resolve_script(
    scripts: &[Script],
    inline_starts: &HashMap<String, Location>,
    call: &ApiCall,
) -> Option<String> {
    if call.script_url.is_empty() {
        return None;
    }
    if let Some(script) = scripts
        .iter()
        .find(|s| matches!(&s.origin, ScriptOrigin::External { url } if *url == call.script_url))
    {
        return Some(script.id.clone());
    }
    let line = call.first_stack.first().map(|f| f.at.line)?;
    scripts
        .iter()
        .filter(|s| matches!(&s.origin, ScriptOrigin::Inline { document, .. } if *document == call.script_url))
        .filter_map(|s| inline_starts.get(&s.id).map(|start| (start.line, s)))
        .filter(|(start, _)| *start <= line)
        .max_by_key(|(start, _)| *start)
        .map(|(_, s)| s.id.clone())
}

#[cfg(test)]
mod tests {
    use outflow_model::CaptureErrorKind;
    use serde_json::json;

    use crate::recorder::test_recorder as recorder;

    #[test]
    fn hostile_batches_do_not_panic() {
        let mut rec = recorder();
        for payload in [
            "",
            "null",
            "{\"r\": 5}",
            "{\"r\": [[1,2,3]]}",
            "{\"r\": [null, [\"a\"]]}",
        ] {
            rec.handle(
                "Runtime.bindingCalled",
                &json!({"name": "b", "payload": payload}),
            );
        }
        rec.handle_unparsed("not json");
        let done = rec.finish();
        assert!(
            done.errors
                .iter()
                .any(|e| e.kind == CaptureErrorKind::Protocol)
        );
    }
}
