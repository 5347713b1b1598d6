// The results page: the URL holds the query, filters, sort and page; GET /search answers them.

import { getJson } from "./api.js";
import { trackClick, trackSearch } from "./events.js";
import { explanationBox } from "./explain.js";
import { who } from "./identity.js";
import { el, productCard, showState, toast } from "./render.js";
import { t } from "./i18n.js";

const PAGE_SIZE = 12;
const FACETS = "category,brand,price,in_stock";
const SEPARATOR = " > ";

function readState(url) {
  const p = url.searchParams;
  return {
    q: p.get("q") || "",
    category: p.get("category") || "",
    brands: p.getAll("brand"),
    min_price: p.get("min_price") || "",
    max_price: p.get("max_price") || "",
    in_stock: p.get("in_stock") === "true",
    sort: p.get("sort") || "relevance",
    page: Math.max(1, Number.parseInt(p.get("page") || "1", 10) || 1),
    exact: p.get("exact") === "1",
  };
}

// The page's URL for a state; filters changing send the shopper back to page 1.
function hrefFor(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.category) params.set("category", state.category);
  for (const brand of state.brands) params.append("brand", brand);
  if (state.min_price) params.set("min_price", state.min_price);
  if (state.max_price) params.set("max_price", state.max_price);
  if (state.in_stock) params.set("in_stock", "true");
  if (state.sort !== "relevance") params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  if (state.exact) params.set("exact", "1");
  return `/shop/search?${params}`;
}

const refine = (state, changes) => hrefFor({ ...state, page: 1, ...changes });

function searchParams(state) {
  return {
    q: state.q, category: state.category, brand: state.brands,
    min_price: state.min_price, max_price: state.max_price, in_stock: state.in_stock ? "true" : "",
    sort: state.sort === "relevance" ? "" : state.sort, page: state.page, page_size: PAGE_SIZE,
    facets: FACETS, understand: state.exact ? "false" : "", ...who(),
  };
}

function facetGroup(title, items) {
  if (!items.length) return null;
  return el("fieldset", { class: "facet" }, el("legend", { text: title }), el("ul", {}, items));
}

function categoryFacet(state, values) {
  const trail = state.category ? state.category.split(SEPARATOR) : [];
  const up = trail.map((name, i) => el("li", { class: "trail" },
    el("a", { href: refine(state, { category: trail.slice(0, i).join(SEPARATOR) }), "aria-label": t("Leave {name}", { name }) }, "‹ ", name)));
  const down = values.map((v) => {
    const name = v.value.split(SEPARATOR).pop();
    return el("li", {}, el("a", { href: refine(state, { category: v.value }) }, name, el("span", { class: "count", text: ` ${v.count}` })));
  });
  return facetGroup(t("Category"), [...up, ...down]);
}

function checkbox(label, count, checked, href) {
  const box = el("input", { type: "checkbox", checked, onchange: () => location.assign(href) });
  return el("li", {}, el("label", {}, box, " ", label, el("span", { class: "count", text: ` ${count}` })));
}

function brandFacet(state, values) {
  const items = values.map((v) => {
    const chosen = state.brands.includes(v.value);
    const brands = chosen ? state.brands.filter((b) => b !== v.value) : [...state.brands, v.value];
    return checkbox(v.value, v.count, chosen, refine(state, { brands }));
  });
  return facetGroup(t("Brand"), items);
}

function priceFacet(state, values) {
  const items = values.map((v) => {
    const [lo, hi] = v.value.endsWith("+") ? [v.value.slice(0, -1), ""] : v.value.split("-");
    const chosen = state.min_price === lo && state.max_price === hi;
    const label = hi ? `$${lo} – $${hi}` : `$${lo} and up`;
    return checkbox(label, v.count, chosen, refine(state, chosen ? { min_price: "", max_price: "" } : { min_price: lo, max_price: hi }));
  });
  return facetGroup(t("Price"), items);
}

function stockFacet(state, values) {
  const inStock = values.find((v) => v.value === "true");
  if (!inStock) return null;
  return facetGroup(t("Availability"), [checkbox(t("In stock only"), inStock.count, state.in_stock, refine(state, { in_stock: !state.in_stock }))]);
}

function renderFacets(state, facets) {
  const groups = [
    categoryFacet(state, facets.category || []), brandFacet(state, facets.brand || []),
    priceFacet(state, facets.price || []), stockFacet(state, facets.in_stock || []),
  ].filter(Boolean);
  document.getElementById("facets").replaceChildren(...(groups.length ? groups : [el("p", { class: "muted", text: t("No filters for these results.") })]));
}

function chip(label, href) {
  return el("a", { class: "chip", href, "aria-label": t("Remove filter {label}", { label }) }, label, " ×");
}

function renderChips(state) {
  const chips = [];
  if (state.category) chips.push(chip(state.category, refine(state, { category: "" })));
  for (const brand of state.brands) chips.push(chip(brand, refine(state, { brands: state.brands.filter((b) => b !== brand) })));
  if (state.min_price || state.max_price) chips.push(chip(`$${state.min_price || 0} – ${state.max_price ? `$${state.max_price}` : "any"}`, refine(state, { min_price: "", max_price: "" })));
  if (state.in_stock) chips.push(chip(t("In stock"), refine(state, { in_stock: false })));
  document.getElementById("active-filters").replaceChildren(...chips);
}

function renderInterpretation(state, result) {
  const box = document.getElementById("interpretation");
  const reading = result.interpretation;
  const notes = [];
  if (reading && reading.corrected_query && reading.corrected_query !== result.normalized_query) {
    notes.push(el("p", { class: "did-you-mean" }, "Showing results for ", el("strong", { text: reading.corrected_query }), ". ",
      el("a", { href: refine(state, { exact: true }) }, t("Search instead for “{q}”", { q: state.q }))));
  } else if (state.exact) {
    notes.push(el("p", { class: "muted", text: t("Spelling correction and query reading are off for this search.") }));
  }
  if (reading && reading.filters_applied.length) {
    notes.push(el("p", { class: "muted", text: t("Read from your words: {filters}.", { filters: reading.filters_applied.join("; ") }) }));
  }
  if (reading && reading.relaxed) notes.push(el("p", { class: "muted", text: "Nothing matched every detail of the query, so some were dropped." }));
  if (reading && reading.negative_terms.length) notes.push(el("p", { class: "muted", text: t("Leaving out: {terms}.", { terms: reading.negative_terms.join(", ") }) }));
  const match = result.match;
  if (match && match.status === "nearest_only") {
    notes.push(el("p", { class: "no-close-match", role: "note", text: t("No close matches for “{q}”; the nearest items are…", { q: state.q }) }));
  } else if (match && match.status === "unreadable") {
    notes.push(el("p", { class: "no-close-match", role: "note", text: match.message }));
  }
  box.replaceChildren(...notes);
}

function pageLink(state, page, label, current = false) {
  return el("a", { href: hrefFor({ ...state, page }), "aria-current": current ? "page" : null, class: current ? "current" : null }, label);
}

function renderPages(state, result) {
  const last = Math.min(1000, Math.ceil(result.total / PAGE_SIZE));
  const links = [];
  if (state.page > 1) links.push(pageLink(state, state.page - 1, t("‹ Previous")));
  for (let p = Math.max(1, state.page - 2); p <= Math.min(last, state.page + 2); p += 1) {
    links.push(pageLink(state, p, String(p), p === state.page));
  }
  if (state.page < last) links.push(pageLink(state, state.page + 1, t("Next ›")));
  document.getElementById("pages").replaceChildren(...(last > 1 ? links : []));
}

function renderHits(result) {
  const open = (product, context) => {
    trackClick(product.product_id, context).catch(() => toast(t("Your click could not be recorded"), "error"));
  };
  const items = result.hits.map((hit) => {
    const context = { requestId: result.request_id, position: hit.rank - 1 };
    const card = productCard(hit.product, { context, onOpen: open, reviews: hit.reviews });
    const why = explanationBox(hit);
    if (why) card.querySelector(".card-body").append(why);
    return card;
  });
  document.getElementById("results").replaceChildren(...items);
}

function title(state, result) {
  const where = [state.brands.join(", "), state.category].filter(Boolean).join(t(" in "));
  const what = state.q ? `“${state.q}”${where ? ` (${where})` : ""}` : where || t("the whole shop");
  const first = (result.page - 1) * PAGE_SIZE + 1;
  const range = result.hits.length ? t("{first}–{last} of {total}", { first, last: first + result.hits.length - 1, total: result.total }) : t("no results");
  const status = result.match && result.match.status;
  if (status === "unreadable") return t("Cannot read {what}", { what });
  return t(status === "nearest_only" ? "{range} nearest to {what}" : "{range} for {what}", { range, what });
}

export async function startSearchPage() {
  const state = readState(new URL(location.href));
  const status = document.getElementById("results-status");
  const filters = document.getElementById("filters-box");
  if (window.matchMedia("(max-width: 799px)").matches) filters.open = false; // results first on a phone
  const sort = document.getElementById("sort");
  sort.value = state.sort;
  sort.addEventListener("change", () => location.assign(refine(state, { sort: sort.value })));
  renderChips(state);
  showState(status, "loading", t("Searching…"));
  try {
    const result = await getJson("/search", searchParams(state));
    document.getElementById("results-title").textContent = title(state, result);
    renderInterpretation(state, result);
    renderFacets(state, result.facets);
    renderHits(result);
    renderPages(state, result);
    const unreadable = result.match && result.match.status === "unreadable";
    showState(status, "empty", result.hits.length || unreadable ? "" : t("Nothing matches. Try other words or remove a filter."));
    if (state.q && result.hits.length) trackSearch(state.q, result.hits.map((h) => h.product.product_id)).catch(() => {});
  } catch (error) {
    document.getElementById("results-title").textContent = t("Search failed");
    showState(status, "error", t("The search could not be run: {error}", { error: error.message }));
  }
}
