//! The hashes that name and check a bundle's files.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The raw bytes of a request body (base64 decoded when it was binary), as
/// kept in `bodies/<sha256>.bin`.
pub fn body_bytes(body: &outflow_model::Body) -> Vec<u8> {
    if body.base64 {
        base64::engine::general_purpose::STANDARD
            .decode(body.text.as_bytes())
            .unwrap_or_else(|_| body.text.as_bytes().to_vec())
    } else {
        body.text.as_bytes().to_vec()
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
