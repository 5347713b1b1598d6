// The home feed: GET /recommend/user/{id} for a demo shopper, POST /recommend/session for a
// guest; read live from the event log, so it changes after each click or cart. Below it, what
// personalization has learned (GET /profiles/...).

import { getJson, postJson } from "./api.js";
import { userId, sessionId } from "./identity.js";
import { showRecommendations } from "./recommendations.js";
import { el } from "./render.js";
import { t } from "./i18n.js";

const FEED_SIZE = 12;
const SHOWN_KEY = "shelfwise.feed.shown";

// Picks that were not in this visit's previous feed get a "new" mark: the feed follows the
// shopper's latest events, so what changed after a few clicks is there to see.
function markNew(list, actor) {
  let previous = null;
  try {
    const stored = JSON.parse(sessionStorage.getItem(SHOWN_KEY) || "null");
    if (stored && stored.actor === actor) previous = new Set(stored.ids);
  } catch {
    /* nothing stored: nothing is new */
  }
  const cards = [...list.querySelectorAll(".card")];
  const ids = cards.map((card) => card.dataset.productId);
  let fresh = 0;
  if (previous) {
    for (const card of cards) {
      if (previous.has(card.dataset.productId)) continue;
      fresh += 1;
      card.querySelector(".card-body").prepend(el("span", { class: "badge new", text: "new for you" }));
    }
  }
  try {
    sessionStorage.setItem(SHOWN_KEY, JSON.stringify({ actor, ids }));
  } catch {
    /* storage disabled */
  }
  return fresh;
}

function loadFeed() {
  const user = userId();
  if (user) return getJson(`/recommend/user/${encodeURIComponent(user)}`, { k: FEED_SIZE, session_id: sessionId() });
  return postJson("/recommend/session", { session_id: sessionId(), k: FEED_SIZE });
}

function affinityList(title, entries) {
  if (!entries || !entries.length) return null;
  return el("div", { class: "affinity" }, el("h3", { text: title }),
    el("ul", {}, entries.map((a) => el("li", {}, a.key.split(" > ").pop(), el("span", { class: "count", text: ` ${Math.round(a.share * 100)}%` })))));
}

async function showProfile() {
  const box = document.getElementById("profile");
  const user = userId();
  const path = user ? `/profiles/user/${encodeURIComponent(user)}` : `/profiles/session/${encodeURIComponent(sessionId())}`;
  try {
    const { profile } = await getJson(path, { top: 3 });
    box.replaceChildren(
      el("p", { text: t("From {events} events, latest {latest}.", { events: profile.events, latest: new Date(profile.last_event).toLocaleString() }) }),
      el("div", { class: "affinities" },
        affinityList(t("Departments"), profile.departments), affinityList(t("Categories"), profile.categories),
        affinityList(t("Brands"), profile.brands)));
  } catch (error) {
    if (error.status !== 404) box.textContent = t("The profile could not be loaded: {error}", { error: error.message });
  }
}

async function refresh() {
  const answer = await showRecommendations(document.getElementById("feed"), document.getElementById("feed-status"), loadFeed,
    t("No picks yet: search for something and open a product."));
  const user = userId();
  const whoLine = user ? t("For {user}", { user }) : t("For this visit");
  const fresh = answer ? markNew(document.getElementById("feed"), user || sessionId()) : 0;
  const changed = fresh ? t(" · {fresh} new since you last looked", { fresh }) : "";
  document.getElementById("feed-who").textContent = answer ? `${whoLine}${changed}${t(" · model {version}", { version: answer.model_version })}` : whoLine;
  await showProfile();
}

export function startHomePage() {
  refresh();
  // Coming back with the back button shows the page from the cache: ask again, the events changed it.
  window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });
}
