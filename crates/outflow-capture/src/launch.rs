//! Starting Debian's Chromium for one scan: its own profile, flags and
//! preferences for a quiet scanner, its sandbox, and the DevTools
//! connection.
//!
//! outflow spawns the browser itself (not through chromiumoxide's
//! launcher) so that, when outflow runs as root, the browser runs as an
//! unprivileged user ([`BROWSER_USER_ENV`], `outflow-chromium` by default)
//! with its sandbox on: Chromium refuses its sandbox as root, and every
//! page a scan loads is hostile by definition. The DevTools address the
//! browser prints is then handed to chromiumoxide.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::{Browser, Handler};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::error::CaptureFailure;
use crate::host_map::{HostMapping, host_resolver_rules};
use crate::persona::Persona;

/// Debian's Chromium binary. Launched directly, not through
/// `/usr/bin/chromium`: that wrapper adds `/etc/chromium.d/` flags, among
/// them `--disable-pings`, which would hide `<a ping>` beacons.
pub const DEFAULT_CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// The environment variable naming the unprivileged user Chromium runs as
/// when outflow runs as root.
pub const BROWSER_USER_ENV: &str = "OUTFLOW_CHROMIUM_USER";

/// The user Chromium runs as when outflow runs as root and
/// [`BROWSER_USER_ENV`] is not set (scripts/setup.d/06-chromium-user.sh
/// creates it).
pub const DEFAULT_BROWSER_USER: &str = "outflow-chromium";

/// The cap on each V8 isolate's old-generation heap, in MiB
/// (`--js-flags=--max-old-space-size`). A page allocating without end gets
/// an out-of-memory crash of its renderer (recorded as a crash, with what
/// was recorded before) instead of taking the machine's memory. An address
/// space limit (RLIMIT_AS) is not used: V8 reserves far more address space
/// than it uses and would not start under any useful limit.
pub const JS_HEAP_LIMIT_MIB: u64 = 1024;

/// Where the browser's own Google services are sent: a reserved name
/// (RFC 2606 `.invalid`) that `--host-resolver-rules` makes unresolvable,
/// so not even a DNS query leaves. Some services have no off switch
/// (the identity manager lists the cookie jar's Google accounts at
/// `accounts.google.com/ListAccounts` on every start, whatever the
/// sign-in preferences say; the component and extension updaters still
/// ask `update.googleapis.com` with `--disable-component-update`): their
/// base URLs point here instead. Pages are unaffected: these switches only
/// name the browser's own endpoints (and, for Google's own sites, which
/// requests get browser-added headers: none now).
const DEAD_END: &str = "browser-services.invalid";

/// The switches naming the base URLs of the browser's own services.
const SERVICE_URL_SWITCHES: &[&str] = &[
    "gaia-url",
    "google-apis-url",
    "lso-url",
    "sync-url",
    "variations-server-url",
    "variations-insecure-server-url",
    "google-base-url",
    "search-provider-logo-url",
];

/// Longest wait for Chromium to print its DevTools address.
const LAUNCH_LIMIT: Duration = Duration::from_secs(30);

/// The Chromium binary to use: `OUTFLOW_CHROMIUM` when set, else Debian's.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("OUTFLOW_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM))
}

/// Features turned off: background traffic a scan must not cause or see
/// (the browser must contact no host the page did not cause), HTTPS
/// upgrades that would rewrite the page's own URLs, and site isolation, so
/// that cross-origin iframes run in the page's renderer and its DevTools
/// session sees them from their first instruction (turning it on needs
/// out-of-process iframe targets auto-attached before they run: not done).
const DISABLED_FEATURES: &[&str] = &[
    "Translate",
    "TranslateUI",
    "OptimizationHints",
    "OptimizationHintsFetching",
    "OptimizationGuideModelDownloading",
    "MediaRouter",
    "DialMediaRouteProvider",
    "InterestFeedContentSuggestions",
    "CertificateTransparencyComponentUpdater",
    "AutofillServerCommunication",
    "PasswordLeakDetection",
    "LeakDetectionUnauthenticated",
    "SafeBrowsingEnhancedProtection",
    "NetworkTimeServiceQuerying",
    "SpellcheckService",
    "SearchPrefetchServicePrefetching",
    "NetworkPrediction",
    "PreconnectToSearch",
    "SearchEnginePreconnector",
    "SearchEnginePreconnector2",
    "SearchEnginePreconnectInterval",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "IsolateOrigins",
    "site-per-process",
    "TrackingProtection3pcd",
    "ThirdPartyStoragePartitioning",
    "PrivacySandboxSettings4",
];

/// The profile's `Default/Preferences`: the services that call Google or
/// the default search provider on their own, off before the first page.
/// The default search provider is the dead end ([`DEAD_END`]): Chromium
/// preconnects to it and fetches from it on its own. The leaked-password
/// check in particular would send a hash derived from
/// the canary credentials to passwordsleakcheck-pa.googleapis.com.
const PREFERENCES: &str = r#"{
  "credentials_enable_service": false,
  "credentials_enable_autosignin": false,
  "profile": {
    "password_manager_enabled": false,
    "password_manager_leak_detection": false
  },
  "safebrowsing": { "enabled": false, "enhanced": false, "scout_reporting_enabled": false },
  "search": { "suggest_enabled": false },
  "default_search_provider": { "enabled": false },
  "default_search_provider_data": {
    "template_url_data": {
      "keyword": "browser-services.invalid",
      "short_name": "none",
      "url": "http://browser-services.invalid/search?q={searchTerms}",
      "suggestions_url": "",
      "favicon_url": "",
      "prepopulate_id": 0,
      "safe_for_autoreplace": false
    }
  },
  "alternate_error_pages": { "enabled": false },
  "spellcheck": { "dictionaries": [], "use_spelling_service": false },
  "translate": { "enabled": false },
  "net": { "network_prediction_options": 2 },
  "signin": { "allowed": false, "allowed_on_next_startup": false },
  "sync": { "requested": false },
  "browser": { "has_seen_welcome_page": true, "check_default_browser": false },
  "domain_diversity": { "last_reporting_timestamp": "0" },
  "url_keyed_anonymized_data_collection": { "enabled": false }
}"#;

/// The profile's `Local State`: no metrics, no variations.
const LOCAL_STATE: &str = r#"{
  "user_experience_metrics": { "reporting_enabled": false },
  "variations_compressed_seed": "",
  "browser": { "enabled_labs_experiments": [] }
}"#;

/// What the browser is started with.
#[derive(Debug, Clone)]
pub(crate) struct LaunchSettings<'a> {
    pub binary: &'a Path,
    pub profile: &'a Path,
    pub mappings: &'a [HostMapping],
    pub persona: Option<&'a Persona>,
    pub ignore_https_errors: bool,
    pub command_timeout: Duration,
    /// Start Chromium without its sandbox (`--unsafe-no-sandbox`).
    pub unsafe_no_sandbox: bool,
}

/// A running browser: the DevTools client, the connection to drive, the
/// process (killed when dropped), and how it was confined.
pub(crate) struct Launched {
    pub browser: Browser,
    pub handler: Handler,
    pub process: Child,
    /// Loud notes for the capture (a browser without its sandbox).
    pub notes: Vec<String>,
}

/// The flags outflow passes (without the leading `--`).
pub(crate) fn chromium_args(settings: &LaunchSettings<'_>) -> Vec<String> {
    let mut args: Vec<String> = [
        "headless=new",
        "remote-debugging-port=0",
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
        "disable-field-trial-config",
        "no-first-run",
        "no-default-browser-check",
        "no-service-autorun",
        "metrics-recording-only",
        "safebrowsing-disable-auto-update",
        "password-store=basic",
        "use-mock-keychain",
        "mute-audio",
        "hide-scrollbars",
        "window-size=1280,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("user-data-dir={}", settings.profile.display()));
    args.push(format!("disable-features={}", DISABLED_FEATURES.join(",")));
    args.push(format!("js-flags=--max-old-space-size={JS_HEAP_LIMIT_MIB}"));
    for switch in SERVICE_URL_SWITCHES {
        args.push(format!("{switch}=http://{DEAD_END}/"));
    }
    args.push(format!("component-updater=url-source=http://{DEAD_END}/"));
    // The dead end first: Chromium applies the first rule that matches.
    let mut rules = format!("MAP {DEAD_END} ~NOTFOUND");
    if !settings.mappings.is_empty() {
        rules.push_str(", ");
        rules.push_str(&host_resolver_rules(settings.mappings));
    }
    args.push(format!("host-resolver-rules={rules}"));
    if let Some(persona) = settings.persona {
        args.push(format!("lang={}", persona.locale));
        args.push(format!("accept-lang={}", persona.languages.join(",")));
    }
    if settings.ignore_https_errors {
        args.push("ignore-certificate-errors".to_string());
    }
    if settings.unsafe_no_sandbox {
        args.push("no-sandbox".to_string());
        args.push("disable-setuid-sandbox".to_string());
    }
    args
}

/// Whether this process runs with effective user id 0.
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

/// An account Chromium can run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account {
    pub uid: u32,
    pub gid: u32,
}

/// The user named by [`BROWSER_USER_ENV`] (or [`DEFAULT_BROWSER_USER`]).
fn browser_user_name() -> String {
    std::env::var(BROWSER_USER_ENV)
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BROWSER_USER.to_string())
}

/// Finds `name` in a `passwd` file's text; root (uid 0) is refused, since
/// the point is to run as someone else.
pub(crate) fn find_account(passwd: &str, name: &str) -> Option<Account> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        (uid != 0).then_some(Account { uid, gid })
    })
}

/// The account Chromium runs as when outflow is root, from the local
/// accounts in `/etc/passwd` (where `useradd --system` puts it).
fn browser_account() -> Result<Account, CaptureFailure> {
    let name = browser_user_name();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    find_account(&passwd, &name).ok_or(CaptureFailure::BrowserUserMissing { name })
}

/// Writes the quiet preferences into a fresh profile and, when the browser
/// runs as `account`, hands the profile over to it.
fn prepare_profile(profile: &Path, account: Option<Account>) -> Result<(), CaptureFailure> {
    let io = |what: &str| {
        let what = format!("{what} in {}", profile.display());
        move |source| CaptureFailure::Io { what, source }
    };
    let default = profile.join("Default");
    std::fs::create_dir_all(&default).map_err(io("creating the browser profile"))?;
    std::fs::write(default.join("Preferences"), PREFERENCES)
        .map_err(io("writing the browser preferences"))?;
    std::fs::write(profile.join("Local State"), LOCAL_STATE)
        .map_err(io("writing the browser's local state"))?;
    if let Some(account) = account {
        for path in [
            profile.to_path_buf(),
            default.clone(),
            default.join("Preferences"),
            profile.join("Local State"),
        ] {
            std::os::unix::fs::chown(&path, Some(account.uid), Some(account.gid))
                .map_err(io("handing the browser profile to its user"))?;
        }
    }
    Ok(())
}

/// Starts Chromium and connects to it.
pub(crate) async fn launch(settings: &LaunchSettings<'_>) -> Result<Launched, CaptureFailure> {
    if !settings.binary.is_file() {
        return Err(CaptureFailure::ChromiumMissing {
            path: settings.binary.to_path_buf(),
        });
    }
    let account = if running_as_root() {
        Some(browser_account()?)
    } else {
        None
    };
    prepare_profile(settings.profile, account)?;
    let failure = |message: String| CaptureFailure::Launch {
        path: settings.binary.to_path_buf(),
        message,
    };
    let mut command = Command::new(settings.binary);
    command
        .args(chromium_args(settings).iter().map(|a| format!("--{a}")))
        .env("HOME", settings.profile)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_CACHE_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(account) = account {
        // std drops the supplementary groups too when it changes the uid.
        command.uid(account.uid).gid(account.gid);
    }
    let mut process = command
        .spawn()
        .map_err(|error| failure(format!("spawning it: {error}")))?;
    let Some(stderr) = process.stderr.take() else {
        return Err(failure("its error output was not captured".to_string()));
    };
    let address = match tokio::time::timeout(LAUNCH_LIMIT, devtools_address(stderr)).await {
        Ok(Ok(address)) => address,
        Ok(Err(output)) => {
            let _ = process.kill().await;
            return Err(if output.contains("No usable sandbox") {
                CaptureFailure::SandboxUnavailable { output }
            } else {
                failure(format!("it exited before DevTools listened: {output}"))
            });
        }
        Err(_) => {
            let _ = process.kill().await;
            return Err(failure(format!(
                "no DevTools address within {} s",
                LAUNCH_LIMIT.as_secs()
            )));
        }
    };
    let config = HandlerConfig {
        ignore_https_errors: settings.ignore_https_errors,
        ignore_invalid_messages: false,
        viewport: None,
        request_timeout: settings.command_timeout,
        ..HandlerConfig::default()
    };
    let (browser, handler) = match Browser::connect_with_config(address, config).await {
        Ok(connected) => connected,
        Err(error) => {
            let _ = process.kill().await;
            return Err(failure(format!("connecting to DevTools: {error}")));
        }
    };
    let mut notes = Vec::new();
    if settings.unsafe_no_sandbox {
        notes.push(
            "UNSAFE: Chromium ran without its sandbox (--unsafe-no-sandbox): \
             a renderer exploit on this page would run unconfined on this machine"
                .to_string(),
        );
    }
    Ok(Launched {
        browser,
        handler,
        process,
        notes,
    })
}

/// Reads Chromium's error output until it prints its DevTools address, then
/// keeps draining it (a full pipe would block the browser). Returns the
/// address, or the output's last lines when it ends first.
async fn devtools_address(
    stderr: impl AsyncRead + Unpin + Send + 'static,
) -> Result<String, String> {
    let mut lines = BufReader::new(stderr).lines();
    let mut last: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(address) = line.trim().strip_prefix("DevTools listening on ") {
            let address = address.trim().to_string();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(address);
        }
        if last.len() == 8 {
            last.pop_front();
        }
        last.push_back(line.chars().take(500).collect());
    }
    Err(last.into_iter().collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_found_by_name_and_root_is_refused() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      outflow-chromium:x:999:998::/nonexistent:/usr/sbin/nologin\n\
                      broken:x:abc:1::/:/bin/false\n";
        assert_eq!(
            find_account(passwd, "outflow-chromium"),
            Some(Account { uid: 999, gid: 998 })
        );
        assert_eq!(find_account(passwd, "root"), None);
        assert_eq!(find_account(passwd, "broken"), None);
        assert_eq!(find_account(passwd, "nobody"), None);
    }

    #[test]
    fn the_sandbox_is_kept_unless_explicitly_given_up() {
        let settings = LaunchSettings {
            binary: Path::new("/bin/true"),
            profile: Path::new("/tmp/p"),
            mappings: &[],
            persona: None,
            ignore_https_errors: false,
            command_timeout: Duration::from_secs(1),
            unsafe_no_sandbox: false,
        };
        let args = chromium_args(&settings);
        assert!(!args.iter().any(|a| a.contains("no-sandbox")), "{args:?}");
        assert!(!args.iter().any(|a| a.contains("LocalNetworkAccessChecks")));
        let unsafe_args = chromium_args(&LaunchSettings {
            unsafe_no_sandbox: true,
            ..settings
        });
        assert!(unsafe_args.iter().any(|a| a == "no-sandbox"));
    }

    #[test]
    fn the_preferences_are_json() {
        let prefs: serde_json::Value = serde_json::from_str(PREFERENCES).unwrap();
        assert_eq!(prefs["profile"]["password_manager_leak_detection"], false);
        assert_eq!(prefs["credentials_enable_service"], false);
        assert_eq!(prefs["safebrowsing"]["enabled"], false);
        let _: serde_json::Value = serde_json::from_str(LOCAL_STATE).unwrap();
    }
}
