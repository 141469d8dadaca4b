"""The fake cluster's state: its folder, the lock, job records, job ids, the node's facts.

The folder is named by ``FAKE_SLURM_STATE``; without it every command fails as one that cannot
reach the controller. In it: ``last_job_id`` (the counter), ``lock`` (held while a record is read
and rewritten), ``jobs/N.json`` (job ``N`` and its tasks, rewritten atomically), ``jobs/N.sh``
(the script as submitted) and ``jobs/N.log`` (job ``N``'s scheduler's output).

A job record holds the submission (name, partition, resources, output patterns, ...) and one
entry per task (a single one outside an array): its index, its own job id, its state, exit code,
process, start and end times and its srun steps.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
from collections.abc import Iterator
from pathlib import Path

from fakeslurm import SlurmError

NODE = "fakenode1"
ARRAY_NONE = "4294967294"  # what %a expands to outside an array
UNFINISHED = ("PENDING", "RUNNING")


def state_root() -> Path:
    """The state folder (with its ``jobs`` folder made).

    Raises:
        SlurmError: ``FAKE_SLURM_STATE`` is not set, as if the controller were unreachable.
    """
    root = os.environ.get("FAKE_SLURM_STATE")
    if not root:
        raise SlurmError("Unable to contact slurm controller (connect failure)")
    (Path(root) / "jobs").mkdir(parents=True, exist_ok=True)
    return Path(root)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the state folder's lock (an exclusive ``flock`` on ``root/lock``) for the block."""
    with open(root / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def load_job(root: Path, job_id: int) -> dict:
    """The record of job ``job_id`` (the first id of an array)."""
    return json.loads((root / "jobs" / f"{job_id}.json").read_text())


def save_job(root: Path, job: dict) -> None:
    """Write ``job``'s record atomically (a temporary file, then a rename)."""
    path = root / "jobs" / f"{job['id']}.json"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(job, indent=1))
    os.replace(tmp, path)


def all_jobs(root: Path) -> list[dict]:
    """Every job's record, by id."""
    return sorted(
        (json.loads(p.read_text()) for p in (root / "jobs").glob("*.json")), key=lambda j: j["id"]
    )


def user() -> str:
    """The name of the user running the command (who owns every job here)."""
    return pwd.getpwuid(os.getuid()).pw_name


def node_memory_mb() -> int:
    """The fake node's memory in megabytes: this machine's."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def display_id(job: dict, task: dict) -> str:
    """A task's id as Slurm shows it: ``N_i`` for task ``i`` of array job ``N``, else ``N``."""
    return f"{job['id']}_{task['index']}" if job["array"] else str(job["id"])


def select(job: dict, wanted: str) -> list[dict]:
    """The tasks of ``job`` that id ``wanted`` (``N`` or ``N_i``) names."""
    if "_" not in wanted:
        return job["tasks"]
    index = wanted.split("_", 1)[1]
    return [t for t in job["tasks"] if str(t["index"]) == index]


def find_jobs(root: Path, ids: list[str]) -> list[tuple[str, dict]]:
    """The jobs that ids ``N`` or ``N_i`` name, each with its id (an unknown one: left out)."""
    found = []
    for wanted in ids:
        main_id = wanted.split("_", 1)[0]
        if main_id.isdigit() and (root / "jobs" / f"{main_id}.json").exists():
            found.append((wanted, load_job(root, int(main_id))))
    return found
