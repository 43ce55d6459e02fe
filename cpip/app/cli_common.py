"""What every ``cpip`` command shares: the Typer app, the common options, and how a command loads
its settings, runs a flow, reports a known failure in one line, and prints its result.

With ``--json`` a command prints exactly one JSON document on standard output; logs
and messages go to standard error.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from cpip.core.errors import NotAsAsked, storage_problem
from cpip.core.lock import Busy
from cpip.core.periods import parse_period
from cpip.core.settings import SettingsError, load_settings
from cpip.mail.transport import DeliveryError
from cpip.reference.tables import ReferenceDataError
from cpip.warehouse.db import WarehouseError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Quarterly returns for the Child Protection Improvement Programme.")

HomeOpt = typer.Option(None, "--home", help="The data home (default: $CPIP_HOME, else ./cpip-home).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON document on standard output.")


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"cpip: {message}", err=True)
    raise typer.Exit(code)


def settings_of(home: Optional[Path]):
    try:
        return load_settings(home)
    except SettingsError as exc:
        fail(str(exc))


@contextmanager
def clear_failures():
    """Known failures become one clear line on standard error and an exit status: 2 for settings,
    reference data or arguments, 3 when another run holds the home's lock, 1 when the
    warehouse cannot be used or changed (a failed rebuild, a warehouse from a newer release)."""
    try:
        yield
    except (NotAsAsked, ReferenceDataError) as exc:
        fail(str(exc))
    except Busy as exc:
        fail(str(exc), 3)
    except DeliveryError as exc:
        fail(f"everything was written, but email could not be sent: {exc} Run the command again to send what "
              "was not sent (nothing is sent twice).", 1)
    except WarehouseError as exc:
        fail(str(exc), 1)
    except Exception as exc:  # a full disk or a read-only home: one line naming the path and what to do
        message = storage_problem(exc, "the home")
        if message is None:
            raise
        fail(message, 1)


def run_flow(settings, flow, **params):
    """Run a flow (the plain function of ``cpip.flows``): as a Prefect flow, tracked on the Prefect server,
    when PREFECT_API_URL names one; else in-process, importing no Prefect."""
    with clear_failures():
        if settings.prefect_api_url:
            from cpip.flows.prefect_flows import prefect_flow

            return prefect_flow(flow)(**params)
        return flow(**params)


def run_period_flow(flow, period: str, home: Optional[Path]) -> dict:
    """Run a flow taking a period (the cycle, the templates) for one period of the home."""
    setup_logging()
    settings = settings_of(home)
    return run_flow(settings, flow, period=period, home=str(settings.home))


def emit(out, as_json: bool, human: str) -> None:
    """One JSON document on standard output with --json, else the human summary."""
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False) if as_json else human)


def setup_logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def period_command(home: Optional[Path], period: str):
    """How a command taking ``--period`` starts: logging, the settings, and the period read (a
    malformed one is one line on standard error, exit 2, before anything else is read)."""
    setup_logging()
    settings = settings_of(home)
    with clear_failures():
        return settings, parse_period(period)
