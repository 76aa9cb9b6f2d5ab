"""Run every benchmark: `.venv/bin/python -m bench [--quick]`.

--quick: 50,000 check-ins and the small demo, to see that everything runs.
"""

from __future__ import annotations

import sys

from bench import demo_county, import_checkins


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    print("== import checkins ==", flush=True)
    import_checkins.main(["--rows", "50000" if quick else "1000000"])
    print("\n== demo county build ==", flush=True)
    demo_county.main(["--size", "small" if quick else "county", "--databases", "sqlite,postgresql"])


if __name__ == "__main__":
    main()
