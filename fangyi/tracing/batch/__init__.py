"""Tracing many cases at once over the check-in log, by DuckDB here or by Spark on a cluster.

rules.py holds the close and secondary contact rules as SQL, written once; dialect.py the one
function where DuckDB's SQL and Spark's differ; inputs.py gathers from the database what the rules
need besides the log (cases and their windows, venues, persons, the places and names cases gave,
quarantine starts) into Parquet files; engines.py runs the rules on either engine and writes the
contacts as a file `fangyi import contacts` loads.
"""
