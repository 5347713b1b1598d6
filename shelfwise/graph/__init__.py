"""The product knowledge graph (issue 30 part 4): products, brands, categories, attribute values
and aspects, linked by weighted edges with their evidence."""
