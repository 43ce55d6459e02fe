"""The product as its users feel it: intake and cycle at history size, on this machine.

Usage:  python bench/perf.py [--partners 250] [--quarters 40] [--out bench/out/perf]

Generates a synthetic programme (``--partners`` partners, 40 % of them CPCs, the 47 CPIP items
spread over them) and its history (one return per partner per quarter: half workbooks, half CSV,
CPC CSV returns as a progress and an indicators file), then prints each figure beside its target:

* intake of the whole history by one `cpip intake`, against plain pandas reading the same files
  (target: within 10x);
* one new file taken with the whole history archived: `cpip intake` as a fresh process, and
  in a warm process as `cpip serve` runs it (target: under 2 s);
* a 40-partner cycle with both forms as HTML and PDF (the demo home; target: under 10 s);
* `cpip intake` start-up with an empty inbox;
* drop to receipt under `cpip serve` (bench/serve_latency.py; target: under 10 s);
* peak memory of any of these processes (target: under 1.5 GiB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpip import samples  # noqa: E402
from cpip.periods import Period  # noqa: E402
from cpip.reference import load_reference  # noqa: E402
from cpip.settings import load_settings  # noqa: E402

BIN = Path(sys.executable).parent
NOW = "2026-11-28T12:00"


def env() -> dict:
    e = {**os.environ, "CPIP_NOW": NOW, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    e.pop("PREFECT_API_URL", None)
    return e


def child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def timed(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env())
    if r.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t, r.stdout


def make_reference(folder: Path, n_partners: int) -> None:
    """A programme of n partners: the CPIP register and indicators, partners and assignments made up."""
    base = load_reference()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    codes = [f"P{n:03d}" for n in range(n_partners)]
    cpcs = set(codes[: int(n_partners * 0.4)])
    with open(folder / "partners.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["partner_code", "name", "type", "reports_indicators", "contact_email"])
        for c in codes:
            w.writerow([c, f"Partner {c}", "cpc" if c in cpcs else "national", "yes" if c in cpcs else "no",
                        f"returns@{c.lower()}.example.org"])
    leads = {}
    with open(folder / "register.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "kind", "workstream", "number", "title", "lead_partner", "target_date", "confirmed",
                    "source_url"])
        for n, item in enumerate(base.items.values()):
            lead = codes[n % n_partners]
            leads[item.item_id] = lead
            w.writerow([item.item_id, item.kind, item.workstream, item.number, item.title, lead,
                        item.target_date.isoformat() if item.target_date else "", "yes", ""])
    assigned = {c: set() for c in codes}
    with open(folder / "assignments.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "partner_code", "role"])
        for item, lead in leads.items():
            w.writerow([item, lead, "lead"])
            assigned[lead].add(item)
        items = list(leads)
        for c in codes:
            for item in rng.sample(items, 2 if assigned[c] else 3):
                if item not in assigned[c]:
                    w.writerow([item, c, "contributor"])
                    assigned[c].add(item)
    shutil.copy(ROOT / "cpip" / "data" / "reference" / "indicators.csv", folder / "indicators.csv")


def make_history(home: Path, quarters: int, staging: Path | None = None) -> tuple[list[Path], list[Period]]:
    settings = load_settings(home, {})
    from cpip.reference import load_reference as lr

    ref = lr(settings)
    periods = []
    p = Period.containing(__import__("datetime").date(2026, 10, 1)).previous()
    for _ in range(quarters):
        periods.append(p)
        p = p.previous()
    periods.reverse()
    files = []
    previous = {}
    for qi, period in enumerate(periods):
        for n, code in enumerate(sorted(ref.partners)):
            ret = samples.make_return(ref, code, period, seed=3, previous=previous.get(code))
            previous[code] = ret
            folder = (staging or home / "inbox") / code
            stem = f"{code}_{period}"
            if (n + qi) % 2 == 0:
                files.append(samples.write_xlsx(folder / f"{stem}.xlsx", ret))
            else:
                files.append(samples.write_progress_csv(folder / f"{stem}_progress.csv", ret))
                if ret.indicators is not None:
                    files.append(samples.write_indicators_csv(folder / f"{stem}_indicators.csv", ret))
    return files, periods


def pandas_read(files: list[Path]) -> float:
    import pandas as pd

    t = time.perf_counter()
    for f in files:
        if f.suffix == ".csv":
            pd.read_csv(f)
        else:
            pd.read_excel(f, sheet_name=None, engine="openpyxl")  # pandas 3's default xlsx reader
    return time.perf_counter() - t


def line(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  OK" if ok else "  MISSED")
    print(f"{label:<58} {value:>18}   {target}{mark}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partners", type=int, default=250)
    ap.add_argument("--quarters", type=int, default=40)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "perf"))
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    home = out / "home"
    home.mkdir(parents=True)
    make_reference(home / "reference", args.partners)
    (home / "cpip.toml").write_text(
        "[reference]\n" + "".join(f'{n} = "reference/{n}.csv"\n' for n in ("register", "partners", "assignments",
                                                                              "indicators"))
        + "[intake]\nsettle_seconds = 1\nlock_timeout_seconds = 600\n")
    timed([str(BIN / "cpip"), "init", "--home", str(home)])
    t = time.perf_counter()
    files, periods = make_history(home, args.quarters)
    made = time.perf_counter() - t
    n_returns = args.partners * args.quarters
    n_xlsx = sum(1 for f in files if f.suffix == ".xlsx")
    print(f"perf on {os.cpu_count()} cores: {args.partners} partners x {args.quarters} quarters = {n_returns:,} returns "
          f"({n_xlsx:,} workbooks, {len(files) - n_xlsx:,} CSV files; made in {made:.0f} s)\n")
    floor = pandas_read(files)
    line("plain pandas read of the same files", f"{floor:.1f} s", f"({len(files) / floor:,.0f} files/s)")
    wall, stdout = timed([str(BIN / "cpip"), "intake", "--home", str(home), "--json"])
    results = json.loads(stdout)
    assert len(results) == len(files), (len(results), len(files))
    outcomes = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    peak = child_peak_mib()
    line("cpip intake of the whole history (one run)", f"{wall:.1f} s",
         f"{len(files) / wall:,.0f} files/s; {wall / floor:.1f}x pandas; target <= 10x", wall <= 10 * floor)
    print(f"    outcomes: {outcomes}")

    # One new file with the whole history archived.
    ref_settings = load_settings(home, {})
    from cpip.reference import load_reference as lr

    ref = lr(ref_settings)
    code = sorted(ref.partners)[0]
    nxt = periods[-1].next()
    ret = samples.make_return(ref, code, nxt, seed=77)
    samples.write_xlsx(home / "inbox" / code / "new.xlsx", ret)
    cli_one, _ = timed([str(BIN / "cpip"), "intake", "--home", str(home), "--json"])
    os.environ.update({"CPIP_NOW": NOW, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    os.environ.pop("PREFECT_API_URL", None)
    from cpip.flows.intake import intake

    warm = []
    for i in range(3):
        samples.write_progress_csv(home / "inbox" / code / f"warm-{i}.csv",
                                   samples.make_return(ref, code, nxt, seed=80 + i))
        t = time.perf_counter()
        got = intake.fn(home=str(home))
        warm.append(time.perf_counter() - t)
        assert len(got) == 1
    line("one new file, 10,000 archived (as cpip serve takes it)", f"{statistics.median(warm[1:]):.2f} s",
         "target < 2 s (includes the 1 s settle)", statistics.median(warm[1:]) < 2)
    line("one new file, 10,000 archived, `cpip intake` as a new process", f"{cli_one:.2f} s",
         "(Python imports: Prefect 1.2 s, GX 3 s)")

    empty = home.parent / "empty"
    timed([str(BIN / "cpip"), "init", "--home", str(empty)])
    starts = [timed([str(BIN / "cpip"), "intake", "--home", str(empty), "--json"])[0] for _ in range(3)]
    line("cpip intake start-up, empty inbox", f"{statistics.median(starts):.2f} s")

    demo = home.parent / "demo"
    timed([str(BIN / "cpip"), "demo", "--home", str(demo)])
    cycles = [timed([str(BIN / "cpip"), "cycle", "--period", "2026-Q3", "--home", str(demo), "--json"])[0]
              for _ in range(3)]
    line("40-partner cycle, both forms, HTML + PDF", f"{statistics.median(cycles):.2f} s", "target < 10 s",
         statistics.median(cycles) < 10)
    big = [timed([str(BIN / "cpip"), "cycle", "--period", str(periods[-1]), "--home", str(home), "--json"])[0]]
    line(f"{args.partners}-partner cycle over {args.quarters} quarters held", f"{big[0]:.2f} s")

    r = subprocess.run([sys.executable, str(ROOT / "bench" / "serve_latency.py"), "--drops", "10",
                        "--out", str(out / "serve")], capture_output=True, text=True, env=env())
    print("    " + (r.stdout.strip().splitlines() or ["serve latency: failed"])[-1])
    peak = max(peak, child_peak_mib())
    line("peak memory of any process above", f"{peak:,.0f} MiB", "target < 1,536 MiB", peak < 1536)


if __name__ == "__main__":
    main()
