//! Nesting that would overflow the stack, found before it is parsed.
//!
//! oxc's parser, like our walkers and oxc_codegen, recurses once (or a few
//! times) per nesting level, and a stack overflow aborts the process: it
//! cannot be caught. So the text is measured lexically first
//! ([`deep_region`]): brackets (`(`, `[`, `{`, `${`) open a level, and within
//! a level the tokens that make the parser recurse without a bracket are
//! counted: runs of prefix operators (`!`, `~`, unary `+`/`-`, `typeof`,
//! `void`, `delete`, `new`, `await`, `yield`), and, until the next `;`, `,`
//! or closing brace, `?`, `=`, `=>`, `**` and the statement keywords `if`,
//! `while`, `for`, `with`, `do`; `else if` chains count for the whole
//! level. The estimate errs high (a regular expression literal is not told
//! from a division), which at worst makes a region of absurdly deep code
//! lexically scanned instead of parsed.
//!
//! Chains that nest to the left (`a.b.c…`, `f()()…`, `1+1+…`) are parsed
//! by loops, so they are not counted here; walkers bound them with their
//! own depth guards and [`ast_deeper_than`] before printing.
//!
//! Everything that parses runs on a thread with [`STACK_BYTES`] of stack
//! ([`on_large_stack`]), enough for [`MAX_NESTING`] levels of any construct
//! in a debug build.

use oxc_ast::ast::{Expression, Program, Statement};
use oxc_ast_visit::{Visit, walk};

/// Deepest nesting parsed; deeper regions are not analysed beyond it.
pub const MAX_NESTING: u32 = 5_000;

/// Stack of the threads that parse, walk and print. Untouched stack costs
/// no memory.
pub const STACK_BYTES: usize = 512 << 20;

/// A byte range of `text` nested deeper than `limit`, `None` when the text
/// is shallower. When brackets make most of the depth, the range is the
/// bracket opened at half the limit, up to and including its closing
/// bracket, so that what is left around it nests at most half as deep and
/// its brackets still match; otherwise it runs from where the estimate
/// passes `limit` to where the bracket level it was reached in closes.
/// Either way it may run to the end of the text.
pub fn deep_region(text: &str, limit: u32) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut scan = Scan::default();
    let mut entered: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let at = i;
        i = scan.step(bytes, i);
        if let Some((start, level)) = entered {
            if scan.levels.len() < level {
                return Some((start, boundary(text, i)));
            }
        } else if scan.estimate() > limit {
            let half = (limit / 2) as usize;
            entered = Some(match scan.levels.get(half) {
                Some(opened) => (opened.2, half + 1),
                None => (boundary(text, at), scan.levels.len()),
            });
        }
    }
    entered.map(|(start, _)| (start, bytes.len()))
}

/// The first character boundary of `text` at or after `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Bracket,
    Brace,
    TemplateExpression,
}

#[derive(Default)]
struct Level {
    /// Recursion-inducing tokens since the last `;`, `,` or closing brace.
    statement: u32,
    /// `else if` links of this level.
    else_ifs: u32,
}

#[derive(Default)]
struct Scan {
    /// Open levels: what opened them, their counts, where they opened.
    levels: Vec<(Open, Level, usize)>,
    top: Level,
    /// Sum of all levels' counts, kept up to date.
    counted: u64,
    prefix_run: u32,
    /// Whether the last significant token ends an operand (so `/` is a
    /// division and `+` binary).
    after_operand: bool,
    last_word_else: bool,
}

impl Scan {
    fn estimate(&self) -> u32 {
        let total = self.levels.len() as u64 + self.counted + u64::from(self.prefix_run);
        u32::try_from(total).unwrap_or(u32::MAX)
    }

    fn level(&mut self) -> &mut Level {
        match self.levels.last_mut() {
            Some((_, level, _)) => level,
            None => &mut self.top,
        }
    }

    fn count(&mut self) {
        self.level().statement += 1;
        self.counted += 1;
    }

    fn reset_statement(&mut self) {
        let level = self.level();
        let n = std::mem::take(&mut level.statement);
        self.counted -= u64::from(n);
    }

    fn close(&mut self) -> Option<Open> {
        let (open, level, _) = self.levels.pop()?;
        self.counted -= u64::from(level.statement) + u64::from(level.else_ifs);
        Some(open)
    }

    fn operand(&mut self) {
        self.after_operand = true;
        self.prefix_run = 0;
    }

    fn operator(&mut self) {
        self.after_operand = false;
        self.prefix_run = 0;
    }

    /// Scans one token from `i`; returns where the next one starts.
    fn step(&mut self, bytes: &[u8], i: usize) -> usize {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if b != b'i' || !self.last_word_else {
            // `else` is only interesting right before `if`.
            if !b.is_ascii_whitespace() {
                self.last_word_else = false;
            }
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i + 1,
            b'/' if next == Some(b'/') => skip_line(bytes, i),
            b'/' if next == Some(b'*') => find(bytes, i + 2, b"*/").map_or(bytes.len(), |j| j + 2),
            b'/' if !self.after_operand => {
                self.operand();
                skip_regex(bytes, i + 1)
            }
            b'\'' | b'"' => {
                self.operand();
                skip_string(bytes, i + 1, b)
            }
            b'`' => self.template(bytes, i + 1),
            b'(' | b'[' | b'{' => {
                self.operator();
                let open = if b == b'{' {
                    Open::Brace
                } else {
                    Open::Bracket
                };
                self.levels.push((open, Level::default(), i));
                i + 1
            }
            b')' | b']' => {
                self.close();
                self.operand();
                i + 1
            }
            b'}' => match self.close() {
                Some(Open::TemplateExpression) => self.template(bytes, i + 1),
                _ => {
                    self.reset_statement();
                    self.operand();
                    i + 1
                }
            },
            b';' | b',' => {
                self.reset_statement();
                self.operator();
                i + 1
            }
            b'?' if next == Some(b'.') || next == Some(b'?') => {
                self.operator();
                i + 2
            }
            b'?' => {
                self.count();
                self.operator();
                i + 1
            }
            b'=' if next == Some(b'>') => {
                self.count();
                self.operator();
                i + 2
            }
            b'=' if next == Some(b'=') => {
                self.operator();
                if bytes.get(i + 2) == Some(&b'=') {
                    i + 3
                } else {
                    i + 2
                }
            }
            b'=' => {
                self.count();
                self.operator();
                i + 1
            }
            b'*' if next == Some(b'*') => {
                self.count();
                self.operator();
                i + 2
            }
            b'!' | b'~' if next != Some(b'=') => {
                self.prefix();
                i + 1
            }
            b'+' | b'-' if next == Some(b) => {
                // `++`/`--`: an update, not a nesting level.
                i + 2
            }
            b'+' | b'-' if !self.after_operand => {
                self.prefix();
                i + 1
            }
            b'$' | b'_' | b'\\' | b'a'..=b'z' | b'A'..=b'Z' | 0x80..=0xff => {
                let end = word_end(bytes, i);
                self.word(&bytes[i..end]);
                end
            }
            b'0'..=b'9' => {
                self.operand();
                word_end(bytes, i)
            }
            b'.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                self.operand();
                word_end(bytes, i + 1)
            }
            _ => {
                // `!=`, `<=`, `+=`, `!==`: one operator, not an assignment.
                self.operator();
                let mut j = i + 1;
                while j < bytes.len() && j < i + 3 && bytes[j] == b'=' {
                    j += 1;
                }
                j
            }
        }
    }

    fn prefix(&mut self) {
        let run = self.prefix_run + 1;
        self.operator();
        self.prefix_run = run;
    }

    fn word(&mut self, word: &[u8]) {
        let was_else = self.last_word_else;
        self.last_word_else = false;
        match word {
            b"typeof" | b"void" | b"delete" | b"new" | b"await" | b"yield" => self.prefix(),
            b"if" if was_else => {
                self.level().else_ifs += 1;
                self.counted += 1;
                self.count();
                self.operator();
            }
            b"if" | b"while" | b"for" | b"with" | b"do" => {
                self.count();
                self.operator();
            }
            b"else" => {
                self.operator();
                self.last_word_else = true;
            }
            b"return" | b"case" | b"in" | b"of" | b"instanceof" | b"throw" => self.operator(),
            _ => self.operand(),
        }
    }

    /// Scans template text from `i` to its closing backquote, or into a
    /// `${` (which opens a level).
    fn template(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'`' => {
                    self.operand();
                    return i + 1;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    self.operator();
                    self.levels
                        .push((Open::TemplateExpression, Level::default(), i));
                    return i + 2;
                }
                _ => i += 1,
            }
        }
        bytes.len()
    }
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |j| i + j + 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|j| from + j)
}

fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_regex(bytes: &[u8], mut i: usize) -> usize {
    let mut class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => return word_end(bytes, i + 1),
            _ => i += 1,
        }
    }
    bytes.len()
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric()
            || matches!(bytes[i], b'$' | b'_' | b'\\' | 0x80..=0xff))
    {
        i += 1;
    }
    i
}

/// Whether `program` nests expressions or statements deeper than `limit`
/// (left-deep chains included). Stops descending at `limit`, so it is safe
/// on any program that parsed.
pub fn ast_deeper_than(program: &Program<'_>, limit: u32) -> bool {
    struct Meter {
        depth: u32,
        limit: u32,
        deeper: bool,
    }
    impl<'a> Visit<'a> for Meter {
        fn visit_expression(&mut self, it: &Expression<'a>) {
            if self.deeper || self.depth >= self.limit {
                self.deeper = true;
                return;
            }
            self.depth += 1;
            walk::walk_expression(self, it);
            self.depth -= 1;
        }
        fn visit_statement(&mut self, it: &Statement<'a>) {
            if self.deeper || self.depth >= self.limit {
                self.deeper = true;
                return;
            }
            self.depth += 1;
            walk::walk_statement(self, it);
            self.depth -= 1;
        }
    }
    let mut meter = Meter {
        depth: 0,
        limit,
        deeper: false,
    };
    meter.visit_program(program);
    meter.deeper
}

/// Runs `work` on a thread with [`STACK_BYTES`] of stack; on the current
/// thread if no thread can be started.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(work));
    let run = || slot.lock().ok().and_then(|mut w| w.take()).map(|w| w());
    let on_thread = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("outflow-deep".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, run)
            .ok()?;
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    match on_thread.or_else(run) {
        Some(value) => value,
        None => unreachable!("work was neither run on its thread nor here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_is_shallow() {
        let code = "if (a) { b = c ? d : e; } else if (f) { g(h[i], `x${j}y`); } /re(/g.test(k);";
        assert_eq!(deep_region(code, 10), None);
    }

    #[test]
    fn each_construct_is_measured() {
        let n = 100;
        for (open, middle, close) in [
            ("[", "", "]"),
            ("(", "1", ")"),
            ("{a:", "1", "}"),
            ("`${", "1", "}`"),
            ("!", "1", ""),
            ("a?b:", "c", ""),
            ("if(a)", "x;", ""),
            ("if(a){}else ", "x;", ""),
            ("x=", "1", ""),
            ("()=>", "1", ""),
            ("typeof ", "x", ""),
        ] {
            let code = format!("{}{middle}{};rest()", open.repeat(n), close.repeat(n));
            let region = deep_region(&code, 50);
            assert!(region.is_some(), "{open}");
            assert_eq!(deep_region(&code, 2 * n as u32 + 10), None, "{open}");
        }
    }

    #[test]
    fn the_region_ends_where_its_level_closes() {
        let code = format!("f([{}{}]); after();", "[".repeat(100), "]".repeat(100));
        let (start, end) = deep_region(&code, 50).unwrap_or_default();
        assert!(
            start > 0 && end < code.len() - "; after();".len() + 1,
            "{start} {end}"
        );
    }
}
