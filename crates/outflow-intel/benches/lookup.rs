//! Lookups per second on one core, and the load time of the built-in data
//! and of the IP datasets.
//!
//! `cargo bench -p outflow-intel --bench lookup`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use outflow_intel::{Intel, IntelOptions, IpDataSource};

/// A mix like a page's destinations: known Chinese endpoints, imported
/// trackers, first-party hosts, unknown hosts, URLs, IDN and IP literals.
fn hosts() -> Vec<String> {
    let templates = [
        "login.cmpassport.com",
        "hm.baidu.com",
        "www.google-analytics.com",
        "connect.facebook.net",
        "static.example.co.uk",
        "cdn{}.unknown-destination.net",
        "https://www.googletagmanager.com/gtm.js?id=GTM-{}",
        "api{}.shop.com.cn",
        "www.münchen.de",
        "192.168.1.{}",
    ];
    (0..1000)
        .map(|i| templates[i % templates.len()].replace("{}", &(i % 97).to_string()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let options = IntelOptions {
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    };
    c.bench_function("load built-in data", |b| {
        b.iter(|| black_box(Intel::load(&options).unwrap()))
    });

    let intel = Intel::load(&options).unwrap();
    let site = intel.site("https://www.example.co.uk/login");
    let hosts = hosts();
    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(hosts.len() as u64));
    group.bench_function("mixed hosts, one site", |b| {
        b.iter(|| {
            for host in &hosts {
                black_box(intel.lookup_for_site(black_box(host), Some(&site)));
            }
        })
    });
    group.bench_function("mixed hosts, one site, borrowed resolution", |b| {
        b.iter(|| {
            for host in &hosts {
                let resolution = intel.resolve(black_box(host), Some(&site));
                black_box((
                    resolution.entity().is_some(),
                    resolution.flags().len(),
                    resolution.party(),
                ));
            }
        })
    });
    let names: Vec<&String> = hosts
        .iter()
        .filter(|host| !host.contains("://") && host.is_ascii() && !host.starts_with("192."))
        .collect();
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("host names only, borrowed resolution", |b| {
        b.iter(|| {
            for host in &names {
                let resolution = intel.resolve(black_box(host), Some(&site));
                black_box((
                    resolution.entity().is_some(),
                    resolution.flags().len(),
                    resolution.party(),
                ));
            }
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("cmpassport.com subdomain", |b| {
        b.iter(|| black_box(intel.lookup_for_site(black_box("login.cmpassport.com"), Some(&site))))
    });
    group.bench_function("unknown host", |b| {
        b.iter(|| {
            black_box(intel.lookup_for_site(black_box("cdn7.unknown-destination.net"), Some(&site)))
        })
    });
    group.finish();

    let with_ip = Intel::load(&IntelOptions::default()).unwrap();
    if with_ip.ip_data_status().is_ok() {
        let mut group = c.benchmark_group("ip");
        group.bench_function("lookup IPv4 of China Mobile", |b| {
            b.iter(|| black_box(with_ip.lookup(black_box("36.128.0.1"), None)))
        });
        group.sample_size(10);
        group.bench_function("load IP datasets", |b| {
            b.iter(|| {
                let intel = Intel::load(&IntelOptions::default()).unwrap();
                black_box(intel.ip_data_status().unwrap())
            })
        });
        group.finish();
    } else {
        eprintln!("IP datasets missing: run scripts/setup to benchmark IP lookups");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
