"""The shared basics every stage reads: settings, periods and the clock, the vocabulary (statuses,
colours, limits), how a cell value is read, text in words, the one Jinja environment, atomic
writes, the home's lock, faults and intake events. Imports nothing else of cpip.
"""
