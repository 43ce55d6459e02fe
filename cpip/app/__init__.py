"""The entry points: the ``cpip`` command line, ``cpip init``, ``cpip serve``, ``cpip demo`` and its
sample returns.
"""
