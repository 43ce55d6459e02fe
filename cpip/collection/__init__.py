"""Who has sent what: the returns picture (on time, late, missing), the status page, each
partner's pre-filled return template, and when the scheduled runs fall.
"""
