// A list of recommendations (any /recommend answer) as cards that name their reason; opening one
// sends a click credited to that answer.

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
