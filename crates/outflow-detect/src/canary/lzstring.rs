//! LZ-string decompression (pieroxy's `lz-string`, used by session
//! recorders to pack their payloads), for every output form the library
//! writes, with a bound on the output: a short hostile input can claim to
//! expand to gigabytes.
//!
//! Dictionary entries are kept as spans of the output (each new entry is
//! the previous one plus one character, which always directly precedes it
//! in the output), so memory stays proportional to the output. Up to
//! [`PAST_END_SLACK`] (2) symbols past the end of the input are read as
//! zero (a trailing padding character cut off) before giving up.

/// The alphabet of `compressToBase64`.
const BASE64_KEYS: &[u8; 65] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
/// The alphabet of `compressToEncodedURIComponent`.
const URI_KEYS: &[u8; 65] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";

/// Symbols read as zero past the end of the input (a trailing padding
/// character cut off by whoever embedded the text) before giving up.
pub(super) const PAST_END_SLACK: usize = 2;

#[derive(Clone, Copy)]
enum Entry {
    Char(u16),
    Span(usize, usize),
}

/// `decompressFromBase64`.
pub(crate) fn from_base64(input: &[u8], max_units: usize) -> Option<String> {
    let values = keyed(input, BASE64_KEYS)?;
    finish(decompress(&values, 32, max_units)?)
}

/// `decompressFromEncodedURIComponent` (a space stands for `+`).
pub(crate) fn from_uri_component(input: &[u8], max_units: usize) -> Option<String> {
    let fixed: Vec<u8> = input
        .iter()
        .map(|&b| if b == b' ' { b'+' } else { b })
        .collect();
    let values = keyed(&fixed, URI_KEYS)?;
    finish(decompress(&values, 32, max_units)?)
}

/// `decompressFromUTF16`.
pub(crate) fn from_utf16(input: &str, max_units: usize) -> Option<String> {
    let values: Vec<u32> = input
        .encode_utf16()
        .map(|u| u32::from(u).checked_sub(32))
        .collect::<Option<_>>()?;
    finish(decompress(&values, 16384, max_units)?)
}

/// `decompress` of the raw UTF-16 code units `compress` returns.
pub(crate) fn from_units(units: &[u16], max_units: usize) -> Option<String> {
    let values: Vec<u32> = units.iter().map(|&u| u32::from(u)).collect();
    finish(decompress(&values, 32768, max_units)?)
}

/// `decompressFromUint8Array`: big-endian pairs of bytes.
pub(crate) fn from_uint8_array(input: &[u8], max_units: usize) -> Option<String> {
    if !input.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = input
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    from_units(&units, max_units)
}

fn keyed(input: &[u8], keys: &[u8; 65]) -> Option<Vec<u32>> {
    input
        .iter()
        .map(|b| keys.iter().position(|k| k == b).map(|p| p as u32))
        .collect()
}

fn finish(units: Vec<u16>) -> Option<String> {
    if units.is_empty() {
        return None;
    }
    String::from_utf16(&units).ok()
}

struct Bits<'a> {
    values: &'a [u32],
    reset: u32,
    value: u32,
    position: u32,
    index: usize,
}

impl Bits<'_> {
    fn read(&mut self, count: u32) -> Option<u32> {
        let mut bits = 0u32;
        for power in 0..count {
            let bit = self.value & self.position;
            self.position >>= 1;
            if self.position == 0 {
                self.position = self.reset;
                // Past the end the library reads `undefined` (zero bits); a
                // stream that needs more than a couple is corrupt.
                if self.index > self.values.len() + PAST_END_SLACK {
                    return None;
                }
                self.value = self.values.get(self.index).copied().unwrap_or(0);
                self.index += 1;
            }
            if bit != 0 {
                bits |= 1 << power;
            }
        }
        Some(bits)
    }
}

/// The core decompressor over symbol values; stops with what it has when
/// the output reaches `max_units`.
fn decompress(values: &[u32], reset: u32, max_units: usize) -> Option<Vec<u16>> {
    let first = *values.first()?;
    let mut bits = Bits {
        values,
        reset,
        value: first,
        position: reset,
        index: 1,
    };
    let mut dictionary: Vec<Entry> = vec![Entry::Char(0); 3];
    let mut enlarge_in: u64 = 4;
    let mut num_bits: u32 = 3;
    let c = match bits.read(2)? {
        0 => bits.read(8)?,
        1 => bits.read(16)?,
        _ => return None,
    } as u16;
    dictionary.push(Entry::Char(c));
    let mut out: Vec<u16> = vec![c];
    let mut w = (0usize, 1usize);
    loop {
        if num_bits > 31 {
            return None;
        }
        let mut code = bits.read(num_bits)? as usize;
        match code {
            0 | 1 => {
                let c = bits.read(if code == 0 { 8 } else { 16 })? as u16;
                dictionary.push(Entry::Char(c));
                code = dictionary.len() - 1;
                enlarge_in -= 1;
            }
            2 => return Some(out),
            _ => {}
        }
        if enlarge_in == 0 {
            enlarge_in = 1 << num_bits;
            num_bits += 1;
        }
        let start = out.len();
        match dictionary.get(code).copied() {
            Some(Entry::Char(c)) => out.push(c),
            Some(Entry::Span(s, l)) => out.extend_from_within(s..s + l),
            None if code == dictionary.len() => {
                out.extend_from_within(w.0..w.0 + w.1);
                out.push(out[w.0]);
            }
            None => return None,
        }
        let entry_len = out.len() - start;
        // w + entry[0]: w ends exactly where the entry starts.
        dictionary.push(Entry::Span(w.0, w.1 + 1));
        enlarge_in -= 1;
        w = (start, entry_len);
        if enlarge_in == 0 {
            enlarge_in = 1 << num_bits;
            num_bits += 1;
        }
        if out.len() >= max_units {
            out.truncate(max_units);
            return Some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "outflow.3fa9c01b2e@example.com {\"a\":\"ü€\"} outflow outflow outflow";

    #[test]
    fn every_form_round_trips_through_the_reference_compressor() {
        let limit = 1 << 20;
        assert_eq!(
            from_base64(lz_str::compress_to_base64(TEXT).as_bytes(), limit).as_deref(),
            Some(TEXT)
        );
        assert_eq!(
            from_uri_component(
                lz_str::compress_to_encoded_uri_component(TEXT).as_bytes(),
                limit
            )
            .as_deref(),
            Some(TEXT)
        );
        assert_eq!(
            from_utf16(&lz_str::compress_to_utf16(TEXT), limit).as_deref(),
            Some(TEXT)
        );
        assert_eq!(
            from_uint8_array(&lz_str::compress_to_uint8_array(TEXT), limit).as_deref(),
            Some(TEXT)
        );
        assert_eq!(
            from_units(&lz_str::compress(TEXT), limit).as_deref(),
            Some(TEXT)
        );
    }

    #[test]
    fn output_stops_at_the_limit_and_garbage_does_not_panic() {
        let long = "ab".repeat(10_000);
        let packed = lz_str::compress_to_base64(long.as_str());
        assert_eq!(
            from_base64(packed.as_bytes(), 100).map(|t| t.len()),
            Some(100)
        );
        for garbage in [&b"////////"[..], b"AAAA", b"zzzzzzzzzzzzzzzzzzzzzzzz", b"="] {
            let _ = from_base64(garbage, 1000);
        }
    }
}
