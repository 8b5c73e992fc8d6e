// The app's own window events, named once. Screens listen; sync, session and api dispatch.
export const DATA_CHANGED = "waypoint:data"; // the local copy or the outbox changed
export const SESSION_CHANGED = "waypoint:session"; // someone logged in or out
export const UNAUTHORIZED = "waypoint:unauthorized"; // the server no longer knows this session

export const emit = (name, detail) => window.dispatchEvent(new CustomEvent(name, { detail }));
