//! The canary matrix of issue 5: every encoding and nesting up to three
//! layers × every transport. Encodings are made here with independent
//! encoders (the hash crates, `base64`, `flate2`, `brotli`, `lz-str`,
//! `url`, `serde_json` and small writers in this file), never with the
//! detector's own. Every chain must be found (through `pii-before-submit`
//! on synthetic captures), and the same chain over a value that is not the
//! canary must give no finding. The confusion matrix is printed.
//!
//! Which chains the issue implies, and which are left out (each a
//! documented limit of the detector, not a silent pass):
//! - a hash takes text: the value, another hash's hex, or a URL, form,
//!   base64 or hex encoding of those; not JSON objects, HTML entities,
//!   LZ-string or compressed bytes (no script hashes those);
//! - a hash written as base64 of its raw bytes is not hashed again;
//! - MurmurHash3-32 only of the value itself (a 32-bit value of anything
//!   else would match random numbers);
//! - compressed bytes (gzip, deflate, brotli, LZ-string bytes) are carried
//!   by base64, hex, URL or form encoding, or by the transport itself.

mod canary_common;

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use canary_common::{SITE, TRANSPORTS, canaries, capture, form_value, run, send, uri_component};
use rayon::prelude::*;
use sha2::Digest;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Text to text, reversible.
    Text,
    /// Text to text that a hash may take as input.
    HashableText,
    /// Bytes out.
    Binary,
    /// A hash written as hex (may be hashed again).
    HashHex,
    /// A hash written as base64 of its bytes.
    HashBase64,
}

struct Layer {
    name: &'static str,
    kind: Kind,
    /// Only directly over the value.
    value_only: bool,
    apply: fn(&[u8]) -> Vec<u8>,
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("text layer over text")
}

fn html_numeric(bytes: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    for c in text(bytes).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("&#{};", u32::from(c)));
        }
    }
    out.into_bytes()
}

fn json_wrap(bytes: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"v": text(bytes), "t": 1})).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(bytes).unwrap();
    }
    out
}

fn lz_base64(bytes: &[u8]) -> Vec<u8> {
    lz_str::compress_to_base64(text(bytes)).into_bytes()
}

fn lz_uri(bytes: &[u8]) -> Vec<u8> {
    lz_str::compress_to_encoded_uri_component(text(bytes)).into_bytes()
}

fn lz_utf16(bytes: &[u8]) -> Vec<u8> {
    lz_str::compress_to_utf16(text(bytes)).into_bytes()
}

fn lz_uint8(bytes: &[u8]) -> Vec<u8> {
    lz_str::compress_to_uint8_array(text(bytes))
}

fn murmur32(bytes: &[u8]) -> [u8; 4] {
    murmur3::murmur3_32(&mut &bytes[..], 0)
        .unwrap()
        .to_be_bytes()
}

fn murmur128(bytes: &[u8]) -> Vec<u8> {
    let both = murmur3::murmur3_x64_128(&mut &bytes[..], 0).unwrap();
    let mut out = (both as u64).to_be_bytes().to_vec();
    out.extend_from_slice(&((both >> 64) as u64).to_be_bytes());
    out
}

macro_rules! hash_layers {
    ($($name:literal, $b64:literal, $f:expr, $only:expr;)*) => {
        vec![$(
            Layer { name: $name, kind: Kind::HashHex, value_only: $only,
                    apply: |b| hex::encode($f(b)).into_bytes() },
            Layer { name: $b64, kind: Kind::HashBase64, value_only: $only,
                    apply: |b| STANDARD.encode($f(b)).into_bytes() },
        )*]
    };
}

fn layers() -> Vec<Layer> {
    let mut all = vec![
        Layer {
            name: "url",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| uri_component(b).into_bytes(),
        },
        Layer {
            name: "form",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| form_value(b).into_bytes(),
        },
        Layer {
            name: "base64",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| STANDARD.encode(b).into_bytes(),
        },
        Layer {
            name: "base64 unpadded",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| STANDARD_NO_PAD.encode(b).into_bytes(),
        },
        Layer {
            name: "base64url",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| URL_SAFE_NO_PAD.encode(b).into_bytes(),
        },
        Layer {
            name: "hex",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| hex::encode(b).into_bytes(),
        },
        Layer {
            name: "HEX",
            kind: Kind::HashableText,
            value_only: false,
            apply: |b| hex::encode_upper(b).into_bytes(),
        },
        Layer {
            name: "html entities",
            kind: Kind::Text,
            value_only: false,
            apply: html_numeric,
        },
        Layer {
            name: "json",
            kind: Kind::Text,
            value_only: false,
            apply: json_wrap,
        },
        Layer {
            name: "lz base64",
            kind: Kind::Text,
            value_only: false,
            apply: lz_base64,
        },
        Layer {
            name: "lz uri",
            kind: Kind::Text,
            value_only: false,
            apply: lz_uri,
        },
        Layer {
            name: "lz utf16",
            kind: Kind::Text,
            value_only: false,
            apply: lz_utf16,
        },
        Layer {
            name: "lz uint8array",
            kind: Kind::Binary,
            value_only: false,
            apply: lz_uint8,
        },
        Layer {
            name: "gzip",
            kind: Kind::Binary,
            value_only: false,
            apply: gzip,
        },
        Layer {
            name: "deflate",
            kind: Kind::Binary,
            value_only: false,
            apply: deflate,
        },
        Layer {
            name: "zlib",
            kind: Kind::Binary,
            value_only: false,
            apply: zlib,
        },
        Layer {
            name: "brotli",
            kind: Kind::Binary,
            value_only: false,
            apply: brotli,
        },
    ];
    all.extend(hash_layers![
        "md5", "md5 b64", |b: &[u8]| md5::Md5::digest(b).to_vec(), false;
        "sha1", "sha1 b64", |b: &[u8]| sha1::Sha1::digest(b).to_vec(), false;
        "sha224", "sha224 b64", |b: &[u8]| sha2::Sha224::digest(b).to_vec(), false;
        "sha256", "sha256 b64", |b: &[u8]| sha2::Sha256::digest(b).to_vec(), false;
        "sha384", "sha384 b64", |b: &[u8]| sha2::Sha384::digest(b).to_vec(), false;
        "sha512", "sha512 b64", |b: &[u8]| sha2::Sha512::digest(b).to_vec(), false;
        "sha3-256", "sha3-256 b64", |b: &[u8]| sha3::Sha3_256::digest(b).to_vec(), false;
        "ripemd160", "ripemd160 b64", |b: &[u8]| ripemd::Ripemd160::digest(b).to_vec(), false;
        "murmur3-128", "murmur3-128 b64", murmur128, false;
        "murmur3-32", "murmur3-32 b64", |b: &[u8]| murmur32(b).to_vec(), true;
    ]);
    all
}

/// Whether `outer` may be applied over `chain` (innermost first; empty:
/// the value itself).
fn allowed(layers: &[Layer], chain: &[usize], outer: &Layer) -> bool {
    if outer.value_only && !chain.is_empty() {
        return false;
    }
    let Some(&last) = chain.last() else {
        return true;
    };
    match outer.kind {
        // A hash takes text made from the value by hashable layers only.
        Kind::HashHex | Kind::HashBase64 => chain
            .iter()
            .all(|&i| matches!(layers[i].kind, Kind::HashableText | Kind::HashHex)),
        Kind::Binary | Kind::Text => !matches!(layers[last].kind, Kind::Binary),
        // Bytes are carried by base64, hex, URL or form encoding.
        Kind::HashableText => true,
    }
}

/// Every valid chain of one to `max` layers, innermost first.
fn chains(layers: &[Layer], max: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut frontier: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in 0..max {
        let mut next = Vec::new();
        for chain in &frontier {
            for (i, layer) in layers.iter().enumerate() {
                if allowed(layers, chain, layer) {
                    let mut c = chain.clone();
                    c.push(i);
                    next.push(c);
                }
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

fn encode(layers: &[Layer], chain: &[usize], value: &str) -> Vec<u8> {
    chain
        .iter()
        .fold(value.as_bytes().to_vec(), |acc, &i| (layers[i].apply)(&acc))
}

#[derive(Default, Debug)]
struct Confusion {
    true_positive: usize,
    false_negative: usize,
    false_positive: usize,
    true_negative: usize,
}

/// Runs `pii-before-submit` over one capture per batch, one request (to its
/// own host) per case; returns the hosts with a finding.
fn found_hosts(
    cases: &[(String, String, Vec<u8>)],
    canary_set: &[outflow_model::Canary],
) -> Vec<String> {
    cases
        .par_chunks(500)
        .flat_map_iter(|batch| {
            let requests = batch
                .iter()
                .map(|(host, transport, payload)| send(transport, host, payload, host, 100))
                .collect();
            let c = capture(requests, canary_set.to_vec(), Some(10_000));
            run("pii-before-submit", &c, &[SITE])
                .into_iter()
                .flat_map(|f| f.destinations)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_encoding_and_nesting_over_every_transport_is_found_and_nothing_else() {
    let layers = layers();
    let all = chains(&layers, 3);
    let canary_set = canaries();
    let email = canary_set[0].value.clone();
    let decoy_email = "outflow.77d0e5aa41@example.com";
    // Chains of up to two layers go over every transport; three-layer
    // chains each over one transport, in turn, so that every transport
    // carries every kind of outer layer (all of them over all seven would
    // take minutes in a debug build; the transport only adds its own
    // outer encoding, which the two-layer part covers fully).
    let mut positives = Vec::new();
    let mut negatives = Vec::new();
    for (n, chain) in all.iter().enumerate() {
        let transports: Vec<&str> = if chain.len() < 3 {
            TRANSPORTS.to_vec()
        } else {
            vec![TRANSPORTS[n % TRANSPORTS.len()]]
        };
        for transport in transports {
            let label = format!("{transport} | {}", chain_name(&layers, chain));
            positives.push((
                format!("p{}.tracker.example", positives.len()),
                transport.to_string(),
                encode(&layers, chain, &email),
                label.clone(),
            ));
            negatives.push((
                format!("n{}.tracker.example", negatives.len()),
                transport.to_string(),
                encode(&layers, chain, decoy_email),
                label,
            ));
        }
    }
    let strip = |v: &[(String, String, Vec<u8>, String)]| -> Vec<(String, String, Vec<u8>)> {
        v.iter()
            .map(|(h, t, p, _)| (h.clone(), t.clone(), p.clone()))
            .collect()
    };
    let found: std::collections::HashSet<String> = found_hosts(&strip(&positives), &canary_set)
        .into_iter()
        .collect();
    let false_alarms: std::collections::HashSet<String> =
        found_hosts(&strip(&negatives), &canary_set)
            .into_iter()
            .collect();
    let mut by_depth: BTreeMap<usize, Confusion> = BTreeMap::new();
    let mut missed = Vec::new();
    let mut alarms = Vec::new();
    for ((host, _, _, label), (nhost, _, _, _)) in positives.iter().zip(&negatives) {
        let depth = label.matches(" ∘ ").count() + 1;
        let entry = by_depth.entry(depth).or_default();
        if found.contains(host) {
            entry.true_positive += 1;
        } else {
            entry.false_negative += 1;
            missed.push(label.clone());
        }
        if false_alarms.contains(nhost) {
            entry.false_positive += 1;
            alarms.push(label.clone());
        } else {
            entry.true_negative += 1;
        }
    }
    eprintln!(
        "canary matrix ({} layers, {} chains):",
        layers.len(),
        all.len()
    );
    for (depth, c) in &by_depth {
        eprintln!(
            "  {depth} layer(s): found {} / missed {} ; decoys flagged {} / quiet {}",
            c.true_positive, c.false_negative, c.false_positive, c.true_negative
        );
    }
    let mut missed_chains: Vec<&str> = missed
        .iter()
        .filter_map(|l| l.split_once(" | ").map(|(_, c)| c))
        .collect();
    missed_chains.sort();
    missed_chains.dedup();
    assert!(
        missed_chains.is_empty(),
        "{} cases missed ({} chains), e.g. {:#?}",
        missed.len(),
        missed_chains.len(),
        &missed_chains[..missed_chains.len().min(80)]
    );
    assert!(
        alarms.is_empty(),
        "{} decoys flagged, e.g. {:#?}",
        alarms.len(),
        &alarms[..alarms.len().min(40)]
    );
}

#[test]
fn every_canary_kind_and_its_case_and_truncation_variants_are_found() {
    let layers = layers();
    let one_layer = chains(&layers, 1);
    let canary_set = canaries();
    let mut cases = Vec::new();
    let mut labels = Vec::new();
    for canary in &canary_set {
        let v = canary.value.as_str();
        let chars: Vec<char> = v.chars().collect();
        let variants = [
            ("as typed", v.to_string()),
            ("upper case", v.to_uppercase()),
            ("lower case", v.to_lowercase()),
            (
                "last char missing",
                chars[..chars.len() - 1].iter().collect(),
            ),
            (
                "last 2 chars missing",
                chars[..chars.len() - 2].iter().collect(),
            ),
        ];
        for (variant, value) in variants {
            for (n, chain) in std::iter::once(&Vec::new())
                .chain(one_layer.iter())
                .enumerate()
            {
                let transport = TRANSPORTS[n % TRANSPORTS.len()];
                let host = format!("v{}.tracker.example", cases.len());
                labels.push(format!(
                    "{:?} {variant} {transport} | {}",
                    canary.kind,
                    chain_name(&layers, chain)
                ));
                cases.push((host, transport.to_string(), encode(&layers, chain, &value)));
            }
        }
    }
    let found: std::collections::HashSet<String> =
        found_hosts(&cases, &canary_set).into_iter().collect();
    let missed: Vec<&String> = cases
        .iter()
        .zip(&labels)
        .filter(|((h, _, _), _)| !found.contains(h))
        .map(|(_, l)| l)
        .collect();
    eprintln!("variants: {} cases, {} missed", cases.len(), missed.len());
    assert!(missed.is_empty(), "{} missed: {missed:#?}", missed.len());
}

fn chain_name(layers: &[Layer], chain: &[usize]) -> String {
    if chain.is_empty() {
        return "plain".to_string();
    }
    chain
        .iter()
        .rev()
        .map(|&i| layers[i].name)
        .collect::<Vec<_>>()
        .join(" ∘ ")
}
