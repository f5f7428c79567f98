//! Speed of the canary search: building the index for three canaries, and
//! searching a capture of 500 requests (a mix of tracking pixels, JSON and
//! form posts, gzip bodies and headers) of which a few carry a canary.
//! Reported as ratios against a baseline measured in the same run: a plain
//! `memmem` scan of the same bytes for the plain value (the least any search
//! must do).

use std::hint::black_box;
use std::io::Write;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use outflow_detect::canary::CanaryIndex;
use outflow_model::Canary;

fn canaries() -> Vec<Canary> {
    outflow_testkit::build::CANARY_VALUES
        .into_iter()
        .map(|(kind, value)| Canary {
            kind,
            value: value.to_string(),
            field: "input".to_string(),
            frame_url: "https://site.example/".to_string(),
            typed_at_ms: 0,
        })
        .collect()
}

/// 500 haystack groups (URL, 8 headers, body) like a real page's traffic.
fn traffic() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..500u32 {
        let url = format!(
            "https://t{}.tracker.example/collect?v=2&tid=UA-{i}-1&cid={:x}.{}&dl=https%3A%2F%2Fsite.example%2Flogin&ul=en-us&sr=1920x1080&_r={}",
            i % 7,
            u64::from(i) * 2_654_435_761,
            1_700_000_000 + i,
            i * 31
        );
        out.push(url.into_bytes());
        for h in 0..8 {
            out.push(
                format!("header-{h}: value {i} session={:016x}", u64::from(i) << h).into_bytes(),
            );
        }
        let body = match i % 5 {
            0 => format!(
                r#"{{"events":[{{"t":"click","x":{i},"y":{},"id":"btn-{i}"}}],"session":"{:032x}","ts":{}}}"#,
                i * 3,
                u128::from(i) * 0x9e37_79b9_7f4a_7c15,
                1_700_000_000_000u64 + u64::from(i)
            )
            .into_bytes(),
            1 => format!("a=1&b={i}&c=hello%20world&d=dGhpcyBpcyBub3QgYSBjYW5hcnk%3D").into_bytes(),
            2 => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let _ = e.write_all(format!("{{\"rrweb\":[{}]}}", "1,".repeat(400)).as_bytes());
                e.finish().unwrap_or_default()
            }
            3 if i % 50 == 3 => format!(
                "e={}",
                base64::engine::general_purpose::STANDARD.encode("outflow.3fa9c01b2e@example.com")
            )
            .into_bytes(),
            _ => format!("<html><body>{}</body></html>", "lorem ipsum ".repeat(30)).into_bytes(),
        };
        out.push(body);
    }
    out
}

fn bench(c: &mut Criterion) {
    let canaries = canaries();
    let traffic = traffic();
    let total: usize = traffic.iter().map(Vec::len).sum();
    eprintln!("traffic: {} haystacks, {total} bytes", traffic.len());
    c.bench_function("index build (3 canaries)", |b| {
        b.iter(|| CanaryIndex::new(black_box(&canaries)))
    });
    let index = CanaryIndex::new(&canaries);
    eprintln!("digests in the index: {}", index.digest_count());
    let mut group = c.benchmark_group("500 requests");
    group.bench_function("baseline: memmem of the plain value", |b| {
        let finder = memchr_free_find(canaries[0].value.as_bytes());
        b.iter(|| traffic.iter().filter(|h| finder(h)).count())
    });
    group.bench_function("canary search", |b| {
        b.iter(|| {
            traffic
                .iter()
                .map(|h| index.search(black_box(h)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

/// A plain substring test, the baseline.
fn memchr_free_find(needle: &[u8]) -> impl Fn(&[u8]) -> bool + '_ {
    move |haystack: &[u8]| haystack.windows(needle.len()).any(|w| w == needle)
}

criterion_group!(benches, bench);
criterion_main!(benches);
