"""``cpip serve``: the flows on their schedules, and intake as soon as a file lands.

The deployments (intake every few minutes, the cycle after each due date, reminders
before and after it) are served from this process with Prefect's ``serve``. Schedules
fire only with a real Prefect server: when ``PREFECT_API_URL`` is not set, ``cpip serve``
starts ``prefect server start`` on 127.0.0.1 itself, with its database in the home.

A watchdog observer watches the inbox; a file closed, created or moved into a partner
folder triggers an intake run in this process after a short quiet time (the intake
itself then waits ``[intake] settle_seconds`` for the file to settle). On shared network
folders, where inotify does not see other machines' writes, run ``cpip serve --polling``
(a command-line flag, not a setting); the scheduled intake catches anything missed either way.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta

from cpip.intake.inbox import ignored
from cpip.collection.schedules import TIMEZONE, cycle_crons, reminder_crons, templates_crons
from cpip.core.settings import Settings

log = logging.getLogger("cpip.app.serve")


def start_local_server(settings: Settings) -> subprocess.Popen | None:
    """Start ``prefect server start`` on 127.0.0.1 when no Prefect API is configured."""
    if settings.prefect_api_url:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    # The UI asks the server's /ui-settings where the API is; that answer comes from these settings,
    # not from --port, so without them the browser is sent to the default port 4200 and finds nothing.
    env = {**os.environ, "PREFECT_HOME": str(settings.home / ".prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port), "PREFECT_UI_API_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("The local Prefect server did not start within 120 s.")
    os.environ["PREFECT_API_URL"] = url
    log.warning("started a Prefect server for this home at %s (UI at http://127.0.0.1:%s)", url, port)
    return proc


def deployments(settings: Settings) -> list:
    """The deployments ``cpip serve`` serves, with their schedules from the settings."""
    from prefect.schedules import Cron, Interval

    from cpip.flows.prefect_flows import cycle, intake, reminders, templates

    home = str(settings.home)
    sch = settings.schedule
    reminder = reminder_crons(settings.cycle.due_days, sch.reminder_days_before, sch.reminder_hour)
    return [
        intake.to_deployment(name="intake", parameters={"home": home},
                             schedule=Interval(timedelta(minutes=sch.intake_every_minutes), timezone=TIMEZONE),
                             concurrency_limit=1),
        cycle.to_deployment(name="cycle", parameters={"home": home}, concurrency_limit=1,
                            schedules=[Cron(c, timezone=TIMEZONE) for c in cycle_crons(settings.cycle.due_days,
                                                                                        sch.cycle_hour)]),
        reminders.to_deployment(name="reminders-before", parameters={"kind": "before", "home": home},
                                schedules=[Cron(c, timezone=TIMEZONE) for c in reminder["before"]]),
        reminders.to_deployment(name="reminders-after", parameters={"kind": "after", "home": home},
                                schedules=[Cron(c, timezone=TIMEZONE) for c in reminder["after"]]),
        templates.to_deployment(name="templates", parameters={"home": home},
                                schedules=[Cron(c, timezone=TIMEZONE) for c in templates_crons(sch.templates_hour)]),
    ]


class InboxWatcher:
    """Runs an intake soon after a file lands in the inbox (one at a time, never lost)."""

    def __init__(self, settings: Settings, quiet_seconds: float = 0.3, polling: bool = False):
        self.settings = settings
        self.quiet = quiet_seconds
        self.polling = polling
        self._event = threading.Event()
        self._last = 0.0
        self._stop = threading.Event()
        self._observer = None
        self._thread = threading.Thread(target=self._loop, name="cpip-inbox-watcher", daemon=True)

    def notice(self, path: str) -> None:
        name = os.path.basename(path)
        if not name or ignored(name):
            return
        self._last = time.monotonic()
        self._event.set()

    def start(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_closed(self, event):
                if not event.is_directory:
                    watcher.notice(event.src_path)

            def on_created(self, event):
                if not event.is_directory:
                    watcher.notice(event.src_path)

            def on_moved(self, event):
                if not event.is_directory:
                    watcher.notice(event.dest_path)

            def on_modified(self, event):
                if not event.is_directory and watcher.polling:
                    watcher.notice(event.src_path)

        self.settings.inbox.mkdir(parents=True, exist_ok=True)
        self._observer = (PollingObserver(timeout=0.5) if self.polling else Observer())
        self._observer.schedule(Handler(), str(self.settings.inbox), recursive=True)
        self._observer.start()
        self._event.set()  # take whatever is already waiting
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._event.set()
        if self._observer is not None:
            self._observer.stop()

    def _loop(self) -> None:
        from cpip.flows.prefect_flows import intake

        while not self._stop.is_set():
            self._event.wait()
            if self._stop.is_set():
                return
            while time.monotonic() - self._last < self.quiet:
                time.sleep(self.quiet / 3)
            self._event.clear()
            try:
                intake(home=str(self.settings.home))
            except Exception:  # a failed run is logged; the next event or the schedule retries
                log.exception("intake triggered by a new file failed")


def serve_forever(settings: Settings, polling: bool = False) -> None:
    from prefect import serve

    # A cycle run waiting for a reviewer is suspended; the results it keeps to resume (cpip.orchestration.steps)
    # hold the briefing's contents, so they live in the home beside the outbox, not in ~/.prefect.
    os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(settings.home / ".prefect" / "storage"))
    watcher = InboxWatcher(settings, polling=polling)
    watcher.start()
    try:
        serve(*deployments(settings), print_starting_message=True)
    finally:
        watcher.stop()
