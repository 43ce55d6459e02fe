"""The programme's reference data (register, partners, assignments, indicators) and the rule
catalogue, read from cpip/reference/data (or the home's own copies).
"""
