// IndexedDB: the phone's own copy of the journal, the outbox of unsent writes and small settings.
//   outbox  {key: "entry:<id>", kind, id, op: "put"|"delete", body, base_version, user, queued_at,
//            state: "pending"|"conflict"|"error", server?, error?}
//   records {key: "entry:<id>", _kind: "entry", ...record fields, pending?}  (not "kind": a
//           treatment has a field of that name)
//   meta    {k, v}: account, sync cursor, cached crisis resources, instruments, trends
const NAME = "waypoint";
let opening;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("outbox", { keyPath: "key" });
      db.createObjectStore("records", { keyPath: "key" }).createIndex("kind", "_kind");
      db.createObjectStore("meta", { keyPath: "k" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

/** An IndexedDB request as a promise (usable inside a transaction: it stays active). */
export const done = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Run `work(stores)` in one transaction; resolves once it is committed (durably on disk). */
export async function tx(names, mode, work) {
  const db = await open();
  const t = db.transaction(names, mode, { durability: "strict" });
  const committed = new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error("IndexedDB transaction aborted"));
  });
  const stores = Object.fromEntries([names].flat().map((n) => [n, t.objectStore(n)]));
  const result = await work(stores);
  await committed;
  return result;
}

export const get = (store, key) => tx(store, "readonly", (s) => done(s[store].get(key)));
export const all = (store) => tx(store, "readonly", (s) => done(s[store].getAll()));
export const put = (store, value) => tx(store, "readwrite", (s) => done(s[store].put(value)));
export const del = (store, key) => tx(store, "readwrite", (s) => done(s[store].delete(key)));
export const byKind = (kind) => tx("records", "readonly", (s) => done(s.records.index("kind").getAll(kind)));

export async function getMeta(k, fallback = null) {
  const row = await get("meta", k);
  return row ? row.v : fallback;
}
export const setMeta = (k, v) => put("meta", { k, v });

/** Forget the journal copy (another account logs in on this device). The outbox is kept. */
export const clearRecords = () =>
  tx(["records", "meta"], "readwrite", (s) => {
    s.records.clear();
    for (const k of ["cursor", "trends"]) s.meta.delete(k);
  });

export const recordKey = (kind, id) => `${kind}:${id}`;
