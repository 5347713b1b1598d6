"""Review aspects: mined per category, with their sentiment, and a product's review summary
(issue 30 part 2)."""
