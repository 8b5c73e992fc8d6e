// Offline-first sync. Every write goes to IndexedDB first (outbox + local copy), then to the
// server as PUT /api/<kinds>/<id> with a client-made UUID, so a retry can never duplicate.
// A 409 keeps both versions until the person chooses. /api/changes brings other devices' writes.
import { DATA_CHANGED, emit } from "./events.js";
import { api, ApiError, isOffline } from "./api.js";
import { problemsOf, recordPath } from "./kinds.js";
import { all, byKind, clearRecords, del, done as request, get, getMeta, put, recordKey, setMeta, tx } from "./db.js";

const SERVER_FIELDS = ["id", "version", "updated_at", "flagged", "crisis", "key", "_kind", "pending", "prompts"];
const PERIOD_MS = 30_000;
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 60_000;

let user = null;
let chain = Promise.resolve();
const recent = new Map(); // key -> what happened when it was last sent

export const changed = () => emit(DATA_CHANGED);

/** The fields a PUT sends: the record without what the server adds. */
export function fieldsOf(record) {
  const body = { ...record };
  for (const key of SERVER_FIELDS) delete body[key];
  return body;
}

/** Switch the device to an account. A different account than last time starts from a clean copy. */
export async function setUser(username) {
  user = username;
  if ((await getMeta("owner")) !== username) {
    await clearRecords();
    await setMeta("owner", username);
  }
}

/** Local records of a kind (including unsent ones), newest first by `sortKey`. */
export async function listLocal(kind, sortKey) {
  const rows = await byKind(kind);
  return rows.sort((a, b) => (sortKey(b) > sortKey(a) ? 1 : sortKey(b) < sortKey(a) ? -1 : 0));
}

export async function outboxItems() {
  return (await all("outbox")).filter((item) => item.user === user);
}

/**
 * Save a record: IndexedDB first (so nothing typed is lost, even if the app closes now), then
 * try to send. Returns {record, sent, offline, conflict, error}; `record.crisis` when flagged.
 */
export async function save(kind, fields, { id = crypto.randomUUID(), baseVersion = null } = {}) {
  // A record the server would refuse is never queued: it would only come back as an error.
  const problems = problemsOf(kind, fields);
  if (problems.length) return { invalid: problems };
  const key = recordKey(kind, id);
  await tx(["outbox", "records"], "readwrite", async ({ outbox, records }) => {
    const earlier = await request(outbox.get(key));
    const previous = await request(records.get(key));
    outbox.put({
      key,
      kind,
      id,
      op: "put",
      body: fields,
      user,
      queued_at: Date.now(),
      state: "pending",
      // An edit of an unsent edit keeps the version the first one was based on.
      base_version: earlier ? earlier.base_version : baseVersion,
    });
    records.put({ ...fields, key, _kind: kind, id, version: previous?.version ?? null, pending: true });
  });
  changed();
  await flush();
  return outcomeOf(key);
}

/** Delete a record (a tombstone on the server). Unsent records are simply dropped. */
export async function remove(kind, id) {
  const key = recordKey(kind, id);
  const local = await get("records", key);
  if (local && local.version == null) {
    await tx(["outbox", "records"], "readwrite", ({ outbox, records }) => {
      outbox.delete(key);
      records.delete(key);
    });
    changed();
    return { sent: true };
  }
  await tx(["outbox", "records"], "readwrite", ({ outbox, records }) => {
    outbox.put({
      key,
      kind,
      id,
      op: "delete",
      user,
      queued_at: Date.now(),
      state: "pending",
      base_version: local?.version ?? null,
    });
    records.delete(key);
  });
  changed();
  await flush();
  return outcomeOf(key);
}

function outcomeOf(key) {
  const outcome = recent.get(key) || { offline: true };
  recent.delete(key);
  if (outcome.offline) scheduleRetry(true).catch(() => {});
  return outcome;
}

/** Send everything waiting, one at a time and in order. Runs are serialised (per tab and across tabs). */
export function flush() {
  const run = chain.then(() => withLock(sendAll));
  chain = run.catch(() => {});
  return run;
}

function withLock(work) {
  return navigator.locks ? navigator.locks.request("waypoint-sync", work) : work();
}

async function sendAll() {
  if (recent.size > 200) recent.clear();
  if (!user) return { stopped: true };
  const items = (await outboxItems()).filter((i) => i.state === "pending").sort((a, b) => a.queued_at - b.queued_at);
  let stopped = false;
  for (const item of items) {
    const outcome = await sendOne(item);
    recent.set(item.key, outcome);
    if (outcome.offline || outcome.unauthorized) {
      stopped = true;
      break;
    }
  }
  if (items.length) changed();
  return { stopped };
}

async function sendOne(item) {
  const path = recordPath(item.kind, item.id);
  try {
    if (item.op === "delete") {
      const query = item.base_version != null ? `?base_version=${item.base_version}` : "";
      await api(path + query, { method: "DELETE" });
      await settle(item, null);
      return { sent: true };
    }
    const body = { ...item.body };
    if (item.base_version != null) body.base_version = item.base_version;
    const record = await api(path, { method: "PUT", body });
    await settle(item, record);
    return { sent: true, record };
  } catch (error) {
    if (isOffline(error)) return { offline: true };
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return { unauthorized: true };
    if (error.status === 404 && item.op === "delete") {
      await settle(item, null);
      return { sent: true };
    }
    if (error.status === 409 && error.body.current) return markConflict(item, error.body.current);
    const now = await get("outbox", item.key);
    if (now && now.queued_at === item.queued_at) await put("outbox", { ...item, state: "error", error: error.message });
    return { error };
  }
}

/** The server accepted `item`: forget it from the outbox and keep the server's copy. */
async function settle(item, record) {
  await tx(["outbox", "records"], "readwrite", async ({ outbox, records }) => {
    const now = await request(outbox.get(item.key));
    if (now && now.queued_at !== item.queued_at) {
      // Edited again while this was in flight: the newer edit builds on what we just stored.
      if (record) outbox.put({ ...now, base_version: record.version });
      return;
    }
    outbox.delete(item.key);
    if (record) records.put(localCopy(item.kind, record));
    else records.delete(item.key);
  });
}

function localCopy(kind, record) {
  const copy = { ...record, key: recordKey(kind, record.id), _kind: kind, pending: false };
  delete copy.crisis;
  delete copy.prompts; // said once, after the save; the trends say it again while it holds
  return copy;
}

function sameContent(mine, server) {
  const a = fieldsOf(mine);
  const b = fieldsOf(server);
  return Object.keys(a).every((k) => JSON.stringify(a[k] ?? null) === JSON.stringify(b[k] ?? null));
}

async function markConflict(item, current) {
  // The server already holds exactly this (e.g. an earlier attempt got through): nothing to ask.
  if (!current.deleted && item.op === "put" && sameContent(item.body, current)) {
    await settle(item, current);
    return { sent: true, record: current };
  }
  if (current.deleted && item.op === "delete") {
    await settle(item, null);
    return { sent: true };
  }
  await tx("outbox", "readwrite", ({ outbox }) => outbox.put({ ...item, state: "conflict", server: current }));
  return { conflict: true, server: current };
}

/** The person chose a side in a conflict: "mine" sends theirs again over the server's version. */
export async function resolve(key, choice) {
  const item = await get("outbox", key);
  if (!item) return;
  const server = item.server;
  if (choice === "server") {
    await tx(["outbox", "records"], "readwrite", ({ outbox, records }) => {
      outbox.delete(key);
      if (server.deleted) records.delete(key);
      else records.put(localCopy(item.kind, server));
    });
  } else if (server.deleted && item.op === "put") {
    // A deleted id stays deleted on the server: keep the person's version as a new record.
    const id = crypto.randomUUID();
    const newKey = recordKey(item.kind, id);
    await tx(["outbox", "records"], "readwrite", ({ outbox, records }) => {
      outbox.delete(key);
      records.delete(key);
      outbox.put({
        ...item,
        key: newKey,
        id,
        base_version: null,
        state: "pending",
        server: undefined,
        queued_at: Date.now(),
      });
      records.put({ ...item.body, key: newKey, _kind: item.kind, id, version: null, pending: true });
    });
  } else {
    await tx("outbox", "readwrite", ({ outbox }) =>
      outbox.put({ ...item, base_version: server.version, state: "pending", server: undefined }),
    );
  }
  changed();
  await sync();
}

/**
 * "Edit" in a conflict: the other version stays (as with "Keep theirs") and the person's own
 * version comes back as a draft to edit; saving the draft replaces the other version.
 * Returns {kind, id, draft, baseVersion}, or null when nothing is waiting.
 */
export async function editConflict(key) {
  const item = await get("outbox", key);
  if (!item) return null;
  const draft = item.op === "put" ? item.body : fieldsOf(item.server);
  await resolve(key, "server");
  if (item.server.deleted) return { kind: item.kind, id: crypto.randomUUID(), draft, baseVersion: null };
  return { kind: item.kind, id: item.id, draft, baseVersion: item.server.version };
}

/** Drop a write the server refused (after showing why). */
export async function discard(key) {
  const item = await get("outbox", key);
  await del("outbox", key);
  if (item && item.op === "put") {
    const local = await get("records", key);
    if (local && local.version == null) await del("records", key);
  }
  changed();
  await sync();
}

/** The account is gone: its unsent writes must never be sent (not even to a new account). */
export async function dropOutbox() {
  const mine = await outboxItems();
  await tx("outbox", "readwrite", ({ outbox }) => {
    for (const item of mine) outbox.delete(item.key);
  });
}

/** Bring in what changed on the server since last time (other devices, imports, deletions). */
export async function pull() {
  if (!user) return;
  let since = await getMeta("cursor", 0);
  for (let page = 0; page < 1000; page++) {
    const result = await api(`/api/changes?since=${since}&limit=500`);
    await tx(["outbox", "records", "meta"], "readwrite", async ({ outbox, records, meta }) => {
      for (const change of result.changes) {
        const key = recordKey(change.kind, change.id);
        if (await request(outbox.get(key))) continue; // a local edit waits to be sent; it wins until then
        if (change.deleted) records.delete(key);
        else records.put(localCopy(change.kind, change.record));
      }
      meta.put({ k: "cursor", v: result.next });
    });
    if (result.changes.length) changed();
    since = result.next;
    if (!result.more) break;
  }
}

let retryDelay = RETRY_MIN_MS;
let retryTimer;

/** While writes wait, try again soon (5 s, doubling to 1 min): "online" events are not reliable. */
async function scheduleRetry(failed) {
  clearTimeout(retryTimer);
  const waiting = (await outboxItems()).some((i) => i.state === "pending");
  if (!failed || !waiting) {
    retryDelay = RETRY_MIN_MS;
    return;
  }
  retryTimer = setTimeout(sync, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

/** Send, then fetch. Quietly does nothing useful offline; never throws. */
export async function sync() {
  let ok = false;
  try {
    const { stopped } = await flush();
    if (!stopped) {
      await withLock(pull);
      ok = true;
    }
  } catch (error) {
    if (!isOffline(error) && !(error instanceof ApiError && error.status === 401)) console.warn("sync failed", error);
  }
  await scheduleRetry(!ok).catch(() => {});
  return ok;
}

/** Keep trying: at start, whenever the connection returns or the app comes back, and periodically. */
export function startSync() {
  window.addEventListener("online", () => sync());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync();
  });
  setInterval(() => {
    if (navigator.onLine !== false) sync();
  }, PERIOD_MS);
  return sync();
}
