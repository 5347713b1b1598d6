"""Plain-text rendering of a SearchResult for the command line."""

from __future__ import annotations

from shelfwise.records import Hit, SearchResult


def _hit_lines(hit: Hit) -> list[str]:
    product = hit.product
    price = "" if product.price is None else f"  {product.price:.2f} {product.currency}"
    lines = [f"{hit.rank:>3}. {product.title}  [{product.product_id}]{price}"]
    if product.category or product.brand:
        lines.append(f"     {product.brand}  {product.category_path}".rstrip())
    why = hit.explanation
    if why is not None:
        parts = [f"{why.fusion} {why.fused_score:.4f}"]
        if why.lexical_score is not None:
            parts.append(f"bm25 {why.lexical_score:.2f} (#{why.lexical_rank})")
        if why.vector_similarity is not None:
            rank = f" (#{why.vector_rank})" if why.vector_rank else ""
            parts.append(f"cosine {why.vector_similarity:.3f}{rank}")
        lines.append("     why: " + ", ".join(parts))
        if why.matched_terms:
            matched = "; ".join(f"{f}: {' '.join(t)}" for f, t in why.matched_terms.items())
            lines.append(f"     matched: {matched}")
    return lines


def render_result(result: SearchResult) -> str:
    lines = [
        f"{result.total} results for '{result.query}' "
        f"(page {result.page}, {result.took_ms:.1f} ms, index {result.index_version})"
    ]
    for hit in result.hits:
        lines.extend(_hit_lines(hit))
    for name, values in result.facets.items():
        shown = ", ".join(f"{v.value} ({v.count})" for v in values[:8])
        lines.append(f"  {name}: {shown}")
    return "\n".join(lines)
