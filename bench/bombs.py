"""Bombs: each file whose cost grows with its rows or columns, taken beside a valid return.

Usage:  python bench/bombs.py [--out bench/out/bombs]

For each bomb of ``tests/faults/bombs.py`` (a 1,000,000-row workbook, a 4,900,000-row CSV under
10 MB, a 2,000-column workbook, a 9,000-row CSV with an error on every row), made at run time in a
new home beside a valid return from another partner, prints the wall time and the peak memory of
`cpip intake` (a new process, its watched children included: the largest resident set of any of
them), the outcomes, the largest receipt written (HTML or JSON), and whether a second run takes
anything again. Target for each: within 60 s and 1 GiB, the valid return accepted, the bomb
rejected, no receipt over 1 MB, nothing taken twice. Figures vary by 10-20 % between runs.
"""

from __future__ import annotations

import argparse
import json
import os
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
from tests.faults.bombs import BOMB_PARTNER, BOMBS  # noqa: E402

CPIP = str(Path(sys.executable).with_name("cpip"))
NOW = "2026-10-15T09:00"
VALID_PARTNER = "CPC-FIFE"


def run(args: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak resident memory in bytes of the process and its children, stdout)."""
    env = {**os.environ, "CPIP_NOW": NOW, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    t = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {p.returncode}")
    return wall, usage.ru_maxrss * 1024, out.decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "bombs"))
    args = ap.parse_args()
    out = Path(args.out)
    ref = load_reference()
    ok_all = True
    print(f"{'bomb':<30} {'size':>11} {'time':>7} {'peak':>8} {'receipt':>9}  outcomes; second run")
    for name, build in BOMBS.items():
        home = out / name.replace(".", "-")
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
        subprocess.run([CPIP, "init", "--home", str(home)], check=True, capture_output=True)
        bomb = home / "inbox" / BOMB_PARTNER / name
        build(bomb, ref)
        size = bomb.stat().st_size
        samples.write_progress_csv(home / "inbox" / VALID_PARTNER / "fife.csv",
                                   samples.make_return(ref, VALID_PARTNER, Period(2026, 3)))
        wall, peak, stdout = run([CPIP, "intake", "--home", str(home), "--json"])
        results = {Path(r["file"]).name: r for r in json.loads(stdout)}
        receipts = [p for p in (home / "outbox" / "receipts").rglob("*") if p.is_file()]
        biggest = max(p.stat().st_size for p in receipts)
        again = json.loads(run([CPIP, "intake", "--home", str(home), "--json"])[2])
        bomb_r, valid_r = results[name], results["fife.csv"]
        rules = sorted({i["rule"] for i in bomb_r["issues"]})
        ok = (wall <= 60 and peak <= 2**30 and biggest <= 1_000_000 and again == []
              and valid_r["outcome"] == "accepted" and bomb_r["outcome"] == "rejected")
        ok_all &= ok
        print(f"{name:<30} {size:>11,} {wall:>6.1f}s {peak / 2**20:>6.0f}MB {biggest / 1000:>7.0f}KB  "
              f"bomb {bomb_r['outcome']} ({', '.join(rules)}, {len(bomb_r['issues']):,} issues), "
              f"valid {valid_r['outcome']}; second run took {len(again)}  {'met' if ok else 'MISSED'}")
    raise SystemExit(0 if ok_all else 1)


if __name__ == "__main__":
    main()
