// "Why here?": a search hit's evidence from each stage, in words, from `hit.explanation`.

import { el } from "./render.js";

const round = (value, digits = 2) => Number(value).toFixed(digits);

function matched(explanation) {
  const fields = Object.entries(explanation.matched_terms || {});
  if (!fields.length) return null;
  return fields.map(([field, terms]) => `“${terms.join("”, “")}” in the ${field}`).join("; ");
}

function personal(evidence) {
  if (!evidence) return [];
  const lines = [];
  const moved = evidence.moved > 0 ? `up ${evidence.moved}` : evidence.moved < 0 ? `down ${-evidence.moved}` : "not moved";
  if (evidence.stage === "model") {
    const parts = [`chance of a click ${round(evidence.p_click * 100, 1)}%`];
    if (evidence.p_conversion !== null) parts.push(`of a purchase after it ${round(evidence.p_conversion * 100, 1)}%`);
    lines.push(`Ranking model (${evidence.objective || "conversion"}): ${parts.join(", ")}; ${moved}.`);
  } else if (evidence.fit !== null) {
    lines.push(`Fit with your profile ${round(evidence.fit)}; ${moved}.`);
  }
  for (const reason of evidence.reasons || []) lines.push(`${reason[0].toUpperCase()}${reason.slice(1)}.`);
  return lines;
}

export function explanationLines(hit) {
  const explanation = hit.explanation;
  if (!explanation) return [];
  const lines = [];
  const words = matched(explanation);
  if (words) lines.push(`Matched ${words}.`);
  if (explanation.lexical_rank !== null) {
    lines.push(`Keyword match: #${explanation.lexical_rank} (BM25 ${round(explanation.lexical_score)}).`);
  }
  if (explanation.vector_rank !== null) {
    lines.push(`Meaning match: #${explanation.vector_rank} (similarity ${round(explanation.vector_similarity)}).`);
  }
  if (explanation.query_coverage !== null) {
    lines.push(`Title covers ${Math.round(explanation.query_coverage * 100)}% of the query's words.`);
  }
  lines.push(`Combined (${explanation.fusion} fusion): ${round(explanation.fused_score, 3)}.`);
  if (explanation.rerank_grade !== null) lines.push(`Relevance model grade ${round(explanation.rerank_grade)} of 3.`);
  lines.push(...personal(explanation.personal));
  for (const filter of explanation.filters_applied || []) lines.push(`Filter: ${filter}.`);
  if (explanation.praise) lines.push(`${explanation.praise[0].toUpperCase()}${explanation.praise.slice(1)}.`);
  return lines;
}

export function explanationBox(hit) {
  const lines = explanationLines(hit);
  if (!lines.length) return null;
  return el("details", { class: "why" },
    el("summary", {}, `Why #${hit.rank}?`),
    el("ul", {}, lines.map((line) => el("li", { text: line }))),
  );
}
