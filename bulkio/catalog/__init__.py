"""Full catalogs: variable products, attributes, categories and tags by name, images by URL.

``read_feed`` (feed.py) → ``fetch_catalog_state`` (state.py) → ``build_catalog_plan``
(plan.py) → ``apply_catalog_plan`` (apply.py). Terms by name live in terms.py. See
docs/catalog.md.
"""
