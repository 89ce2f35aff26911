//! [`Vad`]: Silero VAD v6 run frame by frame through tract.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use super::VadError;

/// New samples per model frame: 512 samples, 32 ms at 16 kHz.
pub const FRAME_SAMPLES: usize = 512;

/// Samples of the previous frame the model sees again before each frame.
pub const CONTEXT_SAMPLES: usize = 64;

/// Length of one frame in seconds.
pub const FRAME_SECONDS: f64 = FRAME_SAMPLES as f64 / crate::audio::SAMPLE_RATE as f64;

/// Width of one model input row: context followed by the new frame.
const ROW_SAMPLES: usize = CONTEXT_SAMPLES + FRAME_SAMPLES;

/// Width of the recurrent state tensors `h` and `c`, shaped [1, 1, 128].
const STATE_WIDTH: usize = 128;

/// Most frames given to the model in one run. The model runs its LSTM over
/// the rows of a batch in order, so a batch gives the same result as running
/// the frames one by one (`tests/vad_model.rs` checks it) while paying the
/// per-run overhead once. 64 frames are about 2 s of audio.
const MAX_BATCH_FRAMES: usize = 64;

/// Streaming voice activity detection with Silero VAD v6.
///
/// Feed 16 kHz mono samples in chunks of any size with [`Vad::push`]; each
/// completed 512-sample frame yields one speech probability. Samples that do
/// not fill a frame yet are kept for the next call, together with the model's
/// recurrent state and the 64 samples of context, so the result does not
/// depend on how the stream was chunked.
///
/// A `Vad` is `Send`: it is meant to live on a dedicated thread.
pub struct Vad {
    /// The optimised, runnable model, shared by nothing else.
    plan: Arc<TypedRunnableModel>,
    /// Position of `input`, `h` and `c` among the model's inputs.
    input_order: InputOrder,
    /// Position of `speech_probs`, `hn` and `cn` among the model's outputs.
    output_order: OutputOrder,
    /// LSTM hidden state carried between frames, [1, 1, 128].
    h: Tensor,
    /// LSTM cell state carried between frames, [1, 1, 128].
    c: Tensor,
    /// Zeros shaped like `h` and `c`, the state before the first frame.
    zero_state: Tensor,
    /// The last [`CONTEXT_SAMPLES`] samples of the previous frame (zeros
    /// before the first frame).
    context: [f32; CONTEXT_SAMPLES],
    /// Samples received but not yet forming a whole frame (fewer than
    /// [`FRAME_SAMPLES`]).
    leftover: Vec<f32>,
    /// Reused buffer for the model's `input` rows.
    rows: Vec<f32>,
}

/// Where each named input sits in the model's input list.
#[derive(Debug, Clone, Copy)]
struct InputOrder {
    input: usize,
    h: usize,
    c: usize,
}

/// Where each named output sits in the model's output list.
#[derive(Debug, Clone, Copy)]
struct OutputOrder {
    speech_probs: usize,
    hn: usize,
    cn: usize,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad")
            .field("n_leftover", &self.leftover.len())
            .finish_non_exhaustive()
    }
}

impl Vad {
    /// Loads and optimises the model at `path` (see [`super::model_path`]).
    pub fn load(path: &Path) -> Result<Vad, VadError> {
        let fail = |message: String| VadError::Load {
            path: path.to_owned(),
            message,
        };
        let tract = |e: TractError| fail(format!("{e:#}"));
        let mut model = tract_onnx::onnx().model_for_path(path).map_err(tract)?;

        let input_names: Vec<String> = model
            .input_outlets()
            .map_err(tract)?
            .iter()
            .map(|outlet| model.node(outlet.node).name.clone())
            .collect();
        let find_input = |name: &str| {
            input_names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| fail(format!("no input named {name}; inputs: {input_names:?}")))
        };
        let input_order = InputOrder {
            input: find_input("input")?,
            h: find_input("h")?,
            c: find_input("c")?,
        };
        if input_names.len() != 3 {
            return Err(fail(format!(
                "expected the inputs input, h and c; found {input_names:?}"
            )));
        }

        let outputs = model.output_outlets().map_err(tract)?.to_vec();
        let output_names: Vec<String> = outputs
            .iter()
            .map(|&outlet| {
                model
                    .outlet_label(outlet)
                    .map_or_else(|| model.node(outlet.node).name.clone(), str::to_owned)
            })
            .collect();
        let find_output = |name: &str| {
            output_names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| fail(format!("no output named {name}; outputs: {output_names:?}")))
        };
        let output_order = OutputOrder {
            speech_probs: find_output("speech_probs")?,
            hn: find_output("hn")?,
            cn: find_output("cn")?,
        };

        // The number of frames per run is left symbolic so one plan serves
        // every batch size.
        let n_frames = model.symbols.sym("N");
        model
            .set_input_fact(
                input_order.input,
                InferenceFact::dt_shape(
                    f32::datum_type(),
                    [n_frames.to_dim(), ROW_SAMPLES.to_dim()],
                ),
            )
            .map_err(tract)?;
        for ix in [input_order.h, input_order.c] {
            model
                .set_input_fact(
                    ix,
                    InferenceFact::dt_shape(f32::datum_type(), [1, 1, STATE_WIDTH]),
                )
                .map_err(tract)?;
        }
        let plan = model
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(tract)?;

        let zero_state = Tensor::zero::<f32>(&[1, 1, STATE_WIDTH]).map_err(tract)?;
        Ok(Vad {
            plan,
            input_order,
            output_order,
            h: zero_state.clone(),
            c: zero_state.clone(),
            zero_state,
            context: [0.0; CONTEXT_SAMPLES],
            leftover: Vec::with_capacity(FRAME_SAMPLES),
            rows: Vec::with_capacity(MAX_BATCH_FRAMES * ROW_SAMPLES),
        })
    }

    /// Feeds 16 kHz mono samples and returns one speech probability (0 to 1)
    /// for each 512-sample frame completed by them, in order.
    ///
    /// Frame `k` since the last [`Vad::reset`] covers samples
    /// `k * 512 .. (k + 1) * 512`.
    pub fn push(&mut self, samples_16k: &[f32]) -> Result<Vec<f32>, VadError> {
        let n_frames = (self.leftover.len() + samples_16k.len()) / FRAME_SAMPLES;
        let mut probs = Vec::with_capacity(n_frames);
        let mut rest = samples_16k;
        if !self.leftover.is_empty() {
            let n_take = (FRAME_SAMPLES - self.leftover.len()).min(rest.len());
            self.leftover.extend_from_slice(&rest[..n_take]);
            rest = &rest[n_take..];
            if self.leftover.len() < FRAME_SAMPLES {
                return Ok(probs);
            }
            let frame = std::mem::take(&mut self.leftover);
            let result = self.run_frames(&frame, &mut probs);
            self.leftover = frame;
            self.leftover.clear();
            result?;
        }
        let n_whole = rest.len() / FRAME_SAMPLES * FRAME_SAMPLES;
        for batch in rest[..n_whole].chunks(MAX_BATCH_FRAMES * FRAME_SAMPLES) {
            self.run_frames(batch, &mut probs)?;
        }
        self.leftover.extend_from_slice(&rest[n_whole..]);
        Ok(probs)
    }

    /// Forgets the stream: recurrent state, context and leftover samples.
    /// Call it between unrelated recordings.
    pub fn reset(&mut self) {
        self.h = self.zero_state.clone();
        self.c = self.zero_state.clone();
        self.context = [0.0; CONTEXT_SAMPLES];
        self.leftover.clear();
    }

    /// Runs the model over whole frames (`samples.len()` is a multiple of
    /// [`FRAME_SAMPLES`]) and appends their probabilities to `probs`.
    fn run_frames(&mut self, samples: &[f32], probs: &mut Vec<f32>) -> Result<(), VadError> {
        let n_frames = samples.len() / FRAME_SAMPLES;
        debug_assert_eq!(n_frames * FRAME_SAMPLES, samples.len());
        if n_frames == 0 {
            return Ok(());
        }
        self.rows.clear();
        for frame in samples.chunks_exact(FRAME_SAMPLES) {
            self.rows.extend_from_slice(&self.context);
            self.rows.extend_from_slice(frame);
            self.context
                .copy_from_slice(&frame[FRAME_SAMPLES - CONTEXT_SAMPLES..]);
        }
        let fail = |e: TractError| VadError::Inference {
            message: format!("{e:#}"),
        };
        let input = Tensor::from_shape(&[n_frames, ROW_SAMPLES], &self.rows).map_err(fail)?;
        let mut inputs: [Option<TValue>; 3] = [None, None, None];
        inputs[self.input_order.input] = Some(input.into());
        inputs[self.input_order.h] = Some(self.h.clone().into());
        inputs[self.input_order.c] = Some(self.c.clone().into());
        let inputs: TVec<TValue> = inputs.into_iter().flatten().collect();
        let mut outputs = self.plan.run(inputs).map_err(fail)?;
        let take = |outputs: &mut TVec<TValue>, ix: usize| {
            std::mem::replace(&mut outputs[ix], Tensor::default().into()).into_tensor()
        };
        let speech_probs = take(&mut outputs, self.output_order.speech_probs);
        self.h = take(&mut outputs, self.output_order.hn);
        self.c = take(&mut outputs, self.output_order.cn);
        let speech_probs = speech_probs.try_as_plain_ram().map_err(fail)?;
        let speech_probs = speech_probs.as_slice::<f32>().map_err(fail)?;
        if speech_probs.len() != n_frames {
            return Err(VadError::Inference {
                message: format!("{} probabilities for {n_frames} frames", speech_probs.len()),
            });
        }
        probs.extend_from_slice(speech_probs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vad_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Vad>();
    }
}
