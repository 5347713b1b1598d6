// The cart page: the lines kept in this browser; "Buy now" sends a purchase for each; below, what
// goes with the cart (complements from the product graph), hidden when nothing does.

import { cartLines, checkout, removeFromCart } from "./cart.js";
import { who } from "./identity.js";
import { showGoesWith } from "./recommendations.js";
import { el, formatPrice, productHref, showState, toast } from "./render.js";
import { t } from "./i18n.js";

function render() {
  const lines = cartLines();
  const status = document.getElementById("cart-status");
  const button = document.getElementById("checkout");
  document.getElementById("cart-lines").replaceChildren(...lines.map((line) =>
    el("li", { class: "cart-line" },
      el("a", { href: productHref(line.product_id) }, line.title),
      el("span", { class: "muted", text: line.brand || "" }),
      el("strong", { text: formatPrice(line.price, line.currency) }),
      el("button", { type: "button", class: "link", "aria-label": t("Remove {title}", { title: line.title }), onclick: () => { removeFromCart(line.product_id); render(); } }, t("Remove")))));
  const total = lines.reduce((sum, line) => sum + (line.price || 0), 0);
  const currency = lines.length ? lines[0].currency : "USD";
  document.getElementById("cart-total").textContent = lines.length ? t("Total: {total}", { total: formatPrice(total, currency) }) : "";
  button.hidden = !lines.length;
  showState(status, "empty", lines.length ? "" : t("Your cart is empty."));
  showGoesWith(lines.map((line) => line.product_id), { cart: true, who: who() });
}

export function startCartPage() {
  render();
  const button = document.getElementById("checkout");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await checkout();
      render();
      showState(document.getElementById("cart-status"), "done", t("Thank you! {count} purchase(s) recorded.", { count: answer.accepted }));
    } catch (error) {
      toast(t("The purchase could not be recorded: {error}", { error: error.message }), "error");
    } finally {
      button.disabled = false;
    }
  });
}
