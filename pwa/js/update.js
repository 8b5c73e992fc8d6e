// Service worker registration and clean updates: a new version installs in the background and
// waits; the page offers "Reload", which tells the waiting worker to take over, then reloads.
export async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  const banner = document.getElementById("update");
  const button = document.getElementById("update-reload");
  let reloading = false;
  let registration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/", updateViaCache: "none" });
  } catch (error) {
    console.warn("service worker not registered", error);
    return null;
  }
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller || !banner) return; // first install: nothing to replace
    banner.hidden = false;
    button.onclick = () => {
      reloading = true;
      button.disabled = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    };
  };
  offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
  });
  // Look for a new version now and then (and whenever the app comes back to the foreground).
  const check = () => registration.update().catch(() => {});
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && check());
  setInterval(check, 60 * 60 * 1000);
  return registration;
}
