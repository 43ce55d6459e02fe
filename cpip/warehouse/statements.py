"""What every warehouse module builds on: the text of ``sql/`` statements, the one transaction,
and the error that says why the warehouse cannot be used as asked.

SQL lives in ``sql/`` (installed as the ``cpip.sql`` package) and is read through :func:`sql`;
values are always bound as parameters. :mod:`cpip.warehouse.db` (the session), the migrations
and the rebuild's carry-over read these; callers use them as ``wh.sql`` and ``wh.transaction``.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from importlib import resources


class WarehouseError(Exception):
    """The warehouse cannot be used or changed as asked; the message says why and what to do."""


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` from the installed package, e.g. ``sql("load/batch_audit")``."""
    return resources.files("cpip.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def has_sql(name: str) -> bool:
    return resources.files("cpip.sql").joinpath(f"{name}.sql").is_file()


def layer(folder: str) -> list[str]:
    """The statements of one folder of ``sql/`` (``schema``, ``staging``, ``marts``), by name, in order."""
    path = resources.files("cpip.sql").joinpath(folder)
    return sorted(p.name[:-4] for p in path.iterdir() if p.name.endswith(".sql"))


@contextmanager
def transaction(con):
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any exception (which is raised again)."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
