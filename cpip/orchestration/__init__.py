"""Prefect plumbing: ``step`` (a Prefect task inside a flow run, a plain call outside one), what a
run shows in the Prefect UI, and the Prefect API calls for a waiting review.
"""
