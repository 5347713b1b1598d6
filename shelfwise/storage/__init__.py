"""Where a shop's data lives: one URL per store (`urls.py`), the PostgreSQL plumbing the stores'
PostgreSQL backends share (`postgres.py`, migrations in `sql/`), and `ShopData` (`shop_data.py`),
which opens every store of a shop from its settings.

`urls` and `postgres` sit below the stores (store/, events/, impressions/, experiments/, keys/,
recommend/shared_answers); `shop_data` sits above them. Import the modules, not this package.
"""
