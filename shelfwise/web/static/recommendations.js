// A list of recommendations (any /recommend answer) as cards that name their reason; opening one
// sends a click credited to that answer.

import { getJson } from "./api.js";
import { trackClick } from "./events.js";
import { productCard, showState, toast } from "./render.js";
import { t } from "./i18n.js";

function open(product, context) {
  trackClick(product.product_id, context).catch(() => toast(t("Your click could not be recorded"), "error"));
}

export async function showRecommendations(list, status, load, emptyMessage) {
  showState(status, "loading", t("Loading…"));
  try {
    const answer = await load();
    list.replaceChildren(...answer.items.map((item, position) =>
      productCard(item.product, { context: { requestId: answer.request_id, position }, reason: item.reason, onOpen: open })));
    showState(status, "empty", answer.items.length ? "" : emptyMessage);
    return answer;
  } catch (error) {
    list.replaceChildren();
    const message = error.status === 503
      ? t("Recommendations appear once a recommender is trained (shelfwise train recommender).")
      : t("Recommendations could not be loaded: {error}", { error: error.message });
    showState(status, error.status === 503 ? "empty" : "error", message);
    return null;
  }
}

// "Goes with": complements of a product or of the cart from the product graph, each card saying
// the path that links it. The section stays hidden when there are none (or no graph is built).
export async function showGoesWith(itemIds, { cart = false, k = 4, who = {} } = {}) {
  const section = document.getElementById("goes-with-section");
  const list = document.getElementById("goes-with");
  if (!section || !list) return null;
  let answer = null;
  if (itemIds.length) {
    try {
      answer = await getJson("/recommend/goes-with", { item: itemIds, cart: cart ? "true" : "", k, ...who });
    } catch (error) {
      answer = null;
    }
  }
  const items = answer ? answer.items : [];
  list.replaceChildren(...items.map((item, position) =>
    productCard(item.product, { context: { requestId: answer.request_id, position }, reason: item.reason, onOpen: open })));
  section.hidden = !items.length;
  return answer;
}
