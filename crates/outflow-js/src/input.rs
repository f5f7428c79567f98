//! Reading what the user points `outflow js` at: files, directories,
//! standard input; JavaScript, HTML and JSON documents.
//!
//! Directories are walked with the `ignore` crate (respecting `.gitignore`
//! and hidden files like ripgrep does). Files are analysed in parallel on a
//! rayon pool whose threads have [`crate::ANALYSIS_STACK_BYTES`] of stack.
//! Files are told apart by content: a file is refused as binary only on
//! the strong evidence of [`crate::binary_content`], with an "unreadable
//! script" error, never for one NUL byte.

use std::path::Path;

use outflow_model::{DocumentAnalysis, DocumentFormat, Endpoint, ParseDiagnostic, ScriptInput};
use rayon::prelude::*;

use crate::Options;
use crate::endpoint::recognise;
use crate::line_index::LineIndex;
use crate::script::{Located, ScriptText, analyze_text, sha256_hex};
use outflow_js_value::value::PartialString;

/// File extensions read when walking a directory.
const EXTENSIONS: [&str; 8] = ["js", "mjs", "cjs", "jsx", "html", "htm", "json", "xhtml"];

use crate::binary_content::SNIFF_BYTES;

/// JSON strings shorter than this are not tried as code.
const MIN_JSON_SCRIPT: usize = 32;

/// Analyses every input: `-` is standard input, a directory is walked.
/// Unreadable inputs yield a document with an error. Results come in input
/// order, then path order within a directory.
pub fn analyze_paths(inputs: &[String], options: &Options) -> Vec<DocumentAnalysis> {
    let mut jobs: Vec<(String, Result<Vec<u8>, String>)> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    for input in inputs {
        if input == "-" {
            let mut bytes = Vec::new();
            let read = std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                .map(|_| bytes)
                .map_err(|e| format!("cannot read standard input: {e}"));
            jobs.push(("-".into(), read));
            continue;
        }
        let path = Path::new(input);
        if path.is_dir() {
            let mut found: Vec<String> = ignore::WalkBuilder::new(path)
                .build()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
                .filter(|entry| {
                    entry
                        .path()
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| EXTENSIONS.contains(&e))
                })
                .map(|entry| entry.path().display().to_string())
                .take(options.max_files)
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::ANALYSIS_STACK_BYTES)
        .build();
    let analyse = |(path, read): (String, Result<Vec<u8>, String>)| match read {
        Ok(bytes) => analyze_document_here(&path, &bytes, options),
        Err(error) => unreadable(&path, error),
    };
    let read_file = |path: &String| {
        let read = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
        (path.clone(), read)
    };
    let run = || -> Vec<DocumentAnalysis> {
        let mut out: Vec<DocumentAnalysis> = jobs.into_par_iter().map(analyse).collect();
        out.extend(
            files
                .par_iter()
                .map(read_file)
                .map(analyse)
                .collect::<Vec<_>>(),
        );
        out
    };
    match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn unreadable(path: &str, error: String) -> DocumentAnalysis {
    DocumentAnalysis {
        path: path.to_owned(),
        format: DocumentFormat::Javascript,
        sha256: String::new(),
        size: 0,
        error: Some(error),
        references: Vec::new(),
        scripts: Vec::new(),
    }
}

/// Analyses one document of any supported kind, told apart by extension
/// and content.
pub fn analyze_document(path: &str, bytes: &[u8], options: &Options) -> DocumentAnalysis {
    crate::on_analysis_stack(|| analyze_document_here(path, bytes, options))
}

/// [`analyze_document`] on the current thread, which must have a large stack.
fn analyze_document_here(path: &str, bytes: &[u8], options: &Options) -> DocumentAnalysis {
    let mut document = DocumentAnalysis {
        path: path.to_owned(),
        format: DocumentFormat::Javascript,
        sha256: String::new(),
        size: bytes.len() as u64,
        error: None,
        references: Vec::new(),
        scripts: Vec::new(),
    };
    if let Some(reason) = crate::binary_content::binary_reason(bytes) {
        document.sha256 = sha256_hex(bytes);
        document.error = Some(format!("unreadable script: {reason}: not analysed"));
        return document;
    }
    if bytes.len() > options.max_script_bytes {
        document.sha256 = sha256_hex(bytes);
        document.error = Some(format!(
            "{} bytes is over the limit of {} bytes (--max-script-bytes)",
            bytes.len(),
            options.max_script_bytes
        ));
        return document;
    }
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let format = match extension.as_str() {
        "html" | "htm" | "xhtml" => DocumentFormat::Html,
        "json" => DocumentFormat::Json,
        "js" | "mjs" | "cjs" | "jsx" => DocumentFormat::Javascript,
        _ if crate::html::looks_like_html(&String::from_utf8_lossy(
            &bytes[..bytes.len().min(SNIFF_BYTES)],
        )) =>
        {
            DocumentFormat::Html
        }
        _ => DocumentFormat::Javascript,
    };
    document.format = format;
    if format == DocumentFormat::Javascript {
        // The script's own hash is of the same bytes: computed once.
        document.scripts =
            crate::script::analyze_script_here(path, script_input(path), bytes, options);
        if let Some(first) = document.scripts.first() {
            document.sha256.clone_from(&first.sha256);
        }
        return document;
    }
    document.sha256 = sha256_hex(bytes);
    let text = String::from_utf8_lossy(bytes);
    match format {
        DocumentFormat::Html => {
            let mut scripts = Vec::new();
            document.references =
                analyze_html_text(path, &text, options, 0, &mut scripts, None, None);
            document.scripts = scripts;
        }
        _ => analyze_json(&mut document, &text, options),
    }
    if matches!(text, std::borrow::Cow::Owned(_))
        && let Some(first) = document.scripts.first_mut()
    {
        first.diagnostics.insert(
            0,
            ParseDiagnostic {
                message: "invalid UTF-8 replaced with U+FFFD before analysis".into(),
                location: None,
            },
        );
    }
    document
}

fn script_input(path: &str) -> ScriptInput {
    if path == "-" {
        ScriptInput::Stdin
    } else {
        ScriptInput::File {
            path: path.to_owned(),
        }
    }
}

/// Analyses an HTML text's inline scripts into `out` and returns its URL
/// references. `input` overrides how its scripts are described (for HTML
/// written by `document.write`), and `budget` is the deobfuscation budget of
/// the script that wrote it.
pub(crate) fn analyze_html_text(
    name: &str,
    text: &str,
    options: &Options,
    depth: u32,
    out: &mut Vec<outflow_model::ScriptAnalysis>,
    input: Option<ScriptInput>,
    budget: Option<&outflow_deobfuscate::Budget>,
) -> Vec<Endpoint> {
    let parts = crate::html::extract(text);
    for (index, script) in parts.scripts.iter().enumerate() {
        let (start, end) = (script.range.0 as usize, script.range.1 as usize);
        let Some(body) = text.get(start..end) else {
            continue;
        };
        let script_input = input.clone().unwrap_or_else(|| ScriptInput::Inline {
            document: name.to_owned(),
            index: u32::try_from(index).unwrap_or(u32::MAX),
        });
        let script_name = format!("{name}#script[{index}]");
        analyze_text(
            ScriptText {
                name: &script_name,
                input: script_input,
                text: body,
                located: Located {
                    document: text,
                    base: script.range.0,
                },
                module: script.module.then_some(true),
                options,
                depth,
                budget: budget.cloned(),
            },
            out,
        );
    }
    let index = LineIndex::new(text);
    let ranges: Vec<(u32, u32)> = parts.references.iter().map(|r| r.range).collect();
    let spans = index.locate_all(&ranges);
    let mut references = Vec::new();
    for (reference, span) in parts.references.into_iter().zip(spans) {
        for found in recognise(
            &PartialString::known(reference.url.clone()),
            Some(reference.sink),
        ) {
            references.push(Endpoint {
                value: found.value,
                kind: found.kind,
                host: found.host,
                pattern: found.pattern,
                sink: Some(reference.sink),
                computed: Vec::new(),
                recovery: None,
                location: span,
            });
        }
    }
    references
}

/// A JSON document: every string that parses as a script is analysed.
fn analyze_json(document: &mut DocumentAnalysis, text: &str, options: &Options) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            // Not JSON after all (a `.json` file holding a script): read it
            // as JavaScript.
            document.format = outflow_model::DocumentFormat::Javascript;
            document.scripts = crate::script::analyze_script_here(
                &document.path,
                script_input(&document.path),
                text.as_bytes(),
                options,
            );
            if let Some(first) = document.scripts.first_mut() {
                first.diagnostics.insert(
                    0,
                    ParseDiagnostic {
                        message: format!("not valid JSON ({error}); read as JavaScript"),
                        location: None,
                    },
                );
            }
            return;
        }
    };
    let mut strings = Vec::new();
    collect_strings(&value, String::new(), &mut strings);
    for (pointer, code) in strings {
        if code.len() < MIN_JSON_SCRIPT || !looks_like_code(&code) {
            continue;
        }
        let input = ScriptInput::Json {
            document: document.path.clone(),
            pointer: pointer.clone(),
        };
        let name = format!("{}#{}", document.path, pointer);
        let mut found = Vec::new();
        analyze_text(
            ScriptText::standalone(&name, input, &code, options, 0),
            &mut found,
        );
        // A string that does not parse as code is data, not a script.
        if found.first().is_some_and(|s| s.diagnostics.is_empty()) {
            document.scripts.extend(found);
        }
    }
}

fn looks_like_code(text: &str) -> bool {
    text.contains("function") || text.contains("=>") || text.contains(';') || text.contains("});")
}

/// Every string of a JSON value with its JSON Pointer. serde_json limits
/// nesting to 128 levels while parsing, which bounds this recursion.
fn collect_strings(value: &serde_json::Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((pointer, s.clone())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, format!("{pointer}/{i}"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                collect_strings(item, format!("{pointer}/{key}"), out);
            }
        }
        _ => {}
    }
}
