"""SQLite's settings for every connection Fangyi opens, in a module that imports nothing, so the
check-ins' writer process sets them without loading SQLAlchemy."""

SQLITE_PRAGMAS = (
    # WAL lets pages be read while an import writes; the busy timeout makes concurrent writers
    # wait instead of failing at once.
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)
