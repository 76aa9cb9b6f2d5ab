"""Where DuckDB's SQL and Spark's differ, for the rules of rules.py: this one function.

Everything else in the rules is SQL both engines read alike (joins, GREATEST/LEAST, COALESCE,
bool_or, `||`). Three things are not:

- a JSON object: DuckDB's json_object(...) is JSON to cast to text; Spark builds one with
  to_json(named_struct(...)). Both write it compact, keys in the order given;
- text aggregated in a given order: DuckDB's string_agg takes ORDER BY inside; Spark sorts a
  collected list of structs (the keys first, the text last) and joins it;
- an epoch second as local time (ISO 8601, no offset): DuckDB converts with timezone(); Spark
  with from_utc_timestamp, its session kept in UTC by the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Dialect = Literal["duckdb", "spark"]


def sql(dialect: Dialect, what: str, *args: str, keys: Sequence[str] = (), sep: str = ", ") -> str:
    """The dialect's text for `what`:

    - "json_object": args are alternating key literals and values;
    - "ordered_join": args[0] is the text to join, `keys` order it, `sep` between;
    - "local_time": args[0] is epoch seconds, args[1] the zone name as a literal.
    """
    if what == "json_object":
        if dialect == "duckdb":
            return f"CAST(json_object({', '.join(args)}) AS VARCHAR)"
        return f"to_json(named_struct({', '.join(args)}))"
    if what == "ordered_join":
        (value,) = args
        if dialect == "duckdb":
            return f"string_agg({value}, '{sep}' ORDER BY {', '.join(keys)})"
        fields = ", ".join(f"{key} AS k{index}" for index, key in enumerate(keys))
        return f"array_join(transform(array_sort(collect_list(struct({fields}, {value} AS v))), x -> x.v), '{sep}')"
    if what == "local_time":
        seconds, zone = args
        if dialect == "duckdb":
            return f"strftime(timezone({zone}, to_timestamp({seconds})), '%Y-%m-%dT%H:%M:%S')"
        return f"date_format(from_utc_timestamp(timestamp_seconds({seconds}), {zone}), \"yyyy-MM-dd'T'HH:mm:ss\")"
    raise ValueError(f"no such dialect text: {what}")
