//! `outflow whois` for every host the third pass of `data/` added (the
//! identity-SDK hosts and the common Chinese SDKs): each names its owner,
//! the owner's parent, country and ownership where sourced, and the source
//! the fact rests on, in the terminal and in JSON.

mod whois_support;

use whois_support::{stdout, whois};

/// A host, and what `whois` must say about it: host, entity id, name,
/// parent's name, country, ownership, and a source URL the owner cites.
const fn expected(
    host: &'static str,
    entity: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    country: Option<&'static str>,
    ownership: Option<&'static str>,
    source: &'static str,
) -> Expected {
    Expected {
        host,
        entity,
        name,
        parent,
        country,
        ownership,
        source,
    }
}

/// What `whois` must say about one host.
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
    expected(
        "global.jegotrip.com",
        "china-mobile",
        "China Mobile",
        None,
        Some("CN"),
        Some("state_owned"),
        "https://global.jegotrip.com/global/protocol/privacy.html",
    ),
    expected(
        "e.189.cn",
        "china-telecom",
        "China Telecom",
        None,
        Some("CN"),
        Some("state_owned"),
        "https://xmtwx.crm.189.cn/complaint_platform/Tymm/toPassLogin?channel=84511001",
    ),
    expected(
        "open.e.189.cn",
        "china-telecom",
        "China Telecom",
        None,
        Some("CN"),
        Some("state_owned"),
        "https://xmtwx.crm.189.cn/complaint_platform/Tymm/toPassLogin?channel=84511001",
    ),
    expected(
        "www.ctyun.cn",
        "tianyi-cloud",
        "China Telecom Cloud (Tianyi Cloud)",
        Some("China Telecom"),
        Some("CN"),
        Some("state_owned"),
        "https://ctyun.cn/portal/protocol/10501601",
    ),
    expected(
        "ctaccount.21cn.com",
        "century-dragon",
        "21CN (Tianyi Account)",
        None,
        Some("CN"),
        None,
        "https://ctaccount.21cn.com/e_rule_ag.html?hidetop=true",
    ),
    expected(
        "onelogin.geetest.com",
        "geetest",
        "GeeTest",
        None,
        Some("CN"),
        None,
        "https://docs.geetest.com/g5/Integration/Web",
    ),
    expected(
        "onepass.geetest.com",
        "geetest",
        "GeeTest",
        None,
        Some("CN"),
        None,
        "https://docs.geetest.com/onelogin/deploy/miniapp/",
    ),
    expected(
        "dypnsapi.aliyuncs.com",
        "alibaba",
        "Alibaba",
        None,
        Some("CN"),
        None,
        "https://help.aliyun.com/document_detail/189864.html",
    ),
    expected(
        "jverification.jpush.cn",
        "jiguang",
        "Jiguang (JPush)",
        Some("Aurora Mobile"),
        Some("CN"),
        None,
        "https://docs.jiguang.cn/en/jverification/FAQ/prod_faq",
    ),
    expected(
        "verify.twilio.com",
        "twilio",
        "Twilio",
        None,
        None,
        None,
        "https://twilio.com/docs/verify/api",
    ),
    expected(
        "cdn.veriff.me",
        "veriff",
        "Veriff",
        None,
        None,
        None,
        "https://github.com/Veriff/veriff-js-sdk",
    ),
    expected(
        "devdocs.veriff.com",
        "veriff",
        "Veriff",
        None,
        None,
        None,
        "https://devdocs.veriff.com/docs.md",
    ),
    expected(
        "withpersona.com",
        "persona",
        "Persona",
        None,
        None,
        None,
        "https://docs.withpersona.com",
    ),
    expected(
        "www.ucloud.cn",
        "ucloud",
        "UCloud",
        None,
        Some("CN"),
        Some("listed"),
        "https://reportify.ai/filings/1021900329102479360",
    ),
    expected(
        "tongdun.net",
        "tongdun",
        "Tongdun Technology",
        None,
        Some("CN"),
        None,
        "http://ezhejiang.gov.cn/2018-11/07/c_289224.htm",
    ),
    expected(
        "portal-static.tongdun.cn",
        "tongdun",
        "Tongdun Technology",
        None,
        Some("CN"),
        None,
        "https://portal-static.tongdun.cn/static-public/shopify-web/pdfs/1.0.0/privacy-policy.html",
    ),
    expected(
        "api.deepseek.com",
        "deepseek",
        "DeepSeek",
        None,
        Some("CN"),
        None,
        "https://api-docs.deepseek.com/",
    ),
    expected(
        "chat.deepseek.com",
        "deepseek",
        "DeepSeek",
        None,
        Some("CN"),
        None,
        "https://www.scribd.com/document/821970038/DeepSeek-Privacy-Policy",
    ),
    expected(
        "www.tencent.com",
        "tencent",
        "Tencent",
        None,
        Some("CN"),
        Some("listed"),
        "https://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq.ipfs.dweb.link/wiki/Tencent_Traveler.html",
    ),
    expected(
        "www.baidu.com",
        "baidu",
        "Baidu",
        None,
        Some("CN"),
        Some("listed"),
        "https://ir.baidu.com/shareholder-services/investor-faqs?c=188488&p=irol-faq",
    ),
];

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
