//! Real parts for end-to-end tests: moto in server mode, a Lambda Runtime API that runs
//! the compiled `webhook` binary, and a stand-in SNS endpoint that always throttles.
#![allow(dead_code)]

pub mod runtime;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `moto_server`: `$BOOXI_MOTO_SERVER`, else the venv that `scripts/tools.sh` makes,
/// else `moto_server` on PATH.
fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BOOXI_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("BOOXI_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/booxi-notify")
        });
    let venv = cache.join("venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

/// A moto server of our own, stopped when dropped.
pub struct Moto {
    pub port: u16,
    child: Child,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto_server ({e}): run scripts/tools.sh, or set BOOXI_MOTO_SERVER"
                )
            });
        let moto = Moto { port, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(port, "/moto-api/data.json").is_none() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto's record of everything: `ses.Message`, `sns.SMS`, …
    pub fn data(&self) -> Value {
        let text = http_get(self.port, "/moto-api/data.json").expect("moto answers");
        serde_json::from_str(&text).expect("moto data is JSON")
    }

    /// Emails sent, as (destination, subject, body).
    pub fn emails(&self) -> Vec<(String, String, String)> {
        let data = self.data();
        let mut out = Vec::new();
        for m in data["ses"]["Message"].as_array().into_iter().flatten() {
            let to = m["destinations"]["ToAddresses"][0]
                .as_str()
                .or_else(|| m["destinations"][0].as_str())
                .unwrap_or_default()
                .to_owned();
            out.push((
                to,
                m["subject"].as_str().unwrap_or_default().to_owned(),
                m["body"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        for m in data["ses"]["RawMessage"].as_array().into_iter().flatten() {
            let raw = m["raw_data"].as_str().unwrap_or_default().to_owned();
            let to = m["destinations"][0].as_str().unwrap_or_default().to_owned();
            out.push((to, header(&raw, "Subject"), raw));
        }
        out
    }

    /// SMS sent, as (phone number, text).
    pub fn sms(&self) -> Vec<(String, String)> {
        self.data()["sns"]["SMS"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["phone_number"]
                        .as_str()
                        .or_else(|| m[0].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    m["message"]
                        .as_str()
                        .or_else(|| m[1].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A header of a raw MIME message (first occurrence, unfolded; encoded words left as is).
pub fn header(raw: &str, name: &str) -> String {
    let mut lines = raw.split("\r\n").flat_map(|l| l.split('\n'));
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut value = String::new();
    while let Some(line) = lines.next() {
        if line.to_ascii_lowercase().starts_with(&prefix) {
            value.push_str(line[prefix.len()..].trim());
            for next in lines.by_ref() {
                if next.starts_with(' ') || next.starts_with('\t') {
                    value.push(' ');
                    value.push_str(next.trim());
                } else {
                    break;
                }
            }
            break;
        }
    }
    value
}

/// A plain HTTP/1.0 GET on loopback; `None` when nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.").then(|| body.to_owned())
}

/// An SNS endpoint that answers every call with `Throttled`, counting the calls.
pub struct ThrottlingSns {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
}

impl ThrottlingSns {
    pub fn start() -> ThrottlingSns {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let _ = runtime::serve_connection(stream, |_request| {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let body = "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message></Error><RequestId>throttle</RequestId></ErrorResponse>";
                        (
                            400,
                            vec![("Content-Type".into(), "text/xml".into())],
                            body.as_bytes().to_vec(),
                        )
                    });
                });
            }
        });
        ThrottlingSns { port, calls }
    }
}

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

pub fn read_event(name: &str) -> Value {
    let path = events_dir().join(name);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// Output of a child process, collected while it runs.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

pub fn capture(mut from: impl Read + Send + 'static, into: Captured) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.0.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
}

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}
