"""make bench: `vos run` on a small, a city and a national month, against the single-core floor.

For each size, `vos sample --months N` makes the month and the N − 1 months before it; the earlier
months are run first, untimed, so that the timed month has its ledger and corrects three earlier
months, as a real second month of use does. Each run of the month is made twice: once sampled every
0.2 s for the proportional set size (PSS: a page shared by several processes counted once) of the
whole process tree, workers included, and once timed, not sampled: reading the processes' page
maps cost the sampler 1.2 s of CPU in a city run on this 2-core machine (sampled runs took 16.1 s
on average against 15.8 s unsampled, five alternating pairs: within the machine's noise, but not
the run's own work).

The floor, measured in the same invocation on the same files: reading the inputs with pandas'
pyarrow engine (all text, no parsing) plus writing as many cells as the month's workbooks hold with
plain xlsxwriter (constant memory, row by row), in one process on one core. It is measured just
before and just after the timed run and the two are averaged: this machine's floor has drifted from
14.5 to 20.7 s within five minutes, and a floor measured on one side only weighed that drift
against the run.

Results: bench/history.json (every run), bench/results.md (the last three runs per size, the
scaling table and bench/notes.md) and bench/scaling.png (time and memory against clients, log-log).

    python bench/run_bench.py [small] [city] [national] [--runs N]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CACHE = BENCH / "cache"
HISTORY = BENCH / "history.json"
# name: (clients, months of visits); the national month has one earlier month (memory of this machine)
SIZES = {"small": (2_000, 4), "city": (20_000, 4), "national": (250_000, 2)}
MONTH = "2026-04"
SEED = 7
VOS = [sys.executable, "-m", "vos_cli"]
KEEP = 3  # runs per size in results.md

FLOOR = r'''
import json, resource, sys, time
from pathlib import Path
import pandas as pd, xlsxwriter, openpyxl
inp, month_dir, scratch = map(Path, sys.argv[1:4])
t = time.perf_counter()
rows = 0
for f in sorted(inp.glob("*.csv")):
    rows += len(pd.read_csv(f, sep=";", engine="pyarrow", dtype_backend="pyarrow", dtype=str))
t_read = time.perf_counter() - t
cells = []
for wbpath in sorted(month_dir.glob("*.xlsx")):
    wb = openpyxl.load_workbook(wbpath, read_only=True)
    cells += [(ws.max_row or 0, ws.max_column or 0) for ws in wb.worksheets]
    wb.close()
t = time.perf_counter()
wb = xlsxwriter.Workbook(scratch / "floor.xlsx", {"constant_memory": True})
for i, (n_rows, n_cols) in enumerate(cells):
    ws = wb.add_worksheet(f"s{i}")
    for r in range(n_rows):
        for c in range(n_cols):
            if c % 2:
                ws.write_number(r, c, r * 1.5)
            else:
                ws.write_string(r, c, "Hemtjänst Norr")
wb.close()
t_write = time.perf_counter() - t
print(json.dumps({"read": t_read, "write": t_write, "rows": rows, "cells": sum(a * b for a, b in cells),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def sh(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, check=False, text=True, capture_output=True)


def months_before(month: str, n: int) -> list[str]:
    y, m = map(int, month.split("-"))
    out = []
    for k in range(n, 0, -1):
        yy, mm = divmod(y * 12 + m - 1 - k, 12)
        out.append(f"{yy}-{mm + 1:02d}")
    return out


def ensure_data(name: str, clients: int, months: int) -> Path:
    folder = CACHE / name
    stamp = folder / ".made"
    want = f"{clients} {MONTH} months={months} seed={SEED}"
    if stamp.exists() and stamp.read_text() == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"  generating {name}: {clients} clients, {months} months …", flush=True)
    t = time.perf_counter()
    res = sh(VOS + ["sample", "--clients", str(clients), "--month", MONTH, "--months", str(months), "--seed",
                    str(SEED), "--output", str(folder), "-q"])
    if res.returncode:
        raise SystemExit(f"vos sample failed: {res.stderr}")
    stamp.write_text(want)
    print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


def run_vos(data: Path, out: Path, month: str) -> subprocess.CompletedProcess:
    return sh(VOS + ["run", "--input", str(data), "--output", str(out), "--month", month, "--config",
                     str(data / "vos.toml"), "--quiet"])


def prepared(name: str, data: Path, months: int) -> Path:
    """The output folder after the earlier months (their runs and the ledger), made once per call."""
    base = CACHE / f"{name}-earlier"
    shutil.rmtree(base, ignore_errors=True)
    for month in months_before(MONTH, months - 1):
        t = time.perf_counter()
        res = run_vos(data, base, month)
        if res.returncode not in (0, 1):
            raise SystemExit(f"vos run {month} failed ({res.returncode}): {res.stderr}")
        print(f"  {month} run first (untimed): {time.perf_counter() - t:.0f} s", flush=True)
    return base


def pss_tree_mb(proc: psutil.Process) -> float:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 2**20


def timed(data: Path, base: Path | None, out: Path, sample: bool = False) -> tuple[float, float]:
    """Wall time and (sample: sampled, else 0) peak PSS of the process tree of one `vos run` of the
    month: after the earlier months (base: their output folder and ledger), or as the ledger's
    first month (base None)."""
    shutil.rmtree(out, ignore_errors=True)
    if base is None:
        out.mkdir(parents=True)
    else:
        shutil.copytree(base, out)
    args = VOS + ["run", "--input", str(data), "--output", str(out), "--month", MONTH, "--config",
                  str(data / "vos.toml"), "--quiet"]
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak = 0.0
    if not sample:
        proc.wait()
    while proc.poll() is None:
        try:
            peak = max(peak, pss_tree_mb(ps))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"vos run failed ({proc.returncode}): {proc.stderr.read().decode()}")
    return wall, peak


def bench(name: str, runs: int) -> list[dict]:
    clients, months = SIZES[name]
    data = ensure_data(name, clients, months)
    base = prepared(name, data, months)
    out = CACHE / f"{name}-out"
    scratch = CACHE / "scratch"
    scratch.mkdir(exist_ok=True)
    results = []
    for i in range(runs):
        _, peak = timed(data, base, out, sample=True)  # memory (the sampling slows a run: not timed)
        before = measure_floor(data, out, scratch)  # the cells of the month the sampled run wrote
        wall, _ = timed(data, base, out)
        after = measure_floor(data, out, scratch)
        floor = bracket(before, after)
        manifest = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))
        r = {"date": dt.datetime.now().isoformat(timespec="seconds"), "name": name, "clients": clients,
             "months": months, "wall": round(wall, 2), "peak_pss_mb": round(peak), "floor": floor,
             "ratio": round(wall / (floor["read"] + floor["write"]), 2), "rows": manifest["rader"]["lästa"],
             "steps": manifest["steg"], "seconds": manifest["sekunder"], "writers": _writers(manifest)}
        said = ""
        # what the ledger costs: the same month as the ledger's first (recorded, nothing to correct),
        # right after each run so that both see the machine alike; not for the national size, where
        # one more run takes minutes
        if name != "national":
            first, _ = timed(data, None, out)
            r["first_month_wall"], r["paired"] = round(first, 2), True
            said = f", as the ledger's first month {first:.1f} s ({wall / first - 1:+.0%})"
        results.append(r)
        print(f"  run {i + 1}: {wall:.1f} s, floor {floor['read'] + floor['write']:.1f} s (before {floor['before']:.1f}, "
              f"after {floor['after']:.1f}), ratio {r['ratio']:.2f}×, "
              f"peak PSS {peak:.0f} MB{said}", flush=True)
    if len(results) > 1:
        print(f"  on the means of the runs: {mean_ratio(results)}", flush=True)
    if results and "first_month_wall" in results[0]:
        added = sum(r["wall"] for r in results) / sum(r["first_month_wall"] for r in results) - 1
        print(f"  the ledger and its corrections add {added:.0%} (mean of the runs against the mean of their first "
              "months)", flush=True)
    return results


def measure_floor(data: Path, out: Path, scratch: Path) -> dict:
    return json.loads(sh([sys.executable, "-c", FLOOR, str(data), str(out / MONTH), str(scratch)]).stdout)


def bracket(before: dict, after: dict) -> dict:
    """The floor of a run: the mean of its measurements just before and just after the run (read and
    write each), with both totals kept."""
    mean = {k: (before[k] + after[k]) / 2 for k in ("read", "write")}
    return before | mean | {"before": round(before["read"] + before["write"], 2),
                            "after": round(after["read"] + after["write"], 2),
                            "peak_mb": max(before["peak_mb"], after["peak_mb"])}


def mean_ratio(runs: list[dict]) -> str:
    """The runs' mean wall time against their floors' mean: one noisy run (this machine's floor has
    ranged 13–21 s within minutes) weighs as much as its seconds, not as its ratio."""
    wall = sum(r["wall"] for r in runs) / len(runs)
    floor = sum(r["floor"]["read"] + r["floor"]["write"] for r in runs) / len(runs)
    return f"{wall:.1f} s against a floor of {floor:.1f} s, ratio {wall / floor:.2f}×"


def _writers(manifest: dict) -> int:
    return int(manifest.get("skrivprocesser", 1))


def n(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def section(runs: list[dict]) -> list[str]:
    last = runs[-1]
    f = last["floor"]
    lines = [f"### {last['name']}: {n(last['clients'])} clients, {n(last['rows'])} input rows "
             f"({last['months']} months of visits; the month corrects the earlier ones)", "",
             "| run | `vos run` wall (s) | floor: read + write (s) | floor before / after the run (s) | ratio "
             "| peak PSS, process tree (MB) |",
             "|---|---|---|---|---|---|"]
    for r in runs:
        fl = r["floor"]
        sides = f"{fl['before']:.1f} / {fl['after']:.1f}" if "before" in fl else "– (after only)"
        lines.append(f"| {r['date']} | {r['wall']:.1f} | {fl['read']:.1f} + {fl['write']:.1f} = "
                     f"{fl['read'] + fl['write']:.1f} | {sides} | {r['ratio']:.2f}× | {r['peak_pss_mb']} |")
    if len(runs) > 1:
        lines += ["", f"On the means of these {len(runs)} runs: {mean_ratio(runs)}."]
    if last.get("paired"):
        pairs = [(r["wall"], r["first_month_wall"]) for r in runs if r.get("paired")]
        adds = [w / f - 1 for w, f in pairs]
        mean_w, mean_f = sum(w for w, _ in pairs) / len(pairs), sum(f for _, f in pairs) / len(pairs)
        lines += ["", "Each run was followed by the same month as the ledger's first month (recorded, nothing to "
                      f"correct): {', '.join(f'{f:.1f}' for _, f in pairs)} s — the ledger with {last['months'] - 1} "
                      f"earlier months to correct adds {min(adds):.0%}–{max(adds):.0%} run by run, "
                      f"{mean_w / mean_f - 1:.0%} on the means ({mean_w:.1f} s against {mean_f:.1f} s)."]
    elif "first_month_wall" in last:
        first = last["first_month_wall"]
        adds = [r["wall"] / first - 1 for r in runs if r.get("first_month_wall") == first]
        added = f"{adds[0]:.0%}" if len(adds) == 1 else \
            f"{min(adds):.0%}–{max(adds):.0%} (mean {sum(adds) / len(adds):.0%}) over the {len(adds)} runs measured with it"
        lines += ["", f"The same month as the ledger's first month (recorded, nothing to correct): {first:.1f} s — "
                      f"the ledger with {last['months'] - 1} earlier months to correct adds {added} to `vos run`."]
    lines += ["", f"Steps of the last run ({last['writers']} writer process(es); workbooks are written while the next "
                  "report is computed, so the write times overlap the rules):", "",
              "| step | rules (s) | workbook (s, in its writer) | output rows |", "|---|---|---|---|"]
    sec = last["seconds"]
    lines.append(f"| read every export | {sec.get('läsning', 0):.2f} | – | – |")
    if "rättelser" in sec:  # since the corrections are computed beside the run (osl.Beside)
        lines += [f"| ledger: the earlier months' records (read beside the exports), the shared rules | "
                  f"{sec.get('liggare', 0):.2f} | – | – |",
                  f"| corrections of the earlier months (beside the run, overlapping the steps below; above "
                  f"10 M visit rows in the run, within the ledger step above) | "
                  f"{sec['rättelser']:.2f} | – | – |",
                  f"| ledger: recording the month (beside the run, while the last workbooks are written) | "
                  f"{sec.get('liggare registrering', 0):.2f} | – | – |"]
    else:
        lines.append(f"| ledger: corrections of the earlier months | {sec.get('liggare', 0):.2f} | – | – |")
    for name, s in last["steps"].items():
        if name != "läsning":
            lines.append(f"| {name} | {s['regler']:.2f} | {s['skrivning']:.2f} | {n(s['rader'])} |")
    lines += ["", f"Floor cells: {n(f['cells'])}.", ""]
    return lines


def scaling(latest: dict[str, dict]) -> list[str]:
    rows = sorted(latest.values(), key=lambda r: r["clients"])
    lines = ["## Scaling (latest run per size)", "",
             "| size | clients | input rows | wall (s) | s per 1 000 clients | peak PSS (MB) | MB per 1 000 clients |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        k = r["clients"] / 1000
        lines.append(f"| {r['name']} | {n(r['clients'])} | {n(r['rows'])} | {r['wall']:.1f} | {r['wall'] / k:.2f} | "
                     f"{r['peak_pss_mb']} | {r['peak_pss_mb'] / k:.1f} |")
    lines += ["", "![time and memory against clients](scaling.png)", ""]
    return lines


def plot(latest: dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(latest.values(), key=lambda r: r["clients"])
    if len(rows) < 2:
        return
    x = [r["clients"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "wall", "wall time (s)"), (axes[1], "peak_pss_mb", "peak PSS (MB)")):
        y = [r[key] for r in rows]
        ax.loglog(x, y, "o-", label="vos run")
        ax.loglog(x, [y[-1] * xi / x[-1] for xi in x], "--", color="grey", label="linear through the largest")
        if key == "wall":
            ax.loglog(x, [r["floor"]["read"] + r["floor"]["write"] for r in rows], "s:", label="floor")
        ax.set_xlabel("clients")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("vos run: time and memory against the size of the municipality")
    fig.tight_layout()
    fig.savefig(BENCH / "scaling.png", dpi=110)


def write_results(history: list[dict]) -> None:
    by_size: dict[str, list[dict]] = {}
    for r in history:
        by_size.setdefault(r["name"], []).append(r)
    latest = {name: runs[-1] for name, runs in by_size.items()}
    mem_gb = psutil.virtual_memory().total / 2**30
    head = [
        "# Benchmark results", "",
        f"Written by `make bench` on {os.cpu_count()} cores, {mem_gb:.0f} GB, {platform.platform()}; Python "
        f"{platform.python_version()}, pandas {version('pandas')}, pyarrow {version('pyarrow')}, xlsxwriter "
        f"{version('xlsxwriter')}. Synthetic municipalities from `vos sample` (seed {SEED}, month {MONTH}). "
        "The last three runs per size are kept; this machine is noisy.", "",
    ]
    body = [line for name in sorted(by_size, key=lambda k: SIZES.get(k, (0,))[0]) for line in section(by_size[name][-KEEP:])]
    text = "\n".join(head + body + scaling(latest))
    notes = BENCH / "notes.md"
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    (BENCH / "results.md").write_text(text.rstrip() + "\n", encoding="utf-8")
    plot(latest)


def main() -> None:
    args = sys.argv[1:]
    runs = 1
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    names = args or list(SIZES)
    CACHE.mkdir(parents=True, exist_ok=True)
    history = json.loads(HISTORY.read_text(encoding="utf-8")) if HISTORY.exists() else []
    for name in names:
        print(f"{name}:", flush=True)
        history += bench(name, runs)
        HISTORY.write_text(json.dumps(history, ensure_ascii=False, indent=1), encoding="utf-8")
    write_results(history)
    print(f"wrote {BENCH / 'results.md'} and {BENCH / 'scaling.png'}")


if __name__ == "__main__":
    main()
