"""Where a main-job run's time goes: CPU seconds of each phase of a worker's run, in-process.

Composes the main job as the command does (its five scenarios at ``SCALE``), sets up like a
pool worker (model imported, data loaded, synthesis cache, heap frozen), then runs
``REPLICATES`` replicates of every scenario as ``hdsim.ensemble._work`` does, timing each
phase with ``time.process_time``: the posterior draw (``effective_config``), the model's
build, its steps, the recorder's three frames, ``write_run``, the pickle of the county frame
sent back to the parent, and the collection after the run. ``END_YEAR`` (e.g. 2035) continues
the configs as the outlook does (``outlook_configs``: scale at most 0.03).

    python benchmarks/bench_run_phases.py 0.1 2          # the main job's runs
    python benchmarks/bench_run_phases.py 0.03 1 2035    # the outlook's runs
"""

from __future__ import annotations

import gc
import logging
import pickle
import sys
import tempfile
import time
from pathlib import Path

ONCE = ("compose", "scenario configs", "worker set-up (model import, data)")


def main() -> None:
    """Time the phases and print them, once-only phases in seconds, others in ms per run."""
    scale, reps = float(sys.argv[1]), int(sys.argv[2])
    end = int(sys.argv[3]) if len(sys.argv) > 3 else None
    logging.getLogger("MESA").setLevel(logging.WARNING)
    spent: dict[str, float] = {}

    def tick(key: str, t0: float) -> float:
        spent[key] = spent.get(key, 0.0) + time.process_time() - t0
        return time.process_time()

    t = time.process_time()
    from hdsim.composition import compose
    from hdsim.ensemble import run_dir_for, with_scenario
    from hdsim.model.scenarios import load_scenario

    cfg = compose(None, [f"households.scale={scale}"])
    t = tick("compose", t)
    configs = [
        cfg if n == cfg.scenario.name else with_scenario(cfg, load_scenario(n)) for n in cfg.compare
    ]
    if end:
        from hdsim.outlook import outlook_configs

        configs = outlook_configs(configs)
    t = tick("scenario configs", t)
    from hdsim.calibration.effective import effective_config
    from hdsim.data import load_county_data
    from hdsim.model.model import CountyModel
    from hdsim.population.reuse import SynthesisCache
    from hdsim.run import RunResult, run_seed, write_run

    data = load_county_data(cfg.data.dir)
    cache = SynthesisCache(1)
    gc.collect()
    gc.freeze()  # as hdsim.utils.pool does after a worker's set-up
    t = tick("worker set-up (model import, data)", t)
    root = Path(tempfile.mkdtemp(prefix="hdsim_phases_"))
    runs = 0
    for r in range(reps):
        for c in configs:
            runs += 1
            t = time.process_time()
            eff = effective_config(c, r)
            t = tick("effective_config", t)
            model = CountyModel(eff, data=data, seed_sequence=run_seed(eff, r), synthesis=cache)
            t = tick("model build", t)
            model.run()
            t = tick("model steps", t)
            labels = {"scenario": eff.scenario.name, "replicate": r, "seed": int(eff.seed)}
            county = model.recorder.county_frame().assign(**labels)
            t = tick("county frame", t)
            township = model.recorder.township_frame().assign(**labels)
            t = tick("township frame", t)
            split = model.recorder.rate_change_frame().assign(**labels)
            t = tick("rate change frame", t)
            result = RunResult(county=county, township=township, seconds=0.0, rate_change=split)
            write_run(run_dir_for(root, eff.scenario.name, r), eff, r, result, data)
            t = tick("write_run", t)
            pickle.dumps(county)
            t = tick("pickle county frame", t)
            del model
            gc.collect()
            tick("gc.collect", t)
    print(f"scale {scale}, {runs} runs" + (f" to {end}" if end else ""))
    for key, value in spent.items():
        shown = f"{value:8.3f} s once" if key in ONCE else f"{1000 * value / runs:8.1f} ms a run"
        print(f"{key:40s} {shown}")


if __name__ == "__main__":
    main()
