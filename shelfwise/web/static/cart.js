// The cart, kept in this browser per shopper. Adding sends add_to_cart; buying sends purchases.

import { actorKey } from "./identity.js";
import { trackCart, trackPurchases } from "./events.js";

function key() {
  return `shelfwise.cart.${actorKey()}`;
}

export function cartLines() {
  try {
    const lines = JSON.parse(localStorage.getItem(key()) || "[]");
    return Array.isArray(lines) ? lines : [];
  } catch {
    return [];
  }
}

function save(lines) {
  try {
    localStorage.setItem(key(), JSON.stringify(lines));
  } catch {
    /* storage full or disabled: the cart lasts as long as the page */
  }
  document.dispatchEvent(new CustomEvent("cart-changed", { detail: lines }));
}

export function inCart(productId) {
  return cartLines().some((line) => line.product_id === productId);
}

// Resolves once the server has recorded the add_to_cart event.
export async function addToCart(product, context) {
  await trackCart(product, context);
  if (inCart(product.product_id)) return;
  const line = {
    product_id: product.product_id,
    title: product.title,
    brand: product.brand,
    price: product.price,
    currency: product.currency,
    context: context || null,
  };
  save([...cartLines(), line]);
}

export function removeFromCart(productId) {
  save(cartLines().filter((line) => line.product_id !== productId));
}

// Resolves with the server's answer once every purchase is recorded; the cart is then emptied.
export async function checkout() {
  const lines = cartLines();
  if (!lines.length) return null;
  const answer = await trackPurchases(lines);
  save([]);
  return answer;
}
