// blameless serve: the live view. Reads the meeting from /live/events
// (server-sent events, one JSON message each, see docs/events.md) and
// builds the page with DOM calls only: every string from the meeting is
// set as textContent, never parsed as HTML.
"use strict";
(function () {
  const wanted = new URLSearchParams(window.location.search).get("meeting");
  const byId = (id) => document.getElementById(id);
  const turns = byId("turns");
  let partials = new Map(); // source -> text of the utterance in progress
  let talk = new Map(); // speaker -> seconds
  let source = null;

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The turn's text with each tag's evidence in a <mark>. Spans count
  // characters (Unicode scalar values), as the tagger gives them.
  function highlighted(text, tags) {
    const chars = Array.from(text || "");
    const spans = [];
    for (const tag of tags || []) {
      for (const span of tag.evidence || []) {
        const start = Math.min(span[0], chars.length);
        const end = Math.min(span[1], chars.length);
        if (start < end) spans.push([start, end, tag.label]);
      }
    }
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged = [];
    for (const [start, end, label] of spans) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) {
        last[1] = Math.max(last[1], end);
        if (!last[2].includes(label)) last[2].push(label);
      } else {
        merged.push([start, end, [label]]);
      }
    }
    const out = el("span", "text");
    let at = 0;
    for (const [start, end, labels] of merged) {
      out.appendChild(document.createTextNode(chars.slice(at, start).join("")));
      const mark = el("mark", "tag " + labels.join(" "), chars.slice(start, end).join(""));
      mark.title = labels.join(", ");
      out.appendChild(mark);
      at = end;
    }
    out.appendChild(document.createTextNode(chars.slice(at).join("")));
    return out;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  }

  function reset(meeting) {
    turns.replaceChildren();
    partials = new Map();
    talk = new Map();
    byId("live-title").textContent = meeting.title || meeting.id;
    const state = byId("live-state");
    state.replaceChildren();
    state.appendChild(document.createTextNode("Live: meeting "));
    const link = el("a", null, meeting.id);
    link.href = "/meetings/" + encodeURIComponent(meeting.id);
    state.appendChild(link);
    byId("live-health").textContent = "";
    byId("live-warning").hidden = true;
    byId("nudge").hidden = true;
    byId("actions").replaceChildren();
    renderPartials();
    renderTalk();
  }

  function renderPartials() {
    const text = Array.from(partials.values()).filter((t) => t).join("  ·  ");
    byId("partials").textContent = text ? text + " …" : "";
  }

  function renderTalk() {
    const box = byId("talk-time");
    box.replaceChildren();
    let total = 0;
    for (const seconds of talk.values()) total += seconds;
    const rows = Array.from(talk.entries()).sort((a, b) => b[1] - a[1]);
    for (const [name, seconds] of rows) {
      const share = total > 0 ? seconds / total : 0;
      const row = el("div", "talk-row");
      row.appendChild(el("span", "speaker", name));
      const bar = el("span", "bar");
      bar.style.width = Math.max(1, Math.round(share * 100)) + "%";
      row.appendChild(bar);
      row.appendChild(el("span", "share", Math.round(share * 100) + "%"));
      box.appendChild(row);
    }
  }

  function addTurn(turn) {
    const follow = nearBottom();
    const who = turn.speaker || turn.source;
    partials.delete(turn.source);
    renderPartials();
    const li = el("li", "turn");
    li.id = "turn-" + turn.id;
    li.appendChild(el("span", "time", clock(turn.start)));
    li.appendChild(el("span", "speaker", who));
    if (turn.untranscribed) {
      li.appendChild(el("em", "text muted", "(not transcribed: " + turn.untranscribed + ")"));
    } else {
      li.appendChild(highlighted(turn.text, turn.tags));
    }
    for (const tag of turn.tags || []) {
      li.appendChild(document.createTextNode(" "));
      const confidence = typeof tag.confidence === "number" ? " " + tag.confidence.toFixed(2) : "";
      li.appendChild(el("span", "label " + tag.label, tag.label + confidence));
    }
    turns.appendChild(li);
    talk.set(who, (talk.get(who) || 0) + Math.max(0, turn.end - turn.start));
    renderTalk();
    if (follow) li.scrollIntoView({ block: "end" });
  }

  function showNudge(nudge) {
    const box = byId("nudge");
    box.querySelector(".nudge-label").textContent = "Nudge · " + nudge.label;
    box.querySelector(".nudge-text").textContent = nudge.text;
    box.querySelector(".nudge-reason").textContent = "Why: " + nudge.reason;
    box.hidden = false;
    const line = el("div", "nudge");
    line.appendChild(el("span", "nudge-label", "nudge · " + nudge.label));
    line.appendChild(document.createTextNode(nudge.text));
    const li = nudge.turn_id === null || nudge.turn_id === undefined ? null : byId("turn-" + nudge.turn_id);
    (li || turns).appendChild(line);
  }

  function showActions(items) {
    const list = byId("actions");
    list.replaceChildren();
    for (const item of items || []) {
      const due = item.due ? item.due + (item.due_date ? " (" + item.due_date + ")" : "") : "no deadline";
      const li = el("li", null, item.task + " (" + (item.owner || "no owner") + ", " + due + ")");
      if (!item.owner || !item.due) li.className = "missing";
      list.appendChild(li);
    }
  }

  function ended(end) {
    const state = byId("live-state");
    state.replaceChildren();
    state.appendChild(document.createTextNode("Meeting ended (" + end.status + (end.interruption ? ": " + end.interruption : "") + "). "));
    const link = el("a", null, "Transcript and action items");
    link.href = "/meetings/" + encodeURIComponent(end.id);
    state.appendChild(link);
    state.appendChild(document.createTextNode(" · "));
    const report = el("a", null, "Report");
    report.href = "/meetings/" + encodeURIComponent(end.id) + "/report";
    state.appendChild(report);
    partials = new Map();
    renderPartials();
  }

  function onMessage(message) {
    switch (message.type) {
      case "meeting":
        reset(message);
        break;
      case "turn":
        addTurn(message);
        break;
      case "partial":
        partials.set(message.source, message.text);
        renderPartials();
        break;
      case "nudge":
        showNudge(message);
        break;
      case "speaker_update": {
        const li = byId("turn-" + message.turn_id);
        const speaker = li && li.querySelector(".speaker");
        if (speaker) speaker.textContent = message.speaker;
        break;
      }
      case "status":
        byId("live-health").textContent =
          "audio " + clock(message.audio_s) + " · real-time factor " + Number(message.rtf).toFixed(2) +
          " · lag " + Number(message.lag_s).toFixed(1) + " s · dropped samples " + message.dropped_samples;
        break;
      case "warning": {
        const warning = byId("live-warning");
        warning.textContent = (message.source ? message.source + ": " : "") + message.message;
        warning.hidden = false;
        break;
      }
      case "actions":
        showActions(message.items);
        break;
      case "end":
        ended(message);
        source.close();
        // Without a meeting asked for, wait for the next one.
        if (!wanted) window.setTimeout(connect, 3000);
        break;
    }
  }

  function connect() {
    source = new EventSource("/live/events" + (wanted ? "?meeting=" + encodeURIComponent(wanted) : ""));
    source.onmessage = (event) => {
      try {
        onMessage(JSON.parse(event.data));
      } catch (error) {
        console.error(error);
      }
    };
  }

  connect();
})();
