// The buttons' requests. The server decides who may do what; its refusal is
// shown as it says it. What changed arrives as events; the lists are fetched
// again as well, in case the event stream is down.
import * as api from "./api.js";
import { flash } from "./dom.js";
import { store } from "./store.js";

async function act(what, path) {
  try {
    const r = await api.post(path);
    flash(r && r.message ? r.message : `${what}: done`, "info");
  } catch (e) {
    if (e.status !== 401) flash(`${what}: ${e.message}`);
    return;
  }
  await store.refetch();
}

export function streamAction(stream, action) {
  return act(`${action} ${stream.name}`, `/streams/${encodeURIComponent(stream.id)}/${action}`);
}

export function agentAction(agent, action) {
  return act(`${action} ${agent.name}`, `/agents/${encodeURIComponent(agent.name)}/${action}`);
}
