"""Review aspects (issue 30 part 2): aspects mined per category from reviews' nouns and reviewed
like synonyms (`mine_aspects`, `review`), the sentiment of the clause each is mentioned in
(`find_mentions`, through any `SentenceSentiment`), and a product's review summary
(`summarize_product`, precomputed for every product by `write_summaries`)."""
