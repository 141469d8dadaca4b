"""The frame of a job: its horizon, scale, data, calibration, experiment identity and outputs.

Each section is a dataclass that Hydra composes; ranges are declared as field metadata
(:func:`hdsim.config.fields.bounded`) and checked when the composed configuration is validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hdsim.config.fields import bounded, month


@dataclass
class HorizonConfig:
    """Simulated period: monthly steps from the census month to the end of ``end_year``."""

    start: str = month("2020-11", "Census month the synthetic population reproduces (t0).")
    end_year: int = bounded(2025, 2021, 2060, "Last simulated year (runs to its December).")
    target_year: int = bounded(
        2025, 2021, 2060, "Year whose December rate is compared with the target."
    )
    plan_start_year: int = bounded(2023, 2020, 2060, "First year of the three-year action plan.")
    target_rate: float = bounded(0.55, 0.0, 1.0, "Resident urbanization target of the plan.")


@dataclass
class HouseholdsConfig:
    """Size of the synthetic population relative to the real county."""

    scale: float = bounded(
        1.0,
        0.001,
        8.0,
        "Households simulated per real household; results are reported in real persons.",
    )


@dataclass
class DataConfig:
    """Where the county data files live."""

    dir: str | None = field(
        default=None,
        metadata={
            "help": "Folder with the county CSV files; empty uses the embedded county's data."
        },
    )


@dataclass
class DesignConfig:
    """A sampled design over parameters (uncertainties and levers); see docs/experiments.md."""

    method: str = field(
        default="none",
        metadata={"help": "Sampler: none, lhs (Latin hypercube), sobol (Saltelli) or morris."},
    )
    samples: int = bounded(
        0,
        0,
        1_000_000,
        "Base size: rows (lhs), N of Saltelli (N*(D+2) rows), Morris trajectories (N*(D+1) rows).",
    )
    levels: int = bounded(4, 2, 100, "Grid levels of the Morris trajectories.")
    seed: int = bounded(20201101, 0, 2**32 - 1, "Seed of the design sampler (not of the runs).")
    parameters: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "Dotted config key -> [low, high] range of each sampled parameter."},
    )


@dataclass
class ExperimentConfig:
    """Identity of a sweep job: the experiment, and the design row it runs (if any)."""

    name: str = field(
        default="", metadata={"help": "Experiment name (hdsim/conf/experiment/<name>.yaml)."}
    )
    sample_id: int | None = field(
        default=None,
        metadata={"help": "Row of the design this job runs; empty runs the config as it is."},
    )
    crn_across_samples: bool = field(
        default=False,
        metadata={
            "help": "Share a replicate's random stream across design rows (default: each row "
            "has its own streams)."
        },
    )
    design: DesignConfig = field(default_factory=DesignConfig)


class CalibrationUse(StrEnum):
    """Where a run takes its fitted behavioural parameters from."""

    posterior = "posterior"
    point = "point"


@dataclass
class CalibrationConfig:
    """Parameter uncertainty: draw the fitted behaviour of each replicate from the posterior.

    See ``docs/calibration.md``. With ``use: posterior`` replicate k of every scenario draws one
    accepted parameter set of the stored ABC posterior (the draw depends on the base seed and
    k only, so scenarios share it: common random numbers); the drawn values replace the
    fitted parameters of ``behaviour``. ``use: point`` keeps the values of ``behaviour`` (the
    point estimate in ``hdsim/conf/behaviour/``, or your own overrides). The posterior is the
    county folder's own (``<data.dir>/calibration/posterior.csv``); a county without one borrows
    the embedded county's, says so, and records ``borrowed_from``; ``strict: true`` refuses
    instead. A run's effective configuration (``hdsim.calibration.effective``) records the
    particle drawn, the posterior's checksum and the behaviour keys you set, which win over the
    draw.
    """

    use: CalibrationUse = field(
        default=CalibrationUse.posterior,
        metadata={"help": "posterior (draw per replicate) or point (the behaviour values)."},
    )
    file: str | None = field(
        default=None,
        metadata={
            "help": "Posterior CSV; empty uses the county folder's calibration/posterior.csv "
            "(or borrows the embedded county's)."
        },
    )
    strict: bool = field(
        default=False,
        metadata={
            "help": "Refuse to run when the county has no posterior of its own (borrowed) or "
            "its posterior was fitted on other data."
        },
    )
    particle: int | None = field(
        default=None,
        metadata={"help": "Recorded: the posterior particle the run drew (null before a run)."},
    )
    checksum: str | None = field(
        default=None,
        metadata={"help": "Recorded: first 16 hex digits of the posterior file's SHA-256."},
    )
    overrides: list[str] = field(
        default_factory=list,
        metadata={"help": "Recorded: behaviour keys you set; they win over the posterior draw."},
    )
    borrowed_from: str | None = field(
        default=None,
        metadata={
            "help": "Recorded: the county whose posterior a run borrowed (null: its own)."
        },
    )


class ResumeMode(StrEnum):
    """What a rerun into a folder does with runs made from other inputs."""

    auto = "auto"
    strict = "strict"


@dataclass
class OutputConfig:
    """What a run writes."""

    dir: str = field(
        default=".",
        metadata={
            "help": "Folder of a single job (hydra.run.dir follows it; recorded as the folder "
            "written). A sweep's: hydra.sweep.dir."
        },
    )
    resume: ResumeMode = field(
        default=ResumeMode.auto,
        metadata={
            "help": "Rerun into a folder: auto reuses finished runs of the same inputs and "
            "recomputes the others; strict refuses a folder holding runs of other inputs."
        },
    )
    township_series: bool = field(
        default=True, metadata={"help": "Write township time series beside the county series."}
    )
    report: bool = field(
        default=True,
        metadata={"help": "Build the main job's report (hdsim-report, Chinese) when it ends."},
    )
