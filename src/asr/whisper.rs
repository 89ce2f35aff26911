//! The whisper.cpp calls the asr stage makes, through whisper-rs's bindings
//! (`whisper_rs::whisper_rs_sys`) rather than its safe wrapper: the wrapper
//! has whisper.cpp compute the spectrogram on every decode, and cannot
//! decode one given with `whisper_set_mel` (see [`super::mel`]).

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::path::Path;
use std::ptr::NonNull;

use whisper_rs::whisper_rs_sys as sys;

use super::mel::Mel;

/// A loaded model and one decoding state, freed together.
pub(super) struct Whisper {
    context: NonNull<sys::whisper_context>,
    state: NonNull<sys::whisper_state>,
}

// SAFETY: the context and state are heap objects with no tie to the thread
// that made them; every call that uses them takes `&self` or `&mut self`,
// and the ones that change the state take `&mut self`.
unsafe impl Send for Whisper {}

/// One decoded segment, as whisper.cpp left it in the state.
pub(super) struct RawSegment {
    pub text: String,
    /// Hundredths of a second from the start of the decoded audio.
    pub t0: i64,
    pub t1: i64,
    pub no_speech_prob: f32,
    /// Each token's id and log probability.
    pub tokens: Vec<(i32, f32)>,
}

impl Whisper {
    /// Loads a ggml model file, with flash attention off: on this project's
    /// 2-core machines (AVX-512, no GPU) it is slower (60 s at one thread:
    /// 6.0 s instead of 3.4 s on samples/bench-60s.wav, tiny.en-q8_0).
    pub fn load(path: &Path) -> Result<Whisper, String> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| "the path has a NUL byte".to_string())?;
        // SAFETY: plain value returned by whisper.cpp.
        let mut params = unsafe { sys::whisper_context_default_params() };
        params.use_gpu = false;
        params.flash_attn = false;
        // SAFETY: `c_path` is a valid C string for the call.
        let context =
            unsafe { sys::whisper_init_from_file_with_params_no_state(c_path.as_ptr(), params) };
        let context = NonNull::new(context).ok_or("whisper.cpp could not load it")?;
        // SAFETY: `context` is a live context.
        let state = unsafe { sys::whisper_init_state(context.as_ptr()) };
        let Some(state) = NonNull::new(state) else {
            // SAFETY: `context` is live and freed once, here.
            unsafe { sys::whisper_free(context.as_ptr()) };
            return Err("whisper.cpp could not set up a decoding state".into());
        };
        Ok(Whisper { context, state })
    }

    /// True when the model knows languages other than English.
    pub fn is_multilingual(&self) -> bool {
        // SAFETY: a live context, read only.
        unsafe { sys::whisper_is_multilingual(self.context.as_ptr()) != 0 }
    }

    /// The end-of-text token: ids below it are text.
    pub fn token_eot(&self) -> i32 {
        // SAFETY: a live context, read only.
        unsafe { sys::whisper_token_eot(self.context.as_ptr()) }
    }

    /// Mel bands the model's encoder takes (80, or 128 for large-v3).
    pub fn n_mels(&self) -> usize {
        // SAFETY: a live context, read only.
        unsafe { sys::whisper_model_n_mels(self.context.as_ptr()) as usize }
    }

    /// Decodes `mel` with `params`, whose `duration_ms` should end at the
    /// audio (`mel.n_audio`). On failure, what whisper.cpp's code means.
    ///
    /// # Safety
    ///
    /// Every pointer in `params` (language, prompt, callbacks' user data)
    /// must stay valid until this returns.
    pub unsafe fn full(
        &mut self,
        params: sys::whisper_full_params,
        mel: &Mel,
    ) -> Result<(), String> {
        let n_mels = mel.data.len() / mel.n_len.max(1);
        // SAFETY: live context and state; `mel.data` holds n_mels x n_len
        // values, which whisper.cpp copies.
        let set = unsafe {
            sys::whisper_set_mel_with_state(
                self.context.as_ptr(),
                self.state.as_ptr(),
                mel.data.as_ptr(),
                mel.n_len as c_int,
                n_mels as c_int,
            )
        };
        if set != 0 {
            return Err(format!(
                "whisper.cpp refused a spectrogram of {n_mels} bands"
            ));
        }
        // SAFETY: live context and state; no samples (the spectrogram set
        // above is decoded); the caller keeps `params`' pointers valid.
        match unsafe {
            sys::whisper_full_with_state(
                self.context.as_ptr(),
                self.state.as_ptr(),
                params,
                std::ptr::null(),
                0,
            )
        } {
            0 => Ok(()),
            // whisper_full_with_state's codes; an abort by the callback
            // ends the encoder or a decoder step as a failure.
            -6 => Err("the encoder failed".into()),
            -8 | -9 => Err("the decoder failed".into()),
            code => Err(format!("whisper.cpp failed with code {code}")),
        }
    }

    /// The segments of the last [`Whisper::full`].
    pub fn segments(&self) -> Vec<RawSegment> {
        let state = self.state.as_ptr();
        // SAFETY: a live state, read only; indices are below the counts
        // whisper.cpp reports; the text pointer is valid until the next
        // decode, and copied at once.
        unsafe {
            (0..sys::whisper_full_n_segments_from_state(state))
                .map(|i| {
                    let text = sys::whisper_full_get_segment_text_from_state(state, i);
                    RawSegment {
                        text: if text.is_null() {
                            String::new()
                        } else {
                            CStr::from_ptr(text).to_string_lossy().into_owned()
                        },
                        t0: sys::whisper_full_get_segment_t0_from_state(state, i),
                        t1: sys::whisper_full_get_segment_t1_from_state(state, i),
                        no_speech_prob: sys::whisper_full_get_segment_no_speech_prob_from_state(
                            state, i,
                        ),
                        tokens: (0..sys::whisper_full_n_tokens_from_state(state, i))
                            .map(|k| {
                                let data = sys::whisper_full_get_token_data_from_state(state, i, k);
                                (data.id, data.plog)
                            })
                            .collect(),
                    }
                })
                .collect()
        }
    }
}

impl Drop for Whisper {
    fn drop(&mut self) {
        // SAFETY: both are live and freed once, the state first.
        unsafe {
            sys::whisper_free_state(self.state.as_ptr());
            sys::whisper_free(self.context.as_ptr());
        }
    }
}
