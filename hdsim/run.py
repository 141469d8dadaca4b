"""Running replicates and writing their outputs.

A *run* is one replicate of one scenario, given as its *effective configuration*: the
configuration whose behaviour holds the values the run uses, posterior draw and the user's
overrides applied (``hdsim.calibration.effective.effective_config``, which every driver calls;
this module does not draw). A run's random stream derives from the base seed and the
replicate number through ``numpy.random.SeedSequence``, never from the order in which runs
execute, so a run gives the same outputs in any process, under any launcher. Scenarios share
the streams of a replicate on purpose (common random numbers): the difference between a policy
scenario and the baseline of the same replicate is the policy's effect, not noise.

Each run folder holds (written atomically, ``_SUCCESS`` last):

- ``county.parquet``: tidy monthly county series (scenario, replicate, seed, date, indicator,
  value);
- ``township.parquet``: tidy monthly series by township and settlement type;
- ``codes.parquet``: the urban-rural code of every village, seat and the county city in each
  code list of the run (census day, each yearly cut-off, end), ``Recorder.code_list_frame``;
- ``rate_change.parquet``: the yearly change of the urban count and of the rate split into its
  statistical and behavioural parts (``Recorder.rate_change_frame``);
- ``config.yaml``: the effective configuration of the run (given back to ``hdsim``, it
  reproduces the run byte for byte);
- ``provenance.json``: hdsim, Mesa, Python and numpy versions, config hash, seed entropy and
  spawn key, data directory and checksum, command line, and the seconds the run took (a run
  branched from a model shared with other scenarios also gives that model's seconds and the
  number of runs sharing it: ``shared_seconds``, ``shared_by``);
- ``_SUCCESS``: the run's completion key (:func:`completion_key`: the config hash, the data
  checksum and the hdsim version; the posterior checksum is part of the config), written last;
  a folder without it, or whose key differs, is not a result and is recomputed.

A job holds its output folder with :func:`hold_folder` (an ``flock`` on ``.hdsim.lock``, which
holds the job's PID), so a second job into the same folder is refused naming the holder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import fcntl
import gc
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version as _version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from hdsim.config.frame import CalibrationUse
from hdsim.data import CountyData, load_county_data
from hdsim.model.config import HdsimConfig, require_effective
from hdsim.utils import numerics
from hdsim.utils.io import OutputError, atomic_write_parquet, atomic_write_text, make_folder
from hdsim.utils.version import __version__

if TYPE_CHECKING:
    from hdsim.model.model import CountyModel
    from hdsim.population.reuse import SynthesisCache

SUCCESS = "_SUCCESS"
LOCK_FILE = ".hdsim.lock"
LOCK_WAIT_SECONDS = 1.0
"""How long a job retries a lock that another job's pre-flight check may be peeking at."""
IGNORED_FOR_HASH = ("output", "progress", "n_jobs", "replicates", "compare", "replicate")


SAMPLE_STREAM_TAG = 0x53414D50
"""Spawn-key word that separates design-row streams from the model's own child streams."""


def replicate_seed(
    base_seed: int, replicate: int, sample_id: int | None = None
) -> np.random.SeedSequence:
    """Seed sequence of replicate ``replicate`` of an experiment with ``base_seed``.

    Args:
        base_seed: Base seed of the experiment.
        replicate: Replicate number.
        sample_id: Design row of an uncertainty sample, or None for a policy run. Policy runs
            (any scenario, any lever values) share the stream of their replicate: common random
            numbers. A design row gets its own streams, spawn key
            ``(replicate, SAMPLE_STREAM_TAG, sample_id)``, which no policy run and no child
            stream of the model (``(replicate, i)``, i < 8) can have.

    Returns:
        The run's seed sequence.
    """
    if sample_id is None:
        return np.random.SeedSequence(entropy=int(base_seed), spawn_key=(int(replicate),))
    key = (int(replicate), SAMPLE_STREAM_TAG, int(sample_id))
    return np.random.SeedSequence(entropy=int(base_seed), spawn_key=key)


def run_seed(cfg: HdsimConfig, replicate: int) -> np.random.SeedSequence:
    """Seed sequence of a run, from the base seed and the run's identity (see ``replicate_seed``).

    The design row enters the identity unless ``experiment.crn_across_samples`` asks the rows of
    a design to share their replicate's stream.
    """
    exp = cfg.experiment
    sample = None if exp.crn_across_samples else exp.sample_id
    return replicate_seed(cfg.seed, replicate, sample)


def config_dict(cfg: HdsimConfig) -> dict[str, Any]:
    """The configuration as plain data."""
    return dataclasses.asdict(cfg)


def _plain(value: Any) -> Any:
    """``value`` with enums by name and paths as strings, as OmegaConf writes them."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Path):
        return str(value)
    return value


def config_yaml(cfg: HdsimConfig) -> str:
    """The configuration as YAML, the text ``OmegaConf.to_yaml`` gives, about 30x faster.

    (Building an OmegaConf node of the whole schema took 0.2 s per run, a fifth of a sweep
    job at 0.1 scale.)
    """
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(_plain(config_dict(cfg)), Dumper=dumper, sort_keys=False, allow_unicode=True)


def config_hash(cfg: HdsimConfig) -> str:
    """Hash of everything in the config that changes a run's results.

    Of an effective configuration, it covers the values drawn and the posterior's checksum
    (``calibration.checksum``): a re-calibration changes it.
    """
    data = {k: v for k, v in config_dict(cfg).items() if k not in IGNORED_FOR_HASH}
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class RunResult:
    """Outputs of one run.

    Attributes:
        county: Tidy county series.
        township: Tidy township series.
        seconds: Wall time of building and running the model; for a run branched from a
            model it shares with other scenarios (:func:`run_scenarios`), of the months it ran
            on its own.
        rate_change: The statistical/behavioural split of the urban count (tidy, labelled).
        shared_seconds: Wall time of building and running the shared model before the branch
            (0 for a run on its own); ``shared_by`` runs share it.
        shared_by: Runs that share ``shared_seconds`` (this one included).
        codes: The urban-rural code of every place in each code list of the run
            (``Recorder.code_list_frame``, labelled).
    """

    county: pd.DataFrame
    township: pd.DataFrame
    seconds: float
    rate_change: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    shared_seconds: float = 0.0
    shared_by: int = 1
    codes: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def run_replicate(
    cfg: HdsimConfig,
    replicate: int,
    data: CountyData | None = None,
    synthesis: SynthesisCache | None = None,
) -> RunResult:
    """Build and run the model for one replicate of an effective configuration.

    Args:
        cfg: Effective configuration (see the module docstring).
        replicate: Replicate number (selects the random stream).
        data: County data; loaded from ``cfg.data.dir`` when omitted.
        synthesis: Populations already synthesized in this process, reused when the county,
            scale and stream match (the other scenarios of the replicate); same results.

    Returns:
        The run's county and township series, labelled with scenario, replicate and seed.

    Raises:
        ConfigError: ``cfg`` is not effective (its posterior draw is unresolved).
    """
    from hdsim.model.model import CountyModel  # heavy import kept out of module import

    require_effective(cfg)
    start = time.perf_counter()
    model = CountyModel(
        cfg, data=data, seed_sequence=run_seed(cfg, replicate), synthesis=synthesis
    )
    model.run()
    return _result(model, replicate, time.perf_counter() - start)


def run_scenarios(
    configs: list[HdsimConfig],
    replicate: int,
    data: CountyData | None = None,
    synthesis: SynthesisCache | None = None,
) -> Iterator[tuple[int, RunResult]]:
    """Run one replicate of several scenarios, simulating the months they share once.

    The months before the first lever of any of them acts are the same in every scenario of a
    replicate (``hdsim.model.branching``): a model of the first config runs them, copies of it
    run on as the other scenarios, and then it runs on as the first. Each run's outputs are the
    bytes :func:`run_replicate` gives for it; configs that share no months (e.g. different
    behaviour) are run one by one.

    Args:
        configs: Effective configurations of the scenarios, all of replicate ``replicate``.
        replicate: Replicate number.
        data: County data; loaded from the first config's ``data.dir`` when omitted.
        synthesis: Populations to reuse (see :func:`run_replicate`).

    Yields:
        ``(i, result)`` for ``configs[i]``, each as soon as its run has finished (the first
        config's last). A result's ``seconds`` are those of its own months; the build and the
        shared months are its ``shared_seconds``, shared by ``len(configs)`` runs.
    """
    from hdsim.model.branching import branch, shared_months
    from hdsim.model.model import CountyModel

    for cfg in configs:
        require_effective(cfg)
    months = shared_months(configs)
    if months == 0:
        for i, cfg in enumerate(configs):
            result = run_replicate(cfg, replicate, data, synthesis)
            gc.collect()  # a model is a cycle (agents refer to it): free it before the next
            yield i, result
        return
    start = time.perf_counter()
    first = configs[0]
    trunk = CountyModel(
        first, data=data, seed_sequence=run_seed(first, replicate), synthesis=synthesis
    )
    for _ in range(months):
        trunk.step()
    shared = time.perf_counter() - start
    for i, cfg in enumerate(configs[1:], start=1):
        begun = time.perf_counter()
        model = branch(trunk, cfg).run()
        result = _result(model, replicate, time.perf_counter() - begun, shared, len(configs))
        del model
        gc.collect()  # a model is a cycle (agents refer to it): free it before the next copy
        yield i, result
    begun = time.perf_counter()
    trunk.run()
    yield 0, _result(trunk, replicate, time.perf_counter() - begun, shared, len(configs))


def _result(
    model: CountyModel, replicate: int, seconds: float, shared: float = 0.0, shared_by: int = 1
) -> RunResult:
    """The outputs of a finished run of ``model``, labelled with scenario, replicate, seed.

    ``seconds``, ``shared`` and ``shared_by``: see :class:`RunResult`.
    """
    cfg = model.config
    labels = {"scenario": cfg.scenario.name, "replicate": int(replicate), "seed": int(cfg.seed)}
    front = ["scenario", "replicate", "seed"]

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(**labels)
        return frame[front + [c for c in frame.columns if c not in front]]

    recorder = model.recorder
    return RunResult(
        county=labelled(recorder.county_frame()),
        township=labelled(recorder.township_frame()),
        seconds=seconds,
        rate_change=labelled(recorder.rate_change_frame()),
        shared_seconds=shared,
        shared_by=shared_by,
        codes=labelled(recorder.code_list_frame()),
    )


def provenance(cfg: HdsimConfig, replicate: int | None, data: CountyData) -> dict[str, Any]:
    """What a reader needs to reproduce a run."""
    seed = run_seed(cfg, replicate if replicate is not None else 0)
    return {
        "hdsim_version": __version__,
        "mesa_version": _version("mesa"),
        "numpy_version": np.__version__,
        "numeric_paths": numerics.record(),
        "python_version": platform.python_version(),
        "config_hash": config_hash(cfg),
        "scenario": cfg.scenario.name,
        "replicate": replicate,
        "seed_entropy": int(cfg.seed),
        "seed_spawn_key": list(seed.spawn_key) if replicate is not None else None,
        "experiment": cfg.experiment.name,
        "sample_id": cfg.experiment.sample_id,
        "calibration": calibration_record(cfg),
        "data_dir": str(data.directory),
        "data_checksum": data.checksum,
        "command_line": " ".join(sys.argv),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def calibration_record(cfg: HdsimConfig) -> dict[str, Any]:
    """The fitted behaviour's origin, as recorded in ``provenance.json``.

    Returns:
        ``{"use": "point", "overrides": [...]}``, or for the posterior also the file, its
        checksum, the particle drawn (the values are in ``config.yaml``) and ``borrowed_from``,
        the county whose posterior a county without its own borrowed (None: its own).
    """
    cal = cfg.calibration
    overrides = list(cal.overrides)
    if cal.use == CalibrationUse.point:
        return {"use": "point", "overrides": overrides}
    return {
        "use": "posterior",
        "file": cal.file,
        "checksum": cal.checksum,
        "particle": cal.particle,
        "overrides": overrides,
        "borrowed_from": cal.borrowed_from,
    }


def completion_key(cfg: HdsimConfig, data: CountyData) -> str:
    """What ``_SUCCESS`` holds: everything a run's results depend on.

    The effective configuration (its hash covers the posterior checksum and the values drawn),
    the county data's checksum and the hdsim version: a change to any of them makes a rerun
    into the same folder recompute the run instead of reusing it.
    """
    return f"{config_hash(cfg)} data={data.checksum} hdsim={__version__}"


def is_complete(run_dir: Path, cfg: HdsimConfig, data: CountyData) -> bool:
    """Whether ``run_dir`` holds finished outputs of this run on this data and hdsim version."""
    marker = run_dir / SUCCESS
    try:
        return (
            marker.read_text(encoding="utf-8").strip() == completion_key(cfg, data)
            and (run_dir / "county.parquet").is_file()
        )
    except (OSError, UnicodeDecodeError):
        return False


def made_from_other_inputs(run_dir: Path, cfg: HdsimConfig, data: CountyData) -> bool:
    """Whether ``run_dir`` holds a finished run whose key is not this run's (stale for it)."""
    try:
        key = (run_dir / SUCCESS).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return True
    return key != completion_key(cfg, data)


class StaleRunsError(OSError):
    """``output.resume=strict`` and the folder holds runs made from other inputs."""

    def __init__(self, folder: Path, stale: list[Path]) -> None:
        """Describe the stale runs found in ``folder``.

        Args:
            folder: The output folder.
            stale: The run folders whose completion key differs from this job's.
        """
        first = stale[0].relative_to(folder) if stale[0].is_relative_to(folder) else stale[0]
        example = f" (e.g. {first})" if str(first) != "." else ""
        self.message = (
            f"{folder} holds {len(stale)} run(s) made from other inputs{example} (config, data, "
            "posterior or hdsim version); output.resume=strict does not "
            "recompute them: write into a new folder, or drop output.resume=strict to recompute"
        )
        super().__init__(errno.EEXIST, self.message)

    def __str__(self) -> str:
        """The one-line message."""
        return self.message


def write_run(
    run_dir: Path, cfg: HdsimConfig, replicate: int, result: RunResult, data: CountyData
) -> None:
    """Write a run's outputs to ``run_dir``; ``_SUCCESS`` is written last."""
    make_folder(run_dir)
    try:
        (run_dir / SUCCESS).unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(run_dir, exc) from exc
    atomic_write_parquet(run_dir / "county.parquet", result.county)
    if cfg.output.township_series:
        atomic_write_parquet(run_dir / "township.parquet", result.township)
    atomic_write_parquet(run_dir / "rate_change.parquet", result.rate_change)
    if not result.codes.empty:
        atomic_write_parquet(run_dir / "codes.parquet", result.codes)
    atomic_write_text(run_dir / "config.yaml", config_yaml(cfg))
    prov = provenance(cfg, replicate, data) | {"seconds": round(result.seconds, 3)}
    if result.shared_by > 1:  # built and run in part with other scenarios (run_scenarios)
        prov |= {
            "shared_seconds": round(result.shared_seconds, 3),
            "shared_by": result.shared_by,
        }
    atomic_write_text(run_dir / "provenance.json", json.dumps(prov, indent=2, ensure_ascii=False))
    atomic_write_text(run_dir / SUCCESS, completion_key(cfg, data))


def run_and_write(
    cfg: HdsimConfig,
    replicate: int,
    run_dir: Path,
    data: CountyData | None = None,
    synthesis: SynthesisCache | None = None,
) -> pd.DataFrame:
    """Run one replicate unless ``run_dir`` already holds it, and return its county series.

    Args:
        cfg: Effective configuration of the run.
        replicate: Replicate number.
        run_dir: The run's folder.
        data: County data; loaded from ``cfg.data.dir`` when omitted.
        synthesis: Populations to reuse (see :func:`run_replicate`).
    """
    run_dir = Path(run_dir)
    data = data if data is not None else load_county_data(cfg.data.dir)
    if is_complete(run_dir, cfg, data):
        return pd.read_parquet(run_dir / "county.parquet")
    result = run_replicate(cfg, replicate, data, synthesis)
    write_run(run_dir, cfg, replicate, result, data)
    return result.county


def run_and_write_scenarios(
    runs: list[tuple[HdsimConfig, Path]],
    replicate: int,
    data: CountyData | None = None,
    synthesis: SynthesisCache | None = None,
) -> list[pd.DataFrame]:
    """:func:`run_and_write` for several scenarios of one replicate, run with :func:`run_scenarios`.

    Args:
        runs: ``(effective config, run folder)`` of each scenario, all of ``replicate``.
        replicate: Replicate number.
        data: County data; loaded from the first config's ``data.dir`` when omitted.
        synthesis: Populations to reuse (see :func:`run_replicate`).

    Returns:
        The county series of each run, in the order of ``runs``: read back from its folder
        when the folder already holds it, else run (the runs not yet done together) and written
        as soon as it has finished.
    """
    if not runs:
        return []
    data = data if data is not None else load_county_data(runs[0][0].data.dir)
    frames: dict[int, pd.DataFrame] = {}
    todo = []
    for i, (cfg, run_dir) in enumerate(runs):
        if is_complete(Path(run_dir), cfg, data):
            frames[i] = pd.read_parquet(Path(run_dir) / "county.parquet")
        else:
            todo.append(i)
    for j, result in run_scenarios([runs[i][0] for i in todo], replicate, data, synthesis):
        cfg, run_dir = runs[todo[j]]
        write_run(Path(run_dir), cfg, replicate, result, data)
        frames[todo[j]] = result.county
    return [frames[i] for i in range(len(runs))]


def sharing_groups(configs: list[HdsimConfig], size: int) -> list[list[int]]:
    """Indices of ``configs`` (one replicate) in groups that share their first months.

    Configs whose results-relevant parts other than the scenario agree (same
    :func:`config_hash` with the scenario set aside) are candidates; each joins the first of
    their groups it shares months with (``shared_months`` of the group and it above zero) that
    has fewer than ``size`` members, else starts a group. Groups keep the order of ``configs``;
    a config that shares with none is a group of its own.
    """
    from hdsim.model.branching import shared_months

    if not configs:
        return []
    placeholder = configs[0].scenario
    groups: list[list[int]] = []
    open_groups: dict[str, list[list[int]]] = {}
    for i, cfg in enumerate(configs):
        key = config_hash(dataclasses.replace(cfg, scenario=placeholder))
        candidates = open_groups.setdefault(key, [])
        for group in candidates:
            if len(group) < size and shared_months([*(configs[k] for k in group), cfg]) > 0:
                group.append(i)
                break
        else:
            candidates.append([i])
            groups.append(candidates[-1])
    return groups


class FolderLockedError(OSError):
    """Another job writes into the output folder; the message is one line naming its PID."""

    def __init__(self, folder: Path, holder: int | str) -> None:
        """Describe the folder held by job ``holder``.

        Args:
            folder: The output folder.
            holder: The PID recorded in the folder's lock file (or "unknown").
        """
        self.message = (
            f"{folder} is in use by another hdsim job (PID {holder}); wait for it to finish "
            "or choose another output folder (hydra.run.dir=...)"
        )
        super().__init__(errno.EBUSY, self.message)

    def __str__(self) -> str:
        """The one-line message."""
        return self.message


def _recorded_pid(fd: int) -> int | str:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else "unknown"


def lock_holder(folder: Path) -> int | str | None:
    """The PID of the job holding ``folder`` (None when no job holds it)."""
    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _recorded_pid(fd)
    finally:
        os.close(fd)  # closing also releases a shared lock taken here
    return None


@contextlib.contextmanager
def hold_folder(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for this job: an exclusive ``flock`` on its lock file, with our PID.

    Raises:
        FolderLockedError: Another job holds the folder.
        OutputError: The folder or its lock file cannot be created.
    """
    path = Path(folder) / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise OutputError(path, exc) from exc
    held = False
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FolderLockedError(Path(folder), _recorded_pid(fd)) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        held = True
        yield
    finally:
        if held:
            os.ftruncate(fd, 0)  # no stale PID for the next job to report
        os.close(fd)  # releases the lock
