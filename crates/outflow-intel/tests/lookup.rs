//! Lookups against the built-in data, user additions and (where installed)
//! the IP datasets.

use std::path::PathBuf;
use std::sync::OnceLock;

use outflow_intel::{Intel, IntelOptions, IpDataSource, NOTE_IP_DATASET_MISSING};
use outflow_model::{Ownership, Party};

fn built_in() -> &'static Intel {
    static INTEL: OnceLock<Intel> = OnceLock::new();
    INTEL.get_or_init(|| Intel::load(&IntelOptions::default()).expect("built-in data loads"))
}

fn without_ip_data() -> &'static Intel {
    static INTEL: OnceLock<Intel> = OnceLock::new();
    INTEL.get_or_init(|| {
        Intel::load(&IntelOptions {
            ip_data: IpDataSource::Disabled,
            ..IntelOptions::default()
        })
        .unwrap()
    })
}

fn with_user_data() -> &'static Intel {
    static INTEL: OnceLock<Intel> = OnceLock::new();
    INTEL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intel-extra");
        Intel::load(&IntelOptions {
            intel_dirs: vec![dir],
            first_party: vec!["Declared-Partner.example".into()],
            ip_data: IpDataSource::Disabled,
        })
        .unwrap()
    })
}

/// The IP tests need the datasets `scripts/setup` installs: they fail, not
/// pass, when those are missing.
fn with_ip_data() -> &'static Intel {
    let intel = built_in();
    if let Err(reason) = intel.ip_data_status() {
        panic!("IP datasets missing ({reason}): run scripts/setup");
    }
    intel
}

#[test]
fn cmpassport_end_to_end() {
    let attribution = built_in().lookup(
        "https://login.cmpassport.com/h5/js/jssdk.js?v=2",
        Some("https://chat.deepseek.com/sign_in"),
    );
    assert_eq!(attribution.host, "login.cmpassport.com");
    assert_eq!(
        attribution.registrable_domain.as_deref(),
        Some("cmpassport.com")
    );
    assert_eq!(attribution.party, Party::Third);
    let entity = attribution.entity.as_ref().expect("an entity");
    assert_eq!(entity.id, "china-mobile");
    assert_eq!(entity.name, "China Mobile");
    assert_eq!(
        entity.legal_name.as_deref(),
        Some("China Mobile Communications Group Co., Ltd.")
    );
    assert_eq!(entity.ownership, Some(Ownership::StateOwned));
    assert!(!entity.sources.is_empty());
    assert_eq!(attribution.country.as_deref(), Some("CN"));
    assert!(
        attribution
            .country_source
            .as_ref()
            .is_some_and(|source| source.url.starts_with("https://"))
    );

    let flag = |list: &str| {
        attribution
            .flags
            .iter()
            .find(|flag| flag.list == list)
            .unwrap_or_else(|| panic!("flag {list} in {:#?}", attribution.flags))
    };
    let denial = flag("fcc-section-214");
    assert_eq!(denial.since.as_deref(), Some("2019-05-09"));
    assert_eq!(
        denial.listed_name.as_deref(),
        Some("China Mobile International (USA) Inc.")
    );
    assert_eq!(denial.list_name, "FCC Section 214 denials and revocations");
    assert!(denial.source.url.starts_with("https://docs.fcc.gov/"));
    assert_eq!(
        flag("fcc-covered-list").since.as_deref(),
        Some("2022-03-25")
    );
    assert_eq!(flag("dod-1237").since.as_deref(), Some("2020-06-24"));
    assert!(flag("us-treasury-cmic").source.url.contains("treasury.gov"));
    for flag in &attribution.flags {
        assert!(flag.source.url.starts_with("https://"), "{flag:?}");
        assert_eq!(flag.source.date.len(), 10, "{flag:?}");
    }

    let laws: Vec<&str> = attribution
        .legal_notes
        .iter()
        .map(|note| note.law.as_str())
        .collect();
    assert!(
        laws.contains(&"National Intelligence Law (2017), Art. 7"),
        "{laws:?}"
    );
    assert!(
        laws.contains(&"Data Security Law (2021), Art. 35"),
        "{laws:?}"
    );
    assert!(
        attribution
            .legal_notes
            .iter()
            .all(|note| note.country == "CN" && note.source.url.starts_with("https://"))
    );

    let json = serde_json::to_value(&attribution).unwrap();
    assert_eq!(json["entity"]["ownership"], "state_owned");
    assert_eq!(json["party"], "third");
}

#[test]
fn subdomains_match_the_longest_suffix() {
    let intel = built_in();
    assert_eq!(
        intel
            .lookup("a.b.c.cmpassport.com", None)
            .entity
            .unwrap()
            .id,
        "china-mobile"
    );
    // Our table names hm.baidu.com (Baidu Tongji) under Baidu.
    let tongji = intel.lookup("hm.baidu.com", None);
    let entity = tongji.entity.unwrap();
    assert_eq!(entity.id, "baidu-tongji");
    assert_eq!(entity.parent.as_deref(), Some("Baidu"));
    assert_eq!(tongji.country.as_deref(), Some("CN"));
    // Imported data: www.google-analytics.com is under "google-analytics.com".
    let analytics = intel.lookup("www.google-analytics.com", None);
    let entity = analytics.entity.unwrap();
    assert_eq!(entity.name, "Google Analytics");
    assert_eq!(entity.parent.as_deref(), Some("Google"));
    assert!(
        entity.sources[0]
            .title
            .as_deref()
            .unwrap()
            .contains("third-party-web 0.30.0")
    );
    assert!(
        analytics
            .notes
            .iter()
            .any(|note| note.contains("country of Google Analytics unknown"))
    );
    let umeng = intel.lookup("alog.umeng.com", None);
    assert_eq!(umeng.entity.unwrap().id, "umeng");
    assert_eq!(umeng.legal_notes.len(), 2, "CN legal notes");
    // A look-alike is not a subdomain.
    assert!(intel.lookup("notcmpassport.com", None).entity.is_none());
}

#[test]
fn our_table_wins_over_imported_data() {
    let intel = built_in();
    // third-party-web says *.qq.com is "Tencent" (no flags); our sourced
    // entity owns the subtree, with its 1260H flag.
    let qq = intel.lookup("pingma.qq.com", None);
    assert_eq!(qq.entity.as_ref().unwrap().id, "tencent");
    assert!(qq.flags.iter().any(|flag| flag.list == "dod-1260h"));
    assert!(
        intel.stats().dropped_imported_domains >= 3,
        "{:?}",
        intel.stats()
    );
}

#[test]
fn user_files_win_and_extend() {
    let intel = with_user_data();
    let overridden = intel.lookup("ssl.google-analytics.com", None);
    assert_eq!(overridden.entity.unwrap().id, "test-analytics-owner");
    let legal: Vec<&str> = overridden
        .legal_notes
        .iter()
        .map(|note| note.law.as_str())
        .collect();
    // The user's GB note joins the built-in one.
    assert!(legal.contains(&"Test Act, s. 1"), "{legal:?}");
    assert!(
        legal.contains(&"Investigatory Powers Act 2016, ss. 253 and 255"),
        "{legal:?}"
    );
    assert_eq!(legal.len(), 2, "{legal:?}");

    let carrier = intel.lookup("api.carrier-test.com.cn", Some("shop.example.co.uk"));
    assert_eq!(
        carrier.registrable_domain.as_deref(),
        Some("carrier-test.com.cn")
    );
    assert_eq!(
        carrier.entity.as_ref().unwrap().ownership,
        Some(Ownership::StateControlled)
    );
    assert_eq!(carrier.flags.len(), 1);
    assert_eq!(carrier.flags[0].list_name, "Test watch list");
    assert_eq!(carrier.party, Party::Third);
}

#[test]
fn idn_hosts_are_punycode() {
    let intel = with_user_data();
    let munich = intel.lookup("www.MÜNCHEN.de", None);
    assert_eq!(munich.host, "www.xn--mnchen-3ya.de");
    assert_eq!(
        munich.registrable_domain.as_deref(),
        Some("xn--mnchen-3ya.de")
    );
    assert_eq!(munich.entity.unwrap().id, "test-munich");
    let url = intel.lookup("https://bücher.de/katalog", None);
    assert_eq!(url.host, "xn--bcher-kva.de");
    assert_eq!(url.registrable_domain.as_deref(), Some("xn--bcher-kva.de"));
}

#[test]
fn multi_label_public_suffixes() {
    let intel = built_in();
    let uk = intel.lookup(
        "cdn.static.example.co.uk",
        Some("https://www.example.co.uk/login"),
    );
    assert_eq!(uk.registrable_domain.as_deref(), Some("example.co.uk"));
    assert_eq!(uk.party, Party::First);
    let other = intel.lookup("example2.co.uk", Some("https://www.example.co.uk/login"));
    assert_eq!(other.party, Party::Third);
    let cn = intel.lookup("www.shop.com.cn", Some("m.shop.com.cn"));
    assert_eq!(cn.registrable_domain.as_deref(), Some("shop.com.cn"));
    assert_eq!(cn.party, Party::First);
    let amazon = intel.lookup("www.amazon.co.uk", None);
    assert_eq!(amazon.entity.unwrap().name, "Amazon Web Services");
    assert_eq!(intel.lookup("co.uk", None).registrable_domain, None);
}

#[test]
fn party_by_owner_and_declaration() {
    let intel = built_in();
    // Two third-party-web entities of one company are one party.
    let tag_manager = intel.lookup(
        "www.googletagmanager.com",
        Some("https://www.google-analytics.com/"),
    );
    assert_eq!(tag_manager.party, Party::First);
    assert_eq!(
        intel.lookup("www.googletagmanager.com", None).party,
        Party::Unknown
    );
    let declared = with_user_data();
    assert_eq!(
        declared.lookup("img.my-own-cdn.net", None).party,
        Party::First
    );
    assert_eq!(
        declared
            .lookup("declared-partner.example", Some("other.test"))
            .party,
        Party::First
    );
    assert_eq!(
        declared
            .lookup("not-my-own-cdn.net", Some("other.test"))
            .party,
        Party::Third
    );
}

#[test]
fn private_and_loopback_addresses_have_no_owner() {
    let intel = built_in();
    for (ip, word) in [
        ("127.0.0.1", "loopback"),
        ("[::1]:8080", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("http://172.20.0.1/x", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
    ] {
        let attribution = intel.lookup(ip, Some("example.com"));
        assert!(attribution.entity.is_none(), "{ip}");
        assert!(attribution.country.is_none(), "{ip}");
        assert!(
            attribution.notes.iter().any(|note| note.contains(word)),
            "{ip}: {:?}",
            attribution.notes
        );
        assert_eq!(attribution.party, Party::Third, "{ip}");
    }
}

#[test]
fn missing_ip_dataset_is_a_note_not_a_blank() {
    let attribution = without_ip_data().lookup("36.128.0.1", None);
    assert!(attribution.entity.is_none());
    assert!(
        attribution
            .notes
            .iter()
            .any(|note| note.contains("IP dataset")),
        "{:?}",
        attribution.notes
    );
    let missing = Intel::load(&IntelOptions {
        ip_data: IpDataSource::Dir(PathBuf::from("/nonexistent/outflow-ip")),
        ..IntelOptions::default()
    })
    .unwrap();
    let attribution = missing.lookup("2401:1320::1", None);
    assert_eq!(attribution.notes, [NOTE_IP_DATASET_MISSING]);
}

#[test]
fn ipv4_literal_of_a_chinese_carrier() {
    let attribution = with_ip_data().lookup("36.128.0.1", Some("example.com"));
    let network = attribution.network.as_ref().expect("a network");
    assert_eq!(network.asn, 9808);
    assert!(network.organisation.contains("China Mobile"));
    assert!(
        network
            .source
            .title
            .as_deref()
            .unwrap()
            .contains("@ip-location-db/asn")
    );
    assert_eq!(attribution.entity.as_ref().unwrap().id, "china-mobile");
    assert_eq!(attribution.country.as_deref(), Some("CN"));
    assert!(
        attribution
            .flags
            .iter()
            .any(|flag| flag.list == "fcc-section-214")
    );
    assert!(
        attribution
            .legal_notes
            .iter()
            .any(|note| note.law.contains("National Intelligence Law"))
    );
    assert_eq!(attribution.registrable_domain, None);
}

#[test]
fn ipv6_literal_of_a_chinese_carrier() {
    let attribution = with_ip_data().lookup("[2401:1320::1]:443", None);
    assert_eq!(attribution.host, "2401:1320::1");
    assert_eq!(attribution.network.as_ref().unwrap().asn, 9808);
    assert_eq!(attribution.entity.unwrap().id, "china-mobile");
}

#[test]
fn public_address_without_entity_gets_network_and_country() {
    let attribution = with_ip_data().lookup("8.8.4.4", None);
    let network = attribution.network.expect("a network");
    assert_eq!(network.asn, 15169);
    assert!(attribution.entity.is_none());
    assert!(attribution.country.is_some());
    assert!(
        attribution
            .country_source
            .unwrap()
            .title
            .unwrap()
            .contains("iptoasn-country")
    );
    assert!(
        attribution
            .notes
            .iter()
            .any(|note| note == "no entity known for AS15169")
    );
}

#[test]
fn recorded_dns_answers_complete_unknown_hosts() {
    let intel = with_ip_data();
    let addresses = ["10.0.0.1".parse().unwrap(), "1.48.0.1".parse().unwrap()];
    let attribution = intel.lookup_with_addresses("cdn.unknown-host.test", &addresses, None);
    assert_eq!(attribution.entity.as_ref().unwrap().id, "china-telecom");
    assert_eq!(attribution.network.as_ref().unwrap().asn, 4134);
    assert_eq!(attribution.country.as_deref(), Some("CN"));
    assert!(
        attribution
            .notes
            .iter()
            .any(|note| note.contains("recorded address 1.48.0.1"))
    );
}

#[test]
fn unknown_hosts_say_what_is_unknown() {
    let intel = built_in();
    let unknown = intel.lookup(
        "tracker.unknown-host-for-outflow.example",
        Some("site.example"),
    );
    assert!(unknown.entity.is_none());
    assert!(unknown.country.is_none());
    assert!(unknown.flags.is_empty());
    assert_eq!(unknown.party, Party::Third);
    assert!(
        unknown
            .notes
            .iter()
            .any(|note| note.starts_with("no owner known")),
        "{:?}",
        unknown.notes
    );
    let local = intel.lookup("localhost", None);
    assert_eq!(local.registrable_domain, None);
    assert!(
        local
            .notes
            .iter()
            .any(|note| note.contains("public suffix"))
    );
}

#[test]
fn hostile_inputs_give_notes() {
    let intel = built_in();
    for input in [
        "",
        "a b c",
        "http://",
        "[::zz]",
        "\u{0}",
        &"x".repeat(100_000),
        &format!("{}.com", "a".repeat(300)),
    ] {
        let attribution = intel.lookup(input, Some(input));
        assert!(attribution.entity.is_none());
        assert!(attribution.host.len() <= 260, "echo is bounded");
        assert!(
            attribution
                .notes
                .iter()
                .any(|note| note.starts_with("not a host name")),
            "{input:?}: {:?}",
            attribution.notes
        );
    }
}

#[test]
fn invalid_user_data_is_refused_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        r#"
[[entity]]
id = "dup-a"
name = "A"
domains = ["same.test"]
sources = [{ url = "ftp://nowhere", date = "yesterday" }]

[[entity.flags]]
list = "no-such-list"
detail = "x"
source = { url = "https://x.test/1", date = "2026-01-01" }

[[entity]]
id = "dup-b"
name = "B"
domains = ["same.test", "cmpassport.com"]
sources = []
"#,
    )
    .unwrap();
    let error = Intel::load(&IntelOptions {
        intel_dirs: vec![dir.path().to_owned()],
        ..IntelOptions::default()
    })
    .err()
    .expect("refused");
    let message = error.to_string();
    for expected in [
        "undefined list no-such-list",
        "same.test belongs to both",
        "has no source",
        "not an http(s) URL",
        "not YYYY-MM-DD",
    ] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    // Naming a built-in domain again is not an error: the user's layer
    // owns it. Only duplicates within one layer are.
    assert!(!message.contains("cmpassport.com"), "{message}");
}

#[test]
fn a_user_file_may_take_over_a_built_in_domain() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        r#"
[[entity]]
id = "my-sso"
name = "My SSO gateway"
country = "GB"
domains = ["sso.cmpassport.com"]
sources = [{ url = "https://contracts.test/sso", date = "2026-01-01" }]
"#,
    )
    .unwrap();
    let intel = Intel::load(&IntelOptions {
        intel_dirs: vec![dir.path().to_owned()],
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .unwrap();
    assert_eq!(
        intel
            .lookup("a.sso.cmpassport.com", None)
            .entity
            .unwrap()
            .id,
        "my-sso"
    );
    assert_eq!(
        intel
            .lookup("login.cmpassport.com", None)
            .entity
            .unwrap()
            .id,
        "china-mobile"
    );
}

#[test]
fn an_out_of_range_as_number_is_an_invalid_asn_not_a_host() {
    let attribution = without_ip_data().lookup("AS99999999999", None);
    assert!(attribution.entity.is_none());
    assert!(
        attribution
            .notes
            .iter()
            .any(|note| note.contains("not a valid AS number")),
        "{:?}",
        attribution.notes
    );
    assert!(
        !attribution
            .notes
            .iter()
            .any(|note| note.contains("host name")),
        "{:?}",
        attribution.notes
    );
}

#[test]
fn autonomous_systems_by_number() {
    let attribution = without_ip_data().lookup("AS4837", None);
    assert_eq!(attribution.entity.unwrap().id, "china-unicom");
    assert!(
        attribution
            .flags
            .iter()
            .any(|flag| flag.list == "fcc-section-214")
    );
    assert!(
        attribution
            .notes
            .iter()
            .any(|note| note.contains("IP dataset"))
    );
    let with_data = with_ip_data().lookup("AS19174", None);
    assert!(with_data.network.unwrap().organisation.contains("Americas"));
    assert!(
        built_in()
            .lookup("AS64512", None)
            .notes
            .iter()
            .any(|note| note == "no entity known for AS64512")
    );
}

#[test]
fn carrier_autonomous_systems_map_to_their_entities() {
    let intel = without_ip_data();
    let expected = [
        (9808, "china-mobile"),
        (56040, "china-mobile"),
        (56041, "china-mobile"),
        (56042, "china-mobile"),
        (56044, "china-mobile"),
        (56045, "china-mobile"),
        (56046, "china-mobile"),
        (56047, "china-mobile"),
        (56048, "china-mobile"),
        (4134, "china-telecom"),
        (4809, "china-telecom"),
        (4837, "china-unicom"),
        (9929, "china-unicom"),
    ];
    for (asn, entity) in expected {
        let attribution = intel.lookup(&format!("AS{asn}"), None);
        assert_eq!(
            attribution.entity.as_ref().map(|e| e.id.as_str()),
            Some(entity),
            "AS{asn}"
        );
        assert!(
            attribution
                .flags
                .iter()
                .any(|flag| flag.list == "dod-1260h"),
            "AS{asn} carries the 1260H flag"
        );
    }
    // Inside China Mobile's range, AS56043 is registered to someone else in
    // the ASN dataset, so it is not listed.
    assert!(intel.lookup("AS56043", None).entity.is_none());
}

#[test]
fn carrier_autonomous_systems_agree_with_the_asn_dataset() {
    let intel = with_ip_data();
    for (asn, organisation) in [
        (9808, "China Mobile"),
        (56040, "China Mobile"),
        (56048, "China Mobile"),
        (4134, "Chinanet"),
        (4809, "China Telecom"),
        (4837, "CHINA UNICOM"),
        (9929, "CHINA UNICOM"),
    ] {
        let network = intel
            .lookup(&format!("AS{asn}"), None)
            .network
            .unwrap_or_else(|| panic!("AS{asn} has a network record"));
        assert!(
            network.organisation.contains(organisation),
            "AS{asn}: {network:?}"
        );
    }
}

#[test]
fn sourced_web_properties_and_sdk_hosts() {
    let intel = without_ip_data();
    let owner = |host: &str| {
        intel
            .lookup(host, None)
            .entity
            .map(|entity| entity.id)
            .unwrap_or_else(|| panic!("{host} has an owner"))
    };
    for (host, entity) in [
        ("www.10086.cn", "china-mobile"),
        ("mail.139.com", "china-mobile"),
        ("www.chinamobileltd.com", "china-mobile"),
        ("app.c.nf.migu.cn", "migu"),
        ("gslbserv.itv.cmvideo.cn", "migu"),
        ("www.chinatelecom.com.cn", "china-telecom"),
        ("www.10010.com", "china-unicom"),
        ("hzs14.cnzz.com", "umeng"),
        ("mcs.volceapplog.com", "volcengine"),
        ("gator.volces.com", "volcengine"),
        ("api.jpush.cn", "jiguang"),
        ("docs.jiguang.cn", "jiguang"),
        ("sdk.talkingdata.com", "talkingdata"),
    ] {
        assert_eq!(owner(host), entity, "{host}");
    }
    // Only the documented collection host of tobsnssdk.com is Volcengine's.
    assert!(intel.lookup("www.tobsnssdk.com", None).entity.is_none());

    // A subsidiary inherits its parent's country and flags.
    let migu = intel.lookup("www.migu.cn", None);
    assert_eq!(
        migu.entity.as_ref().unwrap().parent.as_deref(),
        Some("China Mobile")
    );
    assert_eq!(migu.country.as_deref(), Some("CN"));
    assert!(migu.flags.iter().any(|flag| flag.list == "fcc-section-214"));
    let cnzz = intel.lookup("s11.cnzz.com", None);
    assert_eq!(
        cnzz.entity.as_ref().unwrap().parent.as_deref(),
        Some("Alibaba")
    );
    let listed = cnzz
        .flags
        .iter()
        .find(|flag| flag.list == "dod-1260h")
        .expect("Alibaba's 1260H flag");
    assert_eq!(listed.since.as_deref(), Some("2026-06-08"));
    assert!(
        listed
            .source
            .url
            .starts_with("https://media.defense.gov/2026/")
    );
}
