"""Time registry imports of a million rows beside a plain COPY of them.

Usage (PostgreSQL; the database's name must contain "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_registry_bench \\
        .venv/bin/python bench/registry_import.py [--households 300000]

The database is dropped, created, migrated and given the demo's counties,
townships and villages (again before each of --rounds first imports).
bench/registry_export.py writes three exports of --households households
(about 3.3 people each): a first one listed by registry number, as exports
are; the same with 1% of households changed; the first one's households
in another order. Then it prints the wall time and the peak resident
memory of

- a plain PostgreSQL COPY of the first file into a bare table of text
  columns (the reference);
- the first import of the first file (`manage.py import_registry`);
- the same file again, as users run it (refused as already imported) and
  forced to read it all again;
- the changed file;
- a first import of the file not in order, on a new database (households
  and person numbers are then looked for across the whole file).

Each import runs in its own process, so that its peak memory is its own;
the process that reads the second half of a large CSV (see
catalog/registry/halves.py) has its peak printed beside. Times are wall
times of the whole command, Django's start included.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from oversell import recreate_database  # noqa: E402

TARGETS = (
    "targets: first import within 4× COPY, re-import under 30 s, peak RSS under 400 MB"
)


def write_exports(folder: Path, households: int) -> tuple[Path, Path, Path]:
    # Named for the generator's version: files of an earlier one are not
    # taken for these.
    first, changed = folder / "export-v2.csv", folder / "export-v2-1pc.csv"
    mixed = folder / "export-v2-mixed.csv"
    for path, extra in (
        (first, []),
        (changed, ["--changed-percent", "1"]),
        (mixed, ["--order", "mixed"]),
    ):
        if not path.exists():
            subprocess.run(  # noqa: S603 - our own generator
                [sys.executable, str(HERE / "registry_export.py"), str(path)]
                + ["--households", str(households), *extra],
                check=True,
                stdout=subprocess.DEVNULL,
            )
    return first, changed, mixed


def prepare_database(url: str) -> None:
    recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(  # noqa: S603 - manage.py of this project
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    code = (
        "import django; django.setup(); "
        "from catalog.demo import _load_divisions, _read_json; "
        "_load_divisions(_read_json('divisions.json'))"
    )
    subprocess.run(  # noqa: S603 - this project's own code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "shop.settings"},
        check=True,
    )


def checkpoint(url: str) -> None:
    """Write out what earlier rounds left in memory, so rounds start alike."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def copy_reference(url: str, path: Path) -> float:
    """Return the seconds of COPY of path into a bare table of text columns."""
    import psycopg

    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().rstrip("\r\n").split(",")
    columns = ", ".join(f"c{i} text" for i in range(len(header)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(f"CREATE TABLE bench_copy ({columns})")
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            open(path, "rb") as data,
        ):
            while chunk := data.read(1024 * 1024):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    print(f"{'plain COPY':>28}: {seconds:7.1f} s  ({rows:,} rows into a bare table)")
    return seconds


# Runs a management command and reports the peak memory of its process and
# of the process that read the second half of the file, if one did.
MEASURED = (
    "import resource, sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "code = 0\n"
    "try: call_command('import_registry', *sys.argv[1:])\n"
    "except SystemExit as stop: code = stop.code or 0\n"
    "except Exception as error: print(error); code = 1\n"
    "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
    "sys.exit(code)"
)


def run_import(url: str, path: Path, label: str, *extra: str) -> float:
    """Run one import in a process of its own; print its time and memory."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "shop.settings"}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this project's own command
        [sys.executable, "-c", MEASURED, str(path), "-v", "0", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    peaks = [int(kb) / 1024 for kb in lines.pop().split()[1:]] if lines else [0, 0]
    summary = lines[-1] if lines else done.stderr[-500:]
    print(
        f"{label:>28}: {seconds:7.1f} s  peak RSS {peaks[0]:5.0f} MB "
        f"(second half's reader {peaks[1]:3.0f} MB)  {summary}"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="How many times the COPY and the first import run, each on a "
        "new database; the medians are compared (this machine's timings "
        "vary by a third from run to run).",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        default=Path(tempfile.gettempdir()) / "fupin-registry-bench",
        help="Where the generated exports are kept between runs.",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    args.folder.mkdir(parents=True, exist_ok=True)

    first, changed, mixed = write_exports(args.folder, args.households)
    with open(first, "rb") as export:
        rows = sum(1 for _ in export) - 1
    print(f"{args.households:,} households, {rows:,} person rows; PostgreSQL")
    copies, imports = [], []
    for _round in range(args.rounds):
        prepare_database(url)
        checkpoint(url)
        copies.append(copy_reference(url, first))
        imports.append(run_import(url, first, "first import"))
    run_import(url, first, "same file again")
    run_import(url, first, "same file, read again", "--force")
    run_import(url, changed, "1% of households changed")
    # The same households listed in another order: every household and
    # person number is then looked for across the whole file.
    prepare_database(url)
    checkpoint(url)
    run_import(url, mixed, "first import, not in order")
    reference, first_import = statistics.median(copies), statistics.median(imports)
    print(
        f"{'medians':>28}: COPY {reference:.1f} s, first import "
        f"{first_import:.1f} s, over {args.rounds} rounds"
    )
    print(f"{'first import / COPY':>28}: {first_import / reference:7.1f}×")
    print(TARGETS)


if __name__ == "__main__":
    main()
