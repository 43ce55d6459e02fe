"""Crash safety: SIGKILL `cpip intake` at random moments over a growing inbox, then compare.

Usage:  python bench/crash_loop.py [--kills 50] [--seed 1] [--out bench/out]

Each round drops a few new returns (valid and invalid, workbooks and CSV) into the inbox,
starts `cpip intake` as a fresh process and kills it with SIGKILL after a random delay
(0.3-4 s: anywhere from start-up to the middle of loading). At the end intake runs to
completion. The home must then hold every file archived exactly once, no duplicate or
partial rows, a receipt for every file, and the same warehouse (outcomes, issues, rows) as
a second home that took the same files in one run without crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpip.app import samples  # noqa: E402
from cpip.core.periods import Period  # noqa: E402
from cpip.reference.tables import load_reference  # noqa: E402

BIN = Path(sys.executable).parent
NOW = "2026-11-10T09:00"


def _env() -> dict:
    env = {**os.environ, "CPIP_NOW": NOW, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return env


def _init(home: Path) -> None:
    subprocess.run([str(BIN / "cpip"), "init", "--home", str(home)], check=True, env=_env(), capture_output=True)
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\nlock_timeout_seconds = 60\n")


def make_files(staging: Path, n: int, seed: int) -> list[tuple[str, Path]]:
    """``n`` distinct returns across partners and quarters; about one in five has an error."""
    ref = load_reference()
    rng = random.Random(seed)
    partners = sorted(ref.partners)
    out = []
    for i in range(n):
        code = partners[i % len(partners)]
        period = Period(2025, 1)
        for _ in range(i // len(partners)):
            period = period.next()
        ret = samples.make_return(ref, code, period, seed=seed * 1000 + i)
        if rng.random() < 0.2:
            ret.progress[0]["status"] = "Nearly there"
        name = f"{code}_{period}_{i:04d}"
        if rng.random() < 0.5:
            out.append((code, samples.write_xlsx(staging / f"{name}.xlsx", ret)))
        else:
            out.append((code, samples.write_progress_csv(staging / f"{name}.csv", ret)))
    return out


def intake(home: Path, kill_after: float | None) -> bool:
    """Run `cpip intake`; kill it with SIGKILL after ``kill_after`` seconds. True when killed."""
    proc = subprocess.Popen([str(BIN / "cpip"), "intake", "--home", str(home), "--json"], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_after is None:
        assert proc.wait(timeout=600) == 0
        return False
    try:
        proc.wait(timeout=kill_after)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def snapshot(home: Path) -> dict:
    """What the warehouse holds, keyed by content, not by run-dependent ids."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        subs = con.execute("""
            SELECT s.sha256, s.outcome, s.partner_code, s.period, s.part, s.late,
                   coalesce(list(i.rule ORDER BY i.seq) FILTER (WHERE i.rule IS NOT NULL), []) AS rules
            FROM submissions s LEFT JOIN issues i USING (submission_id) GROUP BY ALL ORDER BY s.sha256""").fetchall()
        rows = con.execute("""
            SELECT s.sha256, r.item_id, r.status, r.percent_complete, r.forecast_completion, r.narrative
            FROM progress_rows r JOIN submissions s USING (submission_id) ORDER BY 1, 2""").fetchall()
        ind = con.execute("""
            SELECT s.sha256, v.indicator_id, v.value FROM indicator_values v JOIN submissions s USING (submission_id)
            ORDER BY 1, 2""").fetchall()
        dup_rows = con.execute("""SELECT count(*) FROM (SELECT submission_id, item_id FROM progress_rows
                                  GROUP BY ALL HAVING count(*) > 1)""").fetchall()[0][0]
        receipts = [r[0] for r in con.execute("SELECT receipt_json FROM submissions").fetchall()]
    finally:
        con.close()
    return {"submissions": subs, "progress_rows": rows, "indicator_values": ind, "duplicate_rows": dup_rows,
            "receipts": receipts}


def run(kills: int, seed: int, out: Path, per_round: int = 3) -> dict:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    staging = out / "staging"
    staging.mkdir(parents=True)
    files = make_files(staging, kills * per_round + per_round, seed)
    crashed, calm = out / "crashed", out / "calm"
    _init(crashed)
    _init(calm)
    killed = 0
    t0 = time.monotonic()
    for r in range(kills):
        for code, src in files[r * per_round:(r + 1) * per_round]:
            shutil.copy(src, crashed / "inbox" / code / src.name)
        killed += intake(crashed, rng.uniform(0.3, 4.0))
    for code, src in files[kills * per_round:]:
        shutil.copy(src, crashed / "inbox" / code / src.name)
    intake(crashed, None)
    intake(crashed, None)
    for code, src in files:
        shutil.copy(src, calm / "inbox" / code / src.name)
    intake(calm, None)
    elapsed = time.monotonic() - t0

    left = [p for p in (crashed / "inbox").rglob("*") if p.is_file()]
    records = [json.loads(p.read_text()) for p in (crashed / "archive" / "records").glob("*.json")]
    per_sha = Counter(r["sha256"] for r in records)
    a, b = snapshot(crashed), snapshot(calm)
    missing_receipts = [p for p in a["receipts"] if not p or not Path(p).exists()]
    return {
        "files": len(files), "rounds": kills, "killed": killed, "seconds": round(elapsed, 1),
        "left_in_inbox": len(left),
        "archived_once": sum(1 for v in per_sha.values() if v == 1), "archived_more_than_once": sum(
            1 for v in per_sha.values() if v > 1),
        "lost": len(files) - len(per_sha),
        "submissions": len(a["submissions"]), "duplicate_rows": a["duplicate_rows"],
        "missing_receipts": len(missing_receipts),
        "same_as_without_crashes": a["submissions"] == b["submissions"] and a["progress_rows"] == b["progress_rows"]
        and a["indicator_values"] == b["indicator_values"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "crash"))
    args = ap.parse_args()
    res = run(args.kills, args.seed, Path(args.out))
    print(json.dumps(res, indent=2))
    ok = (res["lost"] == 0 and res["archived_more_than_once"] == 0 and res["left_in_inbox"] == 0
          and res["duplicate_rows"] == 0 and res["missing_receipts"] == 0 and res["same_as_without_crashes"])
    print(f"{res['rounds']} rounds, {res['killed']} runs killed with SIGKILL, {res['files']} files: "
          f"{res['lost']} lost, {res['archived_more_than_once']} archived twice, {res['duplicate_rows']} duplicate rows, "
          f"warehouse {'identical to' if res['same_as_without_crashes'] else 'DIFFERENT from'} a run without crashes"
          f" ({res['seconds']} s)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
