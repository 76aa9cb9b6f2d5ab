"""Run every benchmark: `.venv/bin/python -m bench [--quick]`.

--quick: 50,000 check-ins and the small demo, to see that everything runs.
"""

from __future__ import annotations

import sys

from bench import demo_county, import_checkins, quarantine, tracing


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    print("== import checkins ==", flush=True)
    import_checkins.main(["--rows", "50000" if quick else "1000000"])
    print("\n== demo county build ==", flush=True)
    demo_county.main(["--size", "small" if quick else "county", "--databases", "sqlite,postgresql"])
    print("\n== tracing: a case to its stored contact lists ==", flush=True)
    tracing.main(["--size", "small", "--cases", "2", "--repeat", "1"] if quick
                 else ["--size", "county", "--growth", "1,3", "--recent"])
    print("\n== quarantine: allocation, a site's board, the beds forecast ==", flush=True)
    quarantine.main(["--repeat", "1" if quick else "3"])


if __name__ == "__main__":
    main()
