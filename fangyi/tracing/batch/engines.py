"""The rules of rules.py run by DuckDB (embedded, the default) or by Spark (local or a cluster).

Both read the same inputs (the log's Parquet partitions, the gathered tables' Parquet files), run
the same steps, and leave the contacts as Parquet; DuckDB then writes them out as the CSV file of
formats.md ("contacts"), sorted by case, degree and identity number, so that the two engines'
files can be compared byte for byte.

Neither reads the whole log: only the days from the batch's earliest window start less the
longest stay the log has held (`first_day`), listed file by file, so that the days before are
never opened.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fangyi.registry.log import store
from fangyi.tracing.batch.rules import FILE_COLUMNS, INPUTS, Rules, steps

ENGINES = ("duckdb", "spark")
Progress = Callable[[str], None]


@dataclass
class Result:
    rows: int  # contacts written
    cases: int  # cases with at least one contact
    days_read: int | None = None  # days of the log read (None: all of them)


def first_day(tables: dict[str, Path], log: str | Path, rules: Rules) -> date | None:
    """The first day of the log a batch needs: every window (a case's, and its close contacts'
    secondary ones, which start at a first exposure inside the case's) starts at or after the
    earliest case window's start, and a stay reaching it began at most the longest stay before.
    None: read every day (the log does not know its longest stay); no case to trace: date.max."""
    con = store.connect()
    try:
        earliest, stay = con.execute(
            f"SELECT (SELECT MIN(s) FROM read_parquet({_q(str(tables['cases']))}) WHERE e >= s), "
            f"(SELECT MAX(dflt) FROM read_parquet({_q(str(tables['venues']))}))").fetchone()
    finally:
        con.close()
    if earliest is None:
        return date.max
    return store.first_day_needed(log, int(earliest), int(stay or 0), ZoneInfo(rules.zone))


def _days_read(log: str | Path, since: date | None) -> int | None:
    return None if since is None else sum(1 for day in store.days(log) if day >= since)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_file(con: Any, contacts_parquet: str, out: Path) -> Result:
    """The contacts (Parquet, from either engine) as the CSV file `fangyi import contacts` reads."""
    columns = ", ".join(FILE_COLUMNS)
    source = f"read_parquet({_q(contacts_parquet)})"
    con.execute(f"COPY (SELECT {columns} FROM {source} ORDER BY case_no, degree, id_number) TO {_q(str(out))} "
                "(FORMAT csv, HEADER true)")
    rows, cases = con.execute(f"SELECT COUNT(*), COUNT(DISTINCT case_no) FROM {source}").fetchone()
    return Result(int(rows), int(cases))


def run_duckdb(tables: dict[str, Path], log: str | Path, rules: Rules, out: Path, *,
               progress: Progress | None = None, threads: int | None = None) -> Result:
    con = store.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    since = first_day(tables, log, rules)
    con.execute(f"CREATE OR REPLACE TEMP VIEW checkins AS {store.read_sql(log, since)}")
    for name in INPUTS:
        if name != "checkins":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet({_q(str(tables[name]))})")
    for name, select in steps(rules, "duckdb"):
        if progress is not None:
            progress(name)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
    with tempfile.TemporaryDirectory(prefix="fangyi-batch-") as scratch:
        found = Path(scratch) / "contacts.parquet"
        con.execute(f"COPY contacts TO {_q(str(found))} (FORMAT parquet)")
        result = write_file(con, str(found), out)
    con.close()
    result.days_read = _days_read(log, since)
    return result


def spark_session(master: str = "local[2]", app: str = "fangyi-trace-batch", partitions: int = 8,
                  options: dict[str, str] | None = None) -> Any:
    """A SparkSession (pyspark: the `fangyi[spark]` extra, and Java). Its SQL session is kept in
    UTC: epoch seconds are converted to local time explicitly (dialect.py). `partitions`: of each
    shuffle (a cluster wants a few per core; a small test world one or two)."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", str(int(partitions))))
    for key, value in (options or {}).items():  # e.g. spark.driver.memory, before the JVM starts
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_available() -> str | None:
    """Why Spark cannot run here (pyspark or java missing), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'fangyi[spark]')"
    if shutil.which("java") is None:
        return "java is not on the PATH (Debian: openjdk-17-jre-headless)"
    return None


def run_spark(tables: dict[str, Path], log: str | Path, rules: Rules, out: Path, *, master: str = "local[2]",
              session: Any = None, progress: Progress | None = None, work: Path | None = None) -> Result:
    """On a cluster, the log, the gathered tables and `work` (where the executors write the
    contacts before the driver makes the file) must be on storage every worker reads."""
    spark = session or spark_session(master)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    frames = {name: spark.read.parquet(str(tables[name])) for name in INPUTS if name != "checkins"}
    since = first_day(tables, log, rules)
    listed = [str(f) for f in store.files(log, since)]
    if listed:
        # The files of the days needed, named one by one (the others are never listed or opened);
        # the stays only: the partition columns are not wanted.
        frames["checkins"] = (spark.read.option("basePath", str(log)).parquet(*listed)
                              .select("person_id", "venue_id", "in_at", "out_at"))
    else:
        frames["checkins"] = spark.sql("SELECT CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS BIGINT) AS venue_id, "
                                       "CAST(NULL AS BIGINT) AS in_at, CAST(NULL AS BIGINT) AS out_at WHERE FALSE")
    for name, frame in frames.items():
        frame.createOrReplaceTempView(name)
    cached = []
    for name, select in steps(rules, "spark"):
        if progress is not None:
            progress(name)
        frame = spark.sql(select)
        if name in ("close", "windows", "pairs"):  # read more than once by the steps after them
            frame = frame.cache()
            cached.append(frame)
        frame.createOrReplaceTempView(name)
    with tempfile.TemporaryDirectory(prefix="fangyi-batch-", dir=work) as scratch:
        found = Path(scratch) / "contacts"
        spark.table("contacts").write.mode("overwrite").parquet(str(found))
        for frame in cached:
            frame.unpersist()
        con = store.connect()
        result = write_file(con, f"{found}/*.parquet", out)
        con.close()
    if session is None:
        spark.stop()
    result.days_read = _days_read(log, since)
    return result


def run(engine: str, tables: dict[str, Path], log: str | Path, rules: Rules, out: Path, *,
        master: str | None = None, session: Any = None, progress: Progress | None = None,
        work: Path | None = None) -> Result:
    if engine == "duckdb":
        return run_duckdb(tables, log, rules, out, progress=progress)
    if engine == "spark":
        return run_spark(tables, log, rules, out, master=master or "local[2]", session=session, progress=progress,
                         work=work)
    raise ValueError(f"unknown engine {engine!r}; one of: {', '.join(ENGINES)}")
