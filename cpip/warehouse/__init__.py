"""The DuckDB warehouse: sessions and transactions (``db``), schema versions and migrations
(``migrations``), and what a rebuild carries over (``carryover``). The SQL models are in sql/.
"""
