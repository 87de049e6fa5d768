//! `awsdash collect`'s HTTP endpoints: `/metrics` (the last snapshot, Prometheus text),
//! `/healthz` (the process answers) and `/ready` (a fresh snapshot exists, and the process is
//! not shutting down).
//!
//! HTTP/1.1 on hyper, which the AWS SDK already brings, rather than a web framework: three
//! fixed GET routes need no router. Each connection carries one request and must send its
//! head within [`HEAD_TIMEOUT`], in at most [`MAX_HEAD`] bytes, and is cut after
//! [`CONNECTION_TIMEOUT`]; bodies are refused; at most [`MAX_CONNECTIONS`] are served at once.
//! A scraper that misbehaves costs a socket for a few seconds, never the collector.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::error::AppError;
use crate::model::Snapshot;

const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// hyper's smallest read buffer; a scrape's head is a few hundred bytes.
const MAX_HEAD: usize = 8 * 1024;
const MAX_CONNECTIONS: u32 = 32;
/// How long [`Server::stop`] lets requests in flight finish.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What the endpoints answer from, shared with the collector that publishes snapshots.
#[derive(Debug)]
pub struct Shared {
    inner: Mutex<Inner>,
    stopping: AtomicBool,
}

#[derive(Debug)]
struct Inner {
    snapshot: Option<Arc<Snapshot>>,
    /// When the last fresh snapshot was made.
    fresh_at: Option<DateTime<Utc>>,
    /// How long a fresh snapshot keeps `/ready` at 200 with no newer one.
    fresh_for: chrono::Duration,
}

/// Whether a snapshot counts as fresh: Cost Explorer numbers that are not the cached ones of a
/// refresh that failed or that STS has not yet confirmed.
fn is_fresh(snapshot: &Snapshot) -> bool {
    snapshot.cube.is_some() && !snapshot.stale
}

impl Shared {
    pub fn new(fresh_for: chrono::Duration) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                snapshot: None,
                fresh_at: None,
                fresh_for,
            }),
            stopping: AtomicBool::new(false),
        }
    }

    /// A poisoned lock only means a thread panicked between two plain assignments.
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The poller's newest snapshot: `/metrics` shows it whatever it holds; only a fresh one
    /// renews `/ready`, so a stale one (a failed refresh, or the cache shown while STS is asked
    /// after a reload) neither makes the collector ready nor unready.
    pub fn publish(&self, snapshot: Arc<Snapshot>) {
        let mut inner = self.inner();
        if is_fresh(&snapshot) {
            inner.fresh_at = Some(snapshot.generated_at);
        }
        inner.snapshot = Some(snapshot);
    }

    pub fn set_fresh_for(&self, fresh_for: chrono::Duration) {
        self.inner().fresh_for = fresh_for;
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.inner().snapshot.clone()
    }

    /// From now on `/ready` answers 503: the first step of shutting down.
    pub fn stop_ready(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// `Ok` when ready at `now`, else why not, in a few words.
    pub fn ready(&self, now: DateTime<Utc>) -> Result<(), String> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err("shutting down".into());
        }
        let inner = self.inner();
        match inner.fresh_at {
            None => Err("no fresh snapshot yet".into()),
            Some(at) if now - at > inner.fresh_for => Err(format!(
                "the last fresh snapshot is from {}",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Binds `addr`. A port in use or not ours to take is a usage error (exit 2) that says so.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, AppError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                ": something else listens there (another awsdash collect?); stop it or choose another --listen"
            }
            std::io::ErrorKind::PermissionDenied => {
                ": not allowed (ports below 1024 need privileges); choose another --listen"
            }
            std::io::ErrorKind::AddrNotAvailable => {
                ": no interface of this machine has that address; choose another --listen"
            }
            _ => "",
        };
        AppError::Usage(format!("cannot listen on {addr}: {e}{hint}"))
    })
}

/// The running server; [`Server::stop`] closes the port.
pub struct Server {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Serves the endpoints on `listener` until stopped.
pub fn spawn(listener: TcpListener, shared: Arc<Shared>) -> Server {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS as usize));
        loop {
            let accepted = tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                tracing::warn!("{MAX_CONNECTIONS} connections at once: one refused");
                continue;
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let response = answer(&request, &shared, Utc::now());
                    async move { Ok::<_, Infallible>(response) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD)
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service);
                match tokio::time::timeout(CONNECTION_TIMEOUT, connection).await {
                    Ok(Err(e)) => tracing::debug!("connection: {e}"),
                    Err(_) => tracing::debug!("connection cut after {CONNECTION_TIMEOUT:?}"),
                    Ok(Ok(())) => {}
                }
                drop(slot);
            });
        }
        // The listener is dropped here: the port is closed. Requests in flight may finish.
        drop(listener);
        let _ = tokio::time::timeout(STOP_GRACE, slots.acquire_many(MAX_CONNECTIONS)).await;
    });
    Server { stop, task }
}

impl Server {
    /// Stops accepting (the port closes at once) and lets requests in flight finish, briefly.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!("the HTTP server task ended badly: {e}");
        }
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<String> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// One request's answer. Never calls AWS: everything comes from `shared`.
fn answer(request: &Request<Incoming>, shared: &Shared, now: DateTime<Utc>) -> Response<String> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        response
            .headers_mut()
            .insert(ALLOW, hyper::header::HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0");
    if declared || request.headers().contains_key(TRANSFER_ENCODING) {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "no request body is accepted\n",
        );
    }
    match request.uri().path() {
        "/metrics" => metrics(shared),
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/ready" => match shared.ready(now) {
            Ok(()) => text(StatusCode::OK, "ready\n"),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            ),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: awsdash collect serves /metrics, /healthz and /ready\n",
        ),
    }
}

fn metrics(shared: &Shared) -> Response<String> {
    let requests = crate::source::aws::requests::sent();
    match crate::metrics::render(shared.snapshot(), requests) {
        Ok(body) => {
            let mut response = text(StatusCode::OK, body);
            response.headers_mut().insert(
                CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
            );
            response
        }
        Err(e) => {
            tracing::error!("rendering /metrics: {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the metrics could not be rendered (see the log)\n",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn snapshot(generated_at: &str, stale: bool) -> Arc<Snapshot> {
        let today = at(generated_at).date_naive();
        let query = crate::model::Query {
            window: crate::model::Window::last_days(today, 7).expect("window"),
            filters: crate::model::FilterSet::default(),
        };
        let mut s = crate::source::demo::DemoSource {
            exclude_credits: false,
        }
        .snapshot(&query, today, at(generated_at));
        s.stale = stale;
        Arc::new(s)
    }

    #[test]
    fn ready_needs_a_fresh_snapshot_within_its_time_and_not_shutting_down() {
        let shared = Shared::new(chrono::Duration::minutes(15));
        let noon = at("2026-11-25T12:00:00Z");
        assert_eq!(shared.ready(noon), Err("no fresh snapshot yet".into()));
        shared.publish(snapshot("2026-11-25T11:59:00Z", true));
        assert!(shared.ready(noon).is_err(), "a stale snapshot is not fresh");
        assert!(shared.snapshot().is_some(), "but it is shown");
        shared.publish(snapshot("2026-11-25T12:00:00Z", false));
        assert_eq!(shared.ready(noon), Ok(()));
        // A stale one after it keeps the fresh one's time.
        shared.publish(snapshot("2026-11-25T12:05:00Z", true));
        assert_eq!(shared.ready(at("2026-11-25T12:15:00Z")), Ok(()));
        let late = shared
            .ready(at("2026-11-25T12:15:01Z"))
            .expect_err("too old");
        assert!(late.contains("2026-11-25T12:00:00Z"), "{late}");
        shared.set_fresh_for(chrono::Duration::hours(1));
        assert_eq!(shared.ready(at("2026-11-25T12:15:01Z")), Ok(()));
        shared.stop_ready();
        assert_eq!(shared.ready(noon), Err("shutting down".into()));
    }
}
