//! The live view's stream: the meeting being recorded, as server-sent
//! events.
//!
//! Each browser gets a task that finds the meeting (the one asked for, or
//! the newest a live process is recording, waiting until one starts),
//! then reads its files through a [`Follower`] and sends every new message
//! as one `data:` line of JSON: `{"type": "meeting", ...}` first (from
//! `meeting.json`), then turns, nudges, partials, status, warnings and the
//! end, as docs/events.md describes them. The task ends after the `end`
//! (written by the recording process, or said here when the meeting was
//! closed without one, such as an import or a crash), when the browser
//! leaves, or when the server stops. A browser that reconnects is sent the
//! meeting again from its start.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::pages::{LiveQuery, PageError};
use super::App;
use crate::store::{Follower, MeetingId, MeetingStatus, Store};

/// How often the meeting's files are read.
const POLL: Duration = Duration::from_millis(250);
/// How often the store is looked at for a meeting to start.
const FIND_POLL: Duration = Duration::from_secs(1);
/// How long a closed meeting may still be written to (the recording
/// process writes its closing nudge, actions and `end` just after it
/// closes the meeting) before the stream says it ended.
const CLOSING_GRACE: Duration = Duration::from_secs(2);
/// Messages queued per browser. A browser that falls this far behind makes
/// its task wait (the files keep everything, nothing is lost).
const QUEUE: usize = 64;

/// `GET /live/events`.
pub(super) async fn events(
    State(app): State<Arc<App>>,
    Query(query): Query<LiveQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, PageError> {
    let permit = app.live_views.clone().try_acquire_owned().map_err(|_| {
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} live views are open already; close one and reload",
                super::MAX_LIVE_VIEWS
            ),
        )
    })?;
    let (tx, rx) = mpsc::channel::<Value>(QUEUE);
    let mut stopping = app.stopping.clone();
    tokio::spawn(async move {
        let _permit = permit;
        // (`wait_for`'s guard is not `Send`: dropped inside.)
        let stop = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        tokio::select! {
            result = follow(&app, query.meeting, &tx) => {
                if let Err(message) = result {
                    let _ = tx.send(json!({"type": "warning", "source": null, "message": message})).await;
                }
            }
            _ = stop => {}
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let message = rx.recv().await?;
        let event = SseEvent::default()
            .data(message.to_string())
            .retry(Duration::from_secs(2));
        Some((Ok(event), rx))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Runs store work on the blocking pool; errors become messages for the page.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(e) => Err(format!("the live view failed: {e}")),
    }
}

/// Follows one meeting until its end, or until the browser leaves.
async fn follow(app: &App, wanted: Option<String>, tx: &mpsc::Sender<Value>) -> Result<(), String> {
    let store = Store::open(&app.home).map_err(|e| e.to_string())?;
    let id = loop {
        let (store, wanted) = (store.clone(), wanted.clone());
        let found = blocking(move || match wanted {
            Some(wanted) => store.resolve(&wanted).map(Some),
            None => Ok(store.recording_now()?.into_iter().next().map(|m| m.id)),
        })
        .await?;
        if let Some(id) = found {
            break id;
        }
        tokio::select! {
            _ = tokio::time::sleep(FIND_POLL) => {}
            _ = tx.closed() => return Ok(()),
        }
    };
    let info = {
        let (store, id) = (store.clone(), id.clone());
        blocking(move || store.load(id.as_str()).map(|m| m.info)).await?
    };
    let started_at = info
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let hello = json!({
        "type": "meeting", "id": id.as_str(), "title": info.title,
        "started_at": started_at, "status": info.status.to_string(),
    });
    if tx.send(hello).await.is_err() {
        return Ok(());
    }
    let mut follower = Follower::new(&store.meetings_dir().join(id.as_str()));
    // When the meeting was first seen closed (not being recorded).
    let mut closed_since: Option<Instant> = None;
    loop {
        let (back, messages) = blocking(move || {
            let messages = follower.poll();
            Ok((follower, messages))
        })
        .await?;
        follower = back;
        let messages = messages.map_err(|e| e.to_string())?;
        let quiet = messages.is_empty();
        for message in messages {
            if tx.send(message).await.is_err() {
                return Ok(());
            }
        }
        if follower.ended() {
            return Ok(());
        }
        if quiet {
            match closed_since {
                Some(since) if since.elapsed() >= CLOSING_GRACE => {
                    let _ = tx.send(closing(&store, &id).await?).await;
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    let (store, id) = (store.clone(), id.clone());
                    if !blocking(move || store.is_recording(&id)).await? {
                        closed_since = Some(Instant::now());
                    }
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = tx.closed() => return Ok(()),
        }
    }
}

/// The `end` of a meeting that was closed without one in its events file
/// (imported, recorded before events were kept, or left by a crash).
async fn closing(store: &Store, id: &MeetingId) -> Result<Value, String> {
    let (store, id) = (store.clone(), id.clone());
    let meeting = blocking(move || store.load(id.as_str())).await?;
    let status = match meeting.info.status {
        // The process recording it died: `recover` repairs it.
        MeetingStatus::Recording => "interrupted".to_string(),
        status => status.to_string(),
    };
    let interruption = match meeting.info.status {
        MeetingStatus::Recording => Some(
            "the recording process stopped without closing the meeting; run `blameless recover`"
                .to_string(),
        ),
        _ => meeting.info.interruption.clone(),
    };
    Ok(json!({
        "type": "end", "id": meeting.info.id.as_str(), "n_turns": meeting.turns.len(),
        "audio_s": meeting.turns.iter().map(|t| t.end).fold(0.0, f64::max),
        "status": status, "interruption": interruption,
    }))
}
