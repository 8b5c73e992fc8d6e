// The trends chart as SVG: daily mood points, the 7-day mean, treatment markers and, below,
// PHQ-9 / GAD-7 scores on their severity bands. Tapping picks the nearest day.
import { s } from "./dom.js";
import { formatDay } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";

const W = 360;
const PAD_L = 26;
const PAD_R = 10;
const MOOD_TOP = 12;
const MOOD_H = 150;
const SCORE_GAP = 26;
const SCORE_H = 84;
const BANDS = [
  [0, 4, "minimal"],
  [5, 9, "mild"],
  [10, 14, "moderate"],
  [15, 19, "mod. severe"],
  [20, 27, "severe"],
];
const NAMES = { phq9: "PHQ-9", gad7: "GAD-7" };

export function drawChart(data, { onDay, titleId }) {
  const days = data.days;
  const n = days.length;
  const scores = data.assessments || [];
  const index = new Map(days.map((d, i) => [d.day, i]));
  const plotW = W - PAD_L - PAD_R;
  const x = (i) => PAD_L + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v) => MOOD_TOP + ((10 - v) / 10) * MOOD_H;
  const scoreTop = MOOD_TOP + MOOD_H + SCORE_GAP;
  const ys = (v) => scoreTop + ((27 - v) / 27) * SCORE_H;
  const height = (scores.length ? scoreTop + SCORE_H : MOOD_TOP + MOOD_H) + 22;
  const r = n > 120 ? 1.7 : n > 45 ? 2.5 : 3.4;

  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${W} ${height}`,
    role: "img",
    "aria-labelledby": titleId,
    focusable: "false",
  });
  for (const v of [0, 5, 10]) {
    svg.append(
      s("line", { class: "grid", x1: PAD_L, x2: W - PAD_R, y1: y(v), y2: y(v) }),
      s("text", { x: PAD_L - 6, y: y(v) + 3, "text-anchor": "end" }, text(v)),
    );
  }
  // Treatments: a line across the mood panel (dashed when planned) with a mark on top.
  for (const t of data.treatments || []) {
    const i = index.get(t.day);
    if (i === undefined || t.status === "cancelled") continue;
    const label = `${TREATMENT_KINDS[t.kind] || t.kind} (${t.status}), ${formatDay(t.day)}`;
    svg.append(
      s("line", { class: `treat ${t.status}`, x1: x(i), x2: x(i), y1: MOOD_TOP, y2: MOOD_TOP + MOOD_H }),
      s("path", { class: "treat-mark", d: `M${x(i) - 4} ${MOOD_TOP - 8}h8l-4 6z` }, s("title", {}, text(label))),
    );
  }
  // The 7-day mean, broken where it is unknown (gaps stay gaps).
  let d = "";
  let pen = false;
  days.forEach((day, i) => {
    if (day.mood_7d == null) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(day.mood_7d).toFixed(1)}`;
    pen = true;
  });
  if (d) svg.append(s("path", { class: "mean", d }));
  days.forEach((day, i) => {
    if (day.mood == null) return;
    svg.append(
      s(
        "circle",
        { class: "mood", cx: x(i).toFixed(1), cy: y(day.mood).toFixed(1), r, "data-day": day.day },
        s("title", {}, text(`${formatDay(day.day)}: mood ${round(day.mood)}`)),
      ),
    );
  });
  if (scores.length) {
    BANDS.forEach(([lo, hi, name], k) => {
      const top = ys(hi + (k === BANDS.length - 1 ? 0 : 0.5));
      const bottom = ys(Math.max(0, lo - 0.5));
      svg.append(
        s("rect", { class: `band${k % 2 ? " alt" : ""}`, x: PAD_L, width: plotW, y: top, height: bottom - top }),
        s("text", { x: W - PAD_R - 2, y: bottom - 2, "text-anchor": "end" }, text(name)),
      );
    });
    svg.append(
      s("text", { x: PAD_L - 6, y: ys(27) + 3, "text-anchor": "end" }, text(27)),
      s("text", { x: PAD_L - 6, y: ys(0) + 3, "text-anchor": "end" }, text(0)),
    );
    for (const a of scores) {
      const i = index.get(a.day);
      if (i === undefined) continue;
      const title = s(
        "title",
        {},
        text(`${NAMES[a.instrument] || a.instrument} ${a.total} (${a.band.replaceAll("_", " ")}), ${formatDay(a.day)}`),
      );
      const shape =
        a.instrument === "gad7"
          ? s(
              "rect",
              { class: "gad7", x: x(i) - 3.5, y: ys(a.total) - 3.5, width: 7, height: 7, "data-day": a.day },
              title,
            )
          : s("circle", { class: "phq9", cx: x(i), cy: ys(a.total), r: 4, "data-day": a.day }, title);
      svg.append(shape);
    }
  }
  if (n) {
    const labels = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : [0, n - 1];
    for (const i of new Set(labels)) {
      svg.append(
        s(
          "text",
          { x: x(i), y: height - 6, "text-anchor": i === 0 ? "start" : i === n - 1 ? "end" : "middle" },
          text(formatDay(days[i].day)),
        ),
      );
    }
  }
  const marker = s("line", { class: "sel", y1: MOOD_TOP, y2: height - 20, visibility: "hidden" });
  svg.append(marker);
  svg.addEventListener("click", (event) => {
    if (!n) return;
    const box = svg.getBoundingClientRect();
    const vx = ((event.clientX - box.left) / box.width) * W;
    const i = Math.max(0, Math.min(n - 1, Math.round(n <= 1 ? 0 : ((vx - PAD_L) / plotW) * (n - 1))));
    marker.setAttribute("x1", x(i));
    marker.setAttribute("x2", x(i));
    marker.setAttribute("visibility", "visible");
    onDay(days[i].day);
  });
  return svg;
}

const text = (v) => document.createTextNode(String(v));
const round = (v) => Math.round(v * 10) / 10;
