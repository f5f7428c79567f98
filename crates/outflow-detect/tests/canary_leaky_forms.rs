//! outflow finds at least everything the Leaky Forms detector finds.
//!
//! Leaky Forms (Senol et al., USENIX Security 2022) used LeakDetector
//! (after Englehardt et al., PETS 2018): it precomputes, for each search
//! string in its own, lower and upper case, every chain of up to three
//! hashes from its list, and every chain of up to three encodings; it then
//! decodes request tokens up to three layers and looks them up. Its hashes
//! (research NOTES: "19 hashes"): MD2, MD4, MD5, SHA-1, SHA-224, SHA-256,
//! SHA-384, SHA-512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, RIPEMD-160,
//! Whirlpool, salted SHA-256 (`sha_salted_1`: SHA-256 of the value followed
//! by `QX4QkKEU`), MurmurHash3 64-bit first and second halves and 128-bit
//! (as Python's `mmh3` writes them: signed and unsigned decimals) and
//! MurmurHash3 32-bit (`mmh3_32`, signed decimal). Its encodings: base16,
//! base32, base58, base64, URL (`quote_plus`), HTML entities
//! (`html.escape`), deflate, zlib, gzip, LZ-string (URI component) and its
//! `custom_map_1` letter substitution.
//!
//! This test makes each of those forms here, independently of the
//! detector, and requires the detector to find every one:
//! - every hash chain of one to three layers (19 × 18 × 18 and below; the
//!   32-bit MurmurHash only of the value itself);
//! - every encoding chain of one to three layers (compressed bytes only
//!   under a text encoding, as Leaky Forms needs too);
//! - every encoding chain of one or two layers over every single hash, and
//!   every single encoding over every two-hash chain.
//!
//! And it checks that the same forms of another address are not found.

use std::io::Write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use outflow_detect::canary::CanaryIndex;
use outflow_model::{Canary, CanaryKind};
use rayon::prelude::*;
use sha2::Digest;

const EMAIL: &str = "outflow.3fa9c01b2e@example.com";
const OTHER: &str = "outflow.77d0e5aa41@example.com";

type Hash = (&'static str, fn(&[u8]) -> String);

fn murmur128(b: &[u8]) -> u128 {
    murmur3::murmur3_x64_128(&mut &b[..], 0).unwrap()
}

fn hashes() -> Vec<Hash> {
    vec![
        ("md2", |b| hex::encode(md2::Md2::digest(b))),
        ("md4", |b| hex::encode(md4::Md4::digest(b))),
        ("md5", |b| hex::encode(md5::Md5::digest(b))),
        ("sha1", |b| hex::encode(sha1::Sha1::digest(b))),
        ("sha256", |b| hex::encode(sha2::Sha256::digest(b))),
        ("sha224", |b| hex::encode(sha2::Sha224::digest(b))),
        ("sha384", |b| hex::encode(sha2::Sha384::digest(b))),
        ("sha512", |b| hex::encode(sha2::Sha512::digest(b))),
        ("sha3_224", |b| hex::encode(sha3::Sha3_224::digest(b))),
        ("sha3_256", |b| hex::encode(sha3::Sha3_256::digest(b))),
        ("sha3_384", |b| hex::encode(sha3::Sha3_384::digest(b))),
        ("sha3_512", |b| hex::encode(sha3::Sha3_512::digest(b))),
        ("mmh3_64_1", |b| (murmur128(b) as u64 as i64).to_string()),
        ("mmh3_64_2", |b| {
            ((murmur128(b) >> 64) as u64 as i64).to_string()
        }),
        ("mmh3_128", |b| murmur128(b).to_string()),
        ("ripemd160", |b| hex::encode(ripemd::Ripemd160::digest(b))),
        ("whirlpool", |b| {
            hex::encode(whirlpool::Whirlpool::digest(b))
        }),
        ("sha_salted_1", |b| {
            let mut h = sha2::Sha256::new();
            h.update(b);
            h.update(b"QX4QkKEU");
            hex::encode(h.finalize())
        }),
        ("mmh3_32", |b| {
            (murmur3::murmur3_32(&mut &b[..], 0).unwrap() as i32).to_string()
        }),
    ]
}

type Encoding = (&'static str, bool, fn(&[u8]) -> Vec<u8>);

fn python_quote_plus(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &c in b {
        if c.is_ascii_alphanumeric() || b"_.-~".contains(&c) {
            out.push(c);
        } else if c == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out
}

fn python_html_escape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &c in b {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

fn b32(b: &[u8]) -> Vec<u8> {
    // RFC 4648, padded, written bit by bit.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits: Vec<u8> = b
        .iter()
        .flat_map(|&x| (0..8).rev().map(move |i| (x >> i) & 1))
        .collect();
    let mut out: Vec<u8> = bits
        .chunks(5)
        .map(|c| {
            let v = c
                .iter()
                .chain(std::iter::repeat(&0))
                .take(5)
                .fold(0usize, |a, &x| a << 1 | x as usize);
            A[v]
        })
        .collect();
    while !out.len().is_multiple_of(8) {
        out.push(b'=');
    }
    out
}

fn b58(b: &[u8]) -> Vec<u8> {
    // Repeated division of a big-endian number.
    const A: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut num = b.to_vec();
    let mut out = Vec::new();
    while num.iter().any(|&x| x != 0) {
        let mut rem = 0u32;
        for x in num.iter_mut() {
            let cur = rem * 256 + u32::from(*x);
            *x = (cur / 58) as u8;
            rem = cur % 58;
        }
        out.push(A[rem as usize]);
    }
    out.extend(b.iter().take_while(|&&x| x == 0).map(|_| b'1'));
    out.reverse();
    out
}

fn custom_map_1(b: &[u8]) -> Vec<u8> {
    const FROM: &[u8] = b"kibp8A4EWRMKHa7gvyz1dOPt6UI5xYD3nqhVwZBXfCcFeJmrLN20lS9QGsjTuo";
    const TO: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    b.iter()
        .map(|c| FROM.iter().position(|f| f == c).map_or(*c, |i| TO[i]))
        .collect()
}

fn compress(kind: u8, b: &[u8]) -> Vec<u8> {
    let level = flate2::Compression::new(6);
    match kind {
        0 => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
        1 => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
        _ => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
    }
}

/// Name, whether the output is bytes, the encoder.
fn encodings() -> Vec<Encoding> {
    vec![
        ("base16", false, |b| hex::encode_upper(b).into_bytes()),
        ("base32", false, b32),
        ("base58", false, b58),
        ("base64", false, |b| STANDARD.encode(b).into_bytes()),
        ("urlencode", false, python_quote_plus),
        ("entity", false, python_html_escape),
        ("deflate", true, |b| compress(0, b)),
        ("zlib", true, |b| compress(1, b)),
        ("gzip", true, |b| compress(2, b)),
        ("lzstring", false, |b| {
            lz_str::compress_to_encoded_uri_component(std::str::from_utf8(b).unwrap()).into_bytes()
        }),
        ("custom_map_1", false, custom_map_1),
    ]
}

/// Whether an encoding may be applied to this input (bytes only under
/// base16/32/58/64 or URL encoding; text encodings need text).
fn fits(input_is_bytes: bool, name: &str) -> bool {
    !input_is_bytes
        || matches!(
            name,
            "base16" | "base32" | "base58" | "base64" | "urlencode"
        )
}

/// Every encoding chain of one to `max` layers over `start`, with names.
fn encoding_chains(start: Vec<u8>, max: usize, encodings: &[Encoding]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut frontier = vec![(String::new(), start, false)];
    for _ in 0..max {
        let mut next = Vec::new();
        for (name, bytes, is_bytes) in &frontier {
            for (enc, binary, f) in encodings {
                if !fits(*is_bytes, enc) {
                    continue;
                }
                let encoded = f(bytes);
                let label = format!("{enc}({name})");
                next.push((label, encoded, *binary));
            }
        }
        out.extend(
            next.iter()
                .filter(|(_, _, b)| !b)
                .map(|(n, v, _)| (n.clone(), v.clone())),
        );
        frontier = next;
    }
    out
}

fn cases(value: &str) -> Vec<(String, Vec<u8>)> {
    let hashes = hashes();
    let encodings = encodings();
    let mut out = Vec::new();
    for seed in [
        value.to_string(),
        value.to_lowercase(),
        value.to_uppercase(),
    ] {
        // Hash chains, one to three layers.
        let mut frontier = vec![(seed.clone(), seed.clone(), true)];
        for _ in 0..3 {
            let mut next = Vec::new();
            for (name, text, is_seed) in &frontier {
                for (h, f) in &hashes {
                    if *h == "mmh3_32" && !is_seed {
                        continue;
                    }
                    let label = format!("{h}({name})");
                    let hashed = f(text.as_bytes());
                    out.push((label.clone(), hashed.clone().into_bytes()));
                    next.push((label, hashed, false));
                }
            }
            frontier = next;
        }
    }
    // Encoding chains of the value, one to three layers.
    out.extend(encoding_chains(value.as_bytes().to_vec(), 3, &encodings));
    for (h, f) in &hashes {
        let once = f(value.as_bytes());
        for (name, bytes) in encoding_chains(once.clone().into_bytes(), 2, &encodings) {
            out.push((name.replace("()", &format!("({h})")), bytes));
        }
        for (h2, f2) in &hashes {
            if *h2 == "mmh3_32" {
                continue;
            }
            let twice = f2(once.as_bytes());
            for (name, bytes) in encoding_chains(twice.into_bytes(), 1, &encodings) {
                out.push((name.replace("()", &format!("({h2}({h}))")), bytes));
            }
        }
    }
    out
}

fn index() -> CanaryIndex {
    CanaryIndex::new(&[Canary {
        kind: CanaryKind::Email,
        value: EMAIL.to_string(),
        field: "input[type=email]".to_string(),
        frame_url: "https://login.site.example/".to_string(),
        typed_at_ms: 0,
    }])
}

#[test]
fn everything_leaky_forms_finds_is_found() {
    let index = index();
    let all = cases(EMAIL);
    let missed: Vec<&String> = all
        .par_iter()
        .filter(|(_, bytes)| {
            // As a token in a POST body, the way Leaky Forms saw them.
            let mut body = b"a=1&leak=".to_vec();
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"&z=2");
            index.search(&body).is_empty()
        })
        .map(|(name, _)| name)
        .collect();
    eprintln!(
        "Leaky Forms forms: {} cases, {} missed",
        all.len(),
        missed.len()
    );
    assert!(
        missed.is_empty(),
        "{} missed: {:#?}",
        missed.len(),
        &missed[..missed.len().min(60)]
    );
}

#[test]
fn the_same_forms_of_another_address_are_not_found() {
    let index = index();
    let all = cases(OTHER);
    let flagged: Vec<&String> = all
        .par_iter()
        .filter(|(_, bytes)| !index.search(bytes).is_empty())
        .map(|(name, _)| name)
        .collect();
    assert!(flagged.is_empty(), "{flagged:#?}");
}
