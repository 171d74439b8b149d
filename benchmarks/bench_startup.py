"""How long people wait for a one-shot command: whole processes, beside a bare Python start.

python -m benchmarks.bench_startup [--runs N] [--archive FILE.db]

`paperbot --help` and a one-shot `paperbot lookup` on an archive: by default a fresh one holding
the bundled sample; `--archive` takes another SQLite file, such as the 100,000-paper archive that
benchmarks/bench_lookup.py leaves in benchmarks/.cache/. Goals (issue 17): `--help` ≤ 0.25 s and
a lookup ≤ 0.6 s, median of 5.

Each command runs once untimed first, and PYTHONDONTWRITEBYTECODE is dropped from the commands'
environment: a user's commands start from the bytecode Python cached on their first run, while a
sandbox that sets the variable would compile every module of paperbot on every start (~0.06 s).

Beside the wall-clock times, the CPU time (user + system) each command's process used: on a VM
whose other work takes the cores, the wall clock mostly measures the waiting, the CPU time much
less so.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, machine


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def seconds(argv: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Each run's wall-clock time and its process's CPU time, in seconds."""
    subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)  # caches bytecode
    timings, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
        timings.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
    return timings, cpu


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--archive", type=Path, help="an archive (SQLite file) to look up in")
    args = options.parse_args()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAPERBOT_", "SLACK_", "DISCORD_")) and key != "PYTHONDONTWRITEBYTECODE"
    }
    paperbot = [sys.executable, "-m", "bot"]
    with tempfile.TemporaryDirectory() as folder:
        if args.archive:
            database = args.archive.resolve()
        else:
            database = Path(folder) / "archive.db"
            subprocess.run(
                [*paperbot, "ingest", "bot/reports/sample/report-sample.md"],
                env={**env, "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
        env["PAPERBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
        rows = {
            "bare Python start (python -c pass)": [sys.executable, "-c", "pass"],
            "paperbot --help": [*paperbot, "--help"],
            "paperbot lookup diffusion": [*paperbot, "lookup", "diffusion"],
            "paperbot lookup 2611.01003": [*paperbot, "lookup", "2611.01003"],
        }
        print(f"machine: {machine()}")
        print(f"archive: {database.name} ({database.stat().st_size / 1e6:.1f} MB); runs: {args.runs}\n")
        print(f"{'command':<40} {'median':>8} {'min':>8} {'CPU median':>11}")
        for name, argv in rows.items():
            timings, cpu = seconds(argv, env, args.runs)
            print(
                f"{name:<40} {statistics.median(timings):>7.3f}s {min(timings):>7.3f}s "
                f"{statistics.median(cpu):>10.3f}s"
            )
    print("\nGoals (issue 17): --help ≤ 0.25 s, a one-shot lookup ≤ 0.6 s (median of 5).")


if __name__ == "__main__":
    main()
