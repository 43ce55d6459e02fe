"""Shared fixtures: real homes on disk, real DuckDB files, real workbooks and CSVs."""

from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("CPIP_HOME", None)
os.environ.pop("CPIP_NOW", None)

from cpip.core.periods import Period  # noqa: E402
from cpip.reference.tables import load_reference  # noqa: E402
from cpip.app import samples  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
Q3 = Period(2026, 3)
NOW = "2026-10-15T09:00"  # two weeks after 2026-Q3 ended; due date is 28 October 2026


@pytest.fixture(scope="session")
def ref():
    return load_reference()


class Home:
    """A real cpip home in a temporary folder, with helpers to drop files and run intake."""

    def __init__(self, path: Path, monkeypatch, ref):
        self.path = path
        self.mp = monkeypatch
        self.ref = ref
        from cpip.app.home import init_home
        from cpip.core.settings import load_settings

        path.mkdir(parents=True, exist_ok=True)
        (path / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
        init_home(load_settings(path, {}))

    @property
    def inbox(self) -> Path:
        return self.path / "inbox"

    def sample(self, partner: str, period: Period = Q3, **kw) -> samples.SampleReturn:
        return samples.make_return(self.ref, partner, period, **kw)

    def drop_xlsx(self, ret, name: str | None = None, folder: str | None = None, **kw) -> Path:
        folder = ret.partner_code if folder is None else folder
        return samples.write_xlsx(self.inbox / folder / (name or f"{ret.partner_code}-{ret.period}.xlsx"), ret, **kw)

    def drop_progress_csv(self, ret, name: str | None = None, folder: str | None = None, **kw) -> Path:
        folder = ret.partner_code if folder is None else folder
        return samples.write_progress_csv(self.inbox / folder / (name or f"{ret.partner_code}-{ret.period}-progress.csv"), ret, **kw)

    def drop_indicators_csv(self, ret, name: str | None = None, folder: str | None = None, **kw) -> Path:
        folder = ret.partner_code if folder is None else folder
        return samples.write_indicators_csv(self.inbox / folder / (name or f"{ret.partner_code}-{ret.period}-indicators.csv"), ret, **kw)

    def drop_bytes(self, folder: str, name: str, data: bytes) -> Path:
        p = self.inbox / folder / name if folder else self.inbox / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p

    def intake(self, now: str = NOW) -> list[dict]:
        from cpip.flows.intake import intake

        self.mp.setenv("CPIP_NOW", now)
        return intake(home=str(self.path))

    def one(self, now: str = NOW) -> dict:
        results = self.intake(now)
        assert len(results) == 1, results
        return results[0]

    def db(self):
        import duckdb

        return duckdb.connect(str(self.path / "warehouse.duckdb"), read_only=True)

    def query(self, q: str, params=None) -> list[tuple]:
        con = self.db()
        try:
            return con.execute(q, params or {}).fetchall()
        finally:
            con.close()


@pytest.fixture
def home(tmp_path, monkeypatch, ref) -> Home:
    return Home(tmp_path / "home", monkeypatch, ref)


def rules_of(result: dict) -> list[str]:
    return sorted({i["rule"] for i in result["issues"]})


def clone(ret):
    return copy.deepcopy(ret)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(src: Path, outdir: Path, target: str = "xlsx", infilter: str | None = None) -> Path:
    """Re-save a file with LibreOffice itself, as an officer's LibreOffice would."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = outdir / "lo-profile"
    cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target, "--outdir", str(outdir)]
    if infilter:
        cmd.insert(-4, f"--infilter={infilter}")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([*cmd, str(src)], check=True, capture_output=True, timeout=180)
    out = outdir / (src.stem + "." + target.split(":")[0])
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def cpip_cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    exe = Path(sys.executable).parent / "cpip"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=e, timeout=timeout)


@contextmanager
def smtp_on_localhost(handler, **controller_kw):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, with ``handler``; yields the port."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = Controller(handler, hostname="127.0.0.1", port=port, **controller_kw)
    c.start()
    try:
        yield port
    finally:
        c.stop()


# On CI the property tests run a fixed set of examples (derandomised), so a run's result does not
# depend on luck; locally they explore new examples each run and keep the failures they find.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
