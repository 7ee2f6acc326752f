// What the page knows: who is logged in, the streams, the agents, the
// controller's figures and each stream's recent figures (for sparklines).
// Views subscribe and are told what changed.

export const HISTORY_MS = 5 * 60 * 1000;  // sparklines: the last five minutes
const HISTORY_MAX = 600;

export const store = {
  me: null,            // {user, role}
  streams: new Map(),  // id -> stream JSON (as `ffleet --json stream ls`)
  agents: new Map(),   // name -> agent JSON (as `ffleet --json agent ls`)
  fleet: null,         // {loop_lag_ms, agents, streams} from the `fleet` event
  history: new Map(),  // id -> [{t, fps, speed, bitrate_kbps}]
  events: 0,           // events received (shown in the footer)
  loaded: false,       // the first GET /streams answered
  refetch: async () => {},  // fetches the lists again (app.js)
};

const listeners = new Set();

// fn(kind, key): kind is "streams" | "stream" | "agents" | "agent" | "fleet" |
// "figures"; key the stream id or agent name when one changed.
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify(kind, key) {
  for (const fn of [...listeners]) fn(kind, key);
}

export function canAct(stream) {
  const me = store.me;
  if (!me) return false;
  return me.role === "admin" || me.role === "operator" || stream.owner === me.user;
}

export function isAdmin() { return store.me && store.me.role === "admin"; }

export function setStreams(list) {
  store.streams = new Map(list.map((s) => [String(s.id), s]));
  store.loaded = true;
  notify("streams");
}

export function putStream(s) {
  const id = String(s.id);
  store.streams.set(id, { ...(store.streams.get(id) || {}), ...s });
  notify("stream", id);
}

export function removeStream(id) {
  store.streams.delete(String(id));
  notify("streams");
}

export function setAgents(list) {
  store.agents = new Map(list.map((a) => [a.name, a]));
  notify("agents");
}

export function putAgent(a) {
  store.agents.set(a.name, { ...(store.agents.get(a.name) || {}), ...a });
  notify("agent", a.name);
}

export function setFleet(f) {
  store.fleet = f;
  notify("fleet");
}

const FIGURES = ["fps", "speed", "bitrate_kbps", "drop_frames", "dup_frames", "cpu_percent", "rss_bytes",
  "progress", "eta_s"];

// A `figures` event: one agent's heartbeat, the figures of its streams.
// `record`: add them to the sparklines' history (not when applied again).
export function putFigures(ev, record = true) {
  const now = Date.now();
  for (const f of ev.streams || []) {
    const id = String(f.id);
    const s = store.streams.get(id);
    if (s) {
      for (const k of FIGURES) if (k in f) s[k] = f[k];
    }
    if (record) {
      let h = store.history.get(id);
      if (!h) store.history.set(id, (h = []));
      h.push({ t: now, fps: f.fps, speed: f.speed, bitrate_kbps: f.bitrate_kbps });
      while (h.length > HISTORY_MAX || (h.length && h[0].t < now - HISTORY_MS)) h.shift();
    }
    notify("figures", id);
  }
}
