//! Login and sign-up flows: find the form, type unique canaries one key at a
//! time like a person, move focus away, and optionally submit.
//!
//! Everything outflow evaluates in the page runs in an isolated world: the
//! page's scripts cannot see or tamper with it, and reading fields from there
//! does not trip the instrumentation's value-read hooks (only the page's own
//! reads are recorded).

use std::time::{Duration, Instant};

use chromiumoxide::Page;
use outflow_model::{Canary, CanaryKind, CaptureErrorKind};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cdp::{call, evaluate, in_isolated_world};

/// The isolated world form filling reads and types in.
const WORLD: &str = "outflow";

/// How fast to type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypingPace {
    /// Longest time a key is held down (each key: a random time up to this).
    pub max_hold: Duration,
    /// Longest gap between keys.
    pub max_gap: Duration,
}

impl Default for TypingPace {
    /// A person's pace, after Leaky Forms: keys held up to 100 ms, gaps up
    /// to 250 ms.
    fn default() -> Self {
        Self {
            max_hold: Duration::from_millis(100),
            max_gap: Duration::from_millis(250),
        }
    }
}

/// The unique values for one scan, one per kind.
#[derive(Debug, Clone)]
pub(crate) struct CanarySet {
    email: String,
    password: String,
    phone: String,
    username: String,
}

impl CanarySet {
    pub(crate) fn new() -> Self {
        let mut rng = rand::rng();
        let token: u64 = rng.random();
        let token = format!("{:010x}", token & 0xff_ffff_ffff);
        Self {
            // example.com is reserved for documentation (RFC 2606): no one
            // receives mail there.
            email: format!("outflow.{token}@example.com"),
            password: format!("Of-{token}-pw!"),
            // 555-0100 to 555-0199 are reserved for fiction in the NANP.
            phone: format!("20255501{:02}", rng.random_range(0..100)),
            username: format!("outflow_{token}"),
        }
    }

    fn value(&self, kind: CanaryKind) -> &str {
        match kind {
            CanaryKind::Email => &self.email,
            CanaryKind::Password => &self.password,
            CanaryKind::Phone => &self.phone,
            CanaryKind::Username | CanaryKind::Name => &self.username,
        }
    }
}

/// A field found by [`DISCOVER`].
#[derive(Debug, Clone, Deserialize)]
struct FoundField {
    index: u32,
    kind: String,
    describe: String,
    x: f64,
    y: f64,
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    fields: Vec<FoundField>,
}

/// Finds the login/sign-up fields of a document, open shadow roots
/// included, keeps them in the isolated world for the typing steps, and
/// returns their kinds and centres. Bounded: at most 2,000 inputs and 50
/// shadow-root levels are looked at.
const DISCOVER: &str = r#"(() => {
  const found = [];
  const fields = [];
  let looked = 0;
  const SKIP = new Set(['hidden','checkbox','radio','submit','button','file','image','range','color','reset','date','time','number','search','url']);
  function usable(el) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return !el.disabled && !el.readOnly && style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
  }
  function kindOf(el) {
    const type = (el.getAttribute('type') || 'text').toLowerCase();
    if (SKIP.has(type)) return null;
    const words = [el.getAttribute('name'), el.id, el.getAttribute('autocomplete'), el.getAttribute('placeholder'), el.getAttribute('aria-label')].join(' ').toLowerCase();
    if (type === 'password') return 'password';
    if (type === 'email' || /e-?mail|邮箱|電子郵件/.test(words)) return 'email';
    if (type === 'tel' || /phone|mobile|手机|电话|手機/.test(words)) return 'phone';
    if (/user|login|account|账号|帐号|用户名|賬號/.test(words)) return 'username';
    return null;
  }
  function describe(el) {
    let out = el.tagName.toLowerCase();
    for (const attr of ['type', 'name']) { const v = el.getAttribute(attr); if (v) out += '[' + attr + '=' + v.slice(0, 60) + ']'; }
    if (el.id) out += '#' + el.id.slice(0, 60);
    return out;
  }
  function walk(root, depth) {
    if (depth > 50) return;
    for (const el of root.querySelectorAll('input, textarea')) {
      if (++looked > 2000) return;
      const kind = kindOf(el);
      if (!kind || !usable(el)) continue;
      const box = el.getBoundingClientRect();
      fields.push(el);
      found.push({ index: fields.length - 1, kind, describe: describe(el), x: box.x + box.width / 2, y: box.y + box.height / 2 });
    }
    for (const host of root.querySelectorAll('*')) if (host.shadowRoot) walk(host.shadowRoot, depth + 1);
  }
  walk(document, 0);
  globalThis.__outflowFields = fields;
  return { fields: found };
})()
//# sourceURL=outflow:forms"#;

/// Clicks the first visible "log in" / "sign up" link or button (English
/// and Chinese text, common attributes); returns its description or null.
const FOLLOW_LOGIN: &str = r#"(() => {
  const TEXT = /^\s*(log\s?in|sign\s?in|sign\s?up|register|create (an )?account|登录|登入|登陆|注册|註冊|登錄)\s*$/i;
  const ATTR = /(^|[^a-z])(login|log-in|signin|sign-in|signup|sign-up|register)([^a-z]|$)/i;
  const candidates = document.querySelectorAll('a, button, [role=button], input[type=submit], input[type=button]');
  let best = null;
  for (const el of candidates) {
    const box = el.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) continue;
    const text = (el.innerText || el.value || '').trim();
    const attrs = [el.getAttribute('href'), el.id, el.className && String(el.className), el.getAttribute('data-testid'), el.getAttribute('aria-label')].join(' ');
    if (TEXT.test(text)) { best = el; break; }
    if (!best && ATTR.test(attrs)) best = el;
  }
  if (!best) return null;
  const what = best.tagName.toLowerCase() + ' "' + (best.innerText || best.value || '').trim().slice(0, 40) + '"';
  best.click();
  return what;
})()
//# sourceURL=outflow:forms"#;

/// The documents of a page: frame id and URL.
async fn frames_of(page: &Page, limit: Duration) -> Vec<(String, String)> {
    let Ok(tree) = call(page, "Page.getFrameTree", json!({}), limit).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![tree.get("frameTree").cloned().unwrap_or(Value::Null)];
    while let Some(node) = stack.pop() {
        if out.len() >= 200 {
            break;
        }
        if let Some(frame) = node.get("frame") {
            let id = frame.get("id").and_then(Value::as_str).unwrap_or_default();
            let url = frame.get("url").and_then(Value::as_str).unwrap_or_default();
            if !id.is_empty() {
                out.push((id.to_string(), url.to_string()));
            }
        }
        if let Some(children) = node.get("childFrames").and_then(Value::as_array) {
            stack.extend(children.iter().cloned());
        }
    }
    out
}

/// Fields found in one frame.
struct FrameFields {
    frame_url: String,
    main: bool,
    context: i64,
    fields: Vec<FoundField>,
}

async fn discover(page: &Page, limit: Duration) -> Vec<FrameFields> {
    let mut out = Vec::new();
    for (i, (frame_id, frame_url)) in frames_of(page, limit).await.into_iter().enumerate() {
        let Ok((context, value)) = in_isolated_world(page, &frame_id, WORLD, DISCOVER, limit).await
        else {
            continue;
        };
        let Ok(discovery) = serde_json::from_value::<Discovery>(value) else {
            continue;
        };
        if !discovery.fields.is_empty() {
            out.push(FrameFields {
                frame_url,
                main: i == 0,
                context,
                fields: discovery.fields,
            });
        }
    }
    out
}

/// What form filling did.
#[derive(Debug, Default)]
pub(crate) struct FillOutcome {
    pub canaries: Vec<Canary>,
    pub problems: Vec<(CaptureErrorKind, String)>,
    pub submitted: bool,
    /// When the submitting key was pressed, in ms since the capture began.
    pub submitted_at_ms: Option<u64>,
    /// Whether a link was followed (a navigation may be under way).
    pub followed: Option<String>,
}

/// How a fill session is driven.
pub(crate) struct FillSettings {
    pub pace: TypingPace,
    pub submit: bool,
    pub command_timeout: Duration,
    pub started: Instant,
}

/// Where a typed field is: its frame's context, its index there, whether
/// the frame is the main one, and its position.
type FieldSpot = (i64, u32, bool, f64, f64);

/// Finds the form (following a login link once when the page shows none),
/// types the canaries and blurs; submits when asked. `before_navigation`
/// runs just before a click or key that may navigate;
/// `wait_after_follow` after a followed link.
pub(crate) async fn fill(
    page: &Page,
    settings: &FillSettings,
    canaries: &CanarySet,
    before_navigation: impl Fn(),
    wait_after_follow: impl AsyncFnOnce(),
) -> FillOutcome {
    let limit = settings.command_timeout;
    let mut outcome = FillOutcome::default();
    let found = find_fields(
        page,
        limit,
        &before_navigation,
        wait_after_follow,
        &mut outcome,
    )
    .await;
    if found.is_empty() {
        outcome.problems.push((
            CaptureErrorKind::Form,
            match &outcome.followed {
                Some(link) => {
                    format!("no login or sign-up field found, even after clicking {link}")
                }
                None => "no login or sign-up field found".to_string(),
            },
        ));
        return outcome;
    }
    let submit_from = type_canaries(page, &found, canaries, settings, &mut outcome).await;
    if settings.submit
        && let Some(spot) = submit_from
    {
        submit(page, spot, settings, &before_navigation, &mut outcome).await;
    }
    outcome
}

/// The login or sign-up fields of every frame; when the page shows none,
/// a "log in" link or button is followed once (noted in
/// `outcome.followed`) and the page searched again.
async fn find_fields(
    page: &Page,
    limit: Duration,
    before_navigation: &impl Fn(),
    wait_after_follow: impl AsyncFnOnce(),
    outcome: &mut FillOutcome,
) -> Vec<FrameFields> {
    let mut found = discover(page, limit).await;
    if found.is_empty() {
        // The form may sit behind a "log in" link or button.
        before_navigation();
        for (frame_id, _) in frames_of(page, limit).await.into_iter().take(1) {
            if let Ok((_, Value::String(what))) =
                in_isolated_world(page, &frame_id, WORLD, FOLLOW_LOGIN, limit).await
            {
                outcome.followed = Some(what);
            }
        }
        if outcome.followed.is_some() {
            wait_after_follow().await;
            found = discover(page, limit).await;
        }
    }
    found
}

/// Types a canary into each field (identifiers first, the password last,
/// one field per kind per frame) and records it. Returns the field to
/// submit from: the password, or else the last field typed.
async fn type_canaries(
    page: &Page,
    found: &[FrameFields],
    canaries: &CanarySet,
    settings: &FillSettings,
    outcome: &mut FillOutcome,
) -> Option<FieldSpot> {
    let mut last: Option<FieldSpot> = None;
    let mut password: Option<FieldSpot> = None;
    for frame in found {
        // Identifier fields first, the password last, as people do.
        let mut ordered: Vec<&FoundField> = frame.fields.iter().collect();
        ordered.sort_by_key(|f| f.kind == "password");
        let mut typed_kinds = Vec::new();
        for field in ordered {
            let kind = match field.kind.as_str() {
                "password" => CanaryKind::Password,
                "email" => CanaryKind::Email,
                "phone" => CanaryKind::Phone,
                _ => CanaryKind::Username,
            };
            // One field per kind per frame: sign-up forms repeat the password.
            if kind != CanaryKind::Password && typed_kinds.contains(&kind) {
                continue;
            }
            typed_kinds.push(kind);
            let value = canaries.value(kind).to_string();
            let typed_at_ms =
                u64::try_from(settings.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match type_into(page, frame, field, &value, settings).await {
                Ok(()) => {
                    outcome.canaries.push(Canary {
                        kind,
                        value,
                        field: field.describe.clone(),
                        frame_url: frame.frame_url.clone(),
                        typed_at_ms,
                    });
                    let here = (frame.context, field.index, frame.main, field.x, field.y);
                    last = Some(here);
                    if kind == CanaryKind::Password {
                        password = Some(here);
                    }
                }
                Err(why) => outcome.problems.push((
                    CaptureErrorKind::Form,
                    format!("typing into {}: {why}", field.describe),
                )),
            }
        }
    }
    password.or(last)
}

/// Focuses the field at `spot` and presses Enter, as a person submits.
async fn submit(
    page: &Page,
    (context, index, main, x, y): FieldSpot,
    settings: &FillSettings,
    before_navigation: &impl Fn(),
    outcome: &mut FillOutcome,
) {
    let limit = settings.command_timeout;
    let target = FoundField {
        index,
        kind: String::new(),
        describe: String::new(),
        x,
        y,
    };
    let frame = FrameFields {
        frame_url: String::new(),
        main,
        context,
        fields: Vec::new(),
    };
    match focus(page, &frame, &target, limit).await {
        Ok(()) => {
            before_navigation();
            let pressed_at_ms =
                u64::try_from(settings.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match press(page, Key::Enter, settings).await {
                Ok(()) => {
                    outcome.submitted = true;
                    outcome.submitted_at_ms = Some(pressed_at_ms);
                }
                Err(why) => outcome.problems.push((CaptureErrorKind::Form, why)),
            }
        }
        Err(why) => outcome
            .problems
            .push((CaptureErrorKind::Form, format!("submitting: {why}"))),
    }
}

async fn focus(
    page: &Page,
    frame: &FrameFields,
    field: &FoundField,
    limit: Duration,
) -> Result<(), String> {
    let script = format!(
        "(() => {{ const el = globalThis.__outflowFields && globalThis.__outflowFields[{}]; if (!el) return null; \
         el.scrollIntoView({{block: 'center'}}); const b = el.getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; }})()",
        field.index
    );
    let centre = evaluate(page, frame.context, &script, limit).await?;
    let centre = centre.as_array().cloned().ok_or("the field has gone")?;
    let (x, y) = (
        centre.first().and_then(Value::as_f64).unwrap_or(field.x),
        centre.get(1).and_then(Value::as_f64).unwrap_or(field.y),
    );
    if frame.main {
        // A real pointer: hover, press, release, as a person would.
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            call(
                page,
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
                limit,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    // Frames other than the main one have their own coordinates: focus
    // there directly. Also makes sure focus landed after a click.
    let script = format!(
        "(() => {{ const el = globalThis.__outflowFields[{}]; if (el.getRootNode().activeElement !== el) el.focus(); return true; }})()",
        field.index
    );
    evaluate(page, frame.context, &script, limit).await?;
    Ok(())
}

async fn type_into(
    page: &Page,
    frame: &FrameFields,
    field: &FoundField,
    value: &str,
    settings: &FillSettings,
) -> Result<(), String> {
    focus(page, frame, field, settings.command_timeout).await?;
    for ch in value.chars() {
        press(page, Key::Char(ch), settings).await?;
    }
    // Tab away: the blur is when many scripts read the field.
    press(page, Key::Tab, settings).await
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Char(char),
    Tab,
    Enter,
}

async fn press(page: &Page, key: Key, settings: &FillSettings) -> Result<(), String> {
    let (hold, gap) = {
        let mut rng = rand::rng();
        let random = |max: Duration, rng: &mut rand::rngs::ThreadRng| {
            let max = u64::try_from(max.as_millis()).unwrap_or(0);
            Duration::from_millis(if max == 0 {
                0
            } else {
                rng.random_range(max / 4..=max)
            })
        };
        (
            random(settings.pace.max_hold, &mut rng),
            random(settings.pace.max_gap, &mut rng),
        )
    };
    let (down, up) = match key {
        Key::Char(ch) => {
            let text = ch.to_string();
            let code = virtual_key(ch);
            (
                json!({"type": "keyDown", "key": text, "text": text, "unmodifiedText": text, "windowsVirtualKeyCode": code}),
                json!({"type": "keyUp", "key": text, "windowsVirtualKeyCode": code}),
            )
        }
        Key::Tab => (
            json!({"type": "rawKeyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}),
            json!({"type": "keyUp", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}),
        ),
        Key::Enter => (
            json!({"type": "keyDown", "key": "Enter", "code": "Enter", "text": "\r", "windowsVirtualKeyCode": 13}),
            json!({"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}),
        ),
    };
    let limit = settings.command_timeout;
    call(page, "Input.dispatchKeyEvent", down, limit)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(hold).await;
    call(page, "Input.dispatchKeyEvent", up, limit)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(gap).await;
    Ok(())
}

/// The Windows virtual key code a keyboard would report for `ch`.
fn virtual_key(ch: char) -> u32 {
    match ch {
        'a'..='z' => ch.to_ascii_uppercase() as u32,
        'A'..='Z' | '0'..='9' => ch as u32,
        ' ' => 32,
        '.' => 190,
        '-' | '_' => 189,
        '@' => 50,
        '!' => 49,
        '+' => 187,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_are_unique_per_scan() {
        let a = CanarySet::new();
        let b = CanarySet::new();
        assert_ne!(a.email, b.email);
        assert!(a.email.ends_with("@example.com"));
        assert_ne!(a.password, b.password);
        assert!(a.phone.starts_with("20255501") && a.phone.len() == 10);
    }
}
