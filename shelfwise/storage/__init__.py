"""Where a shop's data lives, at the bottom: one URL per store (`urls.py`) and the PostgreSQL
plumbing the stores' PostgreSQL backends share (`postgres.py`; `migrations.py` applies
`sql/<component>/NNNN_name.sql`, numbered per component).

This package sits below the stores (store/, events/, impressions/, experiments/, keys/,
recommend/shared_answers, privacy/forget_log); `shelfwise.shop_data.ShopData`, which opens every
store of a shop from its settings, sits above them. Import the modules, not this package.
"""
