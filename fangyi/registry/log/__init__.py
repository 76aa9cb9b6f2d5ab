"""Check-ins as a log of Parquet files, for a city whose scans outgrow one database.

A county keeps its check-ins in the `checkins` table and never meets this package. A city writes
them (or a copy of them) to a folder or object-store path laid out by local day and by venue:

    PATH/day=2022-03-27/bucket=05/part_<uuid>.parquet

with the columns person_id, venue_id, in_at, out_at (epoch seconds, out_at empty without a
check-out) as the table keeps them, `day` the local date of the check-in and `bucket` the venue id
modulo BUCKETS. A stay is in the log once: writing merges each touched partition with what it held
(store.append). Retention drops whole day folders (store.prune). DuckDB writes and reads the files;
Spark reads them as they are.
"""
