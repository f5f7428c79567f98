//! One script's use of privacy-relevant APIs, read from its code (static
//! analysis) and recorded while the page ran (the capture's API calls),
//! under one normalised name per API so that a rule asks once.

use std::collections::BTreeMap;

use outflow_model::{ApiCall, ApiUse, Evidence, Observation};

use crate::facts::{Facts, ScriptFacts};

/// Most argument summaries copied into one piece of evidence.
const EVIDENCE_ARGUMENTS: usize = 12;

/// What is known of one API in one script.
#[derive(Debug, Default, Clone)]
pub struct ApiFacts<'a> {
    /// Places in the code (static analysis).
    pub code: Vec<&'a ApiUse>,
    /// Aggregated calls recorded while the page ran, with the argument
    /// summaries that belong to this normalised name.
    pub run: Vec<(&'a ApiCall, Vec<&'a str>)>,
}

/// Everything one script (or, for calls no script could be matched to, one
/// calling URL) did or could do with privacy-relevant APIs.
#[derive(Debug, Clone)]
pub struct ScriptApis<'a> {
    /// The name a reader knows the script by.
    pub name: String,
    /// The script's facts, when the calls could be matched to one.
    pub script: Option<&'a ScriptFacts>,
    apis: BTreeMap<String, ApiFacts<'a>>,
}

impl<'a> ScriptApis<'a> {
    fn new(name: String, script: Option<&'a ScriptFacts>) -> Self {
        Self {
            name,
            script,
            apis: BTreeMap::new(),
        }
    }

    /// The source text, when it was kept.
    pub fn source(&self) -> Option<&'a str> {
        self.script.and_then(|s| s.source.as_deref())
    }

    /// What is known of `api` (a normalised name, see [`normalise`]).
    pub fn get(&self, api: &str) -> Option<&ApiFacts<'a>> {
        self.apis.get(api)
    }

    /// Every normalised API name seen, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.apis.keys().map(String::as_str)
    }

    /// Whether the API was seen at all, in the code or running.
    pub fn seen(&self, api: &str) -> bool {
        self.ran(api) || self.in_code(api)
    }

    /// Whether the API was called (read, written) while the page ran.
    pub fn ran(&self, api: &str) -> bool {
        self.get(api).is_some_and(|f| !f.run.is_empty())
    }

    /// Whether the code names the API.
    pub fn in_code(&self, api: &str) -> bool {
        self.get(api).is_some_and(|f| !f.code.is_empty())
    }

    /// How many times it ran.
    pub fn run_count(&self, api: &str) -> u64 {
        self.get(api).map_or(0, |f| {
            f.run
                .iter()
                .fold(0u64, |total, (c, _)| total.saturating_add(c.count))
        })
    }

    /// The distinct argument summaries recorded for it, first seen first.
    pub fn run_arguments(&self, api: &str) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        if let Some(f) = self.get(api) {
            for (_, arguments) in &f.run {
                for a in arguments {
                    if !out.contains(a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// Whether more distinct arguments were recorded than kept.
    pub fn run_arguments_truncated(&self, api: &str) -> bool {
        self.get(api)
            .is_some_and(|f| f.run.iter().any(|(c, _)| c.arguments_truncated))
    }

    /// Byte offsets of the API's places in the code (the first few).
    pub fn code_offsets(&self, api: &str) -> Vec<u32> {
        self.get(api).map_or_else(Vec::new, |f| {
            f.code
                .iter()
                .flat_map(|u| u.locations.iter().map(|l| l.byte_start))
                .collect()
        })
    }

    /// Evidence for one API, as observed: one item for what ran (with its
    /// arguments), one for the code; `observed` picks which are wanted.
    pub fn evidence(&self, api: &str, observed: &[Observation]) -> Vec<Evidence> {
        let mut out = Vec::new();
        let Some(facts) = self.get(api) else {
            return out;
        };
        if observed.contains(&Observation::Dynamic) && !facts.run.is_empty() {
            let mut arguments: Vec<String> = self
                .run_arguments(api)
                .into_iter()
                .take(EVIDENCE_ARGUMENTS)
                .map(str::to_string)
                .collect();
            if self.run_arguments(api).len() > EVIDENCE_ARGUMENTS
                || self.run_arguments_truncated(api)
            {
                arguments.push("…".to_string());
            }
            out.push(Evidence::Api {
                script: self.name.clone(),
                api: api.to_string(),
                count: self.run_count(api),
                observed: Observation::Dynamic,
                arguments,
            });
        }
        if observed.contains(&Observation::Static) && !facts.code.is_empty() {
            out.push(Evidence::Api {
                script: self.name.clone(),
                api: api.to_string(),
                count: facts.code.iter().map(|u| u64::from(u.count)).sum(),
                observed: Observation::Static,
                arguments: Vec::new(),
            });
        }
        out
    }

    /// [`ScriptApis::evidence`] of each API in turn.
    pub fn evidence_of(&self, apis: &[&str], observed: &[Observation]) -> Vec<Evidence> {
        apis.iter()
            .flat_map(|api| self.evidence(api, observed))
            .collect()
    }

    fn add_code(&mut self, api_use: &'a ApiUse) {
        self.apis
            .entry(normalise(&api_use.api))
            .or_default()
            .code
            .push(api_use);
    }

    fn add_run(&mut self, call: &'a ApiCall) {
        let api = normalise(&call.api);
        match api.as_str() {
            // The argument says which API this really is.
            "HTMLCanvasElement.getContext" => {
                let mut by_kind: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
                for argument in &call.arguments {
                    let kind = match argument.as_str() {
                        "2d" => "2d",
                        a if a.contains("webgl") => "webgl",
                        _ => "other",
                    };
                    by_kind
                        .entry(format!("HTMLCanvasElement.getContext({kind})"))
                        .or_default()
                        .push(argument);
                }
                for (name, arguments) in by_kind {
                    self.apis
                        .entry(name)
                        .or_default()
                        .run
                        .push((call, arguments));
                }
            }
            "EventTarget.addEventListener" => {
                let mut by_event: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
                for argument in &call.arguments {
                    let event = argument.split(" on ").next().unwrap_or_default();
                    by_event
                        .entry(format!("EventTarget.addEventListener({event})"))
                        .or_default()
                        .push(argument);
                }
                for (name, arguments) in by_event {
                    self.apis
                        .entry(name)
                        .or_default()
                        .run
                        .push((call, arguments));
                }
            }
            _ => {
                let arguments = call.arguments.iter().map(String::as_str).collect();
                self.apis
                    .entry(api)
                    .or_default()
                    .run
                    .push((call, arguments));
            }
        }
    }
}

/// One name per API whatever reported it: WebGL 2 methods count as their
/// WebGL 1 names, `webkit`/`moz` prefixes are dropped.
pub fn normalise(api: &str) -> String {
    let api = api
        .strip_prefix("webkit")
        .or_else(|| api.strip_prefix("moz"))
        .unwrap_or(api);
    match api.strip_prefix("WebGL2RenderingContext.") {
        Some(member) => format!("WebGLRenderingContext.{member}"),
        None => api.to_string(),
    }
}

/// Every script's API facts: each script with static analysis, merged with
/// the calls recorded for it; calls that match no script are grouped by
/// the calling URL (inline code is known by its document's URL).
pub fn script_apis<'a>(facts: &Facts<'a>) -> Vec<ScriptApis<'a>> {
    let mut out: Vec<ScriptApis<'a>> = facts
        .scripts
        .iter()
        .map(|script| {
            let mut apis = ScriptApis::new(script.name.clone(), Some(script));
            if let Some(analysis) = &script.analysis {
                for api_use in &analysis.api_uses {
                    apis.add_code(api_use);
                }
            }
            apis
        })
        .collect();
    let calls = facts
        .capture
        .and_then(|c| c.api_calls.as_deref())
        .unwrap_or(&[]);
    let mut unmatched: BTreeMap<&str, usize> = BTreeMap::new();
    for call in calls {
        let by_id = call.script_id.as_deref().and_then(|id| {
            facts
                .scripts
                .iter()
                .position(|s| s.id == id && !s.id.is_empty())
        });
        let by_url = || {
            (!call.script_url.is_empty())
                .then(|| {
                    facts
                        .scripts
                        .iter()
                        .position(|s| s.url.as_deref() == Some(call.script_url.as_str()))
                })
                .flatten()
        };
        let index = match by_id.or_else(by_url) {
            Some(index) => index,
            None => {
                let key = call.script_url.as_str();
                *unmatched.entry(key).or_insert_with(|| {
                    let name = if key.is_empty() {
                        "unnamed code (eval without a source URL)".to_string()
                    } else {
                        key.to_string()
                    };
                    out.push(ScriptApis::new(name, None));
                    out.len() - 1
                })
            }
        };
        out[index].add_run(call);
    }
    out.retain(|s| !s.apis.is_empty());
    out
}
