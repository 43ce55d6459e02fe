"""From the inbox to the warehouse: scanning and settling the inbox, the archive move and the archive,
reading (``readers``), checking (``checks``, with the Great Expectations suites), deciding each
file's outcome, loading, receipts, and the rebuild's replay of the archive.
"""
