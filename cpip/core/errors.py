"""The one error every command shares: what was asked cannot be done as asked."""


class NotAsAsked(Exception):
    """A period, a kind of reminder or a cycle that cannot be run as asked; the message says why
    and what to do. The command line prints it on one line and exits 2."""


# The storage problems an operator can put right (a full disk, a read-only or unwritable home), by
# errno and as DuckDB words them: (what happened, what to do).
_STORAGE = {
    "ENOSPC": ("the disk is full", "free some space on it"),
    "EDQUOT": ("the disk quota is used up", "free some space or raise the quota"),
    "EROFS": ("the file system is read-only", "make the home writable (remount it read-write)"),
    "EACCES": ("permission was refused", "give the service account write access to the home"),
    "EPERM": ("permission was refused", "give the service account write access to the home"),
}
_STORAGE_WORDS = {"No space left on device": "ENOSPC", "Disk quota exceeded": "EDQUOT",
                  "Read-only file system": "EROFS", "Permission denied": "EACCES"}


def storage_problem(exc: BaseException, home: object) -> str | None:
    """One line for a storage problem met anywhere in ``exc``'s chain (an OSError, or DuckDB's words
    for one), naming the path and what to do; None for any other fault. Nothing is lost on such a
    failure: the inbox is left until a file is archived durably, and a warehouse write is one transaction."""
    import errno
    import re

    seen = exc
    while seen is not None:
        name = errno.errorcode.get(getattr(seen, "errno", None) or 0) if isinstance(seen, OSError) else None
        path = getattr(seen, "filename", None) if isinstance(seen, OSError) else None
        if name is None:
            text = str(seen)
            name = next((code for words, code in _STORAGE_WORDS.items() if words in text), None)
            m = re.search(r'"(/[^"]+)"', text) if name else None
            path = m.group(1) if m else None
        if name in _STORAGE:
            what, todo = _STORAGE[name]
            return (f"cannot write to {path or home}: {what}. Please {todo}, then run the command again; "
                    "nothing was lost.")
        seen = seen.__cause__ or seen.__context__
    return None
