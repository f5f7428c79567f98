//! `outflow js`: static analysis of scripts, HTML pages and JSON-wrapped
//! bundles.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

/// Output formats of `outflow js`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A readable summary.
    Terminal,
    /// The versioned JSON document (schema in `schema/`).
    Json,
}

/// Arguments of `outflow js`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to analyse (directories are walked, honouring
    /// .gitignore); `-` reads standard input.
    #[arg(required = true, value_name = "FILE|DIR|-")]
    pub inputs: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    /// Scripts larger than this many bytes are skipped with a note.
    #[arg(long, default_value_t = outflow_js::Options::default().max_script_bytes)]
    pub max_script_bytes: usize,

    /// Do not attribute hosts to their owners.
    #[arg(long)]
    pub no_intel: bool,

    /// Folders of entity files that add to or override the built-in data.
    #[arg(long, value_name = "DIR")]
    pub intel: Vec<std::path::PathBuf>,

    /// The site the scripts belong to, for first or third party.
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,

    /// Layers of code built at run time (`eval(atob(…))`) decoded and
    /// analysed.
    #[arg(long, default_value_t = outflow_js::Options::default().max_decoded_depth)]
    pub max_decoded_depth: u32,
}

/// Runs `outflow js`. Exits 2 when an input could not be read or analysed
/// at all, after printing what could be.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = outflow_js::Options {
        max_script_bytes: args.max_script_bytes,
        max_decoded_depth: args.max_decoded_depth,
        ..outflow_js::Options::default()
    };
    let intel = if args.no_intel {
        None
    } else {
        let options = outflow_intel::IntelOptions {
            intel_dirs: args.intel.clone(),
            ..Default::default()
        };
        Some(outflow_intel::Intel::load(&options).context("loading intelligence data")?)
    };
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: intel.as_ref(),
        site: args.site.as_deref(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let report = outflow_pipeline::report_files(&args.inputs, &pipeline);
    let text = match args.format {
        Format::Terminal => outflow_report::js_terminal(&report),
        Format::Json => outflow_report::json(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing the report")?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n").context("writing the report")?;
    }
    let failed: Vec<&str> = report
        .documents
        .iter()
        .filter(|d| d.error.is_some())
        .map(|d| d.path.as_str())
        .collect();
    for path in &failed {
        tracing::warn!("not analysed: {path}");
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
