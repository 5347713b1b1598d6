// Every page: the search box, the shopper switch and the cart count; then the page's own script.

import { getJson } from "./api.js";
import { attachAutocomplete } from "./autocomplete.js";
import { cartLines } from "./cart.js";
import { switchShopper, userId } from "./identity.js";
import { startCartPage } from "./page-cart.js";
import { startHomePage } from "./page-home.js";
import { startProductPage } from "./page-product.js";
import { startSearchPage } from "./page-search.js";
import { el } from "./render.js";

const PAGES = { home: startHomePage, search: startSearchPage, product: startProductPage, cart: startCartPage };

function showCartCount() {
  document.getElementById("cart-count").textContent = String(cartLines().length);
}

function describe(shopper) {
  if (!shopper.events) return shopper.user_id;
  const likes = [...shopper.departments, ...shopper.brands.slice(0, 1)].join(", ");
  return `${shopper.user_id}${likes ? ` · ${likes}` : ""} (${shopper.events} events)`;
}

async function startShopperSwitch() {
  const select = document.getElementById("shopper");
  const current = userId();
  try {
    const { shoppers } = await getJson("/shop/shoppers", { limit: 8 });
    const known = shoppers.some((s) => s.user_id === current);
    const extra = current && !known ? [{ user_id: current, departments: [], brands: [], events: 0 }] : [];
    for (const shopper of [...extra, ...shoppers]) {
      select.append(el("option", { value: shopper.user_id, text: describe(shopper) }));
    }
  } catch {
    /* the switch keeps the guest and the current shopper only */
    if (current) select.append(el("option", { value: current, text: current }));
  }
  select.value = current || "";
  select.addEventListener("change", () => {
    switchShopper(select.value);
    location.reload();
  });
}

attachAutocomplete(document.getElementById("search-input"), document.getElementById("suggestions"));
showCartCount();
document.addEventListener("cart-changed", showCartCount);
startShopperSwitch();
const start = PAGES[document.body.dataset.page];
if (start) start();
