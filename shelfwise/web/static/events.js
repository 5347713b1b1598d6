// Shoppers' events: each one a POST /events that the server stores before it answers.

import { postJson } from "./api.js";
import { newId, who } from "./identity.js";

function event(type, fields) {
  return { event_id: `web-${newId()}`, type, timestamp: new Date().toISOString(), ...who(), ...fields };
}

function attribution(context) {
  if (!context || !context.requestId) return {};
  return { request_id: context.requestId, position: context.position };
}

export function track(type, fields, context) {
  return postJson("/events", event(type, { ...fields, ...attribution(context) }), { keepalive: true });
}

export function trackClick(productId, context) {
  return track("click", { product_id: productId }, context);
}

export function trackView(productId, context) {
  return track("view", { product_id: productId }, context);
}

export function trackSearch(query, shownIds) {
  return track("search", { query, shown: shownIds });
}

export function trackCart(product, context) {
  return track("add_to_cart", { product_id: product.product_id, price: product.price ?? undefined }, context);
}

// A purchase of every line, as one batch: stored together or reported one by one.
export function trackPurchases(lines) {
  const events = lines.map((line) =>
    event("purchase", {
      product_id: line.product_id,
      ...(line.price == null ? {} : { price: line.price }),
      ...attribution(line.context),
    }),
  );
  return postJson("/events", { events });
}
