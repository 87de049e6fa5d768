//! A small HTTP/1.1 receiver on 127.0.0.1 for alert-sink tests: records every request
//! (method, path, headers, body, when it arrived) and answers each as scripted — a status, a
//! 429 with `Retry-After`, a redirect, or no answer at all. One request per connection
//! (`Connection: close`), handled in order on one thread; it stops when dropped.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How one request is answered.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status with this body.
    Answer(u16, String),
    /// 429 Too Many Requests with `Retry-After: N` (seconds).
    TooMany(u64),
    /// 302 to this location.
    Redirect(String),
    /// Read the request, then keep the connection open and never answer.
    Hang,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Answer(200, "ok".into())
    }

    pub fn status(status: u16) -> Reply {
        Reply::Answer(status, String::new())
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    then: Reply,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Answers the requests with `script` in order, then every later one with `then`.
    pub fn start(script: impl IntoIterator<Item = Reply>, then: Reply) -> Receiver {
        Receiver::start_on(0, script, then)
    }

    /// Like [`Receiver::start`] on a given port (0: any free one), e.g. one a sink was
    /// configured with while nothing listened there.
    pub fn start_on(port: u16, script: impl IntoIterator<Item = Reply>, then: Reply) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind on 127.0.0.1");
        let addr = listener.local_addr().expect("local_addr");
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            then,
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::spawn(move || serve(&listener, &for_thread));
        Receiver {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().expect("requests lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: &TcpListener, shared: &Shared) {
    // Connections told to hang stay open (unanswered) until the receiver stops.
    let mut held = Vec::new();
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let Some(request) = read_request(&mut stream) else {
            continue;
        };
        let reply = shared
            .script
            .lock()
            .expect("script lock")
            .pop_front()
            .unwrap_or_else(|| shared.then.clone());
        shared.requests.lock().expect("requests lock").push(request);
        let (status, extra, body) = match reply {
            Reply::Hang => {
                held.push(stream);
                continue;
            }
            Reply::Answer(status, body) => (status, String::new(), body),
            Reply::TooMany(secs) => (429, format!("Retry-After: {secs}\r\n"), String::new()),
            Reply::Redirect(to) => (302, format!("Location: {to}\r\n"), String::new()),
        };
        let response = format!(
            "HTTP/1.1 {status} {}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            reason(status),
            body.len()
        );
        let _ = stream.write_all(response.as_bytes());
        let _ = stream.flush();
    }
}

/// Request line, headers, and a body of `Content-Length` bytes; `None` for anything else
/// (the wake-up connection of `Drop`, a client that gave up).
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Request {
        method,
        path,
        headers,
        body,
        at,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        302 => "Found",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
