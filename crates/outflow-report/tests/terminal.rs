//! The terminal report: snapshots of its layout, widths that fit, colour
//! only when asked, and hostile strings that cannot drive the terminal.

mod support;

use outflow_report::{TerminalOptions, terminal_with};
use support::{PAYLOADS, hostile_report, sample_report};

#[test]
fn layout_at_100_columns() {
    insta::assert_snapshot!(outflow_report::terminal(&sample_report()));
}

#[test]
fn layout_at_60_columns() {
    let options = TerminalOptions {
        color: false,
        width: Some(60),
    };
    let text = terminal_with(&sample_report(), &options);
    for line in text.lines() {
        assert!(line.chars().count() <= 60, "too wide: {line:?}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn colour_only_when_asked() {
    let plain = outflow_report::terminal(&sample_report());
    assert!(!plain.contains('\x1b'));
    let options = TerminalOptions {
        color: true,
        width: Some(100),
    };
    let coloured = terminal_with(&sample_report(), &options);
    assert!(
        coloured.contains("\x1b[1;31m✖ CRITICAL"),
        "verdict in bold red"
    );
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain, "colour changes nothing but colour");
}

#[test]
fn hostile_strings_cannot_drive_the_terminal() {
    for payload in PAYLOADS {
        let text = outflow_report::terminal(&hostile_report(payload));
        assert!(
            !text.contains('\x1b'),
            "escape byte printed for {payload:?}"
        );
        assert!(
            !text.contains('\r'),
            "carriage return printed for {payload:?}"
        );
        assert!(
            !text.contains('\u{202e}'),
            "bidi override printed for {payload:?}"
        );
        let coloured = terminal_with(
            &hostile_report(payload),
            &TerminalOptions {
                color: true,
                width: None,
            },
        );
        // Only outflow's own SGR colour sequences remain.
        let stripped = strip_ansi(&coloured);
        assert!(!stripped.contains('\x1b'), "foreign escape in {payload:?}");
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(tail.len());
        if tail[end..].starts_with('m') {
            rest = &tail[end + 1..];
        } else {
            out.push_str("\x1b[");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}
