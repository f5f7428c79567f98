//! `outflow whois` for every host the third pass of `data/` added (the
//! identity-SDK hosts and the common Chinese SDKs): each names its owner,
//! the owner's parent, country and ownership where sourced, and the source
//! the fact rests on, in the terminal and in JSON.

use std::process::{Command, Output};

/// A host, and what `whois` must say about it.
struct Expected {
    host: &'static str,
    entity: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    country: Option<&'static str>,
    ownership: Option<&'static str>,
    /// A source URL the owner's facts must cite.
    source: &'static str,
}

const HOSTS: &[Expected] = &[
    Expected {
        host: "e.189.cn",
        entity: "china-telecom",
        name: "China Telecom",
        parent: None,
        country: Some("CN"),
        ownership: Some("state_owned"),
        source: "https://xmtwx.crm.189.cn/complaint_platform/Tymm/toPassLogin?channel=84511001",
    },
    Expected {
        host: "open.e.189.cn",
        entity: "china-telecom",
        name: "China Telecom",
        parent: None,
        country: Some("CN"),
        ownership: Some("state_owned"),
        source: "https://xmtwx.crm.189.cn/complaint_platform/Tymm/toPassLogin?channel=84511001",
    },
    Expected {
        host: "www.ctyun.cn",
        entity: "tianyi-cloud",
        name: "China Telecom Cloud (Tianyi Cloud)",
        parent: Some("China Telecom"),
        country: Some("CN"),
        ownership: Some("state_owned"),
        source: "https://ctyun.cn/portal/protocol/10501601",
    },
    Expected {
        host: "ctaccount.21cn.com",
        entity: "century-dragon",
        name: "21CN (Tianyi Account)",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://ctaccount.21cn.com/e_rule_ag.html?hidetop=true",
    },
    Expected {
        host: "onelogin.geetest.com",
        entity: "geetest",
        name: "GeeTest",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://docs.geetest.com/g5/Integration/Web",
    },
    Expected {
        host: "onepass.geetest.com",
        entity: "geetest",
        name: "GeeTest",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://docs.geetest.com/onelogin/deploy/miniapp/",
    },
    Expected {
        host: "dypnsapi.aliyuncs.com",
        entity: "alibaba",
        name: "Alibaba",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://help.aliyun.com/document_detail/189864.html",
    },
    Expected {
        host: "jverification.jpush.cn",
        entity: "jiguang",
        name: "Jiguang (JPush)",
        parent: Some("Aurora Mobile"),
        country: Some("CN"),
        ownership: None,
        source: "https://docs.jiguang.cn/en/jverification/FAQ/prod_faq",
    },
    Expected {
        host: "verify.twilio.com",
        entity: "twilio",
        name: "Twilio",
        parent: None,
        country: None,
        ownership: None,
        source: "https://twilio.com/docs/verify/api",
    },
    Expected {
        host: "cdn.veriff.me",
        entity: "veriff",
        name: "Veriff",
        parent: None,
        country: None,
        ownership: None,
        source: "https://github.com/Veriff/veriff-js-sdk",
    },
    Expected {
        host: "devdocs.veriff.com",
        entity: "veriff",
        name: "Veriff",
        parent: None,
        country: None,
        ownership: None,
        source: "https://devdocs.veriff.com/docs.md",
    },
    Expected {
        host: "withpersona.com",
        entity: "persona",
        name: "Persona",
        parent: None,
        country: None,
        ownership: None,
        source: "https://docs.withpersona.com",
    },
    Expected {
        host: "www.ucloud.cn",
        entity: "ucloud",
        name: "UCloud",
        parent: None,
        country: Some("CN"),
        ownership: Some("listed"),
        source: "https://reportify.ai/filings/1021900329102479360",
    },
    Expected {
        host: "tongdun.net",
        entity: "tongdun",
        name: "Tongdun Technology",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "http://ezhejiang.gov.cn/2018-11/07/c_289224.htm",
    },
    Expected {
        host: "portal-static.tongdun.cn",
        entity: "tongdun",
        name: "Tongdun Technology",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://portal-static.tongdun.cn/static-public/shopify-web/pdfs/1.0.0/privacy-policy.html",
    },
    Expected {
        host: "api.deepseek.com",
        entity: "deepseek",
        name: "DeepSeek",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://api-docs.deepseek.com/",
    },
    Expected {
        host: "chat.deepseek.com",
        entity: "deepseek",
        name: "DeepSeek",
        parent: None,
        country: Some("CN"),
        ownership: None,
        source: "https://www.scribd.com/document/821970038/DeepSeek-Privacy-Policy",
    },
    Expected {
        host: "www.tencent.com",
        entity: "tencent",
        name: "Tencent",
        parent: None,
        country: Some("CN"),
        ownership: Some("listed"),
        source: "https://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq.ipfs.dweb.link/wiki/Tencent_Traveler.html",
    },
    Expected {
        host: "www.baidu.com",
        entity: "baidu",
        name: "Baidu",
        parent: None,
        country: Some("CN"),
        ownership: Some("listed"),
        source: "https://ir.baidu.com/shareholder-services/investor-faqs?c=188488&p=irol-faq",
    },
];

fn whois(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
        .arg("whois")
        .args(args)
        // Lookups stay by name: no IP datasets needed.
        .arg("--no-ip-data")
        .env("NO_COLOR", "1")
        .output()
        .expect("outflow runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "outflow whois failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn hosts() -> Vec<&'static str> {
    HOSTS.iter().map(|expected| expected.host).collect()
}

#[test]
fn every_added_host_names_its_owner_parent_country_and_source_in_json() {
    let mut args = vec!["--format", "json"];
    args.extend(hosts());
    let found: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&whois(&args))).expect("a JSON array");
    assert_eq!(found.len(), HOSTS.len());
    for (expected, attribution) in HOSTS.iter().zip(&found) {
        let host = expected.host;
        assert_eq!(attribution["host"], host);
        let entity = &attribution["entity"];
        assert_eq!(entity["id"], expected.entity, "{host}: {attribution}");
        assert_eq!(entity["name"], expected.name, "{host}");
        assert_eq!(entity["parent"].as_str(), expected.parent, "{host}");
        assert_eq!(attribution["country"].as_str(), expected.country, "{host}");
        assert_eq!(entity["ownership"].as_str(), expected.ownership, "{host}");
        let sources = entity["sources"].as_array().expect("sources");
        assert!(
            sources.iter().any(|s| s["url"] == expected.source),
            "{host} cites {}: {sources:?}",
            expected.source
        );
        for source in sources {
            assert!(
                source["url"]
                    .as_str()
                    .is_some_and(|url| url.starts_with("http")),
                "{host}: {source}"
            );
            assert!(
                source["date"].as_str().is_some_and(|d| d.len() == 10),
                "{host}: {source}"
            );
        }
    }
}

#[test]
fn every_added_host_names_its_owner_and_source_in_the_terminal() {
    let text = stdout(&whois(&hosts()));
    for expected in HOSTS {
        assert!(text.contains(expected.host), "{}: {text}", expected.host);
        assert!(
            text.contains(&format!("owner    {}", expected.name)),
            "{}: {text}",
            expected.host
        );
        assert!(
            text.contains(&format!("source: {} (", expected.source)),
            "{} cites {}: {text}",
            expected.host,
            expected.source
        );
    }
    let jiguang = text
        .lines()
        .find(|line| line.contains("owner    Jiguang (JPush)"))
        .expect("Jiguang's owner line");
    assert!(jiguang.contains("part of Aurora Mobile"), "{jiguang}");
}

#[test]
fn parents_and_flags_are_inherited_by_the_added_hosts() {
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout(&whois(&[
        "--format",
        "json",
        "dypnsapi.aliyuncs.com",
        "www.baidu.com",
        "www.tencent.com",
        "e.189.cn",
        "www.ctyun.cn",
    ])))
    .expect("a JSON array");
    for attribution in &found {
        let flags = attribution["flags"].as_array().expect("flags");
        assert!(
            flags.iter().any(|flag| flag["list"] == "dod-1260h"),
            "{}: {flags:?}",
            attribution["host"]
        );
        assert!(
            attribution["legal_notes"]
                .as_array()
                .is_some_and(|notes| !notes.is_empty()),
            "{}: CN legal notes apply",
            attribution["host"]
        );
    }
}
