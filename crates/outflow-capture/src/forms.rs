//! Login, sign-up and checkout flows: find the form, type unique canaries
//! one key at a time like a person, choose an option of each `<select>`,
//! move focus away, and optionally submit: a login form by Enter in its
//! last field, a checkout by clicking its pay button with the mouse,
//! step after step while a click reveals new fields ([`crate::checkout`]).
//!
//! Everything outflow evaluates in the page runs in an isolated world: the
//! page's scripts cannot see or tamper with it, and reading fields from there
//! does not trip the instrumentation's value-read hooks (only the page's own
//! reads are recorded). Each frame, cross-origin payment iframes included,
//! is filled through its own isolated world ([`fill_frame`]).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use outflow_model::{Canary, CanaryKind, CaptureErrorKind};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) use crate::canary_values::CanarySet;
use crate::cdp::{call, evaluate, in_isolated_world};
use crate::checkout;

/// The isolated world form filling reads and types in.
pub(crate) const WORLD: &str = "outflow";

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

/// A field found by [`DISCOVER`].
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FoundField {
    index: u32,
    /// A [`CanaryKind`] name, or a kind filled without a canary of its own
    /// (`card_exp_month`, `card_exp_year`, `given_name`, `country`,
    /// `state`).
    kind: String,
    /// `input`, `textarea` or `select`.
    #[serde(default)]
    tag: String,
    describe: String,
    x: f64,
    y: f64,
}

impl FoundField {
    /// The field's kind, as [`DISCOVER`] names it.
    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }

    /// The field's description (`input[name=cardnumber]#cc`).
    pub(crate) fn describe(&self) -> &str {
        &self.describe
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    fields: Vec<FoundField>,
}

/// Finds the fillable fields of a document (login, sign-up, checkout and
/// billing), open shadow roots included, keeps them in the isolated world
/// for the typing steps, and returns their kinds and centres. A field's
/// kind comes from its `autocomplete` tokens first, then from its name,
/// id, placeholder, title, ARIA label and `<label>` text, in English,
/// Chinese, German, French and Spanish. Bounded: at most 2,000 fields and
/// 50 shadow-root levels are looked at.
const DISCOVER: &str = r#"(() => {
  const found = [];
  const fields = [];
  let looked = 0;
  const SKIP = new Set(['hidden','checkbox','radio','submit','button','file','image','range','color','reset','date','time','search','url']);
  const AUTOCOMPLETE = {
    'cc-number': 'card_number', 'cc-exp': 'card_expiry', 'cc-exp-month': 'card_exp_month',
    'cc-exp-year': 'card_exp_year', 'cc-csc': 'card_cvv', 'cc-name': 'cardholder_name',
    'cc-given-name': 'cardholder_name', 'given-name': 'given_name', 'family-name': 'name',
    'name': 'name', 'street-address': 'billing_street', 'address-line1': 'billing_street',
    'postal-code': 'billing_postal_code', 'address-level2': 'billing_city',
    'address-level1': 'state', 'country': 'country', 'country-name': 'country',
    'tel': 'phone', 'tel-national': 'phone', 'email': 'email', 'username': 'username',
    'current-password': 'password', 'new-password': 'password'
  };
  const B = '(^|[^a-z])', E = '([^a-z]|$)';
  const re = (s) => new RegExp(s, 'i');
  const EMAIL = re('e-?mail|邮箱|電子郵件|correo|courriel');
  const CVV = re('cvv|cvc|csc|cvn|' + B + 'cid' + E + '|security.?code|card.?code|verification|sicherheitscode|pr[üu]f(nummer|ziffer|code)|cryptogramme|code de s[ée]curit[ée]|c[óo]digo de (seguridad|verificaci[óo]n)|安全码|验证码|校验码|安全碼');
  const EXPIRY = re('exp|valid|ablauf|g[üu]ltig|vencim|caducidad|有效期|到期|过期|mm\\s*/\\s*(yy|jj|aa)');
  const MONTH = re(B + 'mm' + E + '|month|monat|mois|' + B + 'mes' + E + '|月');
  const YEAR = re(B + '(yy|yyyy|jj|aa|aaaa)' + E + '|year|jahr|ann[ée]e|' + B + 'a[ñn]o' + E + '|年');
  const BIRTH = re('birth|geburt|naissance|nacimiento|生日|出生');
  const HOLDER = re('holder|name.?on.?card|cc.?name|card.?name|inhaber|titulaire|titular|持卡人');
  const CARD = re('card.?num|cc.?(num|no)|card.?no' + E + '|kartennummer|num[ée]ro de (la )?carte|n[úu]mero de (la )?tarjeta|卡号|信用卡|银行卡|卡號|credit.?card|debit.?card|' + B + '(pan|card|carte|tarjeta|karte)' + E);
  const LINE2 = re('line.?2|address.?2|' + B + '(apt|suite)' + E + '|wohnung|compl[ée]ment');
  const POSTAL = re('zip|postal|post.?code|' + B + 'plz' + E + '|postleitzahl|code postal|c[óo]digo postal|邮编|邮政编码|郵遞區號');
  const CITY = re('city|town|' + B + '(stadt|ort|ville|ciudad|localidad|localit[ée])' + E + '|城市');
  const COUNTRY = re('country|' + B + '(land|pays|pa[íi]s)' + E + '|国家|國家');
  const STATE = re(B + 'state' + E + '|province|region|bundesland|provincia|r[ée]gion|省份');
  const STREET = re('street|address|addr|' + B + '(adresse|stra(ß|ss)e|direcci[óo]n|calle|rue|domicilio|anschrift)' + E + '|地址|街道');
  const PHONE = re('phone|mobile|' + B + 'tel' + E + '|telefon|t[ée]l[ée]phone|tel[ée]fono|m[óo]vil|handy|portable|手机|电话|手機|電話');
  const USER = re('user|login|account|benutzer|utilisateur|usuario|账号|帐号|用户名|賬號');
  const FULLNAME = re('full.?name|' + B + 'name' + E + '|姓名|nom complet|nombre completo');
  const GIVEN = re('first.?name|given|fname|vorname|pr[ée]nom|' + B + 'nombre' + E + '|名字');
  const FAMILY = re('last.?name|family|surname|lname|nachname|' + B + 'nom' + E + '|apellido|姓氏');
  const NUMBER_KINDS = new Set(['card_number','card_cvv','card_exp_month','card_exp_year','billing_postal_code','phone']);
  const SELECT_KINDS = new Set(['card_exp_month','card_exp_year','country','state']);
  function usable(el) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return !el.disabled && !el.readOnly && style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
  }
  function labelText(el) {
    const parts = [];
    try { for (const label of el.labels || []) parts.push(label.innerText || label.textContent || ''); } catch (e) {}
    const by = el.getAttribute('aria-labelledby');
    if (by) for (const id of by.split(/\s+/).slice(0, 5)) { const l = el.ownerDocument.getElementById(id); if (l) parts.push(l.textContent || ''); }
    return parts.join(' ').slice(0, 300);
  }
  function byWords(words) {
    if (EMAIL.test(words)) return 'email';
    if (CVV.test(words)) return 'card_cvv';
    if (EXPIRY.test(words)) {
      if (MONTH.test(words) && !YEAR.test(words)) return 'card_exp_month';
      if (YEAR.test(words) && !MONTH.test(words)) return 'card_exp_year';
      return 'card_expiry';
    }
    if (HOLDER.test(words)) return 'cardholder_name';
    if (CARD.test(words)) return 'card_number';
    if (!BIRTH.test(words)) {
      if (/(^|[^a-z])(mm|month|monat|mois|mes)([^a-z]|$)|月/i.test(words)) return 'card_exp_month';
      if (/(^|[^a-z])(yy|yyyy|year|jahr|ann[ée]e|a[ñn]o)([^a-z]|$)|年/i.test(words)) return 'card_exp_year';
    }
    if (POSTAL.test(words)) return 'billing_postal_code';
    if (CITY.test(words)) return 'billing_city';
    if (COUNTRY.test(words)) return 'country';
    if (STATE.test(words)) return 'state';
    if (LINE2.test(words)) return null;
    if (STREET.test(words)) return 'billing_street';
    if (PHONE.test(words)) return 'phone';
    if (USER.test(words)) return 'username';
    if (GIVEN.test(words)) return 'given_name';
    if (FAMILY.test(words)) return 'name';
    if (FULLNAME.test(words)) return 'name';
    return null;
  }
  function kindOf(el) {
    const tag = el.tagName.toLowerCase();
    const type = tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : tag;
    if (SKIP.has(type)) return null;
    let kind = null;
    const tokens = (el.getAttribute('autocomplete') || '').toLowerCase().split(/\s+/).filter(Boolean);
    for (let i = tokens.length - 1; i >= 0 && !kind; i--) kind = AUTOCOMPLETE[tokens[i]] || null;
    if (!kind && type === 'password') kind = 'password';
    if (!kind && type === 'email') kind = 'email';
    if (!kind) {
      const words = [el.getAttribute('name'), el.id, el.getAttribute('placeholder'), el.getAttribute('title'), el.getAttribute('aria-label'), el.getAttribute('data-elements-stable-field-name'), labelText(el)].join(' ').toLowerCase();
      kind = byWords(words);
    }
    if (!kind && type === 'tel') kind = 'phone';
    if (type === 'number' && !NUMBER_KINDS.has(kind)) return null;
    if (tag === 'select' && !SELECT_KINDS.has(kind)) return null;
    if (tag !== 'select' && (kind === 'country' || kind === 'state')) return null;
    return kind;
  }
  function describe(el) {
    let out = el.tagName.toLowerCase();
    for (const attr of ['type', 'name', 'autocomplete']) { const v = el.getAttribute(attr); if (v) out += '[' + attr + '=' + v.slice(0, 60) + ']'; }
    if (el.id) out += '#' + el.id.slice(0, 60);
    return out;
  }
  function walk(root, depth) {
    if (depth > 50) return;
    for (const el of root.querySelectorAll('input, textarea, select')) {
      if (++looked > 2000) return;
      const kind = kindOf(el);
      if (!kind || !usable(el)) continue;
      const box = el.getBoundingClientRect();
      fields.push(el);
      found.push({ index: fields.length - 1, kind, tag: el.tagName.toLowerCase(), describe: describe(el), x: box.x + box.width / 2, y: box.y + box.height / 2 });
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

/// The documents of a page: frame id and URL, the main frame first.
pub(crate) async fn frames_of(page: &Page, limit: Duration) -> Vec<(String, String)> {
    let Ok(tree) = call(page, "Page.getFrameTree", json!({}), limit).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut queue =
        std::collections::VecDeque::from([tree.get("frameTree").cloned().unwrap_or(Value::Null)]);
    while let Some(node) = queue.pop_front() {
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
            queue.extend(children.iter().cloned());
        }
    }
    out
}

/// One document to fill: the DevTools session that drives it, its
/// isolated world's execution context, and where it is. Today every frame,
/// cross-origin ones included, runs in the page's renderer and is driven
/// through the page's session by its context id; with site isolation on,
/// an out-of-process frame would be a `FrameTarget` of its own session,
/// and only this handle would change.
pub(crate) struct FrameTarget<'a> {
    /// The session commands for this frame go to.
    pub page: &'a Page,
    /// The frame's URL.
    pub frame_url: String,
    /// Whether this is the main frame (whose coordinates are the
    /// viewport's, so the mouse can reach its elements).
    pub main: bool,
    /// The execution context of outflow's isolated world in the frame.
    pub context: i64,
}

/// Fields found in one frame.
pub(crate) struct FrameFields<'a> {
    pub target: FrameTarget<'a>,
    pub fields: Vec<FoundField>,
}

/// The fields of every frame of the page (each in a fresh isolated world).
pub(crate) async fn discover(page: &Page, limit: Duration) -> Vec<FrameFields<'_>> {
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
                target: FrameTarget {
                    page,
                    frame_url,
                    main: i == 0,
                    context,
                },
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
    /// When the form was first submitted (the key press, or the first
    /// click of a checkout's pay or continue button), in ms since the
    /// capture began.
    pub submitted_at_ms: Option<u64>,
    /// Whether a link was followed (a navigation may be under way).
    pub followed: Option<String>,
}

impl FillOutcome {
    /// Notes the first submission at `at_ms`.
    pub(crate) fn submitted_at(&mut self, at_ms: u64) {
        self.submitted = true;
        self.submitted_at_ms.get_or_insert(at_ms);
    }
}

/// How a fill session is driven.
pub(crate) struct FillSettings {
    pub pace: TypingPace,
    pub submit: bool,
    pub command_timeout: Duration,
    pub started: Instant,
    /// Filling and checkout steps stop at this instant (the scan's
    /// `--timeout` from when filling began), noting where they were.
    pub deadline: Instant,
}

impl FillSettings {
    /// Milliseconds since the capture began.
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether the deadline has passed.
    pub(crate) fn out_of_time(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

/// Where a typed field is: its frame's context, its index there, whether
/// the frame is the main one, and its position.
type FieldSpot = (i64, u32, bool, f64, f64);

/// What filling one step's frames did: the field to press Enter in (for a
/// login form) and whether any card field was filled (a checkout).
#[derive(Debug, Default)]
pub(crate) struct StepFilled {
    submit_from: Option<FieldSpot>,
    pub card: bool,
    /// Whether a billing address field was filled (a checkout's shipping
    /// step, before its payment step).
    pub billing: bool,
    pub filled: usize,
}

/// The fields already filled, by frame URL and description, so that a
/// later checkout step types only into what it revealed.
pub(crate) type Filled = BTreeSet<(String, String)>;

/// Finds the form (following a login link once when the page shows none),
/// types the canaries and blurs; submits when asked: a checkout (a card
/// field was found) by clicking its pay button, step after step; any other
/// form by Enter. `before_navigation` runs just before a click or key that
/// may navigate; `wait_after_follow` after a followed link;
/// `wait_after_click` after each checkout click.
pub(crate) async fn fill(
    page: &Page,
    settings: &FillSettings,
    canaries: &CanarySet,
    before_navigation: impl Fn(),
    wait_after_follow: impl AsyncFnOnce(),
    wait_after_click: impl AsyncFn(),
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
                    format!("no form field found, even after clicking {link}")
                }
                None => "no form field found".to_string(),
            },
        ));
        return outcome;
    }
    let mut filled = Filled::new();
    let card_anywhere = found
        .iter()
        .any(|f| f.fields.iter().any(|x| x.kind == "card_number"));
    let step = fill_frames(
        &found,
        canaries,
        settings,
        card_anywhere,
        &mut filled,
        &mut outcome,
    )
    .await;
    drop(found);
    if !settings.submit {
        return outcome;
    }
    if step.card || step.billing {
        checkout::run(
            page,
            settings,
            canaries,
            &mut filled,
            step.card,
            &before_navigation,
            &wait_after_click,
            &mut outcome,
        )
        .await;
    } else if let Some(spot) = step.submit_from {
        submit(page, spot, settings, &before_navigation, &mut outcome).await;
    }
    outcome
}

/// The fields of every frame; when the page shows none, a "log in" link
/// or button is followed once (noted in `outcome.followed`) and the page
/// searched again.
async fn find_fields<'a>(
    page: &'a Page,
    limit: Duration,
    before_navigation: &impl Fn(),
    wait_after_follow: impl AsyncFnOnce(),
    outcome: &mut FillOutcome,
) -> Vec<FrameFields<'a>> {
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

/// Fills every frame's fields not filled before (see [`fill_frame`]).
/// Card fields (expiry, CVV, cardholder) are filled only when some frame
/// holds a card number field (`card_anywhere`): a login page's "验证码"
/// is an SMS code, not a CVV.
pub(crate) async fn fill_frames(
    found: &[FrameFields<'_>],
    canaries: &CanarySet,
    settings: &FillSettings,
    card_anywhere: bool,
    filled: &mut Filled,
    outcome: &mut FillOutcome,
) -> StepFilled {
    let mut step = StepFilled::default();
    for frame in found {
        if settings.out_of_time() {
            outcome.problems.push((
                CaptureErrorKind::Timeout,
                format!(
                    "form filling stopped at the timeout before the fields of {}",
                    frame.target.frame_url
                ),
            ));
            break;
        }
        let here = fill_frame(
            &frame.target,
            &frame.fields,
            canaries,
            settings,
            card_anywhere,
            filled,
            outcome,
        )
        .await;
        step.card |= here.card;
        step.billing |= here.billing;
        step.filled += here.filled;
        // The password, else the last field typed, is where Enter goes.
        if here.submit_from.is_some() {
            step.submit_from = here.submit_from;
        }
    }
    step
}

/// The one function that fills a frame, given its session and context:
/// types a canary into each text field (in document order, the password
/// last, one field per kind; a sign-up form's repeated password is typed
/// twice), chooses an option of each `<select>`, and records each canary.
pub(crate) async fn fill_frame(
    frame: &FrameTarget<'_>,
    fields: &[FoundField],
    canaries: &CanarySet,
    settings: &FillSettings,
    card_anywhere: bool,
    filled: &mut Filled,
    outcome: &mut FillOutcome,
) -> StepFilled {
    let mut step = StepFilled::default();
    let mut password: Option<FieldSpot> = None;
    let mut ordered: Vec<&FoundField> = fields.iter().collect();
    ordered.sort_by_key(|f| f.kind == "password");
    let mut typed_kinds: Vec<&str> = Vec::new();
    for field in ordered {
        if !filled.insert((frame.frame_url.clone(), field.describe.clone())) {
            continue;
        }
        let card_field = field.kind.starts_with("card") || field.kind == "cardholder_name";
        if card_field && !card_anywhere {
            continue;
        }
        // One field per kind: sign-up forms repeat the password.
        if field.kind != "password" && typed_kinds.contains(&field.kind.as_str()) {
            continue;
        }
        typed_kinds.push(&field.kind);
        if settings.out_of_time() {
            outcome.problems.push((
                CaptureErrorKind::Timeout,
                format!(
                    "form filling stopped at the timeout before {}",
                    field.describe
                ),
            ));
            break;
        }
        let typed_at_ms = settings.now_ms();
        let entered = if field.tag == "select" {
            choose(frame, field, canaries, settings.command_timeout).await
        } else {
            let (value, _) = text_value(&field.kind, canaries);
            type_into(frame, field, &value, settings)
                .await
                .map(|()| value)
        };
        match entered {
            Ok(value) => {
                step.filled += 1;
                step.card |= field.kind == "card_number";
                step.billing |= field.kind.starts_with("billing_");
                if let Some(kind) = canary_kind(&field.kind) {
                    outcome.canaries.push(Canary {
                        kind,
                        value,
                        field: field.describe.clone(),
                        frame_url: frame.frame_url.clone(),
                        typed_at_ms,
                    });
                }
                if field.tag != "select" {
                    let here = (frame.context, field.index, frame.main, field.x, field.y);
                    step.submit_from = Some(here);
                    if field.kind == "password" {
                        password = Some(here);
                    }
                }
            }
            Err(why) => outcome.problems.push((
                CaptureErrorKind::Form,
                format!("filling {}: {why}", field.describe),
            )),
        }
    }
    if password.is_some() {
        step.submit_from = password;
    }
    step
}

/// The canary kind recorded for a field kind; `None` for fields filled
/// without a canary of their own (a given name of three letters, a
/// country, a state).
fn canary_kind(kind: &str) -> Option<CanaryKind> {
    match kind {
        "card_exp_month" | "card_exp_year" => Some(CanaryKind::CardExpiry),
        "given_name" | "country" | "state" => None,
        other => other.parse().ok(),
    }
}

/// The text typed into a field of this kind, and its canary kind.
fn text_value(kind: &str, canaries: &CanarySet) -> (String, Option<CanaryKind>) {
    match kind {
        "card_exp_month" => (
            format!("{:02}", canaries.expiry_month),
            Some(CanaryKind::CardExpiry),
        ),
        "card_exp_year" => (
            format!("{}", canaries.expiry_year),
            Some(CanaryKind::CardExpiry),
        ),
        "given_name" => (canaries.given_name.clone(), None),
        other => match other.parse::<CanaryKind>() {
            Ok(kind) => (canaries.value(kind), Some(kind)),
            Err(_) => (canaries.username.clone(), Some(CanaryKind::Username)),
        },
    }
}

/// Chooses an option of the `<select>` field: the expiry's month or year
/// when the field is one, else the first option with a value that is not
/// the placeholder; fires `input` and `change` as a choice does. Returns
/// the chosen option's value.
async fn choose(
    frame: &FrameTarget<'_>,
    field: &FoundField,
    canaries: &CanarySet,
    limit: Duration,
) -> Result<String, String> {
    let (month, year) = match field.kind.as_str() {
        "card_exp_month" => (canaries.expiry_month, 0),
        "card_exp_year" => (0, canaries.expiry_year),
        _ => (0, 0),
    };
    let script = format!(
        r#"(() => {{
  const el = globalThis.__outflowFields && globalThis.__outflowFields[{index}];
  if (!el || !el.options) return null;
  const month = {month}, year = {year};
  const options = Array.from(el.options).slice(0, 500).filter(o => !o.disabled && o.value.trim() !== '');
  const number = (o) => {{ const m = (o.value + ' ' + o.text).match(/\d+/); return m ? parseInt(m[0], 10) : NaN; }};
  let pick = null;
  if (month) pick = options.find(o => number(o) === month);
  if (year) pick = options.find(o => number(o) === year || number(o) === year % 100);
  if (!pick) pick = options.find(o => o.index > 0) || options[0];
  if (!pick) return null;
  el.focus();
  el.value = pick.value;
  el.dispatchEvent(new Event('input', {{bubbles: true}}));
  el.dispatchEvent(new Event('change', {{bubbles: true}}));
  el.blur();
  return pick.value;
}})()"#,
        index = field.index,
    );
    match evaluate(frame.page, frame.context, &script, limit).await? {
        Value::String(value) => Ok(value),
        _ => Err("no option to choose".to_string()),
    }
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
        tag: String::new(),
        describe: String::new(),
        x,
        y,
    };
    let frame = FrameTarget {
        page,
        frame_url: String::new(),
        main,
        context,
    };
    match focus(&frame, &target, limit).await {
        Ok(()) => {
            before_navigation();
            let pressed_at_ms = settings.now_ms();
            match press(page, Key::Enter, settings).await {
                Ok(()) => outcome.submitted_at(pressed_at_ms),
                Err(why) => outcome.problems.push((CaptureErrorKind::Form, why)),
            }
        }
        Err(why) => outcome
            .problems
            .push((CaptureErrorKind::Form, format!("submitting: {why}"))),
    }
}

async fn focus(frame: &FrameTarget<'_>, field: &FoundField, limit: Duration) -> Result<(), String> {
    let page = frame.page;
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
    frame: &FrameTarget<'_>,
    field: &FoundField,
    value: &str,
    settings: &FillSettings,
) -> Result<(), String> {
    let page = frame.page;
    focus(frame, field, settings.command_timeout).await?;
    for ch in value.chars() {
        press(page, Key::Char(ch), settings).await?;
    }
    // Tab away: the blur is when many scripts read the field.
    press(page, Key::Tab, settings).await
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Char(char),
    Tab,
    Enter,
}

pub(crate) async fn press(page: &Page, key: Key, settings: &FillSettings) -> Result<(), String> {
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
