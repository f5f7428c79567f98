//! A diff between two saved scans (the PCI DSS 11.6.1 change record) as
//! text for a terminal or a log. Every value a page controls (URLs, script
//! names, header values) goes through [`clean`].

use std::fmt::Write as _;

use outflow_model::scan_diff::{FindingRef, ScanDiff, ScriptRef, SetChange};

use crate::style::clean;

/// The diff as text, one line per change.
pub fn diff_terminal(diff: &ScanDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: scan {} ({}) → scan {} ({})",
        clean(&diff.to.url),
        diff.from.id,
        clean(&diff.from.started_at),
        diff.to.id,
        clean(&diff.to.started_at)
    );
    if diff.is_empty() {
        let _ = writeln!(out, "  no change");
        if !diff.headers_compared {
            let _ = writeln!(out, "  (security headers not recorded in both scans)");
        }
        return out;
    }
    script_lines(&mut out, '+', &diff.scripts_added);
    script_lines(&mut out, '-', &diff.scripts_removed);
    for s in &diff.scripts_changed {
        let _ = writeln!(
            out,
            "  ~ script {} [{}] sha256 {} → {}",
            clean(&s.name),
            clean(&s.origin),
            clean(&s.from_sha256.join(" ")),
            clean(&s.to_sha256.join(" "))
        );
    }
    set_lines(&mut out, "destination", &diff.destinations);
    set_lines(&mut out, "entity", &diff.entities);
    set_lines(&mut out, "country", &diff.countries);
    set_lines(&mut out, "flag", &diff.flags);
    finding_lines(&mut out, '+', "", &diff.findings_new);
    finding_lines(&mut out, '-', " (resolved)", &diff.findings_resolved);
    for h in &diff.headers_changed {
        let _ = writeln!(
            out,
            "  ~ header {}: {} → {}",
            clean(&h.name),
            header_value(h.from.as_deref()),
            header_value(h.to.as_deref())
        );
    }
    for i in &diff.integrity_changed {
        let _ = writeln!(
            out,
            "  ! integrity {}: {} → {} ({})",
            clean(&i.name),
            clean(&i.from),
            clean(&i.to),
            clean(&i.detail)
        );
    }
    if !diff.headers_compared {
        let _ = writeln!(out, "  (security headers not recorded in both scans)");
    }
    out
}

fn script_lines(out: &mut String, sign: char, scripts: &[ScriptRef]) {
    for s in scripts {
        let _ = writeln!(
            out,
            "  {sign} script {} [{}] sha256 {}",
            clean(&s.name),
            clean(&s.origin),
            clean(&s.sha256.join(" "))
        );
    }
}

fn finding_lines(out: &mut String, sign: char, suffix: &str, findings: &[FindingRef]) {
    for f in findings {
        let _ = writeln!(
            out,
            "  {sign} finding [{}] {}: {}{suffix}",
            f.severity,
            clean(&f.rule),
            clean(&f.title)
        );
    }
}

/// A header's value on one side of the diff, `(absent)` where it was not
/// sent.
fn header_value(value: Option<&str>) -> String {
    value.map_or_else(|| "(absent)".to_string(), clean)
}

fn set_lines(out: &mut String, what: &str, change: &SetChange) {
    for value in &change.added {
        let _ = writeln!(out, "  + {what} {}", clean(value));
    }
    for value in &change.removed {
        let _ = writeln!(out, "  - {what} {}", clean(value));
    }
}

#[cfg(test)]
mod tests {
    use super::diff_terminal;
    use outflow_model::scan_diff::ScanDiff;

    fn summary(id: i64) -> serde_json::Value {
        serde_json::json!({
            "id": id, "url": "https://shop.example/", "persona": null,
            "started_at": "2026-01-01T00:00:00Z", "verdict": "ok",
            "highest": null, "scripts": 0, "findings": 0
        })
    }

    fn diff(headers_changed: serde_json::Value) -> ScanDiff {
        let empty = serde_json::json!({ "added": [], "removed": [] });
        serde_json::from_value(serde_json::json!({
            "from": summary(1), "to": summary(2),
            "scripts_added": [], "scripts_removed": [], "scripts_changed": [],
            "destinations": empty, "entities": empty, "countries": empty, "flags": empty,
            "findings_new": [], "findings_resolved": [],
            "headers_changed": headers_changed, "headers_compared": true,
            "integrity_changed": []
        }))
        .expect("a diff")
    }

    #[test]
    fn control_characters_are_replaced() {
        let text = diff_terminal(&diff(serde_json::json!([{
            "name": "content-security-policy",
            "from": null,
            "to": "a\u{1b}[31mb\u{202e}"
        }])));
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(
            text.contains("~ header content-security-policy: (absent) → a\\u{1b}[31mb"),
            "{text}"
        );
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn no_change_says_so() {
        let text = diff_terminal(&diff(serde_json::json!([])));
        assert_eq!(
            text,
            "https://shop.example/: scan 1 (2026-01-01T00:00:00Z) → scan 2 (2026-01-01T00:00:00Z)\n  no change\n"
        );
    }
}
