// A product page: the product (GET /products/{id}), its reviews and review form (reviews.js),
// what goes with it (complements from the product graph), bought together and similar items, each
// with its reason. Opening it sends a view; the button sends add_to_cart.

import { getJson } from "./api.js";
import { addToCart, inCart } from "./cart.js";
import { trackView } from "./events.js";
import { who } from "./identity.js";
import { showGoesWith, showRecommendations } from "./recommendations.js";
import { attachReviewForm, showReviews } from "./reviews.js";
import { el, formatPrice, showState, thumbnail, toast } from "./render.js";
import { t } from "./i18n.js";

function arrivedFrom(url) {
  const requestId = url.searchParams.get("from");
  const position = Number.parseInt(url.searchParams.get("pos") || "", 10);
  return requestId && Number.isInteger(position) ? { requestId, position } : null;
}

function categoryTrail(category) {
  return el("nav", { class: "breadcrumbs", "aria-label": t("Category") }, category.map((name, i) => {
    const path = category.slice(0, i + 1).join(" > ");
    return el("a", { href: `/shop/search?${new URLSearchParams({ category: path })}` }, name);
  }));
}

function attributes(product) {
  const rows = Object.entries(product.attributes || {});
  if (!rows.length) return null;
  return el("table", { class: "specs" }, el("caption", { text: t("Details") }),
    el("tbody", {}, rows.map(([name, value]) => el("tr", {}, el("th", { scope: "row", text: t(name) }), el("td", { text: value })))));
}

function cartButton(product, context) {
  const button = el("button", { type: "button", class: "primary", id: "add-to-cart" }, t("Add to cart"));
  if (inCart(product.product_id)) {
    button.disabled = true;
    button.textContent = t("In your cart");
    return button;
  }
  if (!product.in_stock) {
    button.disabled = true;
    button.textContent = t("Out of stock");
    return button;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await addToCart(product, context);
      button.textContent = t("In your cart");
      toast(`${product.title} is in your cart`);
    } catch (error) {
      button.disabled = false;
      toast(t("Could not add it to the cart: {error}", { error: error.message }), "error");
    }
  });
  return button;
}

function renderProduct(product, context) {
  const rating = product.rating == null ? null : el("p", { class: "rating", text: `★ ${product.rating.toFixed(1)} of 5` });
  const stock = product.in_stock
    ? el("p", { class: "ok", text: product.stock == null ? t("In stock") : t("In stock ({stock} left)", { stock: product.stock }) })
    : el("p", { class: "badge out", text: t("Out of stock") });
  document.getElementById("product").replaceChildren(
    categoryTrail(product.category || []),
    el("div", { class: "product-main" },
      thumbnail(product),
      el("div", {},
        el("h1", { id: "product-title", text: product.title }),
        el("p", { class: "muted", text: product.brand }),
        el("p", { class: "price" }, formatPrice(product.price, product.currency)),
        rating, stock, cartButton(product, context),
        el("p", { class: "description", text: product.description }),
        attributes(product))));
}

export async function startProductPage() {
  const productId = document.body.dataset.productId;
  const context = arrivedFrom(new URL(location.href));
  const status = document.getElementById("product-status");
  try {
    const product = await getJson(`/products/${encodeURIComponent(productId)}`);
    renderProduct(product, context);
    trackView(productId, context).catch(() => toast(t("Your visit could not be recorded"), "error"));
  } catch (error) {
    showState(status, "error", t("The product could not be loaded: {error}", { error: error.message }));
    return;
  }
  showReviews(productId);
  attachReviewForm(productId);
  const id = encodeURIComponent(productId);
  showGoesWith([productId], { who: who() });
  showRecommendations(document.getElementById("together"), document.getElementById("together-status"),
    () => getJson(`/recommend/bought-together/${id}`, { k: 4, ...who() }), t("Nothing is bought with it often yet."));
  showRecommendations(document.getElementById("similar"), document.getElementById("similar-status"),
    () => getJson(`/recommend/item/${id}`, { k: 8, ...who() }), t("No similar items found."));
}
