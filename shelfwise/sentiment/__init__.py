"""Review sentiment: the shop's own classifier, trained and served int8 (issue 30 part 2)."""
