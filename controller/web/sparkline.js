// A sparkline: an inline SVG polyline of [{t, v}] over a fixed time window.
const NS = "http://www.w3.org/2000/svg";
const W = 300, H = 60, PAD = 3;

function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

// points: [{t: ms, v: number}]; windowMs: the span shown, ending now.
// Options: min/max force the vertical range; ref draws a dashed line (1.0x).
export function sparkline(points, windowMs, { min, max, ref, label = "" } = {}) {
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", role: "img", preserveAspectRatio: "none" });
  const title = svgEl("title", {});
  title.textContent = label;
  svg.append(title);
  const vals = points.map((p) => p.v).filter((v) => typeof v === "number" && isFinite(v));
  if (vals.length === 0) return svg;
  let lo = min ?? Math.min(...vals, ref ?? Infinity);
  let hi = max ?? Math.max(...vals, ref ?? -Infinity);
  // At least 20% of the top value from bottom to top: a steady figure draws a
  // steady line, not its noise blown up to the full height.
  const span = Math.max(hi - lo, 0.2 * Math.abs(hi), 1e-6);
  if (hi - lo < span) {
    const mid = (hi + lo) / 2;
    lo = mid - span / 2;
    hi = mid + span / 2;
    if (lo < 0 && Math.min(...vals) >= 0) { hi -= lo; lo = 0; }
  }
  const now = Date.now();
  const x = (t) => PAD + ((t - (now - windowMs)) / windowMs) * (W - 2 * PAD);
  const y = (v) => H - PAD - ((v - lo) / (hi - lo)) * (H - 2 * PAD);
  if (typeof ref === "number") {
    svg.append(svgEl("line", { x1: 0, x2: W, y1: y(ref), y2: y(ref), class: "spark-ref" }));
  }
  const pts = points.filter((p) => typeof p.v === "number" && isFinite(p.v))
    .map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
  svg.append(svgEl("polyline", { points: pts, class: "spark-line" }));
  const last = points[points.length - 1];
  if (typeof last.v === "number") svg.append(svgEl("circle", { cx: x(last.t), cy: y(last.v), r: 2.5, class: "spark-dot" }));
  return svg;
}
