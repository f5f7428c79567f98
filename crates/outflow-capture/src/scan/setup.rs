//! What is set up before the page loads anything: the event subscriptions
//! that feed the recorder, the page's domains, persona, binding and
//! instrumentation, and the hand-over of workers and pop-ups to outflow's
//! own connection.

use chromiumoxide::{Browser, Page};
use futures::StreamExt;
use outflow_model::CaptureErrorKind;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{Problems, ScanOptions};
use crate::cdp::{call, call_browser};
use crate::follow_up::{Shared, lock};
use crate::instrumentation::Instrumentation;
use crate::recorder::{BODY_LIMIT, FollowUp};
use crate::script_elements;
use crate::targets::{self, TargetSettings};

/// Subscribes to every event the recorder reads. Typed events are turned
/// back into JSON so that one lenient reader handles them and the drifted
/// ones alike.
pub(super) async fn listen(
    tasks: &mut JoinSet<()>,
    page: &Page,
    browser: &Browser,
    recorder: &Shared,
    follow_tx: &mpsc::UnboundedSender<FollowUp>,
) -> Result<(), String> {
    use chromiumoxide::cdp::browser_protocol::{browser, inspector, network, page as cdp_page};
    use chromiumoxide::cdp::js_protocol::{debugger, runtime};

    macro_rules! forward {
        ($source:expr, $($event:ty),+ $(,)?) => {$(
            {
                let mut stream = $source
                    .event_listener::<$event>()
                    .await
                    .map_err(|e| format!("subscribing to events: {e}"))?;
                let recorder = recorder.clone();
                let follow_tx = follow_tx.clone();
                tasks.spawn(async move {
                    let method = <$event as chromiumoxide::types::MethodType>::method_id();
                    while let Some(event) = stream.next().await {
                        let Ok(params) = serde_json::to_value(&*event) else { continue };
                        for follow in lock(&recorder).handle(&method, &params) {
                            let _ = follow_tx.send(follow);
                        }
                    }
                });
            }
        )+};
    }
    forward!(
        page,
        network::EventRequestWillBeSent,
        network::EventRequestWillBeSentExtraInfo,
        network::EventResponseReceived,
        network::EventResponseReceivedExtraInfo,
        network::EventLoadingFinished,
        network::EventLoadingFailed,
        network::EventWebSocketCreated,
        network::EventWebSocketFrameSent,
        network::EventWebSocketFrameReceived,
        network::EventEventSourceMessageReceived,
        cdp_page::EventFrameAttached,
        cdp_page::EventFrameNavigated,
        cdp_page::EventLoadEventFired,
        cdp_page::EventJavascriptDialogOpening,
        cdp_page::EventWindowOpen,
        inspector::EventTargetCrashed,
        debugger::EventScriptParsed,
        debugger::EventPaused,
        runtime::EventBindingCalled,
    );
    forward!(browser, browser::EventDownloadWillBegin);
    Ok(())
}

/// Hands the page's workers and its pop-ups over to outflow's own
/// connection ([`crate::targets`]).
pub(super) async fn attach_workers_and_popups(
    tasks: &mut JoinSet<()>,
    page: &Page,
    browser: &Browser,
    recorder: &Shared,
    settings: TargetSettings,
    errors: &mut Problems,
) {
    // chromiumoxide's own auto-attach would let each worker run before it
    // could be recorded: only outflow's connection attaches them.
    if let Err(error) = call(
        page,
        "Target.setAutoAttach",
        json!({"autoAttach": false, "waitForDebuggerOnStart": false, "flatten": true}),
        settings.limit,
    )
    .await
    {
        errors.push((CaptureErrorKind::Protocol, error.to_string()));
    }
    let limit = settings.limit;
    let started = tokio::time::timeout(
        limit,
        targets::start(
            browser.websocket_address(),
            tasks,
            recorder.clone(),
            settings,
        ),
    )
    .await;
    let problem = match started {
        Ok(Ok(())) => return,
        Ok(Err(error)) => error,
        Err(_) => "no answer".to_string(),
    };
    errors.push((
        CaptureErrorKind::Protocol,
        format!("attaching workers and pop-ups: {problem}; their requests are not recorded"),
    ));
}

/// Sets up the page before it loads anything: domains, persona, binding and
/// instrumentation. Returns the user agent presented.
pub(super) async fn prepare(
    page: &Page,
    browser: &Browser,
    instrumentation: &Instrumentation,
    options: &ScanOptions,
    errors: &mut Problems,
) -> Option<String> {
    let limit = options.command_timeout;
    let mut steps: Vec<(&'static str, Value)> = vec![("Page.enable", json!({}))];
    if options.instrument {
        steps.extend([(
            "Network.enable",
            json!({"maxPostDataSize": BODY_LIMIT, "maxTotalBufferSize": 32 * 1024 * 1024, "maxResourceBufferSize": 4 * 1024 * 1024}),
        ),
        ("Runtime.enable", json!({})),
            // Crashes are reported on the page session.
            ("Inspector.enable", json!({})),
        ]);
        steps.extend([
            ("Debugger.enable", json!({})),
            // Anti-debugging `debugger;` loops must not stop the page.
            ("Debugger.setSkipAllPauses", json!({"skip": true})),
            ("Debugger.setAsyncCallStackDepth", json!({"maxDepth": 8})),
            (
                "Runtime.addBinding",
                json!({"name": instrumentation.binding}),
            ),
            (
                "Page.addScriptToEvaluateOnNewDocument",
                json!({"source": instrumentation.source}),
            ),
        ]);
        steps.extend(script_elements::setup_steps());
    }
    if options.ignore_https_errors {
        steps.push((
            "Security.setIgnoreCertificateErrors",
            json!({"ignore": true}),
        ));
    }
    if let Some(persona) = &options.persona {
        steps.extend([
            ("Emulation.setTimezoneOverride", json!({"timezoneId": persona.timezone})),
            ("Emulation.setLocaleOverride", json!({"locale": persona.locale})),
            (
                "Emulation.setGeolocationOverride",
                json!({"latitude": persona.latitude, "longitude": persona.longitude, "accuracy": 50}),
            ),
        ]);
    }
    for (method, params) in steps {
        if let Err(error) = call(page, method, params, limit).await {
            errors.push((CaptureErrorKind::Protocol, error.to_string()));
        }
    }
    let mut browser_steps = vec![(
        "Browser.setDownloadBehavior",
        json!({"behavior": "deny", "eventsEnabled": true}),
    )];
    if options.persona.is_some() {
        browser_steps.push((
            "Browser.grantPermissions",
            json!({"permissions": ["geolocation"]}),
        ));
    }
    for (method, params) in browser_steps {
        if let Err(error) = call_browser(browser, method, params, limit).await {
            errors.push((CaptureErrorKind::Protocol, error.to_string()));
        }
    }
    // Headless Chromium names itself in the user agent; sites can cloak on
    // it. Present the regular product name, with the persona's languages.
    let version = call_browser(browser, "Browser.getVersion", json!({}), limit)
        .await
        .ok()?;
    let agent = version
        .get("userAgent")
        .and_then(Value::as_str)?
        .replace("HeadlessChrome/", "Chrome/");
    let mut params = json!({"userAgent": agent});
    if let Some(persona) = &options.persona {
        // Chromium derives navigator.languages from this list and adds the
        // q-values to the header itself.
        params["acceptLanguage"] = json!(persona.languages.join(","));
    }
    if let Err(error) = call(page, "Network.setUserAgentOverride", params, limit).await {
        errors.push((CaptureErrorKind::Protocol, error.to_string()));
    }
    Some(agent)
}
