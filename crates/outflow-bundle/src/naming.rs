//! Names of captures and of their files and folders: safe for a file
//! system whatever URL, persona or HAR file they come from.

use crate::layout::{BODIES_DIR, INTEL_DIR, SCRIPTS_DIR};

/// A file-name-safe name for a URL, with the persona appended when given:
/// a capture's name in the manifest and in `<name>.capture.json`.
pub fn capture_name(url: &str, persona: Option<&str>) -> String {
    let bare = url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let name = file_name(bare);
    match persona {
        Some(persona) => format!("{name}.{}", file_name(persona)),
        None => name,
    }
}

/// `text` as a file name: no separator, no hidden file, no `..`.
pub(crate) fn file_name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    name = name.trim_matches('_').to_string();
    while name.starts_with('.') {
        name.replace_range(0..1, "_");
    }
    if name.is_empty() {
        "capture".to_string()
    } else {
        name
    }
}

/// A capture's folder name: its name made safe for a file system, never
/// one of the bundle's own names.
pub(crate) fn folder_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    if safe.is_empty()
        || safe == SCRIPTS_DIR
        || safe == BODIES_DIR
        || safe == INTEL_DIR
        || safe.contains('.') && safe.ends_with(".json")
    {
        format!("capture-{safe}")
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(
            capture_name("https://example.com/a?b=c", Some("cn")),
            "example.com_a_b_c.cn"
        );
        assert_eq!(capture_name("http://../../etc", None), "_._.._etc");
        assert!(!capture_name("../x", None).starts_with('.'));
        assert_eq!(capture_name("", None), "capture");
    }

    #[test]
    fn folders_never_take_the_bundle_s_own_names() {
        assert_eq!(folder_name("intel"), "capture-intel");
        assert_eq!(folder_name("../x"), "_x");
        assert_eq!(folder_name("scripts"), "capture-scripts");
    }
}
