// Who is shopping: a demo shopper (user_id) picked in the header, or a guest; either way, a visit
// (session_id) that lives as long as the browser tab and starts anew when the shopper changes.

const SHOPPER_KEY = "shelfwise.shopper";
const SESSION_KEY = "shelfwise.session";

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // also where randomUUID is not offered
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function stored(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null; // storage disabled: a fresh guest visit on every page
  }
}

function store(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    /* nothing to keep it in */
  }
}

export function sessionId() {
  let id = stored(sessionStorage, SESSION_KEY);
  if (!id) {
    id = `web-${newId()}`;
    store(sessionStorage, SESSION_KEY, id);
  }
  return id;
}

export function userId() {
  return stored(localStorage, SHOPPER_KEY) || null;
}

export function switchShopper(id) {
  store(localStorage, SHOPPER_KEY, id || null);
  store(sessionStorage, SESSION_KEY, null); // a new shopper is a new visit
}

// The `user_id` / `session_id` pair that searches, recommendations and events carry.
export function who() {
  const user = userId();
  return user ? { user_id: user, session_id: sessionId() } : { session_id: sessionId() };
}

// The key that per-shopper browser state (the cart) is kept under.
export function actorKey() {
  const user = userId();
  return user ? `user:${user}` : `session:${sessionId()}`;
}
