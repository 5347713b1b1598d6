// Building blocks of the pages, made with DOM calls (textContent), so no product text is ever
// read as HTML.

import { LANGUAGE, t } from "./i18n.js";

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatPrice(price, currency = "USD") {
  if (price === null || price === undefined) return t("price on request");
  try {
    return new Intl.NumberFormat(LANGUAGE === "zh" ? "zh-CN" : undefined, { style: "currency", currency }).format(price);
  } catch {
    return `${price.toFixed(2)} ${currency}`;
  }
}

export function productHref(productId, context) {
  const href = `/shop/products/${encodeURIComponent(productId)}`;
  if (!context || !context.requestId) return href;
  const params = new URLSearchParams({ from: context.requestId, pos: String(context.position) });
  return `${href}?${params}`;
}

// No image in the feed: a tile with the product's department initials, not a stock photo.
export function thumbnail(product) {
  if (product.image_url) {
    return el("img", { class: "thumb", src: product.image_url, alt: "", loading: "lazy" });
  }
  const department = (product.category && product.category[0]) || product.brand || product.title;
  const initials = department.split(/[\s&]+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("");
  return el("div", { class: "thumb placeholder", "aria-hidden": "true", text: initials.toUpperCase() });
}

// Shoppers' reviews (mean and count, flagged ones left out) when the answer carries them, else
// the rating the catalog feed gave.
function rating(product, reviews) {
  if (reviews && reviews.count > 0 && reviews.mean !== null && reviews.mean !== undefined) {
    const mean = reviews.mean.toFixed(1);
    return el("span", { class: "rating", "aria-label": t("{mean} of 5 from {count} reviews", { mean, count: reviews.count }) },
      `★ ${mean}`, el("span", { class: "muted", text: ` (${reviews.count})` }));
  }
  if (product.rating === null || product.rating === undefined) return null;
  return el("span", { class: "rating", "aria-label": t("rated {rating} out of 5", { rating: product.rating }) }, `★ ${product.rating.toFixed(1)}`);
}

function stock(product) {
  return product.in_stock ? null : el("span", { class: "badge out", text: t("out of stock") });
}

// A product as a card: picture, title (the link), brand, price, rating and, when given, a reason.
export function productCard(product, { context, reason, onOpen, reviews } = {}) {
  const link = el("a", { class: "card-link", href: productHref(product.product_id, context) }, product.title);
  if (onOpen) link.addEventListener("click", () => onOpen(product, context));
  return el(
    "li",
    { class: "card", "data-product-id": product.product_id },
    thumbnail(product),
    el("div", { class: "card-body" },
      el("h3", { class: "card-title" }, link),
      el("p", { class: "muted small" }, product.brand || ""),
      el("p", { class: "price-line" }, el("strong", { text: formatPrice(product.price, product.currency) }), " ", rating(product, reviews), " ", stock(product)),
      reason ? el("p", { class: "reason", text: reason }) : null,
    ),
  );
}

// A loading, empty or error message in a status element.
export function showState(node, kind, message) {
  node.hidden = !message;
  node.className = `state ${kind}`;
  node.textContent = message || "";
}

export function toast(message, kind = "info") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.className = `toast show ${kind}`;
  clearTimeout(node._timer);
  node._timer = setTimeout(() => { node.className = "toast"; }, 3500);
}
