"""make bench: a city month and a national month, vos run on each, against the floor.

The floor, measured in the same run on the same files: reading the same inputs with pandas'
pyarrow engine (all text, no parsing), plus writing the same number of cells with the fastest
plain Excel writer (xlsxwriter, constant memory, row by row). Each measurement runs in its own
process so that peak memory is its own. Results: bench/results.md.

    python bench/run_bench.py [city] [national]     (default: both)
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

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
SIZES = {"city": 20_000, "national": 250_000}
MONTH = "2026-03"
VOS = [sys.executable, "-m", "vos_cli"]

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


def sh(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, check=False, text=True, capture_output=True, **kw)


def ensure_data(name: str, clients: int) -> Path:
    folder = CACHE / name
    stamp = folder / ".made"
    want = f"{clients} {MONTH} seed=7"
    if stamp.exists() and stamp.read_text() == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"  generating {name} ({clients} clients) …", flush=True)
    t = time.perf_counter()
    res = sh(VOS + ["sample", "--clients", str(clients), "--month", MONTH, "--seed", "7", "--output", str(folder), "-q"])
    if res.returncode:
        raise SystemExit(f"vos sample failed: {res.stderr}")
    stamp.write_text(want)
    print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


def bench(name: str, clients: int) -> dict:
    data = ensure_data(name, clients)
    out = CACHE / f"{name}-out"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    res = sh(VOS + ["run", "--input", str(data), "--output", str(out), "--month", MONTH, "--quiet"])
    wall = time.perf_counter() - t
    if res.returncode not in (0, 1):
        raise SystemExit(f"vos run failed ({res.returncode}): {res.stderr}")
    manifest = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))
    scratch = CACHE / "scratch"
    scratch.mkdir(exist_ok=True)
    floor = json.loads(sh([sys.executable, "-c", FLOOR, str(data), str(out / MONTH), str(scratch)]).stdout)
    return {"name": name, "clients": clients, "wall": wall, "manifest": manifest, "floor": floor}


def n(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def table(r: dict) -> list[str]:
    m = r["manifest"]
    steps = m["steg"]
    lines = [f"### {r['name']}: {n(r['clients'])} clients, {n(m['rader']['lästa'])} input rows",
             "", "| step | rules (s) | workbook (s) | peak memory so far (MB) | output rows |", "|---|---|---|---|---|"]
    read = steps["läsning"]
    lines.append(f"| read every export | {read['sekunder']:.2f} | – | {read['minnestopp_mb']:.0f} | – |")
    for name, s in steps.items():
        if name == "läsning":
            continue
        lines.append(f"| {name} | {s['regler']:.2f} | {s['skrivning']:.2f} | {s['minnestopp_mb']:.0f} | {s['rader']:,} |"
                     .replace(",", " "))
    peak = max(s["minnestopp_mb"] for s in steps.values())
    f = r["floor"]
    floor_total = f["read"] + f["write"]
    lines += [
        f"| **total `vos run`** (wall, incl. start-up) | | | **{peak:.0f}** | |", "",
        f"- `vos run` wall time: **{r['wall']:.1f} s**, peak memory **{peak:.0f} MB**",
        f"- floor: read with pyarrow engine {f['read']:.1f} s + write {f['cells']:,} cells with plain xlsxwriter "
        f"{f['write']:.1f} s = **{floor_total:.1f} s**".replace(",", " "),
        f"- ratio `vos run` / floor: **{r['wall'] / floor_total:.2f}×**", "",
    ]
    return lines


def main() -> None:
    names = sys.argv[1:] or list(SIZES)
    CACHE.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names:
        print(f"{name}:", flush=True)
        r = bench(name, SIZES[name])
        results.append(r)
        print("\n".join(table(r)), flush=True)
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    head = [
        "# Benchmark results", "",
        f"Measured {dt.date.today()} by `make bench` on {os.cpu_count()} cores, {mem_gb:.0f} GB, "
        f"{platform.platform()}; Python {platform.python_version()}, pandas {version('pandas')}, "
        f"pyarrow {version('pyarrow')}, xlsxwriter {version('xlsxwriter')}, numpy {version('numpy')}.", "",
        "Synthetic months from `vos sample` (seed 7, March 2026). Times are one run each; runs vary.", "",
    ]
    body = [line for r in results for line in table(r)]
    target = ROOT / "bench" / "results.md"
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    keep = [sec for sec in old.split("\n### ") if sec.startswith(("city", "national")) and
            sec.split(":")[0] not in names] if old else []
    text = "\n".join(head + body) + "".join("\n### " + sec for sec in keep)
    notes = ROOT / "bench" / "notes.md"
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    target.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
