// The search box's suggestions (GET /suggest): a combobox driven by arrows, Enter and Escape.

import { getJson } from "./api.js";
import { el } from "./render.js";

const DELAY_MS = 120;

function highlighted(text, spans) {
  const parts = [];
  let at = 0;
  for (const [start, end] of spans || []) {
    if (start > at) parts.push(text.slice(at, start));
    parts.push(el("mark", { text: text.slice(start, end) }));
    at = end;
  }
  parts.push(text.slice(at));
  return parts;
}

const KIND_LABELS = { query: "search", phrase: "search", product: "product", brand: "brand", category: "category" };

// Where a chosen suggestion leads.
export function suggestionHref(suggestion) {
  if (suggestion.kind === "product" && suggestion.product_id) {
    return `/shop/products/${encodeURIComponent(suggestion.product_id)}`;
  }
  const params = new URLSearchParams();
  if (suggestion.kind === "brand" && suggestion.brand) {
    params.set("brand", suggestion.brand);
    if (suggestion.category) params.set("category", suggestion.category);
  } else if (suggestion.kind === "category" && suggestion.category) {
    params.set("category", suggestion.category);
  } else {
    params.set("q", suggestion.text);
  }
  return `/shop/search?${params}`;
}

export function attachAutocomplete(input, list) {
  let suggestions = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", `suggestion-${index}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function show(found) {
    suggestions = found;
    list.replaceChildren(...found.map((s, i) =>
      el("li", { id: `suggestion-${i}`, role: "option", "aria-selected": "false", class: "suggestion",
                 onmousedown: (event) => { event.preventDefault(); location.assign(suggestionHref(s)); } },
        el("span", {}, highlighted(s.text, s.highlight)),
        el("span", { class: "kind", text: KIND_LABELS[s.kind] || s.kind }),
      )));
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(Boolean(found.length)));
    active = -1;
  }

  async function ask() {
    clearTimeout(timer); // one request for what the box says: a pending one would answer it again
    const mine = ++asked;
    const typed = input.value;
    try {
      const answer = await getJson("/suggest", { q: typed, limit: 8 });
      // only the latest answer, and only for what the box still says
      if (mine === asked && input.value === typed && document.activeElement === input) show(answer.suggestions);
    } catch {
      if (mine === asked) close(); // suggestions are a help: the search itself still works
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  input.addEventListener("focus", () => { if (!input.value) ask(); });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("keydown", (event) => {
    if (list.hidden && event.key === "ArrowDown") { ask(); return; }
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % suggestions.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); mark(active <= 0 ? suggestions.length - 1 : active - 1); }
    // closing the list keeps the words: a search box's own Escape would also clear them
    else if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); location.assign(suggestionHref(suggestions[active])); }
  });
}
