// Building elements without innerHTML: every string from the server (names,
// errors, ffmpeg lines are outside bytes) becomes a text node.

// h("td", {class: "num", dataset: {id: 3}, onclick: fn}, "text", child...)
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "disabled" || k === "checked" || k === "hidden") el[k] = Boolean(v);
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces an element's content (text only, or nodes built with h()).
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Sets a cell's text only when it changed (keeps the DOM calm).
export function setText(el, text) {
  const t = String(text);
  if (el.textContent !== t) el.textContent = t;
}

export const dash = "–";

export function num(v, digits = 1) {
  return typeof v === "number" && isFinite(v) ? v.toFixed(digits) : dash;
}

export function bytes(v) {
  if (typeof v !== "number" || !isFinite(v) || v <= 0) return dash;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function kbps(v) {
  if (typeof v !== "number" || !isFinite(v) || v <= 0) return dash;
  return v >= 1000 ? `${(v / 1000).toFixed(2)} Mb/s` : `${v.toFixed(0)} kb/s`;
}

export function duration(seconds) {
  if (typeof seconds !== "number" || !isFinite(seconds) || seconds < 0) return dash;
  let t = Math.round(seconds);
  const d = Math.floor(t / 86400); t %= 86400;
  const hh = Math.floor(t / 3600); t %= 3600;
  const mm = Math.floor(t / 60), ss = t % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${String(mm).padStart(2, "0")}m`;
  if (mm) return `${mm}m ${String(ss).padStart(2, "0")}s`;
  return `${ss}s`;
}

// Seconds since an ISO time (the controller's clock may be a little ahead).
export function since(iso) {
  const t = iso ? Date.parse(iso) : NaN;
  return isNaN(t) ? null : Math.max(0, (Date.now() - t) / 1000);
}

export function when(iso) {
  const t = iso ? Date.parse(iso) : NaN;
  return isNaN(t) ? dash : new Date(t).toLocaleString();
}

// The message area under the header: the server's words, as text. Errors
// stay until dismissed or the page changes; news goes after a few seconds.
let flashTimer = null;
export function flash(text, kind = "error") {
  const box = document.getElementById("flash");
  if (!box) return;
  clearTimeout(flashTimer);
  fill(box, h("span", {}, text), h("button", { class: "link", type: "button", onclick: () => clearFlash() }, "dismiss"));
  box.className = `flash ${kind}`;
  if (kind !== "error") flashTimer = setTimeout(clearFlash, 6000);
}

export function clearFlash() {
  const box = document.getElementById("flash");
  if (box) { fill(box); box.className = "flash"; }
}
