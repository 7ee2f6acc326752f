// The streams page: one table, updated in place from the events.
import { streamAction } from "./actions.js";
import { bytes, dash, duration, fill, h, kbps, num, setText, since } from "./dom.js";
import { canAct, store, subscribe } from "./store.js";

export const STOPPABLE = new Set(["running", "starting", "pending", "scheduled"]);
export const STARTABLE = new Set(["stopped", "failed", "completed"]);
const STATES = ["running", "starting", "pending", "scheduled", "stopping", "failed", "completed", "stopped"];
const COLUMNS = [
  ["name", "Name"], ["owner", "Owner"], ["state", "State"], ["agent", "Agent"], ["encoder", "Encoder"],
  ["fps", "FPS"], ["speed", "Speed"], ["bitrate", "Bitrate"], ["cpu", "CPU"], ["rss", "Memory"],
  ["time", "Uptime / progress"], ["actions", ""],
];
let readyMarked = false;

// "12m 03s" for a live run, "42.0% · ETA 1m 05s" for batch work.
export function timeText(s) {
  if (typeof s.progress === "number") {
    const eta = typeof s.eta_s === "number" ? ` · ETA ${duration(s.eta_s)}` : "";
    return `${s.progress.toFixed(1)}%${eta}`;
  }
  if (s.state !== "running") return dash;
  const up = since(s.run_started_at);
  return up === null ? dash : duration(up);
}

export function stateBadge(state) {
  return h("span", { class: `badge state-${String(state).replace(/[^a-z_]/g, "")}` }, state);
}

// Slower than real time. A live input read at its own pace (-re) reads
// 0.99-1.00x all along: the warning starts below 0.98x, so it means something.
export const SLOW_SPEED = 0.98;
export function speedClass(s) {
  return s.state === "running" && typeof s.speed === "number" && s.speed > 0 && s.speed < SLOW_SPEED ? "warn" : "";
}

// Start and stop, for whom they are meant (the server checks again).
export function actionButtons(s) {
  if (!canAct(s)) return [];
  return [
    h("button", { type: "button", class: "start", disabled: !STARTABLE.has(s.state),
      onclick: () => streamAction(s, "start") }, "Start"),
    h("button", { type: "button", class: "stop", disabled: !STOPPABLE.has(s.state),
      onclick: () => streamAction(s, "stop") }, "Stop"),
  ];
}

export function mountStreams(root) {
  const search = h("input", { type: "search", class: "search", placeholder: "Search name, owner, agent…",
    "aria-label": "search streams" });
  const stateSel = h("select", { "aria-label": "state filter" }, h("option", { value: "" }, "all states"),
    STATES.map((st) => h("option", { value: st }, st)));
  const count = h("span", { class: "muted count" });
  const tbody = h("tbody");
  const empty = h("p", { class: "muted empty", hidden: true }, "No streams.");
  const table = h("table", { class: "streams" },
    h("thead", {}, h("tr", {}, COLUMNS.map(([k, t]) => h("th", { class: `c-${k}` }, t)))), tbody);
  fill(root, h("div", { class: "toolbar" }, h("h1", {}, "Streams"), search, stateSel, count),
    h("div", { class: "table-wrap" }, table), empty);

  const rows = new Map();  // id -> {tr, cells, key}

  function buildRow(id) {
    const cells = {};
    const tr = h("tr", { dataset: { id } },
      COLUMNS.map(([k]) => (cells[k] = h("td", { class: `c-${k}` }))));
    return { tr, cells, key: "" };
  }

  function update(id) {
    const s = store.streams.get(id);
    if (!s) return;
    let r = rows.get(id);
    if (!r) {
      r = buildRow(id);
      rows.set(id, r);
    }
    const c = r.cells;
    r.tr.dataset.state = s.state;
    r.tr.dataset.owner = s.owner;
    // Name, state and buttons are rebuilt only when what they show changed.
    const key = JSON.stringify([s.name, s.state, s.owner, store.me && store.me.user, store.me && store.me.role]);
    if (key !== r.key) {
      r.key = key;
      fill(c.name, h("a", { href: `#/streams/${encodeURIComponent(id)}` }, s.name));
      fill(c.state, stateBadge(s.state));
      fill(c.actions, actionButtons(s));
    }
    setText(c.owner, s.owner || dash);
    setText(c.agent, s.agent || dash);
    setText(c.encoder, s.encoder || dash);
    const live = s.state === "running";
    setText(c.fps, live ? num(s.fps, 1) : dash);
    setText(c.speed, live ? `${num(s.speed, 2)}x` : dash);
    c.speed.className = `c-speed ${speedClass(s)}`;
    setText(c.bitrate, live ? kbps(s.bitrate_kbps) : dash);
    setText(c.cpu, live ? `${num(s.cpu_percent, 0)}%` : dash);
    setText(c.rss, live ? bytes(s.rss_bytes) : dash);
    setText(c.time, timeText(s));
    if (s.last_error && !live) c.state.title = s.last_error;
    else c.state.removeAttribute("title");
    applyFilter(r, s);
  }

  function applyFilter(r, s) {
    const q = search.value.trim().toLowerCase();
    const hay = [s.name, s.owner, s.agent, s.state, s.encoder].join(" ").toLowerCase();
    r.tr.hidden = (stateSel.value && s.state !== stateSel.value) || (q && !hay.includes(q));
  }

  function renderAll() {
    for (const id of [...rows.keys()]) if (!store.streams.has(id)) { rows.get(id).tr.remove(); rows.delete(id); }
    const ids = [...store.streams.keys()].sort((a, b) => {
      const x = store.streams.get(a), y = store.streams.get(b);
      return String(x.name).localeCompare(String(y.name)) || Number(a) - Number(b);
    });
    for (const id of ids) update(id);
    tbody.replaceChildren(...ids.map((id) => rows.get(id).tr));
    counts();
  }

  function counts() {
    const shown = [...rows.values()].filter((r) => !r.tr.hidden).length;
    setText(count, `${shown} of ${rows.size}`);
    empty.hidden = rows.size > 0;
  }

  function refilter() {
    for (const [id, r] of rows) applyFilter(r, store.streams.get(id));
    counts();
  }
  search.addEventListener("input", refilter);
  stateSel.addEventListener("change", refilter);

  // The page's "ready" time: the first render of the table with the streams
  // fetched (tests/integration/test_dashboard.py reads it).
  function markReady() {
    if (readyMarked || !store.loaded) return;
    readyMarked = true;
    performance.mark("ffleet-ready");
  }
  renderAll();
  markReady();
  const unsub = subscribe((kind, id) => {
    if (kind === "streams") renderAll();
    else if ((kind === "stream" || kind === "figures") && id) {
      const known = rows.has(id);
      update(id);
      if (!known) renderAll();
      else counts();
    }
    if (kind === "streams") markReady();
  });
  const tick = setInterval(() => {
    for (const [id, r] of rows) {
      const s = store.streams.get(id);
      if (s && s.state === "running") setText(r.cells.time, timeText(s));
    }
  }, 1000);
  return () => { unsub(); clearInterval(tick); };
}
