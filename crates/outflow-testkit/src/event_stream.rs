//! Server-sent events: the answer to an `EventSource`.

use std::io::{Read, Write};

use crate::server::Connection;

/// Answers with an event stream carrying `events` (already in the
/// `text/event-stream` format), then keeps the stream open until the page
/// closes it or the connection's read times out.
pub fn serve(connection: &mut Connection, events: &str) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";
    if connection.write_all(head.as_bytes()).is_err()
        || connection.write_all(events.as_bytes()).is_err()
        || connection.flush().is_err()
    {
        return;
    }
    let mut rest = Vec::new();
    let _ = connection.read_to_end(&mut rest);
}
