#!/usr/bin/env python3
"""Reference numbers for the speaker segmentation model (a development tool).

An independent float64 numpy forward pass of the 2022 pyannote segmentation
model (PyanNet) shipped as whisperx/assets/pytorch_model.bin in the
whisperx==3.8.6 wheel, written from pyannote.audio's PyanNet and SincNet and
asteroid-filterbanks' ParamSincFB, without torch. The checkpoint is read with
Python's zipfile and a restricted unpickler that builds tensors and nothing
else. tests/speakers.rs holds blameless's Rust forward pass to the numbers
this writes into data/speakers/segmentation-reference.json.

    python3 -m venv venv && venv/bin/pip install numpy
    venv/bin/python scripts/segmentation_reference.py pytorch_model.bin samples/ out.json

Not run by the test suite: the JSON it wrote is committed.
"""

import collections
import json
import pickle
import sys
import wave
import zipfile

import numpy as np


class _Opaque:
    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def load_state_dict(path):
    """The checkpoint's state_dict as float64 arrays."""
    archive = zipfile.ZipFile(path)
    prefix = archive.namelist()[0].split("/")[0]

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, shape, stride, *rest: (storage, offset, shape, stride)
            if module == "torch" and name.endswith("Storage"):
                return name
            return type(name, (_Opaque,), {})

        def persistent_load(self, pid):
            _, dtype, key, _location, _numel = pid
            assert dtype == "FloatStorage", dtype
            raw = archive.read(f"{prefix}/data/{key}")
            return np.frombuffer(raw, dtype="<f4")

    top = Reader(archive.open(f"{prefix}/data.pkl")).load()
    state = {}
    for name, (storage, offset, shape, stride) in top["state_dict"].items():
        n = int(np.prod(shape)) if shape else 1
        flat = storage[offset : offset + n].astype(np.float64)
        state[name] = flat.reshape(shape)
    return state


def instance_norm(x, weight, bias, eps=1e-5):
    """torch.nn.InstanceNorm1d(affine=True) on [channels, time]."""
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight[:, None] + bias[:, None]


def leaky_relu(x):
    return np.where(x >= 0, x, 0.01 * x)


def max_pool3(x):
    n = x.shape[1] // 3
    return x[:, : 3 * n].reshape(x.shape[0], n, 3).max(axis=2)


def conv1d(x, weight, bias, stride=1):
    """[in, time] * [out, in, k] -> [out, time']."""
    out_ch, in_ch, k = weight.shape
    n = (x.shape[1] - k) // stride + 1
    idx = np.arange(k)[None, :] + stride * np.arange(n)[:, None]
    cols = x[:, idx]  # [in, n, k]
    y = np.einsum("ink,oik->on", cols, weight)
    return y + (bias[:, None] if bias is not None else 0)


def sinc_filters(state, sample_rate=16000, min_low_hz=50, min_band_hz=50):
    """ParamSincFB.filters(): 40 cosine then 40 sine band-pass filters of 251 taps."""
    low_hz = state["sincnet.conv1d.0.filterbank.low_hz_"]
    band_hz = state["sincnet.conv1d.0.filterbank.band_hz_"]
    window = state["sincnet.conv1d.0.filterbank.window_"]
    n_ = state["sincnet.conv1d.0.filterbank.n_"]
    low = min_low_hz + np.abs(low_hz)
    high = np.clip(low + min_band_hz + np.abs(band_hz), min_low_hz, sample_rate / 2)
    band = (high - low)[:, 0]
    ft_low = low @ n_
    ft_high = high @ n_
    filters = []
    for kind in ("cos", "sin"):
        if kind == "cos":
            left = ((np.sin(ft_high) - np.sin(ft_low)) / (n_ / 2)) * window
            center = 2 * band[:, None]
            right = left[:, ::-1]
        else:
            left = ((np.cos(ft_low) - np.cos(ft_high)) / (n_ / 2)) * window
            center = np.zeros_like(band[:, None])
            right = -left[:, ::-1]
        band_pass = np.concatenate([left, center, right], axis=1) / (2 * band[:, None])
        filters.append(band_pass)
    return np.concatenate(filters, axis=0)[:, None, :]


def lstm_direction(x, w_ih, w_hh, b_ih, b_hh, reverse):
    """One direction of one torch.nn.LSTM layer, gates (i, f, g, o)."""
    hidden = w_hh.shape[1]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    h = np.zeros(hidden)
    c = np.zeros(hidden)
    out = np.zeros((x.shape[0], hidden))
    sig = lambda v: 1 / (1 + np.exp(-v))
    for t in steps:
        g = w_ih @ x[t] + b_ih + w_hh @ h + b_hh
        i, f, cell, o = np.split(g, 4)
        c = sig(f) * c + sig(i) * np.tanh(cell)
        h = sig(o) * np.tanh(c)
        out[t] = h
    return out


def forward(state, wav):
    """PyanNet.forward on one mono waveform: [frames, 3] speaker activities."""
    x = wav[None, :]
    x = instance_norm(x, state["sincnet.wav_norm1d.weight"], state["sincnet.wav_norm1d.bias"])
    x = np.abs(conv1d(x, sinc_filters(state), None, stride=10))
    x = leaky_relu(instance_norm(max_pool3(x), state["sincnet.norm1d.0.weight"], state["sincnet.norm1d.0.bias"]))
    for i in (1, 2):
        x = conv1d(x, state[f"sincnet.conv1d.{i}.weight"], state[f"sincnet.conv1d.{i}.bias"])
        x = leaky_relu(instance_norm(max_pool3(x), state[f"sincnet.norm1d.{i}.weight"], state[f"sincnet.norm1d.{i}.bias"]))
    sincnet = x
    x = x.T  # [frames, 60]
    for layer in range(4):
        outs = []
        for suffix, reverse in (("", False), ("_reverse", True)):
            p = lambda n: state[f"lstm.{n}_l{layer}{suffix}"]
            outs.append(lstm_direction(x, p("weight_ih"), p("weight_hh"), p("bias_ih"), p("bias_hh"), reverse))
        x = np.concatenate(outs, axis=1)
    for i in (0, 1):
        x = leaky_relu(x @ state[f"linear.{i}.weight"].T + state[f"linear.{i}.bias"])
    logits = x @ state["classifier.weight"].T + state["classifier.bias"]
    return 1 / (1 + np.exp(-logits)), sincnet


def read_wav(path):
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float64) / 32768.0


def main():
    checkpoint, samples, out = sys.argv[1:4]
    state = load_state_dict(checkpoint)
    cases = []
    # (file, first sample, number of samples): a full 5 s chunk of the real
    # call across four speaker changes, and a shorter clip of another length.
    for name, start, n in (("pyannote-sample.wav", 80_000, 80_000), ("jfk.wav", 16_000, 51_234)):
        wav = read_wav(f"{samples}/{name}")[start : start + n]
        probs, sincnet = forward(state, wav)
        cases.append(
            {
                "file": name,
                "start_sample": start,
                "n_samples": n,
                "n_frames": probs.shape[0],
                "sincnet_frame_10": [round(float(v), 7) for v in sincnet[:, 10]],
                "activities": [[round(float(v), 7) for v in row] for row in probs],
            }
        )
        print(f"{name}: {probs.shape[0]} frames, mean activity {probs.mean(axis=0)}", file=sys.stderr)
    with open(out, "w") as f:
        json.dump({"model": "whisperx==3.8.6 whisperx/assets/pytorch_model.bin", "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
