//! Times lookups of one host in a loop, for profiling: `cargo run --release
//! -p outflow-intel --example profile_lookup -- HOST [N]`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let host = args
        .next()
        .unwrap_or_else(|| "cdn7.unknown-destination.net".into());
    let count: u32 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let intel = outflow_intel::Intel::load(&outflow_intel::IntelOptions {
        ip_data: outflow_intel::IpDataSource::Disabled,
        ..Default::default()
    })
    .expect("built-in data loads");
    eprintln!("{:?}", intel.stats());
    let site = intel.site("https://www.example.co.uk/");
    let start = Instant::now();
    let mut flagged = 0usize;
    for _ in 0..count {
        flagged += intel
            .resolve(std::hint::black_box(&host), Some(&site))
            .flags()
            .len();
    }
    let resolve = start.elapsed();
    let start = Instant::now();
    for _ in 0..count {
        flagged += intel
            .lookup_for_site(std::hint::black_box(&host), Some(&site))
            .flags
            .len();
    }
    let lookup = start.elapsed();
    println!(
        "{host}: resolve {:.0} ns, lookup {:.0} ns ({flagged} flags seen)",
        resolve.as_nanos() as f64 / f64::from(count),
        lookup.as_nanos() as f64 / f64::from(count)
    );
}
