//! Terminal styling: ANSI colours (or none), line widths, and neutralising
//! adversarial text before it reaches a terminal.
//!
//! Every string in a report may come from a hostile page: a URL or a code
//! snippet can carry escape sequences that move the cursor, rewrite earlier
//! lines or change the window title, and bidirectional overrides that make
//! text read differently from what it is. [`clean`] shows them as visible
//! escapes instead.

use outflow_model::Severity;

/// How a terminal report is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Whether to emit ANSI colour sequences.
    pub color: bool,
    /// The widest a line may be, in characters; `None` for no limit (output
    /// to a file or a pipe).
    pub width: Option<usize>,
}

impl Default for TerminalOptions {
    /// No colour, 100 columns: the layout of the snapshot tests.
    fn default() -> Self {
        TerminalOptions {
            color: false,
            width: Some(100),
        }
    }
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    /// When the output is a terminal, `NO_COLOR` is unset or empty and
    /// `TERM` is not `dumb`.
    Auto,
    /// Always: an explicit request overrides `NO_COLOR`
    /// (<https://no-color.org>).
    Always,
    /// Never.
    Never,
}

impl TerminalOptions {
    /// Options for standard output: colour as `mode` says, width from the
    /// terminal (or `COLUMNS`), no width limit when the output is a file or
    /// a pipe and `COLUMNS` is unset.
    pub fn for_stdout(mode: ColorMode) -> TerminalOptions {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        TerminalOptions::decide(
            mode,
            tty,
            env("NO_COLOR").is_some(),
            env("TERM").as_deref() == Some("dumb"),
            terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)),
            env("COLUMNS").and_then(|c| c.trim().parse().ok()),
        )
    }

    /// The decision of [`TerminalOptions::for_stdout`], from its inputs.
    pub fn decide(
        mode: ColorMode,
        tty: bool,
        no_color: bool,
        dumb: bool,
        terminal_width: Option<usize>,
        columns: Option<usize>,
    ) -> TerminalOptions {
        let color = match mode {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => tty && !no_color && !dumb,
        };
        let width = if tty {
            terminal_width.filter(|w| *w > 0).or(columns)
        } else {
            columns
        };
        TerminalOptions { color, width }
    }
}

/// Narrowest width honoured: below it the layout stops making sense and
/// lines are left to wrap.
pub const MIN_WIDTH: usize = 60;

/// A colour or emphasis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Bold,
    Dim,
    Red,
    BoldRed,
    Yellow,
    Cyan,
    Magenta,
    Green,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Bold => "1",
            Tone::Dim => "2",
            Tone::Red => "31",
            Tone::BoldRed => "1;31",
            Tone::Yellow => "33",
            Tone::Cyan => "36",
            Tone::Magenta => "1;35",
            Tone::Green => "32",
        }
    }

    /// The tone of a severity.
    pub(crate) fn of(severity: Severity) -> Tone {
        match severity {
            Severity::Critical => Tone::BoldRed,
            Severity::High => Tone::Red,
            Severity::Medium => Tone::Yellow,
            Severity::Low => Tone::Cyan,
            Severity::Info => Tone::Dim,
        }
    }
}

/// Builds lines of styled text, cutting each to the width.
pub(crate) struct Painter {
    options: TerminalOptions,
    out: String,
    /// Characters on the current line (escape sequences excluded).
    column: usize,
    /// Whether the current line has reached the width and drops the rest.
    full: bool,
}

impl Painter {
    pub(crate) fn new(options: TerminalOptions) -> Self {
        Painter {
            options: TerminalOptions {
                width: options.width.map(|w| w.max(MIN_WIDTH)),
                ..options
            },
            out: String::new(),
            column: 0,
            full: false,
        }
    }

    /// Characters left on the current line.
    pub(crate) fn remaining(&self) -> usize {
        match self.options.width {
            Some(width) => width.saturating_sub(self.column),
            None => usize::MAX,
        }
    }

    /// Plain text (already cleaned).
    pub(crate) fn text(&mut self, text: &str) {
        self.push(text, None);
    }

    /// Styled text (already cleaned).
    pub(crate) fn styled(&mut self, text: &str, tone: Tone) {
        self.push(text, Some(tone));
    }

    /// Ends the line.
    pub(crate) fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.full = false;
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn push(&mut self, text: &str, tone: Option<Tone>) {
        if self.full || text.is_empty() {
            return;
        }
        let room = self.remaining();
        let count = text.chars().count();
        let shown: std::borrow::Cow<'_, str> = if count > room {
            self.full = true;
            let mut cut: String = text.chars().take(room.saturating_sub(1)).collect();
            cut.push('…');
            cut.into()
        } else {
            text.into()
        };
        self.column += shown.chars().count();
        match tone {
            Some(tone) if self.options.color => {
                self.out.push_str("\x1b[");
                self.out.push_str(tone.code());
                self.out.push('m');
                self.out.push_str(&shown);
                self.out.push_str("\x1b[0m");
            }
            _ => self.out.push_str(&shown),
        }
    }
}

/// Text from a report made safe to print: control characters (escape
/// sequences, carriage returns, new lines) and bidirectional or invisible
/// formatting characters become visible `\u{…}` escapes (the class is
/// [`crate::invisible`]'s).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::invisible::is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Shortens text to `max` characters, keeping its start and end (the end of
/// a URL or path tells as much as its start).
pub(crate) fn shorten_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 8 {
        return text.to_string();
    }
    let tail = max / 3;
    let head = max - tail - 1;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_become_visible() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(clean("line\r\nnext"), "line\\u{d}\\u{a}next");
        assert_eq!(clean("naïve 中文"), "naïve 中文");
        for (raw, shown) in [
            ("a\u{61c}b", "a\\u{61c}b"),
            ("a\u{2028}b\u{2029}", "a\\u{2028}b\\u{2029}"),
            ("\u{e0041}\u{e007f}", "\\u{e0041}\\u{e007f}"),
            ("\u{3164}", "\\u{3164}"),
            ("pass\u{ad}word", "pass\\u{ad}word"),
        ] {
            assert_eq!(clean(raw), shown);
        }
    }

    #[test]
    fn lines_are_cut_to_the_width_without_counting_colour() {
        let mut painter = Painter::new(TerminalOptions {
            color: true,
            width: Some(60),
        });
        painter.styled(&"a".repeat(50), Tone::Red);
        painter.text(&"b".repeat(50));
        painter.newline();
        let out = painter.finish();
        let visible: String = out
            .replace("\x1b[31m", "")
            .replace("\x1b[0m", "")
            .trim_end()
            .to_string();
        assert_eq!(visible.chars().count(), 60);
        assert!(visible.ends_with('…'));
    }

    #[test]
    fn colour_follows_no_color_and_the_flag() {
        let auto = |tty, no_color| {
            TerminalOptions::decide(ColorMode::Auto, tty, no_color, false, Some(80), None)
        };
        assert!(auto(true, false).color);
        assert!(!auto(true, true).color);
        assert!(!auto(false, false).color);
        assert!(TerminalOptions::decide(ColorMode::Always, false, true, false, None, None).color);
        assert!(!TerminalOptions::decide(ColorMode::Never, true, false, false, None, None).color);
        assert!(!TerminalOptions::decide(ColorMode::Auto, true, false, true, None, None).color);
    }

    #[test]
    fn width_from_the_terminal_then_columns() {
        let w = |tty, term, cols| {
            TerminalOptions::decide(ColorMode::Never, tty, false, false, term, cols).width
        };
        assert_eq!(w(true, Some(132), Some(90)), Some(132));
        assert_eq!(w(true, None, Some(90)), Some(90));
        assert_eq!(w(false, Some(132), None), None);
        assert_eq!(w(false, None, Some(70)), Some(70));
    }

    #[test]
    fn shortening_keeps_both_ends() {
        let url = format!("https://example.com/{}/end.js", "x".repeat(100));
        let short = shorten_middle(&url, 40);
        assert_eq!(short.chars().count(), 40);
        assert!(short.starts_with("https://example.com/"));
        assert!(short.ends_with("end.js"));
    }
}
