// A plausible course for the browser tests, written through the API from inside the page:
// daily check-ins with a few gaps, a baseline fortnight, six infusions, a booster, a planned
// session and weekly PHQ-9 / GAD-7. Run with page.evaluate(source, [days, note]).
async ([days, note]) => {
  const pad = (n) => String(n).padStart(2, "0");
  const dayOf = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const iso = (d) => {
    const offset = -d.getTimezoneOffset();
    const abs = Math.abs(offset);
    const zone = `${offset >= 0 ? "+" : "-"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return `${dayOf(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${zone}`;
  };
  const put = async (kind, body) => {
    const response = await fetch(`/api/${kind}/${crypto.randomUUID()}`, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${kind}: ${response.status} ${await response.text()}`);
  };
  const now = new Date();
  const back = (n, hour = 9) => {
    const d = new Date(now);
    d.setDate(d.getDate() - n);
    d.setHours(hour, 0, 0, 0);
    return d;
  };
  const treatment = (at, status) => ({
    at: iso(at),
    kind: "iv_infusion",
    status,
    dose_mg: status === "done" ? 35 : null,
    clinic: status === "done" ? "Riverside Clinic" : null,
    notes: note || null,
    side_effects: status === "done" ? ["Dissociation"] : [],
    bp_before: null,
    bp_after: null,
  });
  const writes = [];
  for (let n = days; n >= 1; n--) {
    if (n % 9 === 4) continue; // a few days without a check-in: gaps stay gaps
    const mood = Math.max(1, Math.min(9, Math.round(3 + (days - n) / 9 + Math.sin(n) * 1.2)));
    writes.push(
      put("entries", {
        day: dayOf(back(n)),
        time: "20:00:00",
        mood,
        anxiety: 5 - Math.floor(mood / 3),
        energy: mood - 1,
        sleep_hours: 6 + (n % 3),
        tags: n % 4 ? [] : ["Exercise"],
        note,
      }),
    );
  }
  // Six infusions over about two weeks after a baseline fortnight, then a booster.
  const sessions = [days - 15, days - 18, days - 21, days - 24, days - 27, days - 30, 3];
  for (const n of sessions.filter((n) => n > 0 && n < days)) {
    writes.push(put("treatments", treatment(back(n, 10), "done")));
  }
  const later = new Date(now);
  later.setDate(later.getDate() + 5);
  later.setHours(10, 0, 0, 0);
  writes.push(put("treatments", treatment(later, "planned")));
  for (let n = days - 2, k = 0; n > 0; n -= 7, k++) {
    const level = Math.max(0, 2 - Math.floor(k / 2));
    const taken_at = iso(back(n, 18));
    const phq9 = [level, level, level, 1, 1, level, 1, 0, 0];
    writes.push(put("assessments", { instrument: "phq9", answers: phq9, difficulty: 1, taken_at }));
    const gad7 = [level, level, 1, 1, level, 0, 0];
    writes.push(put("assessments", { instrument: "gad7", answers: gad7, taken_at }));
  }
  await Promise.all(writes);
};
