//! Checkouts: once the fields of a checkout are filled, its pay (or place
//! order, or continue) button is found and clicked the way a person does,
//! with the mouse: moved onto the button's centre, pressed, released
//! (Chromium then fires `click`, and `submit` for a submit button). Skimmers
//! that fire on `mouseup` of the pay button, on a click of an
//! `<input type=button>` or on the form's `submit` all see a real gesture.
//!
//! A click that reveals new fields (shipping, then payment) starts the next
//! step: they are filled and the next button clicked, at most
//! [`MAX_CHECKOUT_STEPS`] times. A step that finds no button, a checkout
//! that comes back to a step it showed before, and the scan's timeout end
//! the walk with a note naming the step.

use std::collections::BTreeSet;
use std::time::Duration;

use chromiumoxide::Page;
use outflow_model::CaptureErrorKind;
use serde::Deserialize;
use serde_json::json;

use crate::cdp::{call, in_isolated_world};
use crate::forms::{
    CanarySet, FillOutcome, FillSettings, Filled, FrameFields, WORLD, discover, fill_frames,
    frames_of,
};

/// Most buttons clicked in one checkout (shipping, delivery, payment,
/// review, and a last confirmation).
pub(crate) const MAX_CHECKOUT_STEPS: usize = 5;

/// Finds the visible button that pays or moves the checkout on, scrolls it
/// into view and returns its description and centre, or null. Candidates:
/// `<button>`, `<input type=submit|button>`, `<a>` and `role=button`
/// elements; their text (or value, or ARIA label) is scored: pay and place
/// order highest, then buy and checkout, then continue and next; a submit
/// button of a form with a card field counts even with other text.
const PAY_BUTTON: &str = r#"(() => {
  const PAY = /^\s*(pay|place (your |my )?order|complete (order|purchase|payment)|confirm (order|payment|and pay)|submit (order|payment)|支付|付款|提交订单|立即支付|确认支付|确认付款|jetzt (kaufen|bezahlen)|zahlungspflichtig bestellen|bezahlen|payer|commander|valider (la |ma )?commande|pagar|realizar pedido|finalizar (compra|pedido))/i;
  const BUY = /^\s*(buy|purchase|check\s?out|order now|submit|购买|结算|去结算|kaufen|kasse|acheter|comprar|tramitar)/i;
  const NEXT = /^\s*(continue|next|proceed|review order|下一步|继续|weiter|fortfahren|continuer|suivant|continuar|siguiente)/i;
  const CARDISH = /cc-number|card|cvv|cvc|卡号/i;
  let best = null, bestScore = 0, looked = 0;
  for (const el of document.querySelectorAll('button, input[type=submit], input[type=button], a, [role=button]')) {
    if (++looked > 2000) break;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width <= 0 || box.height <= 0 || style.visibility === 'hidden' || style.display === 'none' || el.disabled) continue;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80);
    let score = 0;
    if (PAY.test(text)) score = 4;
    else if (BUY.test(text)) score = 3;
    else if (NEXT.test(text)) score = 2;
    else if ((el.type === 'submit') && el.form && CARDISH.test(el.form.innerHTML.slice(0, 20000))) score = 1;
    if (score > bestScore) { best = el; bestScore = score; }
  }
  if (!best) return null;
  best.scrollIntoView({block: 'center', inline: 'center'});
  const b = best.getBoundingClientRect();
  const what = best.tagName.toLowerCase() + (best.type ? '[type=' + best.type + ']' : '') + ' "' + (best.innerText || best.value || best.getAttribute('aria-label') || '').trim().slice(0, 40) + '"';
  return { describe: what, x: b.x + b.width / 2, y: b.y + b.height / 2 };
})()
//# sourceURL=outflow:checkout"#;

/// The button [`PAY_BUTTON`] chose.
#[derive(Debug, Clone, Deserialize)]
struct Button {
    describe: String,
    x: f64,
    y: f64,
}

/// The fields a step shows, by frame URL and description.
type Shown = BTreeSet<(String, String)>;

fn shown(found: &[FrameFields<'_>]) -> Shown {
    found
        .iter()
        .flat_map(|f| {
            f.fields
                .iter()
                .map(|x| (f.target.frame_url.clone(), x.describe().to_string()))
        })
        .collect()
}

/// Clicks through the checkout whose first step is filled (`filled` holds
/// its fields; `card_seen` whether a card number was among them), filling
/// what each click reveals; notes the first submission and each step that
/// failed in `outcome`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    page: &Page,
    settings: &FillSettings,
    canaries: &CanarySet,
    filled: &mut Filled,
    mut card_seen: bool,
    before_navigation: &impl Fn(),
    wait_after_click: &impl AsyncFn(),
    outcome: &mut FillOutcome,
) {
    let limit = settings.command_timeout;
    let mut steps: Vec<Shown> = vec![filled.clone()];
    for step in 1..=MAX_CHECKOUT_STEPS {
        if settings.out_of_time() {
            outcome.problems.push((
                CaptureErrorKind::Timeout,
                format!("checkout step {step}: stopped at the timeout"),
            ));
            return;
        }
        let Some(button) = pay_button(page, limit).await else {
            outcome.problems.push((
                CaptureErrorKind::Form,
                format!("checkout step {step}: no pay, place-order or continue button found"),
            ));
            return;
        };
        before_navigation();
        let clicked_at = settings.now_ms();
        if let Err(why) = click(page, &button, limit).await {
            outcome.problems.push((
                CaptureErrorKind::Form,
                format!("checkout step {step}: clicking {}: {why}", button.describe),
            ));
            return;
        }
        outcome.submitted_at(clicked_at);
        wait_after_click().await;
        let found = discover(page, limit).await;
        let now = shown(&found);
        let new = now.iter().any(|f| !filled.contains(f));
        if !new {
            if let Some(earlier) = steps[..steps.len() - 1]
                .iter()
                .position(|s| !now.is_empty() && *s == now)
            {
                outcome.problems.push((
                    CaptureErrorKind::Form,
                    format!(
                        "checkout step {step}: clicking {} went back to step {} (a loop between steps); stopped",
                        button.describe,
                        earlier + 1
                    ),
                ));
            }
            // Nothing new to fill: the checkout is done.
            return;
        }
        card_seen |= found
            .iter()
            .any(|f| f.fields.iter().any(|x| x.kind() == "card_number"));
        fill_frames(&found, canaries, settings, card_seen, filled, outcome).await;
        steps.push(now);
    }
    outcome.problems.push((
        CaptureErrorKind::Form,
        format!("checkout: still revealing new fields after {MAX_CHECKOUT_STEPS} steps; stopped"),
    ));
}

/// The main frame's pay or continue button, scrolled into view.
async fn pay_button(page: &Page, limit: Duration) -> Option<Button> {
    let (frame_id, _) = frames_of(page, limit).await.into_iter().next()?;
    let (_, value) = in_isolated_world(page, &frame_id, WORLD, PAY_BUTTON, limit)
        .await
        .ok()?;
    serde_json::from_value(value).ok()
}

/// A person's click at the button's centre: the pointer moves there from
/// a little to the left, is pressed and released; Chromium fires
/// `mousemove`, `mousedown`, `mouseup` and `click` (and `submit` for a
/// submit button) as trusted events.
async fn click(page: &Page, button: &Button, limit: Duration) -> Result<(), String> {
    let (x, y) = (button.x, button.y);
    let moves = [
        ("mouseMoved", (x - 40.0).max(0.0), y, 0),
        ("mouseMoved", x, y, 0),
        ("mousePressed", x, y, 1),
        ("mouseReleased", x, y, 1),
    ];
    for (kind, x, y, clicks) in moves {
        call(
            page,
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": if clicks > 0 { "left" } else { "none" }, "clickCount": clicks}),
            limit,
        )
        .await
        .map_err(|e| e.to_string())?;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    Ok(())
}
