//! The fixture site of the capture tests, served by the test kit's server.
//!
//! Files come from `fixtures/sites/<host>/<path>`, the host being the
//! request's `Host` header without the port: with `--map-host`, a page can
//! load `http://cdn.tracker.test/t.js` from `fixtures/sites/cdn.tracker.test/t.js`.
//! Paths `/generate/N` answer with a tiny GIF (for many-request pages);
//! `/slow` never answers; `/loop` redirects to itself; `/events` is a
//! server-sent event stream; WebSockets echo. The server's request log is
//! what really reached it, for tests to check the capture against.

// examples/bench_scan.rs includes this module too, and serves no TLS.
#![allow(dead_code)]

use outflow_testkit::server::{Connection, FixtureServer, Reply, Request, response, static_file};
use outflow_testkit::{event_stream, fixture_dir, websocket};

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// Three events (a plain message with an id, a named `price` event, and
/// `done`), for the server-sent events test.
const EVENTS: &str =
    "id: 1\ndata: hello-stream\n\nevent: price\ndata: {\"v\":42}\n\nevent: done\ndata: bye\n\n";

/// Serves the fixture site on an ephemeral port.
pub fn start() -> FixtureServer {
    FixtureServer::start(answer)
}

/// Like [`start`], over HTTPS with a self-signed certificate for `hosts`
/// (which no browser trusts).
pub fn start_tls(hosts: &[&str]) -> FixtureServer {
    FixtureServer::builder().tls(hosts).start(answer)
}

fn answer(request: &Request, connection: &mut Connection) -> Reply {
    if request.header("upgrade").eq_ignore_ascii_case("websocket") {
        if websocket::accept(connection, &request.header("sec-websocket-key")) {
            echo(connection);
        }
        return Reply::Done;
    }
    if request.method == "OPTIONS" {
        // A CORS preflight: allow everything.
        return Reply::Send(response(
            "204 No Content",
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "POST, GET"),
                ("Access-Control-Allow-Headers", "content-type"),
            ],
            b"",
        ));
    }
    let path = request.path();
    if path == "/events" {
        event_stream::serve(connection, EVENTS);
        return Reply::Done;
    }
    if path == "/slow" {
        while !connection.stopped() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        return Reply::Done;
    }
    Reply::Send(respond(&request.host(), path))
}

/// Answers each text message with `echo:` + the message, until the page
/// closes the socket.
fn echo(connection: &mut Connection) {
    while let Some(frame) = websocket::read_frame(connection) {
        if frame.opcode == websocket::CLOSE {
            return;
        }
        if frame.opcode != websocket::TEXT {
            continue;
        }
        let reply = [b"echo:".as_slice(), &frame.payload].concat();
        if !websocket::send_text(connection, &reply) {
            return;
        }
    }
}

fn respond(host: &str, path: &str) -> Vec<u8> {
    const NO_STORE: (&str, &str) = ("Cache-Control", "no-store");
    if path == "/loop" {
        return response(
            "302 Found",
            &[
                ("Content-Type", "text/plain"),
                NO_STORE,
                ("Location", "/loop"),
            ],
            b"",
        );
    }
    if path.starts_with("/generate/") || path.ends_with(".gif") || path.starts_with("/pixel") {
        return response("200 OK", &[("Content-Type", "image/gif"), NO_STORE], GIF);
    }
    if path.starts_with("/collect") || path.starts_with("/api/") {
        return response(
            "204 No Content",
            &[("Content-Type", "text/plain"), NO_STORE],
            b"",
        );
    }
    let Some(file) = static_file(&fixture_dir("sites"), host, path) else {
        return response(
            "404 Not Found",
            &[("Content-Type", "text/plain"), NO_STORE],
            b"not found",
        );
    };
    let mut headers = vec![("Content-Type", file.content_type), NO_STORE];
    if file.content_type.starts_with("text/html") && host == "login.site.test" {
        headers.extend([
            (
                "Content-Security-Policy",
                "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("Set-Cookie", "session=fixture123; Path=/; HttpOnly"),
        ]);
    }
    response("200 OK", &headers, &file.bytes)
}
