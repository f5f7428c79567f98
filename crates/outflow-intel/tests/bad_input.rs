//! Bad input: a user's `--intel` files that claim one domain for two
//! owners are refused with the file and line of both claims, and lookups
//! of odd hosts (IDN, trailing dots, IPv6 with zones, empty labels, very
//! long names, control characters) answer instead of panicking.

use outflow_intel::{Intel, IntelOptions, IpDataSource};

fn load(dir: &std::path::Path) -> Result<Intel, outflow_intel::IntelError> {
    Intel::load(&IntelOptions {
        intel_dirs: vec![dir.to_owned()],
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
}

fn intel() -> Intel {
    Intel::load(&IntelOptions {
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .expect("built-in data load")
}

#[test]
fn one_domain_claimed_in_two_files_names_both_files_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "# first owner\n\
         [[entity]]\n\
         id = \"first\"\n\
         name = \"First\"\n\
         domains = [\"shared.test\"]\n\
         sources = [{ url = \"https://first.test/about\", date = \"2026-01-01\" }]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[[entity]]\n\
         id = \"other\"\n\
         name = \"Other\"\n\
         domains = [\"other.test\"]\n\
         sources = [{ url = \"https://other.test/about\", date = \"2026-01-01\" }]\n\
         \n\
         [[entity]]\n\
         id = \"second\"\n\
         name = \"Second\"\n\
         domains = [\n  \"second.test\",\n  \"shared.test\",\n]\n\
         sources = [{ url = \"https://second.test/about\", date = \"2026-01-01\" }]\n",
    )
    .unwrap();
    let message = load(dir.path())
        .err()
        .expect("two owners for one domain are refused")
        .to_string();
    let a = dir.path().join("a.toml").display().to_string();
    let b = dir.path().join("b.toml").display().to_string();
    assert!(
        message.contains(&format!(
            "{b}:12: shared.test belongs to both second and first ({a}:5)"
        )),
        "{message}"
    );
}

#[test]
fn one_domain_claimed_twice_in_one_file_names_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        r#"[[entity]]
id = "one"
name = "One"
domains = ["dup.test"]
sources = [{ url = "https://one.test/", date = "2026-01-01" }]

[[entity]]
id = "two"
name = "Two"
domains = ["dup.test"]
sources = [{ url = "https://two.test/", date = "2026-01-01" }]
"#,
    )
    .unwrap();
    let message = load(dir.path()).err().expect("refused").to_string();
    let path = dir.path().join("mine.toml").display().to_string();
    assert!(
        message.contains(&format!(
            "{path}:10: dup.test belongs to both two and one ({path}:4)"
        )),
        "{message}"
    );
}

#[test]
fn a_user_file_that_is_not_toml_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "[[entity]]\nid = \"x\"\nname = \n",
    )
    .unwrap();
    let message = load(dir.path()).err().expect("refused").to_string();
    assert!(message.contains("broken.toml"), "{message}");
    assert!(message.contains("line 3"), "{message}");
}

#[test]
fn odd_hosts_are_answered_never_panicked_on() {
    let intel = intel();
    let long_label = "a".repeat(64);
    let long_name = format!("{}.example.com", ["abcdefghij"; 30].join("."));
    let huge = "x".repeat(outflow_intel::MAX_INPUT_BYTES + 1);
    let odd = [
        "",
        ".",
        "..",
        "a..b.com",
        ".cmpassport.com",
        "cmpassport.com..",
        "login.cmpassport.com.",
        "LOGIN.CMPASSPORT.COM.",
        "xn--",
        "xn--zz.com",
        "xn--fiqs8s.xn--fiqs8s",
        "中国移动.中国",
        "bücher.example",
        "fe80::1%eth0",
        "[fe80::1%25eth0]",
        "[fe80::1%eth0]:443",
        "http://[fe80::1%25eth0]/",
        "[::1",
        "::ffff:127.0.0.1",
        "1.2.3.4.5",
        "999.1.1.1",
        "AS",
        "AS99999999999",
        "AS-1",
        "host:99999999",
        "host:",
        ":443",
        "user@@host",
        "http://",
        "http://%00/",
        "a\u{0}b.com",
        "tab\there.com",
        "\u{202e}moc.elgoog",
        &long_label,
        &long_name,
        &huge,
    ];
    for input in odd {
        let attribution = intel.lookup(input, Some("https://site.test/"));
        assert!(
            attribution.host.len() <= 2 * 253 + 64,
            "a bounded host is reported for {:?}",
            &input[..input.len().min(40)]
        );
        // The borrowed core answers the same inputs.
        let _ = intel.resolve(input, None).entity();
    }
}

#[test]
fn trailing_dots_and_upper_case_find_the_same_owner() {
    let intel = intel();
    for input in [
        "login.cmpassport.com.",
        "LOGIN.CMPASSPORT.COM",
        "https://Login.CMPassport.com./path",
        "login.cmpassport.com:443",
    ] {
        let attribution = intel.lookup(input, None);
        assert_eq!(
            attribution.entity.map(|e| e.id).as_deref(),
            Some("china-mobile"),
            "{input}"
        );
    }
}

#[test]
fn ipv6_with_a_zone_is_not_a_host_name_and_says_so() {
    let intel = intel();
    for input in ["fe80::1%eth0", "[fe80::1%25eth0]"] {
        let attribution = intel.lookup(input, None);
        assert!(attribution.entity.is_none(), "{input}");
        assert!(
            attribution
                .notes
                .iter()
                .any(|note| note.contains("not a host name or IP address")),
            "{input}: {:?}",
            attribution.notes
        );
    }
}

#[test]
fn internationalised_names_are_looked_up_as_punycode() {
    let intel = intel();
    let attribution = intel.lookup("bücher.example", None);
    assert_eq!(attribution.host, "xn--bcher-kva.example");
}
