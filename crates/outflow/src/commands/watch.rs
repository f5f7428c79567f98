//! `outflow watch`: rescan pages on a schedule and alert on change; and
//! what `outflow scan` does after its reports are made (save, compare with
//! the previous scan, the policy gate).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use outflow_capture::{HostMapping, Persona, ScanOptions, capture_failed};
use outflow_model::Report;
use outflow_policy::Policy;
use outflow_store::{PageFacts, ScanDiff, Store};

use super::diff::render;
use super::history::Format;
use super::history::{DbArgs, open_store};

/// Arguments of `outflow watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pages to watch.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,

    /// Time between two rounds of scans: a number with s, m, h or d
    /// (`6h`, `30m`).
    #[arg(long, value_name = "INTERVAL", value_parser = parse_interval)]
    pub every: Duration,

    /// POST each change as JSON to this URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,

    /// Deliveries tried before a webhook alert is given up (back-off
    /// doubles from one second).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub webhook_attempts: u32,

    /// Stop after this many rounds (0: never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub rounds: u32,

    /// Visit as this persona (`us`, `eu`, `cn` or a persona file).
    #[arg(long, value_name = "NAME|FILE")]
    pub persona: Option<String>,

    /// Send a host's connections to another address:
    /// `PATTERN=IP[:PORT]`. Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    /// Do not look for a login form or type canaries.
    #[arg(long)]
    pub no_forms: bool,

    /// Seconds a page may take to load.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Accept invalid TLS certificates.
    #[arg(long)]
    pub ignore_https_errors: bool,

    /// Do not attribute hosts to their owners.
    #[arg(long)]
    pub no_intel: bool,

    /// Domains (with their subdomains) that belong to the site itself.
    #[arg(long, value_name = "DOMAIN")]
    pub first_party: Vec<String>,

    /// Format of the diffs printed on change.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Parses `6h`, `30m`, `45s`, `1d` (a bare number is seconds).
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a number with s, m, h or d, got {text:?}"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        other => return Err(format!("unknown unit {other:?} (s, m, h or d)")),
    };
    if seconds == 0 {
        return Err("the interval must be at least one second".to_string());
    }
    Ok(Duration::from_secs(seconds))
}

/// Runs `outflow watch`: exits only after `--rounds` rounds (or on an
/// error opening the database or starting).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(webhook) = &args.webhook {
        check_webhook(webhook)?;
    }
    let mut store = args.db.open()?;
    let mappings = args
        .map_host
        .iter()
        .map(|rule| HostMapping::parse(rule))
        .collect::<Result<Vec<_>, _>>()?;
    let persona = args
        .persona
        .as_deref()
        .map(|name| Persona::resolve(name.trim()))
        .transpose()?;
    let options = ScanOptions {
        mappings,
        persona,
        timeout: Duration::from_secs(args.timeout.max(1)),
        fill_forms: !args.no_forms,
        ignore_https_errors: args.ignore_https_errors,
        ..ScanOptions::default()
    };
    let intel = if args.no_intel {
        None
    } else {
        let options = outflow_intel::IntelOptions {
            first_party: args.first_party.clone(),
            ..Default::default()
        };
        Some(outflow_intel::Intel::load(&options).context("loading intelligence data")?)
    };
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel: intel.as_ref(),
        site: None,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let alerts = Alerts {
        webhook: args.webhook.as_deref(),
        attempts: args.webhook_attempts.max(1),
        to_stdout: true,
        format: args.format,
    };
    let mut round = 0u32;
    loop {
        round += 1;
        for url in &args.urls {
            eprintln!("watch round {round}: scanning {url}");
            let output = match runtime.block_on(outflow_capture::scan(url, &options)) {
                Ok(output) => output,
                Err(error) => {
                    eprintln!("error: {url}: {error}");
                    continue;
                }
            };
            if capture_failed(&output.capture) {
                // A page that did not load would read as "every script
                // removed": not saved, not compared.
                for error in &output.capture.errors {
                    eprintln!("error: {url}: {:?}: {}", error.kind, error.message);
                }
                continue;
            }
            let outflow_pipeline::AnalysedCapture { report, facts } =
                outflow_pipeline::analyse_capture(
                    output.capture,
                    outflow_pipeline::Sources::Map(&output.sources),
                    &pipeline,
                );
            let id = store.save(&report, &facts)?;
            eprintln!("  saved as scan {id}: {}", report.summary.verdict);
            if let Err(error) = alerts.compare(&store, id) {
                eprintln!("error: {url}: {error:#}");
            }
        }
        if args.rounds != 0 && round >= args.rounds {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(args.every);
    }
}

/// Options of `scan` and `har` for what follows their reports: the history
/// database, the policy gate and change alerts.
#[derive(Debug, Clone, clap::Args)]
pub struct FollowArgs {
    #[command(flatten)]
    pub db: super::history::DbArgs,

    /// Check each report against this policy file (TOML) and exit 1 with
    /// one message per violation when it is broken: the CI gate. HAR files
    /// carry no DOM, so for them `require_sri` asks for hashes pinned in
    /// the policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Save each report and print its changes since the page's previous
    /// saved scan (standard error).
    #[arg(long)]
    pub alert_on_change: bool,

    /// With --alert-on-change: POST each change as JSON to this URL.
    #[arg(long, value_name = "URL", requires = "alert_on_change")]
    pub webhook: Option<String>,
}

impl FollowArgs {
    /// Fails now on a typo in the policy or the webhook, not after the
    /// scans.
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(path) = &self.policy {
            Policy::load(path).context("loading the policy")?;
        }
        if let Some(webhook) = &self.webhook {
            check_webhook(webhook)?;
        }
        Ok(())
    }
}

/// What `outflow scan` and `outflow har` do with their reports besides
/// printing them.
#[derive(Debug, Clone)]
pub struct FollowUp {
    /// Save every report.
    pub save: bool,
    /// Whether saving was asked for (`--save`, `--db`): then a database
    /// that cannot be opened is an error; saving by default only warns, so
    /// that a scan on a read-only home still reports.
    pub save_asked: bool,
    /// The database, policy and alert options.
    pub options: FollowArgs,
}

/// Saves the reports (with the facts of their captures; `None` for a
/// capture that failed, which is not saved), prints the changes since the
/// previous scan of each page when asked, and checks the policy. Returns
/// whether the policy was violated.
pub fn follow_up(
    follow: &FollowUp,
    reports: &[Report],
    facts: &[Option<PageFacts>],
) -> anyhow::Result<bool> {
    let policy = follow
        .options
        .policy
        .as_deref()
        .map(Policy::load)
        .transpose()
        .context("loading the policy")?;
    if let Some(webhook) = &follow.options.webhook {
        check_webhook(webhook)?;
    }
    if follow.save || follow.options.alert_on_change {
        let mut store = match open_store(follow.options.db.db.as_deref()) {
            Ok(store) => store,
            Err(error) if !(follow.save_asked || follow.options.alert_on_change) => {
                eprintln!("warning: not saved in the history ({error:#}); --no-save silences this");
                return policy_gate(policy.as_ref(), reports);
            }
            Err(error) => return Err(error),
        };
        let alerts = Alerts {
            webhook: follow.options.webhook.as_deref(),
            attempts: 5,
            to_stdout: false,
            format: Format::Terminal,
        };
        for (report, facts) in reports.iter().zip(facts) {
            let Some(facts) = facts else {
                eprintln!("not saved: {} could not be loaded", report.target.value);
                continue;
            };
            let id = store.save(report, facts)?;
            eprintln!("saved {} as scan {id}", report.target.value);
            if follow.options.alert_on_change {
                alerts.compare(&store, id)?;
            }
        }
    }
    policy_gate(policy.as_ref(), reports)
}

/// Prints each policy violation of each report (judging `require_sri` by
/// the integrity in the report); returns whether any.
fn policy_gate(policy: Option<&Policy>, reports: &[Report]) -> anyhow::Result<bool> {
    let Some(policy) = policy else {
        return Ok(false);
    };
    let mut violated = false;
    for report in reports {
        let violations = policy.evaluate(report);
        if violations.is_empty() {
            eprintln!("policy: {} passes", report.target.value);
            continue;
        }
        violated = true;
        eprintln!(
            "policy: {} breaks the policy {} time(s):",
            report.target.value,
            violations.len()
        );
        for violation in violations {
            eprintln!(
                "  policy violation [{:?}]: {}",
                violation.kind, violation.message
            );
        }
    }
    Ok(violated)
}

/// How changes are announced.
struct Alerts<'a> {
    webhook: Option<&'a str>,
    attempts: u32,
    /// `watch` prints diffs to standard output; `scan` keeps it for its
    /// report and prints them to standard error.
    to_stdout: bool,
    format: Format,
}

impl Alerts<'_> {
    /// Compares scan `id` with the previous scan of its page and announces
    /// any change. Returns the diff, when there was a previous scan.
    fn compare(&self, store: &Store, id: i64) -> anyhow::Result<Option<ScanDiff>> {
        let Some(previous) = store.previous(id)? else {
            eprintln!("  first scan of this page: nothing to compare with");
            return Ok(None);
        };
        let diff = ScanDiff::between(&store.scan(previous)?, &store.scan(id)?);
        if diff.is_empty() {
            eprintln!("  no change since scan {previous}");
            return Ok(Some(diff));
        }
        let text = match self.format {
            Format::Terminal => render(&diff),
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&diff)?),
        };
        if self.to_stdout {
            print!("{text}");
        } else {
            eprint!("{text}");
        }
        if let Some(webhook) = self.webhook {
            let payload = serde_json::json!({
                "event": "outflow.change",
                "url": diff.to.url,
                "diff": &diff,
            });
            deliver(webhook, &payload, self.attempts, Duration::from_secs(1))?;
            eprintln!("  change posted to {webhook}");
        }
        Ok(Some(diff))
    }
}

fn check_webhook(webhook: &str) -> anyhow::Result<()> {
    if !(webhook.starts_with("http://") || webhook.starts_with("https://")) {
        bail!("the webhook must be an http:// or https:// URL, got {webhook:?}");
    }
    Ok(())
}

/// Longest wait for one webhook delivery.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// POSTs `payload` to `webhook`, trying `attempts` times with a back-off
/// that doubles from `first_delay`; a 2xx answer is a delivery.
pub fn deliver(
    webhook: &str,
    payload: &serde_json::Value,
    attempts: u32,
    first_delay: Duration,
) -> anyhow::Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(WEBHOOK_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let body = serde_json::to_vec(payload)?;
    let mut delay = first_delay;
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        let outcome = agent
            .post(webhook)
            .header("content-type", "application/json")
            .header("user-agent", concat!("outflow/", env!("CARGO_PKG_VERSION")))
            .send(&body[..]);
        match outcome {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last_error = format!("HTTP {}", response.status()),
            Err(error) => last_error = error.to_string(),
        }
        if attempt < attempts {
            eprintln!(
                "  webhook delivery {attempt}/{attempts} failed ({last_error}); retrying in {}s",
                delay.as_secs_f32()
            );
            std::thread::sleep(delay);
            delay = delay.saturating_mul(2).min(Duration::from_secs(300));
        }
    }
    bail!("webhook {webhook}: {attempts} deliveries failed, the last with {last_error}")
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("6 hours").is_err());
        assert!(parse_interval("h").is_err());
        assert!(parse_interval("99999999999999999999h").is_err());
    }
}
