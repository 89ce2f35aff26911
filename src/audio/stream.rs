//! Decoding a file as it is consumed: `replay` of a two-hour meeting holds a
//! few seconds of audio, not two hours of it.
//!
//! [`stream_file`] runs the decoder of [`super::read_file`] on a thread of
//! its own. Each [`Tap`] receives one signal of the file (its mono mix or
//! one channel) as 16 kHz blocks through a bounded channel, so the decoder
//! never runs more than [`QUEUE_BLOCKS`] blocks ahead of the slowest tap.
//! The samples are exactly those [`super::read_file`] returns, cut into
//! blocks.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;

use super::{decode_into, mix_to_mono, AudioError, Format, Sink};

/// Blocks a tap may hold before the decoder waits (a block is what one read
/// of the file makes: about a second of 16 kHz audio or less).
const QUEUE_BLOCKS: usize = 8;

/// Which signal of a file a [`Tap`] receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The mean of all channels (`read_file`'s `mono`).
    Mono,
    /// One channel, from 0 (nothing if the file has fewer: check
    /// [`Format::n_channels`]).
    Channel(usize),
}

/// What a tap receives: a block, or the fault that ended the file.
type Item = Result<Vec<f32>, Arc<AudioError>>;

/// One signal of a file being decoded.
#[derive(Debug)]
pub struct Tap {
    rx: Receiver<Item>,
}

impl Tap {
    /// The next block of 16 kHz samples (never empty), waiting for the
    /// decoder; `None` once the file has been read to its end. An error
    /// means the file turned out unreadable after the blocks before it
    /// (a fault only found late, e.g. a compressed stream cut short); it is
    /// the last item.
    pub fn next_block(&self) -> Option<Item> {
        self.rx.recv().ok()
    }
}

/// Starts decoding `path`, one [`Tap`] per entry of `signals`, in order.
///
/// Returns once the first audio is decoded, so every fault found before it
/// (a missing file, not audio, an unsupported or truncated WAV, no samples
/// at all) is an error here, as with [`super::read_file`]. The decoder stops
/// when the file ends or every tap has been dropped.
pub fn stream_file(path: &Path, signals: &[Signal]) -> Result<(Format, Vec<Tap>), AudioError> {
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let mut senders = Vec::new();
    let mut taps = Vec::new();
    for signal in signals {
        let (tx, rx) = mpsc::sync_channel(QUEUE_BLOCKS);
        senders.push(Some((*signal, tx)));
        taps.push(Tap { rx });
    }
    let mut sink = Fanout {
        path: path.to_path_buf(),
        format: None,
        ready: Some(ready_tx),
        taps: senders,
    };
    let thread_path = path.to_path_buf();
    std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let result = decode_into(&thread_path, &mut sink);
            sink.end(result);
        })
        .map_err(|error| AudioError::Read {
            path: path.to_path_buf(),
            error,
        })?;
    match ready_rx.recv() {
        Ok(Ok(format)) => Ok((format, taps)),
        Ok(Err(error)) => Err(error),
        // The thread is gone without a word: only a panic outside the
        // decoder's own guard does that.
        Err(_) => Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            detail: "the decoder crashed on it".to_string(),
        }),
    }
}

/// The layout of `path`'s audio (decodes only its first block).
pub fn probe(path: &Path) -> Result<Format, AudioError> {
    stream_file(path, &[]).map(|(format, _)| format)
}

/// The decoder thread's [`Sink`]: says when the first audio is there, then
/// hands each tap its signal.
struct Fanout {
    path: PathBuf,
    format: Option<Format>,
    /// Until the first block: where [`stream_file`] waits.
    ready: Option<SyncSender<Result<Format, AudioError>>>,
    /// `None` once that tap was dropped.
    taps: Vec<Option<(Signal, SyncSender<Item>)>>,
}

impl Sink for Fanout {
    fn begin(&mut self, format: Format) {
        self.format = Some(format);
    }

    fn take(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        let format = self.format.expect("begin comes before any block");
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(Ok(format));
        }
        let n_channels = format.n_channels;
        for slot in &mut self.taps {
            let Some((signal, tx)) = slot else { continue };
            let samples = match *signal {
                Signal::Mono => mix_to_mono(interleaved, n_channels),
                Signal::Channel(c) if c < n_channels => interleaved
                    .iter()
                    .skip(c)
                    .step_by(n_channels)
                    .copied()
                    .collect(),
                Signal::Channel(_) => continue,
            };
            // Waits while the tap's queue is full: the decoder keeps pace
            // with whoever consumes the audio.
            if tx.send(Ok(samples)).is_err() {
                *slot = None;
            }
        }
        if self.taps.iter().all(Option::is_none) {
            // Nobody to tell: this error is never shown.
            return Err(AudioError::Read {
                path: self.path.clone(),
                error: std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "nobody reads the decoded audio any more",
                ),
            });
        }
        Ok(())
    }
}

impl Fanout {
    /// Ends every tap: after the last block, or with the error that stopped
    /// decoding (reported by [`stream_file`] itself if no audio came first).
    fn end(mut self, result: Result<(), AudioError>) {
        let Err(error) = result else {
            // Dropping the senders ends the taps.
            return;
        };
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(Err(error));
            return;
        }
        let error = Arc::new(error);
        for (_, tx) in self.taps.iter_mut().flatten() {
            let _ = tx.send(Err(error.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_signals::{sine, write_int_wav};
    use super::super::{read_file, AudioError};
    use super::*;

    /// Everything a tap delivers, joined.
    fn drain(tap: &Tap) -> Vec<f32> {
        let mut all = Vec::new();
        while let Some(block) = tap.next_block() {
            all.extend(block.expect("no late error"));
        }
        all
    }

    #[test]
    fn taps_deliver_exactly_what_read_file_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.wav");
        // 44.1 kHz stereo, several decoder blocks long, resampled.
        let left = sine(44_100, 440.0, 0.5, 44_100 * 3 + 17);
        let right = sine(44_100, 1_000.0, 0.25, 44_100 * 3 + 17);
        write_int_wav(&path, 44_100, 16, &[left, right]);
        let whole = read_file(&path).unwrap();

        let signals = [Signal::Mono, Signal::Channel(1), Signal::Channel(0)];
        let (format, taps) = stream_file(&path, &signals).unwrap();
        assert_eq!(
            format,
            Format {
                n_channels: 2,
                source_rate: 44_100
            }
        );
        // Drained side by side: the decoder waits while any tap's queue is
        // full, so one tap read to its end alone would wait for the others.
        let joined: Vec<Vec<f32>> = std::thread::scope(|scope| {
            let handles: Vec<_> = taps
                .into_iter()
                .map(|t| scope.spawn(move || drain(&t)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(joined[0], whole.mono);
        assert_eq!(joined[1], whole.channels[1]);
        assert_eq!(joined[2], whole.channels[0]);
    }

    #[test]
    fn faults_before_the_first_audio_are_errors_of_the_call() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "not audio\n".repeat(10)).unwrap();
        assert!(matches!(
            stream_file(&text, &[Signal::Mono]),
            Err(AudioError::NotAudio { .. })
        ));
        let silent = dir.path().join("silent.wav");
        write_int_wav(&silent, 16_000, 16, &[Vec::new()]);
        assert!(matches!(
            stream_file(&silent, &[Signal::Mono]),
            Err(AudioError::NoSamples { .. })
        ));
        assert!(matches!(
            probe(&dir.path().join("missing.wav")),
            Err(AudioError::NotFound { .. })
        ));
    }

    #[test]
    fn a_file_can_be_left_unread_after_its_first_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        write_int_wav(&path, 16_000, 16, &[sine(16_000, 440.0, 0.5, 16_000 * 60)]);
        let (_, taps) = stream_file(&path, &[Signal::Mono]).unwrap();
        let first = taps[0].next_block().unwrap().unwrap();
        assert_eq!(first, read_file(&path).unwrap().mono[..first.len()]);
        drop(taps);
        // The format of a file is there without keeping its audio.
        assert_eq!(probe(&path).unwrap().n_channels, 1);
    }
}
