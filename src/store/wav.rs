//! The one WAV layout the store writes, appended to incrementally.
//!
//! Every recording is 16 kHz mono 16-bit PCM behind a canonical 44-byte
//! header. Samples go to the OS as they arrive; the two size fields of the
//! header (RIFF size and data size) are patched at checkpoints, always *after*
//! the samples they count were written. So at any crash point the header
//! claims at most the bytes that are in the file, and the file plays: at worst
//! it stops at the last checkpoint, and `recover` extends it to the real end.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::StoreError;

/// Bytes before the first sample.
pub(crate) const HEADER_LEN: u64 = 44;
/// Bytes per sample (16-bit mono).
pub(crate) const BYTES_PER_SAMPLE: u64 = 2;
/// Largest data chunk a RIFF header can describe.
pub(crate) const MAX_DATA_LEN: u64 = u32::MAX as u64 - (HEADER_LEN - 8);
/// Offset of the RIFF chunk size.
const RIFF_SIZE_AT: u64 = 4;
/// Offset of the data chunk size.
const DATA_SIZE_AT: u64 = 40;

/// The canonical header for `data_len` bytes of 16-bit mono PCM at `sample_rate`.
pub(crate) fn header(sample_rate: u32, data_len: u32) -> [u8; HEADER_LEN as usize] {
    let byte_rate = sample_rate.saturating_mul(BYTES_PER_SAMPLE as u32);
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&riff_size(data_len).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&(BYTES_PER_SAMPLE as u16).to_le_bytes()); // block align
    h[34..36].copy_from_slice(&16u16.to_le_bytes()); // bits per sample
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

fn riff_size(data_len: u32) -> u32 {
    data_len + (HEADER_LEN as u32 - 8)
}

/// Writes both size fields for `data_len` bytes of samples.
///
/// Each field is one aligned 4-byte write inside the first page, so a crash
/// leaves either the old or the new value in it, and both are playable.
pub(crate) fn patch_sizes(file: &File, data_len: u32) -> io::Result<()> {
    file.write_all_at(&riff_size(data_len).to_le_bytes(), RIFF_SIZE_AT)?;
    file.write_all_at(&data_len.to_le_bytes(), DATA_SIZE_AT)
}

/// Converts samples in [-1, 1] to 16-bit little-endian PCM, clamping values
/// outside the range and writing NaN as silence.
pub(crate) fn encode_samples(samples: &[f32], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(samples.len() * BYTES_PER_SAMPLE as usize);
    for &s in samples {
        // `as` saturates and maps NaN to 0.
        let v = (s.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// What the header of a recording says, next to what the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WavState {
    /// File length in bytes.
    pub file_len: u64,
    /// Data size the header claims.
    pub header_data_len: u32,
    /// RIFF size the header claims.
    pub header_riff_size: u32,
    /// Sample rate in the header.
    pub sample_rate: u32,
}

impl WavState {
    /// Whole samples' worth of bytes actually in the file.
    pub fn data_len(&self) -> u64 {
        let raw = self.file_len.saturating_sub(HEADER_LEN);
        raw - raw % BYTES_PER_SAMPLE
    }

    /// Whether the header describes exactly the bytes in the file.
    pub fn is_consistent(&self) -> bool {
        let raw = self.file_len.saturating_sub(HEADER_LEN);
        raw.is_multiple_of(BYTES_PER_SAMPLE)
            && u64::from(self.header_data_len) == raw
            && self.header_riff_size == riff_size(self.header_data_len)
    }
}

/// Reads the header of a file the store wrote; `Ok(None)` if the file is
/// shorter than a header (a crash while it was being created).
pub(crate) fn inspect(path: &Path, file: &mut File) -> Result<Option<WavState>, StoreError> {
    let file_len = file.metadata().map_err(StoreError::io(path, "read"))?.len();
    if file_len < HEADER_LEN {
        return Ok(None);
    }
    let mut h = [0u8; HEADER_LEN as usize];
    file.read_exact_at(&mut h, 0)
        .map_err(StoreError::io(path, "read"))?;
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let ours = &h[0..4] == b"RIFF"
        && &h[8..16] == b"WAVEfmt "
        && u32_at(16) == 16
        && u16_at(20) == 1
        && u16_at(22) == 1
        && u16_at(32) == BYTES_PER_SAMPLE as u16
        && u16_at(34) == 16
        && &h[36..40] == b"data";
    if !ours {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            message: "the header is not the 16-bit mono PCM layout blameless writes, so it was \
                      left untouched; convert or move the file by hand"
                .into(),
        });
    }
    Ok(Some(WavState {
        file_len,
        header_data_len: u32_at(40),
        header_riff_size: u32_at(4),
        sample_rate: u32_at(24),
    }))
}

/// Seconds of audio in a recording, from its length on disk (not its header,
/// which lags behind a live recording by up to a checkpoint).
pub(crate) fn duration_from_len(file_len: u64, sample_rate: u32) -> f64 {
    let samples = file_len.saturating_sub(HEADER_LEN) / BYTES_PER_SAMPLE;
    samples as f64 / f64::from(sample_rate.max(1))
}

/// One recording being appended to.
#[derive(Debug)]
pub(crate) struct WavAppender {
    /// The file, positioned at its end.
    file: File,
    /// Where it is, for messages.
    path: PathBuf,
    /// Bytes of samples written to the OS.
    data_len: u64,
    /// Bytes of samples the header currently claims.
    header_data_len: u64,
    /// Bytes of samples known to be on disk (fdatasync'ed).
    synced_data_len: u64,
    /// Patch the header once this many new bytes were written.
    checkpoint_bytes: u64,
    /// fdatasync once this many new bytes were written.
    sync_bytes: u64,
}

impl WavAppender {
    /// Creates a new, empty recording (never replacing a file) and makes its
    /// header durable.
    pub fn create(
        path: &Path,
        sample_rate: u32,
        checkpoint_s: u64,
        sync_s: u64,
    ) -> Result<WavAppender, StoreError> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(StoreError::io(path, "create"))?;
        file.write_all(&header(sample_rate, 0))
            .and_then(|()| file.sync_all())
            .map_err(StoreError::io(path, "write"))?;
        let bytes_per_s = u64::from(sample_rate) * BYTES_PER_SAMPLE;
        Ok(WavAppender {
            file,
            path: path.to_owned(),
            data_len: 0,
            header_data_len: 0,
            synced_data_len: 0,
            checkpoint_bytes: checkpoint_s * bytes_per_s,
            sync_bytes: sync_s * bytes_per_s,
        })
    }

    /// Bytes of samples written so far.
    pub fn data_len(&self) -> u64 {
        self.data_len
    }

    /// Appends encoded samples, then patches the header and syncs when a
    /// checkpoint is due. On a failed write the file is cut back to the last
    /// whole append, so later appends stay sample-aligned.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        if self.data_len + bytes.len() as u64 > MAX_DATA_LEN {
            return Err(StoreError::RecordingTooLong {
                path: self.path.clone(),
            });
        }
        if let Err(error) = self.file.write_all(bytes) {
            // Best effort: drop a partial write so the next one starts on a
            // sample boundary. If this fails too, `recover` trims the file.
            let _ = self.file.set_len(HEADER_LEN + self.data_len);
            let _ = io::Seek::seek(&mut self.file, io::SeekFrom::End(0));
            return Err(StoreError::io(&self.path, "write")(error));
        }
        self.data_len += bytes.len() as u64;
        if self.data_len - self.header_data_len >= self.checkpoint_bytes {
            self.checkpoint(self.data_len - self.synced_data_len >= self.sync_bytes)?;
        }
        Ok(())
    }

    /// Makes the header claim everything written so far and, if `sync`, waits
    /// until samples and header are on disk.
    pub fn checkpoint(&mut self, sync: bool) -> Result<(), StoreError> {
        // `append` keeps data_len <= MAX_DATA_LEN < u32::MAX.
        let data_len = self.data_len as u32;
        if self.data_len != self.header_data_len {
            patch_sizes(&self.file, data_len).map_err(StoreError::io(&self.path, "write"))?;
            self.header_data_len = self.data_len;
        }
        if sync && self.synced_data_len != self.data_len {
            self.file
                .sync_data()
                .map_err(StoreError::io(&self.path, "sync"))?;
            self.synced_data_len = self.data_len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_clamped_and_rounded() {
        let mut out = Vec::new();
        encode_samples(&[0.0, 1.0, -1.0, 2.0, -7.0, f32::NAN, 0.5], &mut out);
        let values: Vec<i16> = out
            .chunks(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(values, [0, 32767, -32767, 32767, -32767, 0, 16384]);
    }

    #[test]
    fn header_is_read_by_hound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut w = WavAppender::create(&path, 16_000, 1, 5).unwrap();
        let mut bytes = Vec::new();
        encode_samples(&[0.25; 1000], &mut bytes);
        w.append(&bytes).unwrap();
        // Before a checkpoint the header still says 0 samples: playable, empty.
        assert_eq!(hound::WavReader::open(&path).unwrap().len(), 0);
        w.checkpoint(false).unwrap();
        let reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (1, 16_000, 16)
        );
        assert_eq!(reader.len(), 1000);
    }

    #[test]
    fn a_header_is_patched_every_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let mut w = WavAppender::create(&path, 16_000, 1, 5).unwrap();
        let mut bytes = Vec::new();
        encode_samples(&[0.1; 4000], &mut bytes); // 0.25 s
        for _ in 0..5 {
            w.append(&bytes).unwrap();
        }
        // 1.25 s written: the checkpoint after 1 s was taken, no later one yet.
        assert_eq!(hound::WavReader::open(&path).unwrap().len(), 16_000);
    }
}
