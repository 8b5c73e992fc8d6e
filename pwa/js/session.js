// Who is logged in on this device. The last known account is kept so the app opens offline.
import { emit, SESSION_CHANGED } from "./events.js";
import { api, ApiError, isOffline } from "./api.js";
import { clearRecords, getMeta, setMeta } from "./db.js";
import { setUser } from "./sync.js";

export const session = { account: null, offline: false };

// Whether this browser holds a session, kept beside the (HttpOnly) cookie: with none, the first
// screen does not ask the server and so never meets a 401 (which the console reports as an error).
const HINT = "waypoint-signed-in";
const remember = (yes) => (yes ? localStorage.setItem(HINT, "1") : localStorage.removeItem(HINT));

/** Ask the server who we are; offline, trust the saved account. */
export async function restore() {
  if (!localStorage.getItem(HINT)) {
    session.account = null;
    return null;
  }
  try {
    session.account = await api("/api/account");
    await setMeta("account", session.account);
    remember(true);
  } catch (error) {
    if (isOffline(error)) {
      session.account = await getMeta("account");
      session.offline = true;
    } else if (error instanceof ApiError && error.status === 401) {
      session.account = null;
      remember(false);
      await setMeta("account", null);
    } else {
      throw error;
    }
  }
  if (session.account) await setUser(session.account.username);
  return session.account;
}

export async function signedIn(account) {
  session.account = account;
  remember(true);
  await setMeta("account", account);
  await setUser(account.username);
  emit(SESSION_CHANGED);
}

/** The profile changed (same person): remember it without re-rendering the screen. */
export async function updateAccount(account) {
  session.account = account;
  await setMeta("account", account);
}

/** Logged out: the journal copy leaves this device; unsent writes stay until they can be sent. */
export async function signedOut() {
  session.account = null;
  remember(false);
  await setMeta("account", null);
  await clearRecords();
  await setMeta("owner", null);
  await setUser(null);
  emit(SESSION_CHANGED);
}
