//! The HTTP server under the router: hyper's, set up as a gateway on a
//! network needs it. `axum::serve` gives a client forever to send a request;
//! here a request's head must come within the configured time, and a
//! connection idle between requests is closed after as long.

use axum::Router;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router, header_timeout: Duration) {
    // HTTP/1.1, as axum serves it by default.
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                accept_failed(&e).await;
                continue;
            }
        };
        // An event stream is many small writes: each leaves at once, not
        // held back until the client acknowledged the one before.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an API connection");
        }
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        tokio::spawn(async move {
            if let Err(e) = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await
            {
                tracing::debug!(error = %e, "API connection ended with an error");
            }
        });
    }
}

/// A failed accept: one connection's trouble is skipped, running out of
/// file descriptors or memory is waited out rather than spun on.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept API connections; trying again in 1s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
