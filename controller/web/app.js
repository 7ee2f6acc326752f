// The dashboard's entry: the login prompt, the hash router (#/fleet,
// #/streams, #/streams/ID) and the event feed feeding the store.
import * as api from "./api.js";
import { EventFeed } from "./events.js";
import { clearFlash, fill, flash, setText } from "./dom.js";
import { mountFleet } from "./fleet.js";
import { mountStream } from "./stream.js";
import { mountStreams } from "./streams.js";
import * as st from "./store.js";

const $ = (id) => document.getElementById(id);
let feed = null;
let unmount = null;

// --- login ---------------------------------------------------------------
function showLogin(message) {
  if (feed) { feed.stop(); feed = null; }
  if (unmount) { unmount(); unmount = null; }
  api.forgetToken();
  st.store.me = null;
  st.setStreams([]);
  st.setAgents([]);
  st.store.loaded = false;
  fill($("view"));
  clearFlash();
  $("app").hidden = true;
  $("login").hidden = false;
  const err = $("login-error");
  setText(err, message || "");
  err.hidden = !message;
  $("token").value = "";
  $("token").focus();
}

async function login(ev) {
  ev.preventDefault();
  const input = $("token");
  const t = input.value.trim();
  input.value = "";  // the token stays in api.js's variable only
  if (!t) { showLogin("Paste a token: `ffleet token create` prints one."); return; }
  api.setToken(t);
  performance.mark("ffleet-login");  // login to first table: timings.json of the browser test
  $("login-button").disabled = true;
  try {
    st.store.me = await api.get("/me");
  } catch (e) {
    showLogin(e.status === 401 ? `Login refused: ${e.message}` : e.message);
    return;
  } finally {
    $("login-button").disabled = false;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  setText($("who"), `${st.store.me.user} (${st.store.me.role})`);
  await refetch();
  feed = new EventFeed({ event: onEvent, refetch, status: connStatus });
  feed.start();
  route();
}

function logout() { showLogin(""); }

// --- data ----------------------------------------------------------------
// A fetch of the lists can answer with a snapshot taken before an event that
// reaches the page first: the events that arrive while a fetch is out are
// applied again, in order, over its answer (each change sends one event, so
// the last one is at least as new as the snapshot).
let replay = null;    // events seen while a fetch is out
let inflight = null;  // that fetch
let again = false;    // asked for again meanwhile (a resync: events were lost)

function refetch() {
  if (inflight) { again = true; return inflight; }
  inflight = (async () => {
    do {
      again = false;
      replay = [];
      try {
        const [streams, agents] = await Promise.all([api.get("/streams"), api.get("/agents")]);
        st.setStreams(streams);
        st.setAgents(agents);
        for (const [name, d] of replay) apply(name, d, false);
      } catch (e) {
        if (e.status !== 401) flash(`refresh failed: ${e.message}`);
        again = false;
      } finally {
        replay = null;
      }
    } while (again);
    inflight = null;
  })();
  return inflight;
}
st.store.refetch = refetch;

// `live`: as it arrives (a figure joins the sparklines), not applied again.
function apply(name, d, live) {
  if (name === "stream") st.putStream(d);
  else if (name === "stream_removed") st.removeStream(d.id);
  else if (name === "figures") st.putFigures(d, live);
  else if (name === "agent") st.putAgent(d);
  else if (name === "fleet") st.setFleet(d);
}

function onEvent(name, d) {
  st.store.events++;
  window.ffleet.events = st.store.events;
  if (replay) replay.push([name, d]);
  apply(name, d, true);
}

function connStatus(text, ok) {
  const el = $("conn");
  setText(el, text);
  el.className = ok ? "conn ok" : "conn down";
}

// --- routes --------------------------------------------------------------
function route() {
  if (!st.store.me) return;
  if (unmount) { unmount(); unmount = null; }
  clearFlash();
  const hash = location.hash || "#/streams";
  const view = $("view");
  let m;
  if (hash === "#/fleet") unmount = mountFleet(view);
  else if ((m = /^#\/streams\/(.+)$/.exec(hash))) unmount = mountStream(view, decodeURIComponent(m[1]));
  else unmount = mountStreams(view);
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
  }
  window.scrollTo(0, 0);
}

// A little read-only state for tests and curious people; never the token.
window.ffleet = { events: 0 };
api.whenUnauthorized((message) => showLogin(`Logged out: ${message}`));
$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", logout);
window.addEventListener("hashchange", route);
showLogin("");
