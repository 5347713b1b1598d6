// A product's reviews (GET /products/{id}/reviews): the rating summary, what the reviews say (the
// review summary's statements with their counts), the newest reviews with "More reviews", and the
// form that posts a shopper's review (POST /reviews, flagged by the same rules as every review).
// Shoppers' words are set as text, never read as HTML.

import { ApiError, getJson, postJson } from "./api.js";
import { newId, sessionId, userId } from "./identity.js";
import { LANGUAGE, t } from "./i18n.js";
import { el, showState } from "./render.js";

const PAGE_SIZE = 5;

const starsText = (rating) => "★".repeat(rating) + "☆".repeat(5 - rating);

function overview(answer) {
  if (!answer.count) return [];
  const mean = answer.mean.toFixed(1);
  const bars = el("ul", { class: "star-bars", "aria-label": t("Ratings") }, [5, 4, 3, 2, 1].map((star) =>
    el("li", {}, el("span", { text: t("{n} stars", { n: star }) }), " ",
      el("meter", { min: 0, max: answer.count, value: answer.stars[star - 1] }), " ",
      el("span", { class: "muted", text: String(answer.stars[star - 1]) }))));
  const parts = [
    el("p", { class: "rating-summary", id: "rating-summary" },
      el("span", { class: "rating", "aria-hidden": "true", text: starsText(Math.round(answer.mean)) }), " ",
      t("{mean} of 5 from {count} reviews", { mean, count: answer.count })),
    bars,
  ];
  if (answer.summary && answer.summary.statements.length) {
    parts.push(el("h3", { text: t("What shoppers say") }),
      el("ul", { id: "review-summary", class: "review-summary" }, answer.summary.statements.map((s) =>
        el("li", { class: `statement ${s.kind}`, "data-aspect": s.aspect, text: s.text }))));
  }
  return parts;
}

function reviewItem(review) {
  const when = new Date(review.timestamp).toLocaleDateString(LANGUAGE === "zh" ? "zh-CN" : undefined);
  return el("li", { class: "review", "data-review-id": review.review_id },
    el("p", { class: "review-head" },
      el("span", { class: "rating", "aria-label": t("rated {rating} out of 5", { rating: review.rating }), text: starsText(review.rating) }),
      " ", el("strong", { class: "review-title", text: review.title }),
      " ", el("span", { class: "muted small", text: when })),
    el("p", { class: "review-text", text: review.text }));
}

async function showPage(productId, page, shown) {
  const answer = await getJson(`/products/${encodeURIComponent(productId)}/reviews`, { page, page_size: PAGE_SIZE });
  if (page === 1) {
    document.getElementById("review-overview").replaceChildren(...overview(answer));
    document.getElementById("reviews").replaceChildren();
  }
  document.getElementById("reviews").append(...answer.reviews.map(reviewItem));
  shown += answer.reviews.length;
  showState(document.getElementById("reviews-status"), "empty", answer.count ? "" : t("No reviews yet: be the first to write one."));
  const more = document.getElementById("more-reviews");
  more.hidden = shown >= answer.count;
  return shown;
}

export async function showReviews(productId) {
  const status = document.getElementById("reviews-status");
  const more = document.getElementById("more-reviews");
  let page = 1;
  let shown = 0;
  showState(status, "loading", t("Loading…"));
  try {
    shown = await showPage(productId, page, 0);
  } catch (error) {
    showState(status, "error", t("Reviews could not be loaded: {error}", { error: error.message }));
    return;
  }
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      page += 1;
      shown = await showPage(productId, page, shown);
    } catch (error) {
      page -= 1;
      showState(status, "error", t("Reviews could not be loaded: {error}", { error: error.message }));
    } finally {
      more.disabled = false;
    }
  });
}

function problems(error) {
  const results = (error.detail && Array.isArray(error.detail) ? error.detail : []);
  const messages = results.flatMap((r) => (r.errors || []).map((e) => e.message));
  return messages.length ? messages.join("; ") : error.message;
}

function tell(node, kind, message) {
  node.className = `form-status ${kind}`;
  node.textContent = message;
}

async function submitReview(form, productId) {
  const status = document.getElementById("review-form-status");
  const rating = form.querySelector("input[name=rating]:checked");
  if (!rating) {
    tell(status, "error", t("Choose a rating from 1 to 5 stars."));
    form.querySelector("input[name=rating]").focus();
    return;
  }
  const review = {
    review_id: `web-${newId()}`,
    product_id: productId,
    shopper_id: userId() || sessionId(),
    rating: Number(rating.value),
    title: form.elements.title.value.trim(),
    text: form.elements.text.value.trim(),
    timestamp: new Date().toISOString(),
  };
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const answer = await postJson("/reviews", review);
    const flags = answer.results[0].flags;
    tell(status, flags.length ? "held" : "done", flags.length
      ? t("Thank you: your review is stored, and held back for a check ({flags}).", { flags: flags.join(", ") })
      : t("Thank you: your review is posted."));
    form.reset();
    await showPage(productId, 1, 0);
  } catch (error) {
    const message = error instanceof ApiError && (error.status === 401 || error.status === 403)
      ? t("This shop takes reviews through its own site.")
      : t("Your review could not be posted: {error}", { error: problems(error) });
    tell(status, "error", message);
  } finally {
    button.disabled = false;
  }
}

export function attachReviewForm(productId) {
  const form = document.getElementById("review-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitReview(form, productId);
  });
  // shown only once it posts through this script: submitted earlier, the browser would send the
  // form itself and reload the page
  form.hidden = false;
  form.dataset.ready = "true";
}
