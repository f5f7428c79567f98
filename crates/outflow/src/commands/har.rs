//! `outflow har`: a HAR 1.2 recording as a capture.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_capture::{CaptureDir, capture_name};

use super::scan::{print_captures, save, summarise};

/// Arguments of `outflow har`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// HAR files (Chrome DevTools, Firefox, Playwright, mitmproxy exports).
    #[arg(required = true, value_name = "FILE.har")]
    pub files: Vec<PathBuf>,

    /// Write each capture as `<file>.capture.json` and the scripts found in
    /// responses as `scripts/<sha256>.js` here; else the capture JSON goes
    /// to standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs `outflow har`. Exits 2 when a file could not be read as HAR, after
/// converting the others.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.out.as_deref().map(CaptureDir::create).transpose()?;
    let mut any_failed = false;
    let mut printed = Vec::new();
    for file in &args.files {
        match outflow_capture::import_har_file(file) {
            Ok(import) => {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let name = capture_name(&stem, None);
                summarise(&name, &import.capture);
                save(
                    dir.as_ref(),
                    &name,
                    import.capture,
                    &import.sources,
                    &mut printed,
                )?;
            }
            Err(error) => {
                eprintln!("error: {error}");
                any_failed = true;
            }
        }
    }
    print_captures(printed)?;
    Ok(if any_failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
