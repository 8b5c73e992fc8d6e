// Moving between screens. Screens import this instead of the router, so the router (which
// imports every screen) is never imported back: no cycle.

export function parse(hash = location.hash) {
  const [name, ...rest] = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { name: name || "", params: rest };
}

/** Show the screen at `#/<path>`; the same path again re-renders it. */
export function go(path) {
  if (location.hash === `#/${path}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = `#/${path}`;
}
