//! Every script the engine compiled (external, inline, `eval`/`Function`,
//! a worker's main script) and its source, kept by SHA-256.

use outflow_model::{Location, Script, ScriptOrigin};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{FollowUp, Recorder, Scope, ScriptStore};
use crate::fields::{clamp, str_of};
use crate::stack;

/// Most scripts recorded.
pub(super) const MAX_SCRIPTS: usize = 20_000;
/// Largest script body kept.
const SCRIPT_SIZE_LIMIT: usize = 32 * 1024 * 1024;

impl Recorder {
    pub(super) fn on_script(&mut self, scope: &Scope, params: &Value) -> Vec<FollowUp> {
        let engine_id = str_of(params, "scriptId").to_string();
        let script_id = scope.script_key(&engine_id);
        let url = str_of(params, "url").to_string();
        let aux = params.get("executionContextAuxData");
        let world = aux.map(|a| str_of(a, "type")).unwrap_or_default();
        // outflow's own evaluations run in isolated worlds or carry an
        // outflow: source URL; they are not the page's code.
        // Chromium's own pages (network error pages) are not the site's code.
        if world == "isolated"
            || url.starts_with("outflow:")
            || url.starts_with("chrome-error:")
            || url.starts_with("chrome:")
            || engine_id.is_empty()
        {
            return Vec::new();
        }
        if self.scripts.len() >= MAX_SCRIPTS {
            self.dropped_scripts += 1;
            return Vec::new();
        }
        let start = Location {
            line: clamp(
                params
                    .get("startLine")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .saturating_add(1),
            ),
            column: clamp(
                params
                    .get("startColumn")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .saturating_add(1),
            ),
        };
        let created_by = params.get("stackTrace").map(|trace| {
            let mut frames = stack::from_cdp(trace);
            scope.rename_frames(&mut frames);
            frames
        });
        let is_document = self.frames.iter().any(|f| f.url == url);
        let worker_url = match scope {
            Scope::Worker { url, .. } => Some(url.as_str()),
            _ => None,
        };
        let origin = if worker_url == Some(url.as_str()) && !url.is_empty() {
            ScriptOrigin::Worker { url: url.clone() }
        } else if url.is_empty() || created_by.as_ref().is_some_and(|s| !s.is_empty()) {
            let parent = created_by.as_ref().and_then(|frames| frames.first());
            ScriptOrigin::Eval {
                parent_id: parent.and_then(|f| f.script_id.clone()),
                parent_url: parent.map(|f| f.url.clone()).filter(|u| !u.is_empty()),
                at: parent.map(|f| f.at),
            }
        } else if is_document || start.line > 1 || start.column > 1 {
            let count = self.inline_counts.entry(url.clone()).or_default();
            let index = *count;
            *count += 1;
            ScriptOrigin::Inline {
                document: url.clone(),
                index,
                at: start,
            }
        } else {
            ScriptOrigin::External { url: url.clone() }
        };
        if matches!(origin, ScriptOrigin::Inline { .. }) {
            self.inline_starts.insert(script_id.clone(), start);
        }
        self.script_index
            .insert(script_id.clone(), self.scripts.len());
        self.scripts.push(Script {
            id: script_id.clone(),
            origin,
            sha256: String::new(),
            size: params.get("length").and_then(Value::as_u64).unwrap_or(0),
            frame_id: aux
                .and_then(|a| a.get("frameId"))
                .and_then(Value::as_str)
                .map(str::to_string),
            module: params.get("isModule").and_then(Value::as_bool) == Some(true),
            body_error: None,
        });
        self.outstanding += 1;
        vec![FollowUp::ScriptSource {
            script_id: engine_id,
            key: script_id,
        }]
    }

    /// The answer to a [`FollowUp::ScriptSource`].
    pub(crate) fn on_script_source(&mut self, script_id: &str, source: Result<String, String>) {
        self.outstanding = self.outstanding.saturating_sub(1);
        let Some(&index) = self.script_index.get(script_id) else {
            return;
        };
        match source {
            Ok(source) => {
                let hash = sha256_hex(source.as_bytes());
                if hash == self.instrument_sha256 {
                    // outflow's instrumentation, not the page's code.
                    self.scripts[index].id = String::new();
                    return;
                }
                self.scripts[index].size = source.len() as u64;
                if source.len() > SCRIPT_SIZE_LIMIT {
                    self.scripts[index].body_error =
                        Some(format!("larger than {SCRIPT_SIZE_LIMIT} bytes: not kept"));
                } else if let Err(why) = self.store_source(&hash, source) {
                    self.scripts[index].body_error = Some(why);
                }
                self.scripts[index].sha256 = hash;
            }
            Err(why) => self.scripts[index].body_error = Some(why),
        }
    }

    fn store_source(&mut self, hash: &str, source: String) -> Result<(), String> {
        if self.stored_hashes.contains(hash) {
            return Ok(());
        }
        match &mut self.store {
            ScriptStore::Memory(map) => {
                if self.memory_bytes + source.len() > 256 * 1024 * 1024 {
                    return Err("in-memory script store full".to_string());
                }
                self.memory_bytes += source.len();
                map.insert(hash.to_string(), source);
            }
            ScriptStore::Dir(dir) => {
                let path = dir.join(format!("{hash}.js"));
                if !path.exists() {
                    std::fs::write(&path, source.as_bytes())
                        .map_err(|e| format!("writing {}: {e}", path.display()))?;
                }
            }
        }
        self.stored_hashes.insert(hash.to_string());
        Ok(())
    }

    /// Drops the scripts found to be outflow's own instrumentation.
    pub(super) fn forget_own_scripts(&mut self) {
        self.scripts.retain(|s| !s.id.is_empty());
    }
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::recorder::test_recorder as recorder;

    #[test]
    fn worker_scripts_and_stacks_are_named_apart() {
        let mut rec = recorder();
        let scope = Scope::Worker {
            prefix: "w1".into(),
            url: "https://a.test/w.js".into(),
        };
        let follow = rec.handle_in(
            &scope,
            "Debugger.scriptParsed",
            &json!({"scriptId": "3", "url": "https://a.test/w.js", "startLine": 0, "startColumn": 0, "length": 10}),
        );
        assert_eq!(
            follow,
            vec![FollowUp::ScriptSource {
                script_id: "3".into(),
                key: "w1:3".into()
            }]
        );
        rec.on_script_source("w1:3", Ok("postMessage(1)".into()));
        rec.handle_in(
            &scope,
            "Network.requestWillBeSent",
            &json!({"requestId": "9", "type": "Fetch", "request": {"url": "https://t.test/c", "method": "GET", "headers": {}},
                "initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "", "scriptId": "3", "url": "https://a.test/w.js", "lineNumber": 0, "columnNumber": 0}]}}}),
        );
        let done = rec.finish();
        assert_eq!(
            done.scripts[0].origin,
            ScriptOrigin::Worker {
                url: "https://a.test/w.js".into()
            }
        );
        assert_eq!(done.scripts[0].id, "w1:3");
        let request = &done.requests[0];
        assert_eq!(request.worker_url.as_deref(), Some("https://a.test/w.js"));
        assert_eq!(request.initiator.script_id.as_deref(), Some("w1:3"));
    }
}
