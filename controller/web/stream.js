// One stream: figures and sparklines, the thumbnail, the run history and the
// live stderr tail.
import * as api from "./api.js";
import { bytes, dash, fill, h, kbps, num, setText, when } from "./dom.js";
import { sparkline } from "./sparkline.js";
import { HISTORY_MS, putStream, store, subscribe } from "./store.js";
import { actionButtons, speedClass, stateBadge, timeText } from "./streams.js";

const LOG_POLL_MS = 1000;
const THUMB_POLL_MS = 5000;
const LOG_KEEP = 500;
const SPARK_MS = HISTORY_MS;

function figure(label, cls) {
  const v = h("span", { class: `v ${cls}` }, dash);
  return [h("div", { class: "stat" }, h("span", { class: "k" }, label), v), v];
}

function runsTable(runs) {
  if (!runs || runs.length === 0) return h("p", { class: "muted" }, "No runs yet.");
  return h("table", { class: "runs" },
    h("thead", {}, h("tr", {}, ["#", "Agent", "Encoder", "Started", "Ended", "Exit", "Reason", "Error"].map((t) => h("th", {}, t)))),
    h("tbody", {}, runs.map((r) => h("tr", {},
      h("td", {}, r.attempt), h("td", {}, r.agent || dash), h("td", {}, r.encoder || dash),
      h("td", {}, when(r.started_at)), h("td", {}, r.ended_at ? when(r.ended_at) : "running"),
      h("td", {}, r.signal ? `signal ${r.signal}` : r.exit_code ?? dash),
      h("td", {}, r.reason || dash), h("td", { class: "err" }, r.error || "")))));
}

export function mountStream(root, id) {
  const ref = encodeURIComponent(id);
  let sid = String(id);  // the id once known (the route may name the stream)
  const title = h("h1", {}, `Stream ${id}`);
  const badge = h("span");
  const actions = h("span", { class: "actions" });
  const meta = h("div", { class: "muted meta" });
  const [fpsBox, fpsV] = figure("FPS", "c-fps");
  const [speedBox, speedV] = figure("Speed", "c-speed");
  const [rateBox, rateV] = figure("Bitrate", "c-bitrate");
  const [cpuBox, cpuV] = figure("CPU", "c-cpu");
  const [rssBox, rssV] = figure("Memory", "c-rss");
  const [timeBox, timeV] = figure("Uptime / progress", "c-time");
  const [dropBox, dropV] = figure("Dropped / duplicated", "c-drop");
  const sparks = { speed: h("div", { class: "spark-box" }), fps: h("div", { class: "spark-box" }),
    bitrate_kbps: h("div", { class: "spark-box" }) };
  const thumb = h("img", { class: "thumb", alt: "thumbnail", hidden: true });
  const thumbNote = h("p", { class: "muted thumb-note" }, "loading thumbnail…");
  const runs = h("div", { class: "runs-box" }, h("p", { class: "muted" }, "loading…"));
  const log = h("pre", { class: "log", "aria-label": "ffmpeg stderr" });
  const logNote = h("span", { class: "muted" });
  const error = h("p", { class: "error", hidden: true });

  fill(root,
    h("div", { class: "toolbar" }, h("a", { href: "#/streams", class: "back" }, "← Streams"), title, badge, actions),
    meta, error,
    h("div", { class: "stream-top" },
      h("div", { class: "figures" }, fpsBox, speedBox, rateBox, cpuBox, rssBox, timeBox, dropBox),
      h("figure", { class: "thumb-box" }, thumb, thumbNote)),
    h("div", { class: "sparks" },
      h("div", {}, h("h3", {}, "Speed"), sparks.speed),
      h("div", {}, h("h3", {}, "FPS"), sparks.fps),
      h("div", {}, h("h3", {}, "Bitrate"), sparks.bitrate_kbps)),
    h("h2", {}, "stderr ", logNote), log,
    h("h2", {}, "Runs"), runs);

  let key = "";
  function render() {
    const s = store.streams.get(sid);
    if (!s) return;
    const k = JSON.stringify([s.name, s.state, s.owner, store.me && store.me.role]);
    if (k !== key) {
      key = k;
      setText(title, s.name);
      fill(badge, stateBadge(s.state));
      fill(actions, actionButtons(s));
    }
    setText(meta, [`owner ${s.owner}`, s.agent ? `on ${s.agent}` : null, s.encoder ? `encoder ${s.encoder}` : null,
      s.pid ? `pid ${s.pid}` : null, s.attempt ? `attempt ${s.attempt}` : null,
      s.waiting_for ? `waiting for ${s.waiting_for}` : null, s.warning ? `warning: ${s.warning}` : null]
      .filter(Boolean).join(" · "));
    const live = s.state === "running";
    setText(fpsV, live ? num(s.fps, 1) : dash);
    setText(speedV, live ? `${num(s.speed, 2)}x` : dash);
    speedV.className = `v c-speed ${speedClass(s)}`;
    setText(rateV, live ? kbps(s.bitrate_kbps) : dash);
    setText(cpuV, live ? `${num(s.cpu_percent, 0)}%` : dash);
    setText(rssV, live ? bytes(s.rss_bytes) : dash);
    setText(timeV, timeText(s));
    setText(dropV, live ? `${s.drop_frames ?? 0} / ${s.dup_frames ?? 0}` : dash);
    if (s.last_error && !live) { error.hidden = false; setText(error, s.last_error); } else error.hidden = true;
  }

  function renderSparks() {
    const hist = store.history.get(sid) || [];
    const pts = (k) => hist.map((p) => ({ t: p.t, v: p[k] }));
    // The span shown grows with the data: from one minute to five.
    const span = hist.length ? Math.min(SPARK_MS, Math.max(60000, Date.now() - hist[0].t)) : 60000;
    fill(sparks.speed, sparkline(pts("speed"), span, { ref: 1.0, label: "speed" }));
    fill(sparks.fps, sparkline(pts("fps"), span, { label: "fps" }));
    fill(sparks.bitrate_kbps, sparkline(pts("bitrate_kbps"), span, { label: "bitrate kb/s" }));
  }

  async function loadDetail() {
    try {
      const s = await api.get(`/streams/${ref}?runs=20`);
      sid = String(s.id);
      fill(runs, runsTable(s.runs));
      // The lists and the events keep the figures; this answer may be older
      // than an event already here, so it only fills a stream not known yet.
      if (!store.streams.has(sid)) {
        const { runs: _r, inputs: _i, outputs: _o, ...rest } = s;
        putStream(rest);
      }
    } catch (e) {
      if (e.status !== 401) { error.hidden = false; setText(error, e.message); }
    }
  }

  // The stderr tail: the last lines, then whatever follows each second.
  let lastSeq = null, attempt = null, logBusy = false;
  async function pollLog() {
    if (logBusy || document.visibilityState !== "visible") return;
    logBusy = true;
    try {
      const q = lastSeq === null ? "tail=100" : `after=${lastSeq}`;
      const r = await api.get(`/streams/${ref}/logs?${q}`);
      if (attempt !== null && r.attempt !== attempt && lastSeq !== null) {
        // A new run: its lines count from its own start; take its tail afresh.
        attempt = r.attempt;
        lastSeq = null;
        log.append(document.createTextNode(`--- attempt ${r.attempt} ---\n`));
        return;
      }
      attempt = r.attempt;
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      for (const line of r.lines || []) log.append(document.createTextNode(line + "\n"));
      while (log.childNodes.length > LOG_KEEP) log.firstChild.remove();
      if (typeof r.last_seq === "number") lastSeq = r.last_seq;
      setText(logNote, r.live ? "(live)" : "(last run)");
      if (atBottom) log.scrollTop = log.scrollHeight;
    } catch (e) {
      if (e.status !== 401) setText(logNote, `(${e.message})`);
    } finally {
      logBusy = false;
    }
  }

  // The thumbnail: <img> cannot send the bearer header, so it is fetched as a
  // blob and shown through an object URL.
  let thumbUrl = null, thumbBusy = false;
  async function pollThumb() {
    if (thumbBusy || document.visibilityState !== "visible") return;
    thumbBusy = true;
    try {
      const blob = await api.getBlob(`/streams/${ref}/thumbnail`);
      if (thumbUrl) URL.revokeObjectURL(thumbUrl);
      thumbUrl = blob ? URL.createObjectURL(blob) : null;
      if (thumbUrl) {
        thumb.src = thumbUrl;
        thumb.hidden = false;
        thumbNote.hidden = true;
      } else {
        thumb.hidden = true;
        thumb.removeAttribute("src");
        thumbNote.hidden = false;
        setText(thumbNote, "no thumbnail");
      }
    } catch (e) {
      if (e.status !== 401) { thumbNote.hidden = false; setText(thumbNote, `thumbnail: ${e.message}`); }
    } finally {
      thumbBusy = false;
    }
  }

  render();
  renderSparks();
  loadDetail();
  pollLog();
  pollThumb();
  let lastState = store.streams.get(sid)?.state;
  const unsub = subscribe((kind, key2) => {
    if (kind === "streams" || key2 === sid) render();
    if (kind === "figures" && key2 === sid) renderSparks();
    const st = store.streams.get(sid)?.state;
    if (kind === "stream" && key2 === sid && st !== lastState) {
      lastState = st;
      loadDetail();  // a run started or ended: the history changed
    }
  });
  const timers = [setInterval(pollLog, LOG_POLL_MS), setInterval(pollThumb, THUMB_POLL_MS),
    setInterval(() => { render(); renderSparks(); }, 1000)];
  return () => {
    unsub();
    timers.forEach(clearInterval);
    if (thumbUrl) URL.revokeObjectURL(thumbUrl);
  };
}
