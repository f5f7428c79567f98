//! `outflow intel import`: a user's own copy of a non-redistributable
//! dataset becomes an imported layer below outflow's sourced table.

use std::path::Path;

use outflow_intel::import::{ImportKind, import};
use outflow_intel::{Intel, IntelOptions, IpDataSource};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn load_with(file: &outflow_intel::schema::ImportedFile) -> Intel {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dataset.json");
    std::fs::write(&path, serde_json::to_string(file).unwrap()).unwrap();
    let intel = Intel::load(&IntelOptions {
        intel_dirs: vec![dir.path().to_owned()],
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .unwrap();
    drop(dir);
    intel
}

#[test]
fn tracker_radar_entities() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("entities/Example Ads Inc.json"),
        r#"{"name": "Example Ads Inc.", "displayName": "Example Ads", "properties": ["example-ads.test", "*.EXAMPLE-PIXEL.test", "not a domain"], "prevalence": {"total": 0.1}}"#,
    );
    write(
        &dir.path().join("entities/China Mobile.json"),
        r#"{"name": "China Mobile Communications Corporation", "displayName": "China Mobile", "properties": ["cmpassport.com", "radar-only-carrier.test"]}"#,
    );
    write(&dir.path().join("entities/broken.txt"), "ignored");
    let file = import(ImportKind::TrackerRadar, dir.path(), "2026-11-29").unwrap();
    assert_eq!(file.source.license, "CC-BY-NC-SA-4.0");
    assert_eq!(file.entities.len(), 2);
    let ads = file
        .entities
        .iter()
        .find(|entity| entity.0 == "Example Ads")
        .unwrap();
    assert_eq!(ads.1.as_deref(), Some("Example Ads Inc."));
    assert_eq!(ads.3, ["example-ads.test", "example-pixel.test"]);

    let intel = load_with(&file);
    let pixel = intel.lookup("px.example-pixel.test", None);
    let entity = pixel.entity.unwrap();
    assert_eq!(entity.name, "Example Ads");
    assert!(
        entity.sources[0]
            .title
            .as_deref()
            .unwrap()
            .contains("CC-BY-NC-SA-4.0")
    );
    // Our sourced table keeps cmpassport.com, with its flags.
    let carrier = intel.lookup("cmpassport.com", None);
    assert_eq!(carrier.entity.unwrap().id, "china-mobile");
    assert!(!carrier.flags.is_empty());
    // What only the user's dataset knows is added.
    assert_eq!(
        intel
            .lookup("radar-only-carrier.test", None)
            .entity
            .unwrap()
            .name,
        "China Mobile"
    );
}

#[test]
fn disconnect_entities() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("entities.json");
    write(
        &path,
        r#"{"license": "CC BY-NC-SA 4.0", "entities": {"Tracker Co": {"properties": ["trackerco.test"], "resources": ["trackerco-cdn.test", "trackerco.test"]}, "Empty": {"properties": []}}}"#,
    );
    let file = import(ImportKind::Disconnect, &path, "2026-11-29").unwrap();
    assert_eq!(file.entities.len(), 1);
    assert_eq!(file.entities[0].3, ["trackerco.test", "trackerco-cdn.test"]);
    let intel = load_with(&file);
    assert_eq!(
        intel
            .lookup("a.trackerco-cdn.test", None)
            .entity
            .unwrap()
            .name,
        "Tracker Co"
    );
}

#[test]
fn ghostery_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trackerdb.json");
    write(
        &path,
        r#"{"organizations": {"acme": {"name": "Acme Corp", "country": "US"}},
            "patterns": {"acme_analytics": {"name": "Acme Analytics", "category": "site_analytics", "organization": "acme", "domains": ["acme-analytics.test"]}},
            "domains": {"acme-beacon.test": "acme_analytics"}}"#,
    );
    let file = import(ImportKind::Ghostery, &path, "2026-11-29").unwrap();
    let (name, company, category, domains) = &file.entities[0];
    assert_eq!(name, "Acme Analytics");
    assert_eq!(company.as_deref(), Some("Acme Corp"));
    assert_eq!(category.as_deref(), Some("site_analytics"));
    assert_eq!(domains, &["acme-analytics.test", "acme-beacon.test"]);
    let intel = load_with(&file);
    let beacon = intel.lookup("acme-beacon.test", None).entity.unwrap();
    assert_eq!(beacon.parent.as_deref(), Some("Acme Corp"));
}

#[test]
fn wrong_or_hostile_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    write(&path, r#"{"something": "else"}"#);
    for kind in [ImportKind::Disconnect, ImportKind::Ghostery] {
        let error = import(kind, &path, "2026-11-29").unwrap_err().to_string();
        assert!(error.contains("no entity with a domain"), "{error}");
    }
    write(&path, "{not json");
    assert!(import(ImportKind::Disconnect, &path, "2026-11-29").is_err());
    assert!(
        import(
            ImportKind::TrackerRadar,
            &dir.path().join("missing"),
            "2026-11-29"
        )
        .is_err()
    );
}
