//! `outflow har`: HAR 1.2 recordings as captures, analysed like visits.

use std::path::PathBuf;

use outflow_bundle::capture_name;

use crate::analyser::{Analyser, AttributionOptions};
use crate::error::Result;
use crate::evidence::Evidence;
use crate::follow::FollowOptions;
use crate::output::{ExitStatus, OutputOptions, summary};
use crate::session::Run;
use crate::typed::{self, TypedOptions};

/// What `outflow har` was asked.
#[derive(Debug, Clone)]
pub struct HarRequest {
    /// HAR files.
    pub files: Vec<PathBuf>,
    /// The evidence folder.
    pub out: Option<PathBuf>,
    /// Keep the captures, skip analysis.
    pub capture_only: bool,
    /// How hosts are attributed.
    pub attribution: AttributionOptions,
    /// How reports are printed.
    pub output: OutputOptions,
    /// History, policy and alerts.
    pub follow: FollowOptions,
    /// The values the person typed while recording.
    pub typed: TypedOptions,
}

/// Imports and analyses each file: exit 2 when a file could not be read as
/// HAR (after converting the others), 1 when a finding reaches `--fail-on`
/// or the policy is broken.
pub fn har(request: &HarRequest) -> Result<ExitStatus> {
    request.follow.check()?;
    let given = request.typed.given_values()?;
    let names: Vec<String> = request.files.iter().map(|file| har_name(file)).collect();
    let evidence = request
        .out
        .as_deref()
        .map(|out| Evidence::create(out, &names))
        .transpose()?;
    let analyser = Analyser::load(&request.attribution, !request.capture_only)?;
    let follow = FollowOptions {
        save: request.follow.save && !request.capture_only,
        alert_on_change: request.follow.alert_on_change && !request.capture_only,
        ..request.follow.clone()
    };
    let mut run = Run::new(&analyser, evidence.as_ref(), request.capture_only, true);
    let mut masks: Vec<String> = given.iter().map(|v| v.value.clone()).collect();
    for file in &request.files {
        match outflow_capture::import_har_file(file) {
            Ok(mut import) => {
                for note in typed::apply(&mut import.capture, &given, request.typed.from_forms) {
                    import.capture.errors.push(outflow_model::CaptureError {
                        kind: outflow_model::CaptureErrorKind::Har,
                        message: note,
                    });
                }
                if !request.typed.show {
                    masks.extend(import.capture.canaries.iter().map(|c| c.value.clone()));
                    run.mask(masks.clone());
                }
                let name = har_name(file);
                eprint!(
                    "{}",
                    typed::masked(&summary(&name, &import.capture), &masks)
                );
                // History is kept by page URL: a recording without one
                // cannot be saved.
                let saveable = !import.capture.target.is_empty();
                if !request.capture_only && !saveable && (follow.save || follow.alert_on_change) {
                    eprintln!("  {name}: no page URL in the HAR file; not saved");
                }
                run.add(&name, import.capture, &import.sources, saveable)?;
            }
            Err(error) => {
                eprintln!("error: {error}");
                run.any_failed = true;
            }
        }
    }
    run.finish(&request.output, Some(&follow))
}

/// A HAR file's capture name: its file name without the extension.
fn har_name(file: &std::path::Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    capture_name(&stem, None)
}
