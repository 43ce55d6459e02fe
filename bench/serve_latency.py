"""Drop-to-receipt time under `cpip serve`: the median over 20 drops.

Usage:  python bench/serve_latency.py [--drops 20] [--out bench/out]

Starts `cpip serve` on a fresh home (it starts its own Prefect server on 127.0.0.1 when
PREFECT_API_URL is not set), makes one warm-up drop, then drops returns one at a time
into partner folders and times each from the moment the file is written to the moment
its receipt exists. settle_seconds is the default 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpip.app import samples  # noqa: E402
from cpip.core.periods import Period  # noqa: E402
from cpip.reference.tables import load_reference  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drops", type=int, default=20)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args()
    home = Path(args.out) / "serve-home"
    if home.exists():
        shutil.rmtree(home)
    env = {**os.environ, "CPIP_NOW": "2026-11-10T09:00", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    subprocess.run([str(BIN / "cpip"), "init", "--home", str(home)], check=True, env=env, capture_output=True)
    ref = load_reference()
    partners = sorted(ref.partners)
    staged = home.parent / "serve-staged"
    staged.mkdir(exist_ok=True)
    files = []
    for n in range(args.drops + 1):
        code = partners[n % len(partners)]
        ret = samples.make_return(ref, code, Period(2026, 3), seed=100 + n)
        files.append((code, samples.write_xlsx(staged / f"{code}-{n}.xlsx", ret)))
    log = open(home.parent / "serve.log", "w")
    proc = subprocess.Popen([str(BIN / "cpip"), "serve", "--home", str(home)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    times = []
    try:
        for n, (code, src) in enumerate(files):
            target = home / "inbox" / code / src.name
            receipts = home / "outbox" / "receipts" / code
            before = set(receipts.glob("*.json")) if receipts.exists() else set()
            t0 = time.monotonic()
            tmp = target.with_suffix(".part")
            tmp.write_bytes(src.read_bytes())
            tmp.rename(target)  # as a copy tool would: write under a partial name, then rename
            limit = 180 if n == 0 else 60
            while time.monotonic() - t0 < limit:
                now = set(receipts.glob("*.json")) if receipts.exists() else set()
                if now - before:
                    break
                time.sleep(0.05)
            else:
                raise SystemExit(f"no receipt for {target} within {limit} s; see {home.parent / 'serve.log'}")
            elapsed = time.monotonic() - t0
            if n == 0:
                print(f"warm-up drop (includes starting the Prefect server and imports): {elapsed:.1f} s")
            else:
                times.append(elapsed)
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    times.sort()
    print(f"drop to receipt under cpip serve, {len(times)} drops: median {statistics.median(times):.2f} s, "
          f"p90 {times[int(0.9 * (len(times) - 1))]:.2f} s, min {times[0]:.2f} s, max {times[-1]:.2f} s "
          f"(target < 10 s; settle_seconds = 1)")


if __name__ == "__main__":
    main()
