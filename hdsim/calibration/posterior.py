"""The stored posterior: where a county's posterior lives, checking it, and drawing from it.

Files, in the county data folder's ``calibration/`` sub-folder (the embedded county's ships with
the package; ``hdsim-calibrate data.dir=FOLDER`` writes ``FOLDER/calibration/``):

- ``posterior.csv``: the accepted ensemble of the county's last calibration, one row per
  particle: ``particle, weight, distance`` and one column per fitted parameter (dotted name);
- ``posterior.json``: how it was made: the command line, hdsim version, git commit, date, the
  county (code, name, data folder and the data checksum), targets and priors (with
  checksums), scale, seeds, budget, tolerance schedule, the point estimate, and the SHA-256 of
  ``posterior.csv`` (``posterior_sha256``), so a CSV that no longer matches its record is
  refused.

**Which posterior a run draws from** (:func:`posterior_source`): ``calibration.file`` when set
(borrowed if its record names another county); else the run's county folder's own
``calibration/posterior.csv``; else the embedded county's, *borrowed*: the run says so in one
line, records ``calibration.borrowed_from`` (the county name from ``identity.csv`` of the
folder the posterior came from) in its configuration and ``provenance.json``, or, with
``calibration.strict=true``, refuses to start.

**Checks at start-up** (:func:`check_calibration`, called before any run): the CSV and JSON are
readable, every weight is a finite non-negative number and not all are 0, every value lies in
its parameter's range, the CSV's checksum matches the JSON's record; a posterior fitted on
other data than the run's (its ``data_checksum``) is named in one line (refused when strict).
Each problem is one line saying what is wrong and how to fix it (exit status 2).

Scenario runs use it through :func:`hdsim.calibration.effective.effective_config`, which every
driver calls before ``hdsim.run`` runs a replicate (:func:`calibrated_config` and
:func:`calibration_draw` give the draw alone): with ``calibration.use = posterior`` (the
default) replicate ``k`` draws one particle with probability proportional to its weight, from
the stream ``SeedSequence(seed, spawn_key=(k, POSTERIOR_STREAM_TAG))``. The draw depends on the
base seed and ``k`` only, so every scenario of replicate ``k`` runs with the same parameters
(common random numbers), and the spread over replicates contains the parameters' uncertainty as
well as the model's randomness. Parameters that an experiment design samples
(``experiment.design.parameters``) keep the design's value; a design row whose stream is its own
(``experiment.crn_across_samples = false``) also draws its own particle (spawn key ``(k,
POSTERIOR_STREAM_TAG, row)``) for the parameters it does not sample.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hdsim.calibration.priors import get_parameter, schema_bounds, with_parameters
from hdsim.calibration.targets import CalibrationError, county_calibration_dir
from hdsim.config.behaviour import BehaviourConfig
from hdsim.config.frame import CalibrationUse
from hdsim.model.config import HdsimConfig
from hdsim.utils.io import atomic_write_text, make_folder
from hdsim.utils.version import __version__

POSTERIOR_NAME = "posterior.csv"
"""File name of a county's posterior inside its calibration sub-folder."""
POSTERIOR_FILE: Path = county_calibration_dir(None) / POSTERIOR_NAME
"""The embedded county's posterior (what a county without its own borrows)."""
POSTERIOR_STREAM_TAG = 0x504F5354
"""Spawn-key word of the posterior draw; differs from the model's child streams ``(k, i)``."""
FIXED_COLUMNS: tuple[str, ...] = ("particle", "weight", "distance")


@dataclass(frozen=True)
class Posterior:
    """A weighted ensemble of fitted behavioural parameter sets.

    Attributes:
        path: File it was read from.
        names: Dotted parameter names.
        values: Particles (rows) × parameters, natural units.
        weights: Normalised weights.
        distances: Distance of each particle's simulation to the targets.
        checksum: SHA-256 of the file's bytes.
        meta: Contents of the sidecar JSON (empty if absent).
    """

    path: Path
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    checksum: str
    meta: dict[str, Any]

    def particle(self, i: int) -> dict[str, float]:
        """Parameters of particle ``i``."""
        return {n: float(v) for n, v in zip(self.names, self.values[i], strict=True)}

    def median(self) -> dict[str, float]:
        """Weighted marginal medians (the point estimate)."""
        from hdsim.calibration.smc import weighted_quantile

        return {
            n: float(weighted_quantile(self.values[:, j], self.weights, 0.5))
            for j, n in enumerate(self.names)
        }

    def draw_index(self, base_seed: int, replicate: int, sample_id: int | None = None) -> int:
        """Particle drawn for ``replicate`` (of design row ``sample_id``, if given).

        Scenarios and lever values of a replicate draw the same particle (common random
        numbers); design rows that do not share their replicate's stream draw their own, so an
        uncertainty sample spreads over the posterior instead of fixing the parameters it does
        not sample at one particle per replicate.
        """
        key: tuple[int, ...] = (int(replicate), POSTERIOR_STREAM_TAG)
        if sample_id is not None:
            key += (int(sample_id),)
        ss = np.random.SeedSequence(entropy=int(base_seed), spawn_key=key)
        rng = np.random.default_rng(ss)
        return int(rng.choice(self.weights.size, p=self.weights))


@dataclass(frozen=True)
class PosteriorSource:
    """Where a run's posterior comes from.

    Attributes:
        path: The posterior CSV.
        borrowed_from: Name of the county it was fitted on when that is not the run's county
            (None: the run's own county, or a file whose record names no county).
        stale: One line when the posterior was fitted on other data of the same county.
    """

    path: Path
    borrowed_from: str | None
    stale: str | None = None


def _identity(folder: Path) -> dict[str, str]:
    """``key -> value`` of ``folder/identity.csv`` (empty when absent or unreadable)."""
    import csv

    try:
        with (folder / "identity.csv").open(encoding="utf-8-sig", newline="") as fh:
            return {r["key"]: r["value"] for r in csv.DictReader(fh) if r.get("key")}
    except (OSError, UnicodeDecodeError, KeyError, csv.Error):
        return {}


def _data_folder(cfg: HdsimConfig) -> Path:
    from hdsim.data import EMBEDDED_DIR

    return EMBEDDED_DIR if not cfg.data.dir else Path(cfg.data.dir).expanduser().resolve()


def posterior_source(cfg: HdsimConfig) -> PosteriorSource:
    """Which posterior ``cfg`` draws from, and whether it is borrowed (module docstring)."""
    folder = _data_folder(cfg)
    if cfg.calibration.file:
        path = Path(cfg.calibration.file).expanduser()
        fitted = read_posterior(path).meta.get("county") or {}
        code = fitted.get("code") if isinstance(fitted, dict) else None
        if code and code != _identity(folder).get("code"):
            return PosteriorSource(path, str(fitted.get("name_zh") or code))
        return PosteriorSource(path, None)
    own = county_calibration_dir(folder) / POSTERIOR_NAME
    if own.exists():
        return PosteriorSource(own, None)
    lender = POSTERIOR_FILE.parent.parent
    mine, theirs = _identity(folder), _identity(lender)
    if mine.get("code") and mine.get("code") == theirs.get("code"):
        return PosteriorSource(POSTERIOR_FILE, None)  # a copy of the embedded county's folder
    return PosteriorSource(POSTERIOR_FILE, theirs.get("name_zh") or lender.name)


def posterior_path(cfg: HdsimConfig) -> Path:
    """The posterior file a config draws from (see :func:`posterior_source`)."""
    return posterior_source(cfg).path


def borrowed_notice(county: str) -> str:
    """The one line a run on a county without its own posterior prints and records."""
    return f"behaviour borrowed from {county}, not fitted here"


def check_calibration(cfg: HdsimConfig) -> PosteriorSource | None:
    """Check the posterior a configuration will draw from, before any run starts.

    Returns:
        The posterior's source (None with ``calibration.use = point``), its ``stale`` line set
        when the county's data changed since the posterior was fitted.

    Raises:
        CalibrationError: The posterior is broken (one line, see :func:`read_posterior`), or
            ``calibration.strict`` is set and the posterior is borrowed or was fitted on other
            data.
    """
    if cfg.calibration.use == CalibrationUse.point:
        return None
    source = posterior_source(cfg)
    post = read_posterior(source.path)
    strict = bool(getattr(cfg.calibration, "strict", False))
    if source.borrowed_from is not None:
        if strict:
            raise CalibrationError(
                f"calibration.strict: {borrowed_notice(source.borrowed_from)} (the county of "
                f"{_data_folder(cfg)} has no calibration/{POSTERIOR_NAME}); run hdsim-calibrate "
                f"data.dir={_data_folder(cfg)} first, or drop calibration.strict"
            )
        return source
    recorded = post.meta.get("data_checksum") if isinstance(post.meta, dict) else None
    if recorded and not cfg.calibration.file:
        from hdsim.data import checksum_of

        try:
            current = checksum_of(_data_folder(cfg))
        except OSError:
            current = recorded  # a missing data file is reported by the data loader
        if current != recorded:
            line = (
                f"{source.path.name} was fitted on other data (data checksum {recorded[:12]}, "
                f"now {current[:12]}); re-run hdsim-calibrate data.dir={_data_folder(cfg)}"
            )
            if strict:
                raise CalibrationError(f"calibration.strict: {line}")
            return dataclasses.replace(source, stale=line)
    return source


def read_posterior(path: str | Path | None = None) -> Posterior:
    """Read and validate a posterior file (cached while the file and its record are unchanged).

    Raises:
        CalibrationError: Missing or unreadable file, unknown parameter, value out of range,
            a missing, negative or non-finite weight, a broken ``posterior.json``, or a CSV
            whose checksum differs from the one its JSON records (one line each).
    """
    file = POSTERIOR_FILE if path is None else Path(path).expanduser()
    if not file.exists():
        raise CalibrationError(
            f"posterior file {file} not found; run hdsim-calibrate or set calibration.use=point"
        )
    if file.is_dir():
        raise CalibrationError(f"posterior file {file} is a folder; give its posterior.csv")
    sidecar = file.with_suffix(".json")
    stamp = sidecar.stat() if sidecar.exists() else None
    stat = file.stat()
    return _read_cached(
        str(file.resolve()),
        stat.st_mtime_ns,
        stat.st_size,
        stamp.st_mtime_ns if stamp else 0,
        stamp.st_size if stamp else -1,
    )


def _read_meta(sidecar: Path) -> dict[str, Any]:
    if not sidecar.exists():
        return {}
    fix = "restore it with its posterior.csv, or re-run hdsim-calibrate"
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CalibrationError(f"{sidecar.name}: not UTF-8 text; {fix}") from None
    except json.JSONDecodeError as exc:
        raise CalibrationError(
            f"{sidecar.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"{fix}"
        ) from None
    except OSError as exc:
        raise CalibrationError(f"{sidecar.name}: cannot be read ({exc.strerror})") from None
    if not isinstance(meta, dict):
        raise CalibrationError(f"{sidecar.name}: holds no JSON object; {fix}")
    return meta


@lru_cache(maxsize=8)
def _read_cached(path: str, _mtime: int, _size: int, _jmtime: int, _jsize: int) -> Posterior:
    file = Path(path)
    try:
        payload = file.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"{file.name}: cannot be read ({exc.strerror})") from None
    meta = _read_meta(file.with_suffix(".json"))
    checksum = hashlib.sha256(payload).hexdigest()
    recorded = meta.get("posterior_sha256")
    if recorded is not None and recorded != checksum:
        raise CalibrationError(
            f"{file.name}: checksum {checksum[:12]} differs from {recorded[:12]} recorded in "
            f"{file.with_suffix('.json').name} (the CSV was edited or replaced alone); restore "
            "both files together, or re-run hdsim-calibrate"
        )
    try:
        frame = pd.read_csv(file, encoding="utf-8")
    except UnicodeDecodeError:
        raise CalibrationError(
            f"{file.name}: not UTF-8 text (a GBK file?); write it as CSV UTF-8 or re-run "
            "hdsim-calibrate"
        ) from None
    except Exception as exc:  # pandas raises several parser errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CalibrationError(f"{file.name}: cannot be read as CSV ({first})") from None
    missing = [c for c in FIXED_COLUMNS if c not in frame.columns]
    if missing:
        raise CalibrationError(f"{file.name}: missing column(s) {', '.join(missing)}")
    names = tuple(c for c in frame.columns if c not in FIXED_COLUMNS)
    if not names or frame.empty:
        raise CalibrationError(f"{file.name}: no parameters or no particles")
    for name in names:
        lo, hi = schema_bounds(name)
        col = pd.to_numeric(frame[name], errors="coerce")
        if col.isna().any() or not np.isfinite(col.to_numpy(dtype=float)).all():
            row = int(np.flatnonzero(~np.isfinite(col.to_numpy(dtype=float)))[0]) + 2
            raise CalibrationError(
                f"{file.name}: row {row}, column '{name}': not a finite number; fix the row or "
                "re-run hdsim-calibrate"
            )
        if (lo is not None and col.min() < lo) or (hi is not None and col.max() > hi):
            raise CalibrationError(f"{file.name}: column '{name}' leaves [{lo}, {hi}]")
    weights = pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raw = frame["weight"].iloc[int(bad[0])]
        text = "missing" if pd.isna(raw) else f"'{raw}'"
        raise CalibrationError(
            f"{file.name}: row {int(bad[0]) + 2}, column 'weight': {text} is not a finite "
            "non-negative number; fix the row or re-run hdsim-calibrate"
        )
    if weights.sum() <= 0:
        raise CalibrationError(
            f"{file.name}: every weight is 0; re-run hdsim-calibrate (or restore the file)"
        )
    return Posterior(
        path=file,
        names=names,
        values=frame[list(names)].to_numpy(dtype=float),
        weights=weights / weights.sum(),
        distances=pd.to_numeric(frame["distance"], errors="coerce").to_numpy(dtype=float),
        checksum=checksum,
        meta=meta,
    )


def design_keys(cfg: HdsimConfig) -> set[str]:
    """Dotted behavioural parameters an experiment design sets (they keep its values)."""
    experiment = getattr(cfg, "experiment", None)
    design = getattr(experiment, "design", None)
    keys = getattr(design, "parameters", None) or {}
    return {k.removeprefix("behaviour.") for k in keys if str(k).startswith("behaviour.")}


def calibration_draw(cfg: HdsimConfig, replicate: int) -> dict[str, Any]:
    """Which fitted parameters replicate ``replicate`` of ``cfg`` runs with.

    Returns:
        ``{"use": "point"}``, or for the posterior: the file, its checksum, the particle drawn,
        the values applied and the parameters kept from an experiment design.
    """
    if cfg.calibration.use == CalibrationUse.point:
        return {"use": "point"}
    post = read_posterior(posterior_path(cfg))
    exp = cfg.experiment
    index = post.draw_index(
        cfg.seed, replicate, None if exp.crn_across_samples else exp.sample_id
    )
    kept = sorted(design_keys(cfg) & set(post.names))
    values = {k: v for k, v in post.particle(index).items() if k not in kept}
    return {
        "use": "posterior",
        "file": str(post.path),
        "checksum": post.checksum[:16],
        "particle": index,
        "values": values,
        "kept_from_design": kept,
    }


def calibrated_config(cfg: HdsimConfig, replicate: int) -> HdsimConfig:
    """``cfg`` with the fitted behaviour of replicate ``replicate`` (see the module docstring)."""
    draw = calibration_draw(cfg, replicate)
    if draw["use"] == "point":
        return cfg
    return dataclasses.replace(cfg, behaviour=with_parameters(cfg.behaviour, draw["values"]))


def posterior_checksum(cfg: HdsimConfig) -> str | None:
    """Checksum of the posterior a config draws from (None for the point estimate)."""
    if cfg.calibration.use == CalibrationUse.point:
        return None
    return read_posterior(posterior_path(cfg)).checksum[:16]


# --------------------------------------------------------------------------------------------
# Writing a calibration into the package
# --------------------------------------------------------------------------------------------


def posterior_frame(
    names: tuple[str, ...], values: np.ndarray, weights: np.ndarray, distances: np.ndarray
) -> pd.DataFrame:
    """The posterior table written to ``posterior.csv``."""
    frame = pd.DataFrame(values, columns=list(names))
    frame.insert(0, "distance", np.round(distances, 6))
    frame.insert(0, "weight", weights / weights.sum())
    frame.insert(0, "particle", np.arange(len(frame)))
    return frame


def git_commit() -> str | None:
    """Commit of the source tree (with ``+dirty`` when it has changes), if git is there."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def metadata(extra: dict[str, Any]) -> dict[str, Any]:
    """Provenance of a calibration: command, versions, commit and date, plus ``extra``."""
    return {
        "command": " ".join(["hdsim-calibrate", *sys.argv[1:]]),
        "hdsim_version": __version__,
        "git_commit": git_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def write_posterior(frame: pd.DataFrame, meta: dict[str, Any], directory: Path) -> Path:
    """Write ``posterior.csv`` and ``posterior.json`` atomically into ``directory``.

    The JSON records the CSV's SHA-256 (``posterior_sha256``), so a later edit of one file
    alone is detected at start-up.
    """
    make_folder(directory)
    path = directory / POSTERIOR_NAME
    body = frame.to_csv(index=False, float_format="%.6g")
    record = {**meta, "posterior_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}
    text = json.dumps(record, indent=2, ensure_ascii=False, default=str)
    sidecar = path.with_suffix(".json")
    if sidecar.exists():  # the new record goes first: a CSV never meets a record of another
        sidecar.unlink()
    atomic_write_text(path, body)
    atomic_write_text(sidecar, text + "\n")
    return path


_LINE = re.compile(r"^(?P<indent>\s+)(?P<key>\w+):(?P<gap>\s*)(?P<value>[^#\s]+)(?P<rest>.*)$")
_GROUP = re.compile(r"^(?P<group>\w+):\s*(#.*)?$")
_STATUS = re.compile(r"\s*\([^()]*\)\.?\s*$")


def format_value(value: float) -> str:
    """A fitted value with four significant digits, as YAML."""
    return f"{float(value):.4g}"


def update_behaviour_yaml(path: Path, point: dict[str, float], status: str) -> str:
    """Write point estimates into a behaviour YAML file, keeping its layout and comments.

    Each fitted line ``  name: value    # Help text (old status).`` becomes
    ``  name: <point>    # Help text (<status>).``.

    Args:
        path: ``hdsim/conf/behaviour/hongtong.yaml`` or a copy.
        point: Dotted parameter → value.
        status: Text put in the status parentheses.

    Returns:
        The new text (also written to ``path`` atomically).

    Raises:
        CalibrationError: A parameter has no line in the file.
    """
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    todo = dict(point)
    group = ""
    for i, line in enumerate(lines):
        g = _GROUP.match(line)
        if g:
            group = g.group("group")
            continue
        m = _LINE.match(line.rstrip("\n"))
        if not m:
            continue
        name = f"{group}.{m.group('key')}"
        if name not in todo:
            continue
        rest = m.group("rest")
        if "#" in rest:
            before, _, comment = rest.partition("#")
            comment = _STATUS.sub("", comment.strip())
            rest = f"{before}# {comment} ({status})."
        else:
            rest = f"    # ({status})."
        value = format_value(todo.pop(name))
        lines[i] = f"{m.group('indent')}{m.group('key')}:{m.group('gap')}{value}{rest}\n"
    if todo:
        raise CalibrationError(
            f"{path.name}: no line for {', '.join(sorted(todo))}; add it under its group"
        )
    text = "".join(lines)
    atomic_write_text(path, text)
    return text


def point_behaviour(behaviour: BehaviourConfig, point: dict[str, float]) -> BehaviourConfig:
    """``behaviour`` with the point estimate written in (rounded as in the YAML file)."""
    return with_parameters(behaviour, {k: float(format_value(v)) for k, v in point.items()})


def current_values(behaviour: BehaviourConfig, names: tuple[str, ...]) -> dict[str, float]:
    """The values ``behaviour`` holds for ``names``."""
    return {n: get_parameter(behaviour, n) for n in names}
