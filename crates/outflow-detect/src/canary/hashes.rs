//! The hash functions a page may apply to typed data before sending it: the
//! ones the Leaky Forms study searched (its LeakDetector's list) and the
//! MurmurHash3 variants fingerprinting and analytics libraries use.

use sha2::Digest as _;

/// The salt LeakDetector appends before its "salted SHA-256"
/// (`sha_salted_1`), kept so that outflow finds what it finds.
const LEAKY_FORMS_SALT: &[u8] = b"QX4QkKEU";

/// One hash function, with the text form a script would feed to the next
/// layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum HashFn {
    Md2,
    Md4,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Ripemd160,
    Whirlpool,
    /// SHA-256 of the value followed by LeakDetector's salt.
    Sha256Salted,
    /// MurmurHash3 x86 32-bit, seed 0, as hex.
    Murmur3_32,
    /// The same 32-bit hash as a signed decimal (Python's `mmh3.hash`).
    Murmur3_32Decimal,
    /// MurmurHash3 x64 128-bit, seed 0, as hex of h1 then h2
    /// (FingerprintJS's `x64hash128`).
    Murmur3_128,
    /// The same 128-bit hash written as one unsigned decimal integer
    /// (`h2 << 64 | h1`, Python's `mmh3.hash128`).
    Murmur3_128Decimal,
    /// The first 64-bit half as a signed decimal (`mmh3.hash64(x)[0]`).
    Murmur3_64First,
    /// The second 64-bit half as a signed decimal (`mmh3.hash64(x)[1]`).
    Murmur3_64Second,
}

/// Every hash function, in the order chains are built.
pub(crate) const ALL: [HashFn; 21] = [
    HashFn::Md5,
    HashFn::Sha1,
    HashFn::Sha256,
    HashFn::Sha512,
    HashFn::Sha224,
    HashFn::Sha384,
    HashFn::Sha3_256,
    HashFn::Sha3_224,
    HashFn::Sha3_384,
    HashFn::Sha3_512,
    HashFn::Ripemd160,
    HashFn::Whirlpool,
    HashFn::Md2,
    HashFn::Md4,
    HashFn::Sha256Salted,
    HashFn::Murmur3_32,
    HashFn::Murmur3_32Decimal,
    HashFn::Murmur3_128,
    HashFn::Murmur3_128Decimal,
    HashFn::Murmur3_64First,
    HashFn::Murmur3_64Second,
];

/// A hash of one input.
pub(crate) struct Digest {
    /// The raw digest bytes (for MurmurHash3, big-endian words).
    pub bytes: Vec<u8>,
    /// The text a script passes on to the next layer.
    pub text: String,
    /// Decimal spellings of short (MurmurHash3) digests, as they appear
    /// in a request.
    pub decimals: Vec<String>,
}

impl HashFn {
    /// The name shown in a finding's encoding chain.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HashFn::Md2 => "md2",
            HashFn::Md4 => "md4",
            HashFn::Md5 => "md5",
            HashFn::Sha1 => "sha1",
            HashFn::Sha224 => "sha224",
            HashFn::Sha256 => "sha256",
            HashFn::Sha384 => "sha384",
            HashFn::Sha512 => "sha512",
            HashFn::Sha3_224 => "sha3-224",
            HashFn::Sha3_256 => "sha3-256",
            HashFn::Sha3_384 => "sha3-384",
            HashFn::Sha3_512 => "sha3-512",
            HashFn::Ripemd160 => "ripemd160",
            HashFn::Whirlpool => "whirlpool",
            HashFn::Sha256Salted => "sha256-salted",
            HashFn::Murmur3_32 => "murmur3-32",
            HashFn::Murmur3_32Decimal => "murmur3-32-decimal",
            HashFn::Murmur3_128 => "murmur3-128",
            HashFn::Murmur3_128Decimal => "murmur3-128-decimal",
            HashFn::Murmur3_64First => "murmur3-64-first",
            HashFn::Murmur3_64Second => "murmur3-64-second",
        }
    }

    /// Hashes `input`.
    pub(crate) fn digest(self, input: &[u8]) -> Digest {
        let bytes: Vec<u8> = match self {
            HashFn::Md2 => md2::Md2::digest(input).to_vec(),
            HashFn::Md4 => md4::Md4::digest(input).to_vec(),
            HashFn::Md5 => md5::Md5::digest(input).to_vec(),
            HashFn::Sha1 => sha1::Sha1::digest(input).to_vec(),
            HashFn::Sha224 => sha2::Sha224::digest(input).to_vec(),
            HashFn::Sha256 => sha2::Sha256::digest(input).to_vec(),
            HashFn::Sha384 => sha2::Sha384::digest(input).to_vec(),
            HashFn::Sha512 => sha2::Sha512::digest(input).to_vec(),
            HashFn::Sha3_224 => sha3::Sha3_224::digest(input).to_vec(),
            HashFn::Sha3_256 => sha3::Sha3_256::digest(input).to_vec(),
            HashFn::Sha3_384 => sha3::Sha3_384::digest(input).to_vec(),
            HashFn::Sha3_512 => sha3::Sha3_512::digest(input).to_vec(),
            HashFn::Ripemd160 => ripemd::Ripemd160::digest(input).to_vec(),
            HashFn::Whirlpool => whirlpool::Whirlpool::digest(input).to_vec(),
            HashFn::Sha256Salted => {
                let mut hasher = sha2::Sha256::new();
                hasher.update(input);
                hasher.update(LEAKY_FORMS_SALT);
                hasher.finalize().to_vec()
            }
            HashFn::Murmur3_32 | HashFn::Murmur3_32Decimal => {
                let h = murmur32(input);
                return Digest {
                    bytes: h.to_be_bytes().to_vec(),
                    text: if self == HashFn::Murmur3_32 {
                        format!("{h:08x}")
                    } else {
                        (h as i32).to_string()
                    },
                    decimals: vec![h.to_string(), (h as i32).to_string()],
                };
            }
            HashFn::Murmur3_128
            | HashFn::Murmur3_128Decimal
            | HashFn::Murmur3_64First
            | HashFn::Murmur3_64Second => {
                let both = murmur128(input);
                let h1 = both as u64;
                let h2 = (both >> 64) as u64;
                return match self {
                    HashFn::Murmur3_64First | HashFn::Murmur3_64Second => {
                        let h = if self == HashFn::Murmur3_64First {
                            h1
                        } else {
                            h2
                        };
                        Digest {
                            bytes: h.to_be_bytes().to_vec(),
                            text: (h as i64).to_string(),
                            decimals: vec![(h as i64).to_string(), h.to_string()],
                        }
                    }
                    _ => {
                        let mut bytes = h1.to_be_bytes().to_vec();
                        bytes.extend_from_slice(&h2.to_be_bytes());
                        Digest {
                            text: if self == HashFn::Murmur3_128 {
                                format!("{h1:016x}{h2:016x}")
                            } else {
                                both.to_string()
                            },
                            bytes,
                            decimals: vec![both.to_string()],
                        }
                    }
                };
            }
        };
        Digest {
            text: to_hex(&bytes),
            bytes,
            decimals: Vec::new(),
        }
    }
}

fn murmur32(input: &[u8]) -> u32 {
    // Reading from a slice cannot fail.
    murmur3::murmur3_32(&mut &input[..], 0).unwrap_or_default()
}

fn murmur128(input: &[u8]) -> u128 {
    murmur3::murmur3_x64_128(&mut &input[..], 0).unwrap_or_default()
}

/// Lower-case hex of bytes.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            HashFn::Md5.digest(b"abc").text,
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            HashFn::Sha3_256.digest(b"abc").text,
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
        assert_eq!(
            HashFn::Ripemd160.digest(b"abc").text,
            "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
        );
        // Python: mmh3.hash("foo") == -156908512
        assert!(
            HashFn::Murmur3_32
                .digest(b"foo")
                .decimals
                .contains(&"-156908512".to_string())
        );
    }
}
