//! The server side of a WebSocket (RFC 6455), as much as fixture pages use:
//! the handshake, reading client frames, sending short text frames.

use std::io::{Read, Write};

use base64::Engine as _;
use sha1::{Digest, Sha1};

use crate::server::Connection;

/// Largest frame payload read; a longer frame ends the conversation.
const MAX_PAYLOAD: u64 = 1 << 20;

/// Close.
pub const CLOSE: u8 = 8;
/// Text.
pub const TEXT: u8 = 1;

/// One frame from the page, unmasked.
pub struct Frame {
    /// The frame's opcode ([`TEXT`], [`CLOSE`], ...).
    pub opcode: u8,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// Accepts the upgrade whose `Sec-WebSocket-Key` is `key`; false when the
/// page is gone.
pub fn accept(connection: &mut Connection, key: &str) -> bool {
    let accept = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(
        format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
    ));
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    connection.write_all(head.as_bytes()).is_ok()
}

/// The next frame; `None` when the connection closed, broke off, or sent a
/// frame longer than 1 MiB.
pub fn read_frame(connection: &mut Connection) -> Option<Frame> {
    let mut first = [0u8; 2];
    connection.read_exact(&mut first).ok()?;
    let opcode = first[0] & 0x0f;
    let mut length = u64::from(first[1] & 0x7f);
    if length == 126 {
        let mut ext = [0u8; 2];
        connection.read_exact(&mut ext).ok()?;
        length = u64::from(u16::from_be_bytes(ext));
    } else if length == 127 {
        let mut ext = [0u8; 8];
        connection.read_exact(&mut ext).ok()?;
        length = u64::from_be_bytes(ext);
    }
    if length > MAX_PAYLOAD {
        return None;
    }
    let mut mask = [0u8; 4];
    if first[1] & 0x80 != 0 {
        connection.read_exact(&mut mask).ok()?;
    }
    let mut payload = vec![0u8; length as usize];
    connection.read_exact(&mut payload).ok()?;
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
    Some(Frame { opcode, payload })
}

/// Sends `text` in one unmasked text frame; false when the page is gone.
/// Texts over 125 bytes are not sent (they would need a longer length
/// field, which no fixture needs).
pub fn send_text(connection: &mut Connection, text: &[u8]) -> bool {
    let Ok(length) = u8::try_from(text.len()) else {
        return true;
    };
    if length > 125 {
        return true;
    }
    let mut frame = vec![0x80 | TEXT, length];
    frame.extend_from_slice(text);
    connection.write_all(&frame).is_ok()
}
