// The fleet page: the controller's own figures and one card per agent.
import { agentAction } from "./actions.js";
import { bytes, dash, fill, h, num, setText, when } from "./dom.js";
import { isAdmin, store, subscribe } from "./store.js";

function meter(percent) {
  const bar = h("span", { class: "meter-fill" });
  const p = typeof percent === "number" && isFinite(percent) ? Math.max(0, Math.min(100, percent)) : 0;
  bar.style.width = `${p}%`;
  if (p >= 90) bar.classList.add("hot");
  return h("span", { class: "meter" }, bar);
}

function row(label, ...value) {
  return h("div", { class: "kv" }, h("span", { class: "k" }, label), h("span", { class: "v" }, ...value));
}

function encoders(a) {
  const free = a.free_sessions || {};
  const list = (a.encoders || []).map((e) => {
    const n = free[e];
    return h("li", { class: "enc" }, e, typeof n === "number" ? h("span", { class: "muted" }, ` · ${n} free`) : null);
  });
  return list.length ? h("ul", { class: "encoders" }, list) : dash;
}

function card(a) {
  const memPct = a.mem_total_bytes > 0 ? (100 * a.mem_used_bytes) / a.mem_total_bytes : null;
  const streamsPct = a.max_streams > 0 ? (100 * a.streams) / a.max_streams : null;
  const buttons = [];
  if (isAdmin()) {
    if (a.state === "draining") {
      buttons.push(h("button", { type: "button", class: "resume", onclick: () => agentAction(a, "resume") }, "Resume"));
    } else {
      buttons.push(h("button", { type: "button", class: "drain", disabled: a.state === "lost",
        onclick: () => agentAction(a, "drain") }, "Drain"));
    }
  }
  const notes = [];
  if (a.reconnecting) notes.push("reconnecting");
  if (a.duplicate) notes.push(`duplicate of ${a.duplicate}`);
  if (a.unknown_runs > 0) notes.push(`${a.unknown_runs} unknown run(s)`);
  return h("section", { class: `card agent state-${String(a.state).replace(/[^a-z_]/g, "")}`, dataset: { name: a.name } },
    h("header", {}, h("h2", {}, a.name), h("span", { class: `badge state-${String(a.state).replace(/[^a-z_]/g, "")}` }, a.state)),
    h("div", { class: "muted host" }, a.hostname || "", a.cpus ? ` · ${a.cpus} CPUs` : ""),
    row("CPU", meter(a.cpu_percent), ` ${num(a.cpu_percent, 0)}%`),
    row("Memory", meter(memPct), ` ${bytes(a.mem_used_bytes)} / ${bytes(a.mem_total_bytes)}`),
    row("Streams", meter(streamsPct), ` ${a.streams ?? 0} / ${a.max_streams ?? dash}`),
    row("Encoders", encoders(a)),
    row("Loop lag", typeof a.loop_lag_ms === "number" ? `${num(a.loop_lag_ms, 1)} ms` : dash),
    row("Last seen", when(a.last_seen)),
    row("ffmpeg", a.ffmpeg_version || dash),
    notes.length ? h("p", { class: "warn-text" }, notes.join(" · ")) : null,
    buttons.length ? h("footer", {}, buttons) : null);
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

  function renderFleet() {
    const f = store.fleet;
    if (f) {
      setText(lag, typeof f.loop_lag_ms === "number" ? `${num(f.loop_lag_ms, 1)} ms` : dash);
      setText(nAgents, f.agents ?? store.agents.size);
    } else {
      setText(nAgents, store.agents.size);
    }
    const running = [...store.streams.values()].filter((s) => s.state === "running").length;
    setText(nStreams, f && typeof f.streams === "number" ? f.streams : `${running} running / ${store.streams.size}`);
  }

  function renderAgents() {
    const names = [...store.agents.keys()].sort();
    grid.replaceChildren(...names.map((n) => card(store.agents.get(n))));
    empty.hidden = names.length > 0;
    renderFleet();
  }

  renderAgents();
  const unsub = subscribe((kind, key) => {
    if (kind === "agents") renderAgents();
    else if (kind === "agent") {
      const old = grid.querySelector(`section[data-name="${CSS.escape(key)}"]`);
      const a = store.agents.get(key);
      if (old && a) old.replaceWith(card(a));
      else renderAgents();
    } else if (kind === "fleet" || kind === "streams") renderFleet();
  });
  return unsub;
}
