// The buttons' requests. The server decides who may do what; its refusal is
// shown as it says it.
import * as api from "./api.js";
import { flash } from "./dom.js";
import { putAgent, putStream } from "./store.js";

async function act(what, path, refresh) {
  try {
    const r = await api.post(path);
    flash(r && r.message ? r.message : `${what}: done`, "info");
  } catch (e) {
    if (e.status !== 401) flash(`${what}: ${e.message}`);
  }
  try {
    await refresh();
  } catch (_) { /* the event stream will bring it */ }
}

export function streamAction(stream, action) {
  const ref = encodeURIComponent(stream.id);
  return act(`${action} ${stream.name}`, `/streams/${ref}/${action}`,
    async () => putStream(await api.get(`/streams/${ref}`)));
}

export function agentAction(agent, action) {
  const name = encodeURIComponent(agent.name);
  return act(`${action} ${agent.name}`, `/agents/${name}/${action}`, async () => {
    const list = await api.get("/agents");
    for (const a of list) if (a.name === agent.name) putAgent(a);
  });
}
