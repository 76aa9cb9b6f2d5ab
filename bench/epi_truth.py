"""Benchmark: Rt against simulated truth (issue 18).

    .venv/bin/python -m bench.epi_truth [--outbreaks 20] [--incubation 5.5,2.4]

Simulated outbreaks (fangyi.command.simulate: a branching process, R 1.8 for 20 days, 0.6 to day
40, then 1.3; serial interval mean 4, sd 2; incubation gamma mean 5.5, sd 2.4; onset to
confirmation gamma mean 3, sd 2; 70 % of onsets on record), seeds 0 .. N-1. For each, the mean
absolute error against the true R (averaged over the same 7-day window) of Rt by confirmation date
and of Rt by infection date, on the days both estimate from day 10 on. No database.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fangyi.command import simulate
from fangyi.protocols.reader import Epi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outbreaks", type=int, default=20)
    parser.add_argument("--incubation", default="5.5,2.4", help="the incubation the estimate assumes: mean,sd")
    args = parser.parse_args()
    mean, sd = (float(x) for x in args.incubation.split(","))
    rules = Epi(incubation_mean=mean, incubation_sd=sd)
    started = time.perf_counter()
    rows = []
    for seed in range(args.outbreaks):
        sim = simulate.outbreak(seed, simulate.stepped_r())
        confirmation, infection, days = simulate.errors(sim, rules)
        rows.append((confirmation, infection))
        print(f"seed {seed:2d}: {int(sim.infections.sum()):5d} infections, {days} days, "
              f"MAE by confirmation {confirmation:.3f}, by infection {infection:.3f}")
    table = np.array(rows)
    print(f"mean MAE over {args.outbreaks} outbreaks: by confirmation {table[:, 0].mean():.3f} "
          f"(min {table[:, 0].min():.3f}, max {table[:, 0].max():.3f}), by infection {table[:, 1].mean():.3f} "
          f"(min {table[:, 1].min():.3f}, max {table[:, 1].max():.3f}); "
          f"by infection lower in {(table[:, 1] < table[:, 0]).sum()} of {args.outbreaks}; "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
