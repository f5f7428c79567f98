//! Starting Debian's Chromium for one scan: its own profile, flags for a
//! scanner, and the DevTools connection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chromiumoxide::{Browser, BrowserConfig, Handler};

use crate::error::CaptureFailure;
use crate::host_map::{HostMapping, host_resolver_rules};
use crate::persona::Persona;

/// Debian's Chromium binary. Launched directly, not through
/// `/usr/bin/chromium`: that wrapper adds `/etc/chromium.d/` flags, among
/// them `--disable-pings`, which would hide `<a ping>` beacons.
pub const DEFAULT_CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// The Chromium binary to use: `OUTFLOW_CHROMIUM` when set, else Debian's.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("OUTFLOW_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM))
}

/// Features turned off: background traffic a scan must not cause or see,
/// HTTPS upgrades that would rewrite the page's own URLs, and site
/// isolation, so that cross-origin iframes run in the page's renderer and
/// its DevTools session sees them from their first instruction.
const DISABLED_FEATURES: &[&str] = &[
    "Translate",
    "TranslateUI",
    "OptimizationHints",
    "OptimizationGuideModelDownloading",
    "MediaRouter",
    "DialMediaRouteProvider",
    "InterestFeedContentSuggestions",
    "CertificateTransparencyComponentUpdater",
    "AutofillServerCommunication",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "IsolateOrigins",
    "site-per-process",
    "TrackingProtection3pcd",
    "ThirdPartyStoragePartitioning",
    "PrivacySandboxSettings4",
    "LocalNetworkAccessChecks",
];

/// What the browser is started with.
#[derive(Debug, Clone)]
pub(crate) struct LaunchSettings<'a> {
    pub binary: &'a Path,
    pub profile: &'a Path,
    pub mappings: &'a [HostMapping],
    pub persona: Option<&'a Persona>,
    pub ignore_https_errors: bool,
    pub command_timeout: Duration,
}

/// The flags outflow passes (without the leading `--`, which chromiumoxide
/// adds).
pub(crate) fn chromium_args(settings: &LaunchSettings<'_>) -> Vec<String> {
    let mut args: Vec<String> = [
        "disable-background-networking",
        "disable-background-timer-throttling",
        "disable-backgrounding-occluded-windows",
        "disable-renderer-backgrounding",
        "disable-breakpad",
        "disable-client-side-phishing-detection",
        "disable-component-update",
        "disable-component-extensions-with-background-pages",
        "disable-default-apps",
        "disable-dev-shm-usage",
        "disable-domain-reliability",
        "disable-sync",
        "disable-hang-monitor",
        "disable-ipc-flooding-protection",
        "disable-prompt-on-repost",
        // Pop-ups a page opens without a click are part of what it does.
        "disable-popup-blocking",
        "disable-site-isolation-trials",
        "disable-search-engine-choice-screen",
        "no-first-run",
        "no-default-browser-check",
        "no-service-autorun",
        "metrics-recording-only",
        "password-store=basic",
        "use-mock-keychain",
        "mute-audio",
        "hide-scrollbars",
        "window-size=1280,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("disable-features={}", DISABLED_FEATURES.join(",")));
    if !settings.mappings.is_empty() {
        args.push(format!(
            "host-resolver-rules={}",
            host_resolver_rules(settings.mappings)
        ));
    }
    if let Some(persona) = settings.persona {
        args.push(format!("lang={}", persona.locale));
        args.push(format!("accept-lang={}", persona.languages.join(",")));
    }
    if settings.ignore_https_errors {
        args.push("ignore-certificate-errors".to_string());
    }
    args
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Starts Chromium and connects to it.
pub(crate) async fn launch(
    settings: &LaunchSettings<'_>,
) -> Result<(Browser, Handler), CaptureFailure> {
    if !settings.binary.is_file() {
        return Err(CaptureFailure::ChromiumMissing {
            path: settings.binary.to_path_buf(),
        });
    }
    let mut builder = BrowserConfig::builder()
        .chrome_executable(settings.binary)
        .user_data_dir(settings.profile)
        .disable_default_args()
        .new_headless_mode()
        .surface_invalid_messages()
        .request_timeout(settings.command_timeout)
        .launch_timeout(Duration::from_secs(30))
        .viewport(None)
        .args(chromium_args(settings));
    if !settings.ignore_https_errors {
        builder = builder.respect_https_errors();
    }
    if running_as_root() {
        // Chromium refuses to start its sandbox as root (containers, CI).
        builder = builder.no_sandbox();
    }
    let config = builder.build().map_err(|message| CaptureFailure::Launch {
        path: settings.binary.to_path_buf(),
        message,
    })?;
    Browser::launch(config)
        .await
        .map_err(|error| CaptureFailure::Launch {
            path: settings.binary.to_path_buf(),
            message: error.to_string(),
        })
}
