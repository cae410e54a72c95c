//! The serialising proxy really passes one call at a time: the end-to-end race test
//! relies on it to give moto DynamoDB's atomic conditional writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use testkit::http::{Reply, handler, request, serve};
use testkit::proxy::SerialProxy;

/// A backend that records the most calls it ever had in flight at once.
fn backend() -> (u16, Arc<AtomicUsize>) {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&most);
    let port = serve(handler(move |_| {
        let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
        async move {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Reply::new(200, "ok")
        }
    }));
    (port, seen)
}

fn four_at_once(port: u16) {
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let (status, body) = request(port, "POST", "/", &[("x-test", "1")], b"{}").unwrap();
                assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
            });
        }
    });
}

#[test]
fn calls_through_the_serial_proxy_never_overlap() {
    // Control: straight to the backend, the four calls overlap.
    let (port, most) = backend();
    four_at_once(port);
    assert!(
        most.load(Ordering::SeqCst) > 1,
        "the control calls did not overlap"
    );

    let (port, most) = backend();
    let proxy = SerialProxy::start(port);
    four_at_once(proxy.port);
    assert_eq!(most.load(Ordering::SeqCst), 1);
    assert_eq!(proxy.calls.load(Ordering::SeqCst), 4);
}
