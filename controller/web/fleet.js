// The fleet page: the controller's own figures and one card per agent. Cards
// are built once and updated in place (a heartbeat must not eat a click).
import { agentAction } from "./actions.js";
import { bytes, dash, fill, h, num, setText, when } from "./dom.js";
import { isAdmin, store, subscribe } from "./store.js";

const cls = (state) => String(state).replace(/[^a-z_]/g, "");

function meter() {
  const bar = h("span", { class: "meter-fill" });
  return [h("span", { class: "meter" }, bar), bar];
}

function setMeter(bar, percent) {
  const p = typeof percent === "number" && isFinite(percent) ? Math.max(0, Math.min(100, percent)) : 0;
  bar.style.width = `${p}%`;
  bar.classList.toggle("hot", p >= 90);
}

function kv(label, ...value) {
  return h("div", { class: "kv" }, h("span", { class: "k" }, label), h("span", { class: "v" }, ...value));
}

function encoderList(a) {
  const free = a.free_sessions || {};
  const list = (a.encoders || []).map((e) => {
    const n = free[e];
    return h("li", { class: "enc" }, e, typeof n === "number" ? h("span", { class: "muted" }, ` · ${n} free`) : null);
  });
  return list.length ? h("ul", { class: "encoders" }, list) : dash;
}

function buildCard(name) {
  const [cpuM, cpuBar] = meter(), [memM, memBar] = meter(), [strM, strBar] = meter();
  const c = {
    title: h("h2", {}, name), badge: h("span"), host: h("div", { class: "muted host" }),
    cpuBar, cpu: h("span"), memBar, mem: h("span"), strBar, streams: h("span"),
    encoders: h("span"), lag: h("span"), seen: h("span"), ffmpeg: h("span"),
    notes: h("p", { class: "warn-text", hidden: true }), buttons: h("footer", { hidden: true }),
    keys: {},
  };
  c.el = h("section", { class: "card agent", dataset: { name } },
    h("header", {}, c.title, c.badge), c.host,
    kv("CPU", cpuM, c.cpu), kv("Memory", memM, c.mem), kv("Streams", strM, c.streams),
    kv("Encoders", c.encoders), kv("Loop lag", c.lag), kv("Last seen", c.seen), kv("ffmpeg", c.ffmpeg),
    c.notes, c.buttons);
  return c;
}

// Rebuilds a part only when what it shows changed.
function changed(c, part, value) {
  const k = JSON.stringify(value);
  if (c.keys[part] === k) return false;
  c.keys[part] = k;
  return true;
}

function updateCard(c, a) {
  c.el.className = `card agent state-${cls(a.state)}`;
  if (changed(c, "badge", a.state)) fill(c.badge, h("span", { class: `badge state-${cls(a.state)}` }, a.state));
  setText(c.host, `${a.hostname || ""}${a.cpus ? ` · ${a.cpus} CPUs` : ""}`);
  setMeter(c.cpuBar, a.cpu_percent);
  setText(c.cpu, `${num(a.cpu_percent, 0)}%`);
  setMeter(c.memBar, a.mem_total_bytes > 0 ? (100 * a.mem_used_bytes) / a.mem_total_bytes : null);
  setText(c.mem, `${bytes(a.mem_used_bytes)} / ${bytes(a.mem_total_bytes)}`);
  setMeter(c.strBar, a.max_streams > 0 ? (100 * a.streams) / a.max_streams : null);
  setText(c.streams, `${a.streams ?? 0} / ${a.max_streams ?? dash}`);
  if (changed(c, "enc", [a.encoders, a.free_sessions])) fill(c.encoders, encoderList(a));
  setText(c.lag, typeof a.loop_lag_ms === "number" ? `${num(a.loop_lag_ms, 1)} ms` : dash);
  setText(c.seen, when(a.last_seen));
  setText(c.ffmpeg, a.ffmpeg_version || dash);
  const notes = [];
  if (a.reconnecting) notes.push("reconnecting");
  if (a.duplicate) notes.push(`duplicate of ${a.duplicate}`);
  if (a.unknown_runs > 0) notes.push(`${a.unknown_runs} unknown run(s)`);
  setText(c.notes, notes.join(" · "));
  c.notes.hidden = notes.length === 0;
  if (changed(c, "buttons", [a.state, isAdmin()])) {
    c.buttons.hidden = !isAdmin();
    if (!isAdmin()) fill(c.buttons);
    else if (a.state === "draining") {
      fill(c.buttons, h("button", { type: "button", class: "resume", onclick: () => agentAction(a, "resume") }, "Resume"));
    } else {
      fill(c.buttons, h("button", { type: "button", class: "drain", disabled: a.state === "lost",
        onclick: () => agentAction(a, "drain") }, "Drain"));
    }
  }
}

export function mountFleet(root) {
  const lag = h("span", { class: "figure" }, dash);
  const nAgents = h("span", { class: "figure" }, dash);
  const nStreams = h("span", { class: "figure" }, dash);
  const grid = h("div", { class: "cards" });
  const empty = h("p", { class: "muted empty", hidden: true }, "No agents have registered.");
  fill(root,
    h("div", { class: "toolbar" }, h("h1", {}, "Fleet")),
    h("section", { class: "controller" },
      h("div", { class: "stat" }, h("span", { class: "k" }, "Controller loop lag"), lag),
      h("div", { class: "stat" }, h("span", { class: "k" }, "Agents"), nAgents),
      h("div", { class: "stat" }, h("span", { class: "k" }, "Streams"), nStreams)),
    grid, empty);
  const cards = new Map();  // name -> card parts

  function renderFleet() {
    const f = store.fleet;
    setText(lag, f && typeof f.loop_lag_ms === "number" ? `${num(f.loop_lag_ms, 1)} ms` : dash);
    setText(nAgents, f && typeof f.agents === "number" ? f.agents : store.agents.size);
    const running = [...store.streams.values()].filter((s) => s.state === "running").length;
    setText(nStreams, f && typeof f.streams === "number" ? f.streams : `${running} running / ${store.streams.size}`);
  }

  function update(name) {
    const a = store.agents.get(name);
    if (!a) return;
    let c = cards.get(name);
    if (!c) cards.set(name, (c = buildCard(name)));
    updateCard(c, a);
  }

  function renderAll() {
    for (const n of [...cards.keys()]) if (!store.agents.has(n)) { cards.get(n).el.remove(); cards.delete(n); }
    const names = [...store.agents.keys()].sort();
    for (const n of names) update(n);
    grid.replaceChildren(...names.map((n) => cards.get(n).el));
    empty.hidden = names.length > 0;
    renderFleet();
  }

  renderAll();
  const unsub = subscribe((kind, name) => {
    if (kind === "agents") renderAll();
    else if (kind === "agent") {
      if (cards.has(name)) update(name);
      else renderAll();
    } else if (kind === "fleet" || kind === "streams" || kind === "stream") renderFleet();
  });
  const tick = setInterval(renderFleet, 2000);
  return () => { unsub(); clearInterval(tick); };
}
