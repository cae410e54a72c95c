//! Real parts for the tests and the benchmarks, on loopback only: moto in server mode
//! ([`moto`]), a Lambda Runtime API that runs the compiled function ([`lambda`]), an HTTP
//! client and server on hyper ([`http`]), and proxies in front of AWS ([`proxy`]):
//! one that delays, one that serialises calls, one that throttles; a stub of AWS End
//! User Messaging Social, which moto lacks ([`whatsapp`]); Booxi bodies built for a test
//! ([`bodies`]); and JSON Schema validation of published details ([`schema`]). Used by
//! `functions/webhook/tests`, `cli/tests`, `shared/tests` and `bench/`.
//!
//! The API is blocking (tests and the bench suite are plain threads); the servers run
//! on one background tokio runtime shared by the process.

pub mod bodies;
pub mod bus;
pub mod events;
pub mod http;
pub mod lambda;
pub mod moto;
pub mod proxy;
pub mod schema;
pub mod sqs;
pub mod whatsapp;

use std::future::Future;
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};

/// The background runtime the servers and the client run on.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("testkit")
            .enable_all()
            .build()
            .expect("start the testkit runtime")
    })
}

/// Runs `future` on the background runtime and waits for it, from any thread (also from
/// inside another runtime: it does not nest `block_on`).
pub fn block<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    runtime().spawn(async move {
        let _ = tx.send(future.await);
    });
    rx.recv().expect("the testkit runtime is running")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// What a child process writes, collected while it runs; at most the last `limit` bytes.
#[derive(Clone)]
pub struct Captured {
    kept: Arc<Mutex<Vec<u8>>>,
    limit: usize,
}

impl Default for Captured {
    fn default() -> Self {
        Self::with_limit(usize::MAX)
    }
}

impl Captured {
    pub fn with_limit(limit: usize) -> Self {
        Self {
            kept: Arc::default(),
            limit,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.kept.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Copies `from` into this capture on a thread of its own until it ends.
    pub fn drain(&self, mut from: impl Read + Send + 'static) {
        let this = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = this.kept.lock().unwrap_or_else(|p| p.into_inner());
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > this.limit {
                    let cut = kept.len() - this.limit;
                    kept.drain(..cut);
                }
            }
        });
    }
}
