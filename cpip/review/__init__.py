"""Clearing a briefing: versions, approval codes, a named person's decision, and what changed
between versions.
"""
