"""The one error every command shares: what was asked cannot be done as asked."""


class NotAsAsked(Exception):
    """A period, a kind of reminder or a cycle that cannot be run as asked; the message says why
    and what to do. The command line prints it on one line and exits 2."""
