//! `serve` under hostile or broken clients, with the real binary: the secret is checked
//! before the body is read, slow headers and slow bodies time out, and running out of
//! file descriptors does not stop the server.

mod support;
use support::root;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "hardening-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with a 1-second read timeout; `max_files` lowers its descriptor limit.
fn serve(name: &str, max_files: Option<u32>) -> Server {
    serve_with(
        name,
        max_files,
        &[("BOOXI_SERVE_READ_TIMEOUT_SECONDS", "1")],
    )
}

/// Starts `serve` with `env` set; `max_files` lowers its descriptor limit.
fn serve_with(name: &str, max_files: Option<u32>, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let out = std::env::temp_dir().join(format!("booxi-hardening-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let binary = env!("CARGO_BIN_EXE_booxi-notify");
    let args = format!("serve --port {port} --out '{}'", out.display());
    let script = match max_files {
        Some(n) => format!("ulimit -n {n} && exec '{binary}' {args}"),
        None => format!("exec '{binary}' {args}"),
    };
    let child = Command::new("sh")
        .args(["-c", &script])
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", SECRET)
        .envs(env.iter().copied())
        .env_remove("BOOXI_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve");
    Server { child, port, out }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Everything the server sends until it closes the connection (or 5 s pass).
fn read_all(stream: &mut TcpStream) -> String {
    let mut buffer = Vec::new();
    let _ = stream.read_to_end(&mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

fn post(port: u16, secret: &str, body: &[u8]) -> String {
    let mut stream = connect(port);
    write!(
        stream,
        "POST /booxi HTTP/1.1\r\nHost: x\r\nX-Booxi-Secret: {secret}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    read_all(&mut stream)
}

#[test]
fn a_wrong_secret_is_refused_before_the_body_is_read() {
    let server = serve("secret-first", None);
    let mut stream = connect(server.port);
    // Announces 10 MB and sends none of it: only the headers can be judged.
    write!(
        stream,
        "POST /booxi HTTP/1.1\r\nHost: x\r\nX-Booxi-Secret: wrong\r\nContent-Length: 10000000\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let response = read_all(&mut stream);
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "{response:?} after {:?}",
        started.elapsed()
    );
    assert!(
        response.ends_with("{\"error\":\"unauthorized\"}"),
        "{response}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(!server.out.exists(), "nothing sent");
}

#[test]
fn slow_headers_and_slow_bodies_time_out() {
    let server = serve("timeouts", None);
    // Headers never finished: the connection is closed after the read timeout.
    let mut stream = connect(server.port);
    write!(stream, "POST /booxi HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let response = read_all(&mut stream);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(4),
        "held for {waited:?}: {response:?}"
    );
    assert!(!response.contains("200 OK"), "{response}");

    // The right secret, then half a body: 408 after the read timeout.
    let mut stream = connect(server.port);
    write!(
        stream,
        "POST /booxi HTTP/1.1\r\nHost: x\r\nX-Booxi-Secret: {SECRET}\r\nContent-Length: 100\r\n\r\n{{\"eventId\":"
    )
    .unwrap();
    let started = Instant::now();
    let response = read_all(&mut stream);
    assert!(response.starts_with("HTTP/1.1 408"), "{response:?}");
    assert!(
        response.ends_with("{\"error\":\"body not received within 1 s\"}"),
        "{response}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    // The server still answers complete requests.
    let event = std::fs::read(root().join("events/changed-date.json")).unwrap();
    let response = post(server.port, SECRET, &event);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn running_out_of_file_descriptors_does_not_stop_the_server() {
    let mut server = serve("emfile", Some(48));
    // More idle connections than the server has descriptors: accept() fails with
    // EMFILE ("Too many open files") while they are held.
    let held: Vec<TcpStream> = (0..80).map(|_| connect(server.port)).collect();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "serve exited on accept errors"
    );
    drop(held);
    // Once descriptors are free again (the idle ones also time out), requests go through.
    let event = std::fs::read(root().join("events/changed-date.json")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = post(server.port, SECRET, &event);
        if response.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no answer after EMFILE: {response:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server.child.try_wait().unwrap().is_none());
}

/// One keep-alive request on a fresh connection (`GET /booxi` with the secret: 405,
/// the connection kept open), its whole answer read; the connection is returned open.
fn kept_alive(port: u16) -> TcpStream {
    let mut stream = connect(port);
    write!(
        stream,
        "GET /booxi HTTP/1.1\r\nHost: x\r\nX-Booxi-Secret: {SECRET}\r\n\r\n"
    )
    .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                assert!(head.starts_with("HTTP/1.1 405"), "{text}");
                return stream;
            }
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before answering: {text}");
        seen.extend_from_slice(&buf[..n]);
    }
}

/// Idle keep-alive connections close after a short time of their own, and while as many
/// as `serve` admits at once (256) are open, a new request is answered at once: the
/// idle ones are closed to make room, not waited for (the read timeout here is the
/// default 10 s, which used to be how long they held it).
#[test]
fn idle_keep_alive_connections_neither_linger_nor_block_new_requests() {
    let server = serve_with("idle", None, &[("BOOXI_SERVE_IDLE_TIMEOUT_SECONDS", "1")]);
    let mut idle = kept_alive(server.port);
    let started = Instant::now();
    let rest = read_all(&mut idle);
    assert!(rest.is_empty(), "{rest:?}");
    let closed_after = started.elapsed();
    assert!(
        closed_after < Duration::from_secs(3),
        "an idle connection held for {closed_after:?}"
    );
    drop(server);

    // The default idle timeout (5 s) and read timeout (10 s): only the shedding helps.
    let server = serve_with("crowd", None, &[]);
    let crowd: Vec<TcpStream> = (0..256).map(|_| kept_alive(server.port)).collect();
    let event = std::fs::read(root().join("events/changed-date.json")).unwrap();
    let started = Instant::now();
    let response = post(server.port, SECRET, &event);
    let waited = started.elapsed();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        waited < Duration::from_secs(2),
        "a new request waited {waited:?} behind 256 idle connections"
    );
    drop(crowd);
}
