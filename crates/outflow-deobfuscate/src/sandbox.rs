//! The only place where a script's own code runs: QuickJS-ng (rquickjs)
//! under one [`Budget`] per script, a heap limit, a stack limit, and no host
//! functions: no I/O, no timers, no network, no module loader.
//!
//! The budget bounds the whole deobfuscation of one script, not one run: a
//! wall-clock deadline shared by every sandbox run, rewriting round and
//! decoded layer, and a cap on the bytes copied out of the sandbox (the sum
//! of the lengths of all decoded strings, each distinct string copied once).
//!
//! The deadline is enforced by QuickJS's interrupt handler, which QuickJS
//! consults on every function call, backward jump and regex step, but not
//! inside the native loops of some array built-ins (`join`, `toString`,
//! `toLocaleString`, `fill`, `copyWithin`, `reverse`, `sort`, `slice`,
//! `splice`, `concat`, `shift`, `unshift`, `flat`, `with`, `toReversed`,
//! `toSorted`, `toSpliced`, `Array.from`): `Array.prototype.join.call({length:
//! 1e15}, '')` would spin in C for good. [`LENGTH_GUARD`] closes that class:
//! before the script runs, every `Array.prototype` method and `Array.from`
//! is replaced by a wrapper that refuses a receiver (or spread argument)
//! longer than [`MAX_NATIVE_LENGTH`] and hands the original an array-like
//! whose `length` is fixed at the checked value, so a lying `length` getter
//! cannot show the native loop a larger one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rquickjs::{Context, Runtime};

/// Longest array or array-like an array built-in may loop over in the
/// sandbox. One native loop of this length takes well under a second even
/// in a debug build, after which the interrupt handler is consulted again;
/// string arrays hold thousands of entries.
pub const MAX_NATIVE_LENGTH: u64 = 1 << 22;

/// Why evaluation in the sandbox failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The engine could not be created.
    #[error("sandbox could not start: {0}")]
    Start(String),
    /// The script's time budget ran out (infinite loop, regex bomb, ...).
    #[error("sandbox time limit of {0:?} reached")]
    Timeout(Duration),
    /// The heap limit was reached.
    #[error("sandbox memory limit of {0} bytes reached")]
    OutOfMemory(usize),
    /// The stack limit was reached (deep recursion).
    #[error("sandbox stack limit reached (too much recursion)")]
    StackOverflow,
    /// The script's output budget ran out.
    #[error("sandbox output limit of {0} bytes reached")]
    OutputLimit(usize),
    /// The script threw, or returned something that is not a list of strings.
    #[error("script error in sandbox: {0}")]
    Script(String),
}

/// One script's budget: a deadline and a number of output bytes, shared
/// (clones share the same budget) by every sandbox run, rewriting round
/// and decoded layer of its deobfuscation.
#[derive(Debug, Clone)]
pub struct Budget {
    shared: Arc<BudgetState>,
}

#[derive(Debug)]
struct BudgetState {
    time: Duration,
    deadline: Instant,
    output_bytes: usize,
    output_left: AtomicUsize,
}

impl Budget {
    /// A budget of `time` from now and `output_bytes` bytes of output.
    pub fn new(time: Duration, output_bytes: usize) -> Self {
        let now = Instant::now();
        Budget {
            shared: Arc::new(BudgetState {
                time,
                deadline: now.checked_add(time).unwrap_or(now),
                output_bytes,
                output_left: AtomicUsize::new(output_bytes),
            }),
        }
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.shared.deadline
    }

    /// The time the budget was given.
    pub fn time(&self) -> Duration {
        self.shared.time
    }

    /// The output bytes the budget was given.
    pub fn output_bytes(&self) -> usize {
        self.shared.output_bytes
    }

    /// Output bytes still available.
    pub fn output_left(&self) -> usize {
        self.shared.output_left.load(Ordering::Relaxed)
    }

    /// Takes `bytes` of output from the budget; `false` (and nothing taken)
    /// when fewer are left.
    pub fn spend_output(&self, bytes: usize) -> bool {
        self.shared
            .output_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    /// Why the budget is exhausted, if it is: "time budget of 2s used up".
    pub fn exhausted(&self) -> Option<String> {
        if self.expired() {
            Some(format!("time budget of {:?} used up", self.shared.time))
        } else if self.output_left() == 0 {
            Some(format!(
                "output budget of {} bytes used up",
                self.shared.output_bytes
            ))
        } else {
            None
        }
    }
}

/// Limits of one sandbox run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The script's budget, which the run draws on.
    pub budget: Budget,
    /// Bytes the engine's heap may grow to.
    pub memory_bytes: usize,
    /// Bytes of native stack the engine may use.
    pub stack_bytes: usize,
}

/// Runs before the script: replaces the array built-ins whose native loops
/// QuickJS does not interrupt with wrappers that bound the length they
/// loop over (see the module documentation). Evaluated in strict mode so
/// that `this` is passed through unboxed.
pub const LENGTH_GUARD: &str = r#""use strict";
(function (cap) {
  var apply = Reflect.apply, isArray = Array.isArray, create = Object.create,
      define = Object.defineProperty, names = Object.getOwnPropertyNames,
      toObject = Object, floor = Math.floor, spreadable = Symbol.isConcatSpreadable,
      iterator = Symbol.iterator, RangeErr = RangeError, proto = Array.prototype;
  function lengthOf(o) {
    var n = +o.length;
    if (!(n > 0)) return 0;
    n = floor(n);
    if (n > cap) throw new RangeErr("array length " + n + " is over the sandbox's cap of " + cap);
    return n;
  }
  // Arrays have an exact own length; anything else is seen through a view
  // whose length is the value checked.
  function bounded(value) {
    if (value === null || value === undefined) return value;
    var o = toObject(value);
    var n = lengthOf(o);
    if (isArray(o)) return o;
    return create(o, { length: { value: n, writable: true, configurable: true } });
  }
  function wrap(holder, name, guardArgs) {
    var original = holder[name];
    if (typeof original !== "function") return;
    // No array methods in here: they are the wrapped ones.
    var wrapper = guardArgs ? function () {
      var self = bounded(this), args = [];
      for (var i = 0; i < arguments.length; i++) {
        var a = arguments[i];
        if (a !== null && typeof a === "object" && (isArray(a) || a[spreadable])) a = bounded(a);
        args[i] = a;
      }
      return apply(original, self, args);
    } : function () {
      return apply(original, bounded(this), arguments);
    };
    define(wrapper, "name", { value: name });
    define(wrapper, "length", { value: original.length });
    define(holder, name, { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
  var list = names(proto);
  for (var i = 0; i < list.length; i++) {
    var name = list[i];
    if (name === "constructor" || name === "values" || name === "keys" || name === "entries") continue;
    wrap(proto, name, name === "concat");
  }
  var from = Array.from;
  var guardedFrom = function (items) {
    // No array methods here: they are the wrapped ones.
    var args = [items];
    for (var i = 1; i < arguments.length; i++) args[i] = arguments[i];
    var list = items;
    if (items !== null && items !== undefined && typeof items !== "string") {
      var o = toObject(items);
      if (typeof o[iterator] === "function") {
        list = [];
        for (var x of o) { if (list.length >= cap) throw new RangeErr("iterable over the sandbox's cap of " + cap); list[list.length] = x; }
      } else {
        list = bounded(o);
      }
    }
    args[0] = list;
    return apply(from, this, args);
  };
  define(guardedFrom, "name", { value: "from" });
  define(Array, "from", { value: guardedFrom, writable: true, configurable: true, enumerable: false });
})(CAP);
"#;

/// Deduplicates a completion value inside the sandbox: its distinct
/// strings, for each entry the index of its string (or -1), and the
/// strings' lengths, so that the host copies each distinct string once.
/// Built before the script runs, from the original `Map` and `isArray`.
const DEDUPE: &str = "(function(M,isArray){return function(r){if(!isArray(r))throw new TypeError('not a list');var u=[],m=new M(),x=[],n=r.length;for(var i=0;i<n;i++){var v=r[i];if(typeof v!=='string'){x[i]=-1;continue;}var k=m.get(v);if(k===undefined){k=u.length;m.set(v,k);u[k]=v;}x[i]=k;}var l=[];for(var j=0;j<u.length;j++)l[j]=u[j].length;return [u,x,l];};})(Map,Array.isArray)";

/// Evaluates `code` as a classic script and converts its completion value,
/// which must be an array of strings or nulls. Each distinct string is
/// copied out of the engine once, and every copy is paid for from the
/// budget's output bytes: a string past the budget comes back as
/// `"\0output limit …"`, the batch's convention for a failed call.
pub fn eval_strings(code: &str, limits: &Limits) -> Result<Vec<Option<String>>, SandboxError> {
    if limits.budget.expired() {
        return Err(SandboxError::Timeout(limits.budget.time()));
    }
    let runtime = Runtime::new().map_err(|e| SandboxError::Start(e.to_string()))?;
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(limits.stack_bytes);
    runtime.set_gc_threshold(limits.memory_bytes / 4);
    let watchdog = limits.budget.clone();
    runtime.set_interrupt_handler(Some(Box::new(move || watchdog.expired())));
    let context = Context::full(&runtime).map_err(|e| SandboxError::Start(e.to_string()))?;
    let guard = LENGTH_GUARD.replace("CAP", &MAX_NATIVE_LENGTH.to_string());
    let result = context.with(|ctx| {
        let value = ctx
            .eval::<(), _>(guard.into_bytes())
            .and_then(|()| ctx.eval::<rquickjs::Function, _>(DEDUPE.as_bytes().to_vec()))
            .and_then(|dedupe| {
                let completion: rquickjs::Value = ctx.eval(code.as_bytes().to_vec())?;
                let parts: rquickjs::Array = dedupe.call((completion,))?;
                let unique: rquickjs::Array = parts.get(0)?;
                let indexes: Vec<i64> = parts.get(1)?;
                let lengths: Vec<f64> = parts.get(2)?;
                Ok((unique, indexes, lengths))
            });
        match value {
            Ok((unique, indexes, lengths)) => {
                copy_out(&unique, &indexes, &lengths, &limits.budget).map_err(Err)
            }
            Err(rquickjs::Error::Exception) => Err(Ok(exception_message(&ctx))),
            Err(other) => Err(Ok(other.to_string())),
        }
    });
    match result {
        Ok(strings) => Ok(strings),
        Err(Err(error)) => Err(error),
        Err(Ok(message)) => Err(classify(&message, limits)),
    }
}

/// Copies the distinct strings out while the output budget lasts and
/// expands them to one entry per call.
fn copy_out(
    unique: &rquickjs::Array<'_>,
    indexes: &[i64],
    lengths: &[f64],
    budget: &Budget,
) -> Result<Vec<Option<String>>, SandboxError> {
    let mut copied: Vec<Option<String>> = Vec::with_capacity(unique.len());
    for (i, units) in lengths.iter().enumerate() {
        // A UTF-16 unit is at least one byte of UTF-8: nothing is copied
        // that the budget cannot pay for.
        let units = if *units > 0.0 { *units as usize } else { 0 };
        if units > budget.output_left() {
            return Err(SandboxError::OutputLimit(budget.output_bytes()));
        }
        let text: Option<String> = unique.get(i).ok();
        if let Some(text) = &text
            && !budget.spend_output(text.len())
        {
            return Err(SandboxError::OutputLimit(budget.output_bytes()));
        }
        copied.push(text);
    }
    // Each further use of a string is one more copy: it is paid for too,
    // and past the budget the entry says why it is missing.
    let mut used = vec![false; copied.len()];
    Ok(indexes
        .iter()
        .map(|i| {
            let i = usize::try_from(*i).ok()?;
            let text = copied.get(i)?.as_ref()?;
            if std::mem::replace(&mut used[i], true) && !budget.spend_output(text.len()) {
                return Some(format!(
                    "\u{0}output limit of {} bytes reached",
                    budget.output_bytes()
                ));
            }
            Some(text.clone())
        })
        .collect())
}

fn exception_message(ctx: &rquickjs::Ctx<'_>) -> String {
    let thrown = ctx.catch();
    thrown
        .as_exception()
        .map(|e| {
            format!(
                "{}: {}",
                e.message().unwrap_or_default(),
                e.stack().unwrap_or_default()
            )
        })
        .or_else(|| thrown.as_string().and_then(|s| s.to_string().ok()))
        .unwrap_or_else(|| format!("{thrown:?}"))
}

fn classify(message: &str, limits: &Limits) -> SandboxError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("interrupted") || limits.budget.expired() {
        SandboxError::Timeout(limits.budget.time())
    } else if lower.contains("out of memory") || lower.contains("allocation") {
        SandboxError::OutOfMemory(limits.memory_bytes)
    } else if lower.contains("stack overflow") || lower.contains("too much recursion") {
        SandboxError::StackOverflow
    } else {
        let mut short: String = message.chars().take(200).collect();
        if short.len() < message.len() {
            short.push('…');
        }
        SandboxError::Script(short)
    }
}

/// Writes `s` as a JavaScript string literal (double quotes, escapes for
/// quotes, backslashes, control and line-separator characters).
pub fn js_string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
