"""Shoppers' reviews: records, feeds and stores (issue 30 part 1)."""
