// The trends chart as SVG: daily mood points, the 7-day mean, the baseline, treatment markers,
// and PHQ-9 and GAD-7 each on its own scale with its severity bands. Tapping picks the nearest
// day (or, on the marker strip, the nearest treatment). Text follows the reader's text size:
// the font and the margins grow with the root font size, and band names sit in their own
// column so dots can never cover them.
import { s } from "./dom.js";
import { formatDay, formatDayYear } from "./format.js";
import { TREATMENT_KINDS } from "./kinds.js";

const W = 360;
const INSTRUMENTS = {
  phq9: {
    name: "PHQ-9",
    max: 27,
    bands: [
      [0, 4, "minimal"],
      [5, 9, "mild"],
      [10, 14, "moderate"],
      [15, 19, "mod. severe"],
      [20, 27, "severe"],
    ],
  },
  gad7: {
    name: "GAD-7",
    max: 21,
    bands: [
      [0, 4, "minimal"],
      [5, 9, "mild"],
      [10, 14, "moderate"],
      [15, 21, "severe"],
    ],
  },
};

/** The reader's text size as a factor of the default 16 px (1 at 100 %, 2 at 200 %). */
export function textScale() {
  const px = Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return Math.min(2.5, Math.max(1, px / 16));
}

export function drawChart(data, { onDay, titleId, baseline = null }) {
  const days = data.days;
  const n = days.length;
  const scale = textScale();
  const fs = 12 * scale; // font size in viewBox units (the chart is ~360 px wide on a phone)
  const padL = fs * 2;
  const gutter = fs * 6.6; // the band names' column, right of the plot
  const plotW = W - padL - gutter;
  const markTop = fs * 0.4;
  const moodTop = markTop + fs * 1.2;
  const moodH = Math.max(150, fs * 9);
  const scoreH = Math.max(84, fs * 6);
  const gap = fs * 1.8;
  const index = new Map(days.map((d, i) => [d.day, i]));
  const x = (i) => padL + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v) => moodTop + ((10 - v) / 10) * moodH;
  const panels = Object.entries(INSTRUMENTS).filter(([id]) =>
    (data.assessments || []).some((a) => a.instrument === id && index.has(a.day)),
  );
  let bottom = moodTop + moodH;
  const tops = panels.map(() => {
    const top = bottom + gap;
    bottom = top + scoreH;
    return top;
  });
  // Axis: the first day (with its year) and the last; the last drops to a second line when the
  // two would run into each other (large text on a narrow chart).
  const firstWords = n ? formatDayYear(days[0].day) : "";
  const lastWords = n > 1 ? formatDay(days[n - 1].day) : "";
  const approx = (words) => words.length * fs * 0.58;
  const twoLines = n > 1 && approx(firstWords) + approx(lastWords) + fs > W - padL;
  const height = bottom + fs * (twoLines ? 3.1 : 1.9);
  const r = n > 120 ? 1.7 : n > 45 ? 2.5 : 3.4;
  const label = (x0, y0, words, anchor = "end") =>
    s("text", { x: x0, y: y0, "text-anchor": anchor, "font-size": fs.toFixed(1) }, text(words));

  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${W} ${height.toFixed(1)}`,
    role: "img",
    "aria-labelledby": titleId,
    focusable: "false",
    "data-text-scale": scale,
  });
  for (const v of [0, 5, 10]) {
    svg.append(
      s("line", { class: "grid", x1: padL, x2: padL + plotW, y1: y(v), y2: y(v) }),
      label(padL - fs * 0.4, y(v) + fs * 0.35, v),
    );
  }
  if (baseline != null) {
    svg.append(
      s("line", { class: "baseline", x1: padL, x2: padL + plotW, y1: y(baseline), y2: y(baseline) }),
      label(padL + plotW + fs * 0.3, y(baseline) + fs * 0.35, "before", "start"),
    );
  }
  // Treatments: a line across the mood panel (dashed when planned) with a mark above it.
  const treated = [];
  for (const t of data.treatments || []) {
    const i = index.get(t.day);
    if (i === undefined || t.status === "cancelled") continue;
    treated.push(i);
    const words = `${TREATMENT_KINDS[t.kind] || t.kind} (${t.status}), ${formatDay(t.day)}`;
    const m = fs * 0.45;
    svg.append(
      s("line", { class: `treat ${t.status}`, x1: x(i), x2: x(i), y1: moodTop, y2: moodTop + moodH }),
      s(
        "path",
        { class: "treat-mark", d: `M${x(i) - m} ${markTop}h${2 * m}l${-m} ${fs}z` },
        s("title", {}, text(words)),
      ),
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
  panels.forEach(([id, spec], k) => {
    const top = tops[k];
    const ys = (v) => top + ((spec.max - v) / spec.max) * scoreH;
    spec.bands.forEach(([lo, hi, name], b) => {
      const bandTop = ys(b === spec.bands.length - 1 ? hi : hi + 0.5);
      const bandBottom = ys(Math.max(0, lo - 0.5));
      svg.append(
        s("rect", {
          class: `band${b % 2 ? " alt" : ""}`,
          x: padL,
          width: plotW,
          y: bandTop,
          height: bandBottom - bandTop,
        }),
      );
      // Only the bands tall enough for a line of text get their name (the legend has them all).
      if (bandBottom - bandTop >= fs * 0.9)
        svg.append(label(padL + plotW + fs * 0.3, (bandTop + bandBottom) / 2 + fs * 0.35, name, "start"));
    });
    svg.append(
      label(padL, top - fs * 0.35, `${spec.name} (0–${spec.max})`, "start"),
      label(padL - fs * 0.4, ys(spec.max) + fs * 0.35, spec.max),
      label(padL - fs * 0.4, ys(0) + fs * 0.1, 0),
    );
    for (const a of data.assessments) {
      const i = index.get(a.day);
      if (a.instrument !== id || i === undefined) continue;
      const title = s(
        "title",
        {},
        text(`${spec.name} ${a.total} (${a.band.replaceAll("_", " ")}), ${formatDay(a.day)}`),
      );
      const size = 3.5;
      svg.append(
        id === "gad7"
          ? s(
              "rect",
              {
                class: "gad7",
                x: x(i) - size,
                y: ys(a.total) - size,
                width: 2 * size,
                height: 2 * size,
                "data-day": a.day,
              },
              title,
            )
          : s("circle", { class: "phq9", cx: x(i), cy: ys(a.total), r: 4, "data-day": a.day }, title),
      );
    }
  });
  if (n) {
    const axisY = bottom + fs * 1.45;
    svg.append(label(padL, axisY, firstWords, "start"));
    if (n > 2 && !twoLines && fs <= 14) {
      const mid = Math.floor((n - 1) / 2);
      svg.append(label(x(mid), axisY, formatDay(days[mid].day), "middle"));
    }
    if (lastWords) svg.append(label(W - 2, twoLines ? axisY + fs * 1.2 : axisY, lastWords, "end"));
  }
  const marker = s("line", { class: "sel", y1: moodTop, y2: bottom, visibility: "hidden" });
  svg.append(marker);
  svg.addEventListener("click", (event) => {
    if (!n) return;
    const box = svg.getBoundingClientRect();
    const vx = ((event.clientX - box.left) / box.width) * W;
    const vy = ((event.clientY - box.top) / box.height) * height;
    let i = Math.max(0, Math.min(n - 1, Math.round(n <= 1 ? 0 : ((vx - padL) / plotW) * (n - 1))));
    // On the marker strip, a tap means the nearest treatment (its details show below).
    if (vy < moodTop && treated.length) i = treated.reduce((a, b) => (Math.abs(b - i) < Math.abs(a - i) ? b : a));
    marker.setAttribute("x1", x(i));
    marker.setAttribute("x2", x(i));
    marker.setAttribute("visibility", "visible");
    onDay(days[i].day);
  });
  return svg;
}

const text = (v) => document.createTextNode(String(v));
const round = (v) => Math.round(v * 10) / 10;
