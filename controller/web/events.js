// Server-sent events over fetch() and a ReadableStream (EventSource cannot send
// the bearer header). Reconnects with a backoff; asks for a refetch when the
// server says this client fell behind (`resync`), when the controller restarted
// (`boot` changed in `hello`), and after any reconnect.
import { authHeaders, rejectResponse, url } from "./api.js";

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10000;

// handlers: { event(name, data), refetch(), status(text, ok), unauthorized() }
export class EventFeed {
  constructor(handlers) {
    this.h = handlers;
    this.lastId = "";
    this.boot = null;
    this.connects = 0;
    this.stopped = false;
    this.abort = null;
    this.backoff = MIN_BACKOFF_MS;
  }

  start() { this.loop(); }

  stop() {
    this.stopped = true;
    if (this.abort) this.abort.abort();
  }

  async loop() {
    while (!this.stopped) {
      let why = "";
      try {
        await this.once();
        why = "the controller closed the event stream";
      } catch (e) {
        if (this.stopped) return;
        if (e && e.status === 401) return;  // the login prompt takes over
        why = e && e.message ? e.message : String(e);
      }
      if (this.stopped) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      this.h.status(`reconnecting in ${Math.round(wait / 1000)} s (${why})`, false);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async once() {
    this.abort = new AbortController();
    const headers = authHeaders({ Accept: "text/event-stream" });
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    const resp = await fetch(url("/events"), { headers, cache: "no-store", signal: this.abort.signal });
    if (!resp.ok) throw await rejectResponse(resp);
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      buf = buf.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        this.dispatch(block);
      }
    }
  }

  dispatch(block) {
    let name = "message", data = [], id = null;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;  // keep-alive comments
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (id !== null) this.lastId = id;
    if (data.length === 0) return;
    let payload;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch (_) {
      return;  // not ours to show
    }
    if (name === "hello") {
      this.backoff = MIN_BACKOFF_MS;
      // Anything that changed before this connection (before the first one:
      // since the initial fetch; before a reconnect: while away, or across a
      // controller restart, a new `boot`) is fetched again.
      this.boot = payload.boot;
      this.connects++;
      this.h.status("live", true);
      this.h.refetch();
    } else if (name === "resync") {
      this.h.refetch();
    }
    this.h.event(name, payload);
  }
}
