//! `ui/web/`: what does the second screen show?
//!
//! `blameless serve`, a local web dashboard on axum. The live view follows
//! the meeting that another blameless process is recording or replaying,
//! through the store ([`crate::store::Follower`] over `turns.jsonl` and
//! `events.jsonl`), pushed to the page by server-sent events. Past meetings
//! (list, transcript with tags, nudges and marks, action items) and search
//! over the tantivy index ([`crate::search`], the filters of `blameless
//! search`) are pages rendered here.
//!
//! # Rules
//! - Binds 127.0.0.1 by default; any other address needs a token
//!   ([`check_access`]). With a token, a request without it gets 401;
//!   without one (loopback only), a request must name this machine in its
//!   `Host`, so a web page elsewhere cannot reach the dashboard by DNS
//!   rebinding.
//! - Every page, style and script is compiled into the binary
//!   (`include_str!`): nothing comes from the internet, and the
//!   Content-Security-Policy allows nothing but this origin.
//! - Every string from a meeting is escaped on the server
//!   ([`html::escape`]) and set with `textContent` in the browser.
//! - Store and index work runs on tokio's blocking pool, never on the
//!   runtime; at most [`MAX_LIVE_VIEWS`] live views at once (a semaphore),
//!   each fed through a bounded channel.
//!
//! # Layout
//! - `mod.rs`: [`ServeConfig`], [`serve`], the router, access control.
//! - `html.rs`: escaping, evidence highlighting, the page frame.
//! - `pages.rs`: the meetings list, a meeting, its report
//!   ([`crate::ui::report`]), search (page and JSON).
//! - `live.rs`: the live view's stream (server-sent events).
//! - `assets/`: the stylesheet and the live view's script.

pub mod html;
mod live;
mod pages;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::{watch, Semaphore};

/// Live views open at once; one more gets 503.
pub const MAX_LIVE_VIEWS: usize = 16;
/// Shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 16;
/// The cookie that carries the token after the first visit.
const TOKEN_COOKIE: &str = "blameless_token";

/// The dashboard's stylesheet.
const APP_CSS: &str = include_str!("assets/app.css");
/// The live view's script.
const LIVE_JS: &str = include_str!("assets/live.js");
/// Every embedded asset, by its path under `/assets/`.
pub const ASSETS: [(&str, &str); 2] = [("app.css", APP_CSS), ("live.js", LIVE_JS)];

/// This origin only: no inline script, nothing fetched from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A non-loopback address without a token.
    #[error("{addr} is reachable from other machines, so the dashboard needs a token: give --token (or BLAMELESS_SERVE_TOKEN) a secret of {MIN_TOKEN_LEN} or more characters, e.g. `--token $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n')`, or leave out --addr to serve this machine only")]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// A token too short to be a secret.
    #[error("the token has {len} characters; use {MIN_TOKEN_LEN} or more (a random one: `head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'`)")]
    TokenTooShort {
        /// Its length.
        len: usize,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {error}; choose another port with --addr 127.0.0.1:PORT (port 0 picks a free one)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("the web server failed: {0}")]
    Serve(std::io::Error),
}

/// What `blameless serve` serves, and to whom.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The data home: meetings and the search index.
    pub home: PathBuf,
    /// The secret every request must carry (`?token=`, then the cookie it
    /// sets, or `Authorization: Bearer`); `None` serves loopback only.
    pub token: Option<String>,
}

/// Refuses what must not be served: a non-loopback address without a
/// token, a token too short to be a secret.
pub fn check_access(addr: SocketAddr, token: Option<&str>) -> Result<(), WebError> {
    match token {
        None if !addr.ip().is_loopback() => Err(WebError::TokenRequired { addr }),
        Some(token) if token.chars().count() < MIN_TOKEN_LEN => Err(WebError::TokenTooShort {
            len: token.chars().count(),
        }),
        _ => Ok(()),
    }
}

/// Binds `addr` after [`check_access`].
pub async fn bind(
    addr: SocketAddr,
    token: Option<&str>,
) -> Result<tokio::net::TcpListener, WebError> {
    check_access(addr, token)?;
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| WebError::Bind { addr, error })
}

/// The URL to open for a listener bound at `addr`, with the token.
pub fn url(addr: SocketAddr, token: Option<&str>) -> String {
    let host = if addr.ip().is_unspecified() {
        // Every interface: this machine is one of them.
        "127.0.0.1".to_owned()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    match token {
        Some(token) => format!(
            "http://{host}:{}/?token={}",
            addr.port(),
            html::url_encode(token)
        ),
        None => format!("http://{host}:{}/", addr.port()),
    }
}

/// What the handlers share.
#[derive(Debug)]
struct App {
    /// The data home.
    home: PathBuf,
    /// See [`ServeConfig::token`].
    token: Option<String>,
    /// The port listened on, for the `Host` check.
    port: u16,
    /// Permits for live views.
    live_views: Arc<Semaphore>,
    /// Becomes `true` when the server stops: live streams end, so the
    /// graceful shutdown does not wait for browsers to leave.
    stopping: watch::Receiver<bool>,
}

/// Serves the dashboard on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let addr = listener.local_addr().map_err(WebError::Serve)?;
    check_access(addr, config.token.as_deref())?;
    let (stop, stopping) = watch::channel(false);
    let app = Arc::new(App {
        home: config.home,
        token: config.token,
        port: addr.port(),
        live_views: Arc::new(Semaphore::new(MAX_LIVE_VIEWS)),
        stopping,
    });
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await
        .map_err(WebError::Serve)
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/live", get(pages::live))
        .route("/live/events", get(live::events))
        .route("/meetings/{id}", get(pages::meeting))
        .route("/meetings/{id}/report", get(pages::report))
        .route("/search", get(pages::search))
        .route("/api/search", get(pages::search_json))
        .route("/assets/{name}", get(asset))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(app.clone(), authorize))
        .with_state(app)
}

/// `GET /assets/{name}`: an embedded asset.
async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let Some((_, body)) = ASSETS.iter().find(|(n, _)| *n == name) else {
        return pages::not_found().await.into_response();
    };
    let kind = if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    ([(header::CONTENT_TYPE, kind)], *body).into_response()
}

/// Access control and security headers for every route (see the module's
/// rules).
async fn authorize(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut set_cookie = None;
    match &app.token {
        None => {
            if !loopback_host(request.headers(), app.port) {
                return (
                    StatusCode::FORBIDDEN,
                    "403: blameless serve answers only to 127.0.0.1, localhost and [::1] on this machine\n",
                )
                    .into_response();
            }
        }
        Some(token) => {
            let from_query = query_token(request.uri().query());
            let presented = [
                from_query.clone(),
                cookie(request.headers(), TOKEN_COOKIE),
                bearer(request.headers()),
            ];
            if !presented
                .iter()
                .flatten()
                .any(|t| same_secret(t.as_bytes(), token.as_bytes()))
            {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "401: this dashboard needs its token: open the URL `blameless serve` printed (it ends in ?token=...)\n",
                )
                    .into_response();
            }
            if from_query.is_some_and(|t| same_secret(t.as_bytes(), token.as_bytes())) {
                // Links, the stylesheet and the live stream then carry the
                // token without it being in every URL.
                set_cookie = HeaderValue::from_str(&format!(
                    "{TOKEN_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                    html::url_encode(token)
                ))
                .ok();
            }
        }
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(cookie) = set_cookie {
        headers.append(header::SET_COOKIE, cookie);
    }
    // A page may narrow it further (the report has no script at all).
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The request names this machine (`127.0.0.1`, `localhost`, `[::1]`) and
/// our port in its `Host`.
fn loopback_host(headers: &HeaderMap, port: u16) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, p)) if !name.is_empty() && !p.contains(']') => {
            if p.parse::<u16>().ok() != Some(port) {
                return false;
            }
            name
        }
        _ => {
            if port != 80 {
                return false;
            }
            host
        }
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "[::1]"
    )
}

/// `token=` of a query string, percent-decoded.
fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "token")
        .map(|(_, value)| percent_decode(value))
}

/// `%XX` and `+` decoded; an invalid escape is kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned())
}

/// Compares without stopping at the first difference, so response times
/// do not tell how much of a guess was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_goes_without_a_token() {
        let local: SocketAddr = "127.0.0.1:8642".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:8642".parse().unwrap();
        let v6: SocketAddr = "[::1]:8642".parse().unwrap();
        assert!(check_access(local, None).is_ok());
        assert!(check_access(v6, None).is_ok());
        assert!(matches!(
            check_access(any, None),
            Err(WebError::TokenRequired { .. })
        ));
        assert!(matches!(
            check_access(any, Some("short")),
            Err(WebError::TokenTooShort { len: 5 })
        ));
        assert!(check_access(any, Some("0123456789abcdef")).is_ok());
        assert_eq!(url(any, Some("a b")), "http://127.0.0.1:8642/?token=a%20b");
        assert_eq!(url(v6, None), "http://[::1]:8642/");
    }

    #[test]
    fn hosts_must_name_this_machine_and_port() {
        let host = |h: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static(h));
            headers
        };
        assert!(loopback_host(&host("127.0.0.1:8642"), 8642));
        assert!(loopback_host(&host("localhost:8642"), 8642));
        assert!(loopback_host(&host("[::1]:8642"), 8642));
        assert!(!loopback_host(&host("127.0.0.1:8643"), 8642));
        assert!(!loopback_host(&host("attacker.example:8642"), 8642));
        assert!(!loopback_host(&host("localhost"), 8642));
        assert!(!loopback_host(&HeaderMap::new(), 8642));
    }

    #[test]
    fn tokens_from_query_cookie_and_header() {
        assert_eq!(query_token(Some("a=1&token=x%2By+z")), Some("x+y z".into()));
        assert_eq!(query_token(Some("tokens=1")), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; blameless_token=s3cret"),
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer t0ken"),
        );
        assert_eq!(cookie(&headers, TOKEN_COOKIE), Some("s3cret".into()));
        assert_eq!(bearer(&headers), Some("t0ken".into()));
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
