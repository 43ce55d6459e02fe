"""Intake rate: 1,000 CSV returns and 1,000 xlsx returns, each taken by one `cpip intake`.

Usage:  python bench/intake_rate.py [--files 1000] [--out bench/out]

Prints, for each format: the time to read the same files with plain pandas (the floor),
the time for python-calamine and openpyxl to read the workbooks, the wall time of
`cpip intake` (a fresh process, as a scheduler runs it), files per second, and the
peak memory of the intake process. Figures vary by ±10-20 % between runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpip.app import samples  # noqa: E402
from cpip.core.periods import Period  # noqa: E402
from cpip.reference.tables import load_reference  # noqa: E402


def periods(n: int) -> list[Period]:
    p = Period(2014, 1)
    out = []
    for _ in range(n):
        out.append(p)
        p = p.next()
    return out


def make_files(home: Path, n: int, fmt: str) -> list[Path]:
    ref = load_reference()
    partners = sorted(ref.partners)
    quarters = periods((n + len(partners) - 1) // len(partners))
    paths = []
    for q in quarters:
        for code in partners:
            if len(paths) == n:
                return paths
            ret = samples.make_return(ref, code, q, seed=1)
            folder = home / "inbox" / code
            if fmt == "csv":
                paths.append(samples.write_progress_csv(folder / f"{code}_{q}.csv", ret))
            else:
                paths.append(samples.write_xlsx(folder / f"{code}_{q}.xlsx", ret))
    return paths


def pandas_read(paths: list[Path], fmt: str) -> float:
    import pandas as pd

    t = time.perf_counter()
    for p in paths:
        if fmt == "csv":
            pd.read_csv(p)
        else:
            pd.read_excel(p, sheet_name=None, engine="openpyxl")  # pandas 3 default today
    return time.perf_counter() - t


def reader_read(paths: list[Path], engine: str) -> float:
    import pandas as pd

    t = time.perf_counter()
    for p in paths:
        pd.read_excel(p, sheet_name=None, engine=engine)
    return time.perf_counter() - t


def run_intake(home: Path) -> tuple[float, float, int]:
    env = {**os.environ, "CPIP_NOW": "2026-11-28T12:00", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    exe = Path(sys.executable).parent / "cpip"
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run([str(exe), "intake", "--home", str(home), "--json"], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    import json

    out = json.loads(r.stdout)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, len(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    print(f"Intake rate, {args.files} files per format, {os.cpu_count()} cores")
    for fmt in ("csv", "xlsx"):
        home = out / f"intake-{fmt}"
        if home.exists():
            shutil.rmtree(home)
        subprocess.run([str(Path(sys.executable).parent / "cpip"), "init", "--home", str(home)], check=True,
                       capture_output=True)
        (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 1\n")
        t = time.perf_counter()
        paths = make_files(home, args.files, fmt)
        made = time.perf_counter() - t
        floor = pandas_read(paths, fmt)
        print(f"\n{fmt}: made {len(paths)} files in {made:.1f} s "
              f"({sum(p.stat().st_size for p in paths) / len(paths) / 1024:.1f} KiB each)")
        print(f"  plain pandas read_{'csv' if fmt == 'csv' else 'excel'}: {floor:6.2f} s "
              f"({len(paths) / floor:7.1f} files/s)")
        if fmt == "xlsx":
            cal = reader_read(paths, "calamine")
            opx = reader_read(paths, "openpyxl")
            print(f"  python-calamine:    {cal:6.2f} s ({len(paths) / cal:7.1f} files/s)")
            print(f"  openpyxl:           {opx:6.2f} s ({len(paths) / opx:7.1f} files/s)  "
                  f"calamine is {opx / cal:.1f}x faster")
        wall, peak_mib, n = run_intake(home)
        assert n == len(paths), (n, len(paths))
        print(f"  cpip intake:        {wall:6.2f} s ({len(paths) / wall:7.1f} files/s), "
              f"{wall / floor:.1f}x the pandas read, peak RSS {peak_mib:.0f} MiB (includes 1 s settle)")


if __name__ == "__main__":
    main()
