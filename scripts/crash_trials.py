"""Crash trials: SIGKILL at a random moment, then `recover`, then checks.

Run by scripts/crash-trials.sh (which sets up the binary, models and
samples); see that script for what is checked. Prints one line per trial
that fails, and passed/run per command.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave

BLAMELESS = os.environ["BLAMELESS"]
ROOT = os.environ["ROOT"]
MODELS = os.environ["BLAMELESS_MODELS"]
QUERIES = ["country", "rollback", "database", "deploy", "alert", "pager", "customers", "cache"]


def run(home, *args, models=MODELS, check=True, **kw):
    env = dict(os.environ, BLAMELESS_HOME=home, BLAMELESS_MODELS=models)
    out = subprocess.run([BLAMELESS, *args], env=env, capture_output=True, text=True, **kw)
    if check and out.returncode != 0:
        raise Failure(f"`blameless {' '.join(args)}` exited {out.returncode}: {out.stderr.strip()[-300:]}")
    return out


class Failure(Exception):
    pass


def tree_hash(path):
    """Names, sizes and contents of every file under `path`."""
    h = hashlib.sha256()
    for dirpath, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            h.update(p[len(path):].encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def search_hits(home):
    hits = set()
    for q in QUERIES:
        out = run(home, "search", q, "--format", "json", "--limit", "1000")
        for hit in json.loads(out.stdout)["hits"]:
            hits.add((q, hit["meeting_id"], hit["start"], hit["text"]))
    return hits


def wav_seconds(path):
    with wave.open(path) as w:
        return w.getnframes() / w.getframerate()


def spawn(home, args, env_extra=None, models=MODELS):
    env = dict(os.environ, BLAMELESS_HOME=home, BLAMELESS_MODELS=models, **(env_extra or {}))
    proc = subprocess.Popen([BLAMELESS, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines = []

    def read():
        for line in proc.stdout:
            lines.append((time.monotonic(), line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return proc, lines, reader


def kill_at(proc, lines, delay, after_event=None, limit=60):
    """SIGKILL `delay` s after the first line of type `after_event` (or after start)."""
    started = time.monotonic()
    t0 = started
    if after_event:
        while time.monotonic() - started < limit:
            found = [t for t, l in lines if f'"type":"{after_event}"' in l]
            if found:
                t0 = found[0]
                break
            if proc.poll() is not None:
                break
            time.sleep(0.01)
    while time.monotonic() < t0 + delay and proc.poll() is None:
        time.sleep(0.005)
    killed = proc.poll() is None
    kill_time = time.monotonic()
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return t0, kill_time, killed


def check_store(home, extra_turns=None):
    """recover, a second recover that changes nothing, every meeting readable,
    and search answering as a fresh reindex does."""
    run(home, "recover", "--format", "json")
    meetings = os.path.join(home, "meetings")
    before = tree_hash(meetings)
    second = run(home, "recover")
    if not second.stdout.startswith("nothing to recover"):
        raise Failure(f"a second recover did something: {second.stdout.strip()[:200]}")
    if tree_hash(meetings) != before:
        raise Failure("a second recover changed files")
    listed = json.loads(run(home, "meetings", "list", "--format", "json").stdout)
    for m in listed:
        if m.get("problem"):
            raise Failure(f"meeting {m['id']} is unreadable: {m['problem']}")
    hits = search_hits(home)
    fresh = tempfile.mkdtemp(prefix="crash-fresh-")
    try:
        shutil.copytree(meetings, os.path.join(fresh, "meetings"))
        run(fresh, "reindex")
        if search_hits(fresh) != hits:
            raise Failure("search answers differ from a fresh reindex")
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return listed


def printed_turns_stored(home, lines):
    events = [json.loads(l) for _, l in lines if l.startswith("{")]
    meeting = next((e for e in events if e["type"] == "meeting"), None)
    turns = [e for e in events if e["type"] == "turn"]
    if meeting is None:
        return None, 0
    shown = json.loads(run(home, "meetings", "show", meeting["id"], "--format", "json").stdout)
    stored = {(t["id"], t["text"]) for t in shown["turns"]}
    for t in turns:
        if (t["id"], t["text"]) not in stored:
            raise Failure(f"printed turn {t['id']} is not stored")
    return meeting, len(turns)


def audio_kept(meeting, t0, kill_time, speed=1.0):
    expected = (kill_time - t0) * speed - 1.0 * speed
    got = wav_seconds(os.path.join(meeting["dir"], "source-0.wav"))
    if got < expected:
        raise Failure(f"the WAV holds {got:.2f} s, expected at least {expected:.2f} s")
    return got


def trial_replay(home, rng):
    delay = rng.uniform(0.0, 12.0)
    proc, lines, reader = spawn(home, ["replay", os.path.join(ROOT, "samples", "postmortem.wav"),
                                       "--format", "jsonl", "--no-speakers"])
    t0, kill_time, _ = kill_at(proc, lines, delay, after_event="meeting")
    reader.join(2)
    meeting, n = printed_turns_stored(home, lines)
    # The header is patched every second; `recover` extends it to the data,
    # so what the WAV holds is read after it, as the user would.
    check_store(home)
    if meeting:
        audio_kept(meeting, t0, kill_time)
    return f"killed {delay:.1f} s in, {n} turns printed"


def alsa_device(home):
    """An ALSA file-plugin device reading a pipe; returns (alsa home, fifo, format)."""
    alsa = os.path.join(home, "alsa")
    os.makedirs(alsa, exist_ok=True)
    fifo = os.path.join(alsa, "mic.fifo")
    silent = os.path.join(alsa, "silence.raw")
    with open(silent, "wb") as f:
        f.write(b"\0" * 65536)

    def rc(infile):
        with open(os.path.join(alsa, ".asoundrc"), "w") as f:
            f.write(f'pcm.crashmic {{\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n'
                    f'  infile "{infile}"\n  format "raw"\n  hint {{ show on; description "crash trials" }}\n}}\n')
    rc(silent)
    env = dict(os.environ, HOME=alsa, BLAMELESS_HOME=home, BLAMELESS_MODELS=MODELS)
    devices = json.loads(subprocess.run([BLAMELESS, "devices", "--format", "json"], env=env,
                                        capture_output=True, text=True, check=True).stdout)
    fmt = next(d for d in devices if d["name"] == "crashmic")["format"]
    os.mkfifo(fifo)
    rc(fifo)
    return alsa, fifo, fmt


def feed(fifo, fmt, speech, stop):
    rate, channels = fmt["sample_rate"], fmt["channels"]
    pack = "<f" if fmt["sample_format"] == "f32" else "<h"
    scale = 1.0 if pack == "<f" else 32767.0
    with open(fifo, "wb") as pipe:
        started, written, t = time.monotonic(), 0.0, 0.0
        while not stop.is_set():
            block = bytearray()
            for _ in range(rate // 20):
                v = speech[int(t * 16000) % len(speech)]
                block += struct.pack(pack, v * scale if pack == "<f" else int(v * scale)) * channels
                t += 1.0 / rate
            try:
                pipe.write(block)
                pipe.flush()
            except OSError:
                return
            written += 0.05
            time.sleep(max(0.0, started + written - time.monotonic()))


def trial_record(home, rng, speech):
    alsa, fifo, fmt = alsa_device(home)
    delay = rng.uniform(0.0, 12.0)
    proc, lines, reader = spawn(home, ["record", "--device", "crashmic", "--format", "jsonl",
                                       "--partial-every", "0", "--no-speakers"], env_extra={"HOME": alsa})
    stop = threading.Event()
    feeder = threading.Thread(target=feed, args=(fifo, fmt, speech, stop), daemon=True)
    feeder.start()
    t0, kill_time, _ = kill_at(proc, lines, delay, after_event="meeting")
    stop.set()
    reader.join(2)
    meeting, n = printed_turns_stored(home, lines)
    # The header is patched every second; `recover` extends it to the data,
    # so what the WAV holds is read after it, as the user would.
    check_store(home)
    if meeting:
        audio_kept(meeting, t0, kill_time)
    return f"killed {delay:.1f} s in, {n} turns printed"


def trial_import(home, rng, path, expected_turns, window):
    delay = rng.uniform(*window)
    proc, lines, reader = spawn(home, ["import", path, "-q"])
    kill_at(proc, lines, delay)
    listed = check_store(home)
    for m in listed:
        if m["status"] != "complete" or m["turns"] != expected_turns:
            raise Failure(f"a partial import was kept: {m['status']}, {m['turns']} of {expected_turns} turns")
    return f"killed {delay:.2f} s in, {len(listed)} meeting(s) kept"


def trial_analyze(home, rng, base):
    shutil.rmtree(home)
    shutil.copytree(base, home)
    meeting = json.loads(run(home, "meetings", "list", "--format", "json").stdout)[0]["id"]
    turns = os.path.join(home, "meetings", meeting, "turns.jsonl")
    before = open(turns, "rb").read()
    delay = rng.uniform(0.0, 3.0)
    proc, lines, reader = spawn(home, ["analyze", meeting])
    kill_at(proc, lines, delay)
    if open(turns, "rb").read() != before:
        raise Failure("analyze changed turns.jsonl")
    analysis = os.path.join(home, "meetings", meeting, "analysis.jsonl")
    if os.path.exists(analysis):
        for line in open(analysis):
            json.loads(line)
    check_store(home)
    return f"killed {delay:.2f} s in"


def trial_reindex(home, rng, base):
    shutil.rmtree(home)
    shutil.copytree(base, home)
    delay = rng.uniform(0.0, 2.0)
    proc, lines, reader = spawn(home, ["reindex"])
    kill_at(proc, lines, delay)
    check_store(home)
    return f"killed {delay:.2f} s in"


def trial_models_fetch(home, rng, window):
    models = os.path.join(home, "models")
    os.makedirs(models)
    delay = rng.uniform(*window)
    proc, lines, reader = spawn(home, ["models", "fetch", "tiny.en"], models=models)
    kill_at(proc, lines, delay)
    out = run(home, "transcribe", os.path.join(ROOT, "samples", "jfk.wav"), "--model", "tiny.en",
              models=models, check=False)
    if out.returncode != 0 and "not installed" not in out.stderr:
        raise Failure(f"--model found a broken model: {out.stderr.strip()[-200:]}")
    if out.returncode == 0 and "country" not in out.stdout.lower():
        raise Failure(f"the model transcribed nonsense: {out.stdout[:100]}")
    run(home, "models", "fetch", "tiny.en", models=models)
    return f"killed {delay:.1f} s in, model {'usable' if out.returncode == 0 else 'absent'}"


def timed(fn, *args, **kw):
    started = time.monotonic()
    fn(*args, **kw)
    return time.monotonic() - started


def main():
    n = int(sys.argv[1])
    commands = sys.argv[2].split()
    rng = random.Random(int(os.environ.get("SEED", time.time())))
    work = tempfile.mkdtemp(prefix="crash-trials-")
    global VTT
    VTT = os.path.join(work, "crash-trials.vtt")
    speech = None
    results = {}
    try:
        # Shared inputs: a stored meeting for analyze/reindex, the VTT, the
        # reference counts and durations for imports and fetches.
        base = os.path.join(work, "base")
        run(base, "replay", os.path.join(ROOT, "samples", "jfk.wav"), "--speed", "max", "-q", "--no-speakers")
        with open(VTT, "w") as f:
            f.write("WEBVTT\n\n")
            for i in range(400):
                f.write(f"{i // 60:02d}:{i % 60:02d}.000 --> {i // 60:02d}:{i % 60:02d}.900\n"
                        f"<v Speaker {i % 5}>Turn {i}: we rolled back the deploy and the cache alert fired.\n\n")
        run(base, "import", VTT, "-q")
        ref = os.path.join(work, "ref")
        audio_path = os.path.join(ROOT, "samples", "jfk.wav")
        audio_s = timed(run, ref, "import", audio_path, "-q")
        audio_turns = json.loads(run(ref, "meetings", "list", "--format", "json").stdout)[0]["turns"]
        vtt_s = timed(run, os.path.join(work, "ref-vtt"), "import", VTT, "-q")
        if "models-fetch" in commands:
            fetch_s = timed(run, os.path.join(work, "ref-fetch"), "models", "fetch", "tiny.en",
                            models=os.path.join(work, "ref-fetch", "models"))
        if "record" in commands:
            with wave.open(os.path.join(ROOT, "samples", "jfk.wav")) as w:
                raw = w.readframes(w.getnframes())
            speech = [s / 32768.0 for s in struct.unpack(f"<{len(raw) // 2}h", raw)]
        for command in commands:
            passed = 0
            for i in range(n):
                home = os.path.join(work, f"{command}-{i}")
                os.makedirs(home)
                try:
                    if command == "record":
                        note = trial_record(home, rng, speech)
                    elif command == "replay":
                        note = trial_replay(home, rng)
                    elif command == "import-vtt":
                        note = trial_import(home, rng, VTT, 400, (0.0, vtt_s * 1.2))
                    elif command == "import-audio":
                        note = trial_import(home, rng, audio_path, audio_turns, (0.0, audio_s * 1.2))
                    elif command == "analyze":
                        note = trial_analyze(home, rng, base)
                    elif command == "reindex":
                        note = trial_reindex(home, rng, base)
                    elif command == "models-fetch":
                        note = trial_models_fetch(home, rng, (0.0, fetch_s * 1.1))
                    else:
                        raise SystemExit(f"unknown command {command}")
                    passed += 1
                    if os.environ.get("VERBOSE"):
                        print(f"  {command} trial {i + 1}: ok ({note})", flush=True)
                except Failure as failure:
                    print(f"  {command} trial {i + 1}: FAILED: {failure}", flush=True)
                shutil.rmtree(home, ignore_errors=True)
            results[command] = passed
            print(f"{command:>13}: {passed}/{n} trials passed", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if all(p == n for p in results.values()) else 1)


if __name__ == "__main__":
    main()
