//! The data in `data/` follows its schema: every fact has a source URL and
//! a date, no domain belongs to two entities, every flag names a defined
//! list, and the imported dataset is the MIT-licensed one, recorded with
//! its version.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use outflow_intel::embedded::{BUILT_IN_FILES, IMPORTED_FILES};
use outflow_intel::schema::{ImportedFile, IntelFile};
use outflow_intel::validate_files;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn built_in() -> Vec<(String, IntelFile)> {
    BUILT_IN_FILES
        .iter()
        .map(|(origin, text)| {
            let file: IntelFile =
                toml::from_str(text).unwrap_or_else(|error| panic!("{origin}: {error}"));
            ((*origin).to_owned(), file)
        })
        .collect()
}

fn toml_files_under(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // data/detect holds outflow-detect's rule data (another schema).
        if path.is_dir() && !path.ends_with("node_modules") && !path.ends_with("data/detect") {
            toml_files_under(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(
                path.strip_prefix(repository())
                    .unwrap()
                    .display()
                    .to_string(),
            );
        }
    }
}

#[test]
fn every_data_file_is_compiled_in() {
    let mut on_disk = Vec::new();
    toml_files_under(&repository().join("data"), &mut on_disk);
    on_disk.sort();
    let mut embedded: Vec<String> = BUILT_IN_FILES
        .iter()
        .map(|(path, _)| (*path).to_owned())
        .collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "add new data files to crates/outflow-intel/src/embedded.rs"
    );
    for (path, text) in BUILT_IN_FILES.iter().chain(IMPORTED_FILES) {
        let disk = std::fs::read_to_string(repository().join(path)).unwrap();
        assert_eq!(&disk, text, "{path} changed since the build");
    }
}

#[test]
fn built_in_data_follows_the_schema() {
    let problems = validate_files(&built_in());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_flag_has_a_list_source_and_date() {
    let files = built_in();
    let lists: HashSet<&str> = files
        .iter()
        .flat_map(|(_, file)| &file.lists)
        .map(|list| list.id.as_str())
        .collect();
    let mut flags = 0;
    for (origin, file) in &files {
        for entity in &file.entities {
            assert!(!entity.sources.is_empty(), "{origin}: {}", entity.id);
            for flag in &entity.flags {
                flags += 1;
                assert!(
                    lists.contains(flag.list.as_str()),
                    "{origin}: {} names {}",
                    entity.id,
                    flag.list
                );
                assert!(
                    flag.source.url.starts_with("https://"),
                    "{origin}: {}",
                    entity.id
                );
                assert_eq!(flag.source.date.len(), 10, "{origin}: {}", entity.id);
            }
        }
    }
    assert!(
        flags >= 15,
        "the government-list memberships are present ({flags})"
    );
    for list in [
        "fcc-covered-list",
        "fcc-section-214",
        "us-treasury-cmic",
        "dod-1237",
        "dod-1260h",
        "commerce-entity-list",
    ] {
        assert!(lists.contains(list), "{list} is defined");
    }
}

#[test]
fn the_validator_catches_what_it_should() {
    let bad: IntelFile = toml::from_str(
        r#"
[[list]]
id = "l"
name = "L"
authority = "A"
description = "D"
source = { url = "https://l.test/", date = "2026-13-01" }

[[entity]]
id = "a"
name = "A"
country = "China"
domains = ["x.test", "Upper.test"]
sources = [{ url = "https://a.test/", date = "2026-01-01" }]
flags = [{ list = "missing", detail = "d", source = { url = "", date = "2026-01-01" } }]

[[entity]]
id = "b"
name = "B"
parent = "nobody"
domains = ["x.test"]
sources = []
"#,
    )
    .unwrap();
    let problems = validate_files(&[("bad.toml".into(), bad)]).join("\n");
    for expected in [
        "source date \"2026-13-01\"",
        "country \"China\"",
        "\"Upper.test\" is not a lower-case",
        "undefined list missing",
        "source URL \"\"",
        "x.test belongs to both b and a",
        "entity b has no source",
        "parent nobody",
    ] {
        assert!(
            problems.contains(expected),
            "{expected:?} not in:\n{problems}"
        );
    }
}

#[test]
fn imported_data_is_third_party_web_only_and_has_no_shared_domains() {
    assert_eq!(IMPORTED_FILES.len(), 1);
    let (path, text) = IMPORTED_FILES[0];
    let file: ImportedFile = serde_json::from_str(text).unwrap();
    assert_eq!(file.source.name, "third-party-web", "{path}");
    assert_eq!(
        file.source.license, "MIT",
        "never ship CC BY-NC-SA data (Tracker Radar, Disconnect, Ghostery)"
    );
    assert!(
        file.source.version.split('.').count() == 3,
        "version recorded"
    );
    assert_eq!(file.source.imported.len(), 10, "import date recorded");
    assert!(file.entities.len() > 2_000);
    let mut seen = HashSet::new();
    for (name, _, _, domains) in &file.entities {
        assert!(!domains.is_empty(), "{name}");
        for domain in domains {
            assert!(
                seen.insert(domain.as_str()),
                "{domain} belongs to two imported entities"
            );
        }
    }
    assert!(text.len() < 512 * 1024, "the import stays compact");
}

/// Each ASN our table gives an entity is registered, in the installed ASN
/// dataset, to an organisation of that entity (the claim data/README.md
/// makes). Needs `scripts/setup`.
#[test]
fn entity_asns_match_the_asn_dataset() {
    let intel = outflow_intel::Intel::load(&outflow_intel::IntelOptions::default()).unwrap();
    if let Err(reason) = intel.ip_data_status() {
        panic!("IP datasets missing ({reason}): run scripts/setup");
    }
    let expected: &[(&str, &[&str])] = &[
        ("china-mobile", &["China Mobile", "TieTong"]),
        (
            "china-telecom",
            &[
                "China Telecom",
                "Chinanet",
                "CHINANET",
                "CHINA TELECOM",
                "China Telecommunications",
            ],
        ),
        ("china-unicom", &["China Unicom", "CHINA UNICOM"]),
        ("baidu", &["Baidu"]),
        ("tencent", &["Tencent"]),
        ("alibaba", &["Alibaba"]),
        ("bytedance", &["Bytedance", "ByteDance"]),
    ];
    let mut checked = 0;
    for (_, file) in built_in() {
        for entity in &file.entities {
            for asn in &entity.asns {
                let (organisation, owner) = intel.asn(*asn).unwrap();
                assert_eq!(owner, Some(entity.id.as_str()), "AS{asn}");
                let organisation = organisation
                    .unwrap_or_else(|| panic!("AS{asn} of {} not in the dataset", entity.id));
                let tokens = expected
                    .iter()
                    .find(|(id, _)| *id == entity.id)
                    .unwrap_or_else(|| panic!("add expected names for {}", entity.id))
                    .1;
                assert!(
                    tokens.iter().any(|token| organisation.contains(token)),
                    "AS{asn} is registered to {organisation:?}, not {}",
                    entity.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "{checked}");
}

#[test]
fn legal_notes_cover_the_countries_named_in_the_issue() {
    let files = built_in();
    let countries: HashSet<&str> = files
        .iter()
        .flat_map(|(_, file)| &file.legal_notes)
        .map(|note| note.country.as_str())
        .collect();
    for country in ["CN", "US", "GB", "AU", "RU"] {
        assert!(countries.contains(country), "a legal note for {country}");
    }
}
