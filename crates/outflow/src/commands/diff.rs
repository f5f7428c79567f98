//! `outflow diff`: what changed between two saved scans (the PCI DSS
//! 11.6.1 change record).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context, bail};
use outflow_store::{ScanDiff, SetChange, Store};

use super::history::{DbArgs, Format};

/// Arguments of `outflow diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier scan's id; or a page URL, to compare its last two
    /// scans; or a scan id alone, to compare it with the scan before it.
    #[arg(value_name = "A")]
    pub from: String,

    /// The later scan's id.
    #[arg(value_name = "B")]
    pub to: Option<String>,

    /// With a URL: compare the last two scans made as this persona.
    #[arg(long, value_name = "NAME")]
    pub persona: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow diff`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = args.db.open()?;
    let (from, to) = resolve(&store, &args)?;
    let diff = ScanDiff::between(&store.scan(from)?, &store.scan(to)?);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&diff)?),
        Format::Terminal => print!("{}", render(&diff)),
    }
    Ok(ExitCode::SUCCESS)
}

fn resolve(store: &Store, args: &Args) -> anyhow::Result<(i64, i64)> {
    match (args.from.parse::<i64>(), &args.to) {
        (Ok(from), Some(to)) => {
            let to = to
                .parse::<i64>()
                .with_context(|| format!("B must be a scan id, got {to:?}"))?;
            Ok((from, to))
        }
        (Ok(to), None) => match store.previous(to)? {
            Some(from) => Ok((from, to)),
            None => bail!("scan {to} is the first scan of its page: nothing to compare it with"),
        },
        (Err(_), None) => {
            // The latest scan against the one before it made as the same
            // persona: a `us` visit compared with a `cn` one would show the
            // persona's effect, not a change of the page.
            let url = store.saved_url(&args.from)?;
            let latest = store.history(&url, args.persona.as_deref(), 1)?;
            let Some(latest) = latest.first() else {
                bail!(
                    "{} has no saved scans (`outflow history` lists the pages with scans)",
                    args.from
                );
            };
            match store.previous(latest.id)? {
                Some(before) => Ok((before, latest.id)),
                None => bail!(
                    "{} has one saved scan{}; a diff needs two",
                    args.from,
                    latest
                        .persona
                        .as_deref()
                        .map(|p| format!(" as {p}"))
                        .unwrap_or_default()
                ),
            }
        }
        (Err(_), Some(_)) => bail!("give two scan ids, or one page URL"),
    }
}

/// The diff as text for a terminal or a log.
pub fn render(diff: &ScanDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: scan {} ({}) → scan {} ({})",
        diff.to.url, diff.from.id, diff.from.started_at, diff.to.id, diff.to.started_at
    );
    if diff.is_empty() {
        let _ = writeln!(out, "  no change");
        if !diff.headers_compared {
            let _ = writeln!(out, "  (security headers not recorded in both scans)");
        }
        return printable(&out);
    }
    for s in &diff.scripts_added {
        let _ = writeln!(
            out,
            "  + script {} [{}] sha256 {}",
            s.name,
            s.origin,
            s.sha256.join(" ")
        );
    }
    for s in &diff.scripts_removed {
        let _ = writeln!(
            out,
            "  - script {} [{}] sha256 {}",
            s.name,
            s.origin,
            s.sha256.join(" ")
        );
    }
    for s in &diff.scripts_changed {
        let _ = writeln!(
            out,
            "  ~ script {} [{}] sha256 {} → {}",
            s.name,
            s.origin,
            s.from_sha256.join(" "),
            s.to_sha256.join(" ")
        );
    }
    set_lines(&mut out, "destination", &diff.destinations);
    set_lines(&mut out, "entity", &diff.entities);
    set_lines(&mut out, "country", &diff.countries);
    set_lines(&mut out, "flag", &diff.flags);
    for f in &diff.findings_new {
        let _ = writeln!(out, "  + finding [{}] {}: {}", f.severity, f.rule, f.title);
    }
    for f in &diff.findings_resolved {
        let _ = writeln!(
            out,
            "  - finding [{}] {}: {} (resolved)",
            f.severity, f.rule, f.title
        );
    }
    for h in &diff.headers_changed {
        let _ = writeln!(
            out,
            "  ~ header {}: {} → {}",
            h.name,
            h.from.as_deref().unwrap_or("(absent)"),
            h.to.as_deref().unwrap_or("(absent)")
        );
    }
    for i in &diff.integrity_changed {
        let _ = writeln!(
            out,
            "  ! integrity {}: {} → {} ({})",
            i.name, i.from, i.to, i.detail
        );
    }
    if !diff.headers_compared {
        let _ = writeln!(out, "  (security headers not recorded in both scans)");
    }
    printable(&out)
}

/// Replaces control characters (other than line ends) so that a value a
/// page controls, such as a header, cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

fn set_lines(out: &mut String, what: &str, change: &SetChange) {
    for value in &change.added {
        let _ = writeln!(out, "  + {what} {value}");
    }
    for value in &change.removed {
        let _ = writeln!(out, "  - {what} {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(printable("a\u{1b}[31mb\n"), "a?[31mb\n");
    }
}
