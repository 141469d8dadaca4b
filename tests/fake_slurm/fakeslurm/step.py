"""``srun``: a job step inside a batch job, run on the one fake node and recorded for sacct.

A step is ``-n`` (default ``SLURM_NTASKS``) copies of a command, each with its rank variables
and its own ``--output``/``--error`` file; srun passes the signals it gets on to them and exits
with the largest of their exit statuses. The step is recorded in its task's ``steps`` (numbered
from 0, as ``N_i.0`` in sacct). Outside a batch job (no ``SLURM_JOB_ID``) srun is refused.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from fakeslurm import SlurmError
from fakeslurm.options import SRUN_OPTIONS, expand, last, parse_options, positive
from fakeslurm.state import ARRAY_NONE, NODE, load_job, locked, save_job, state_root, user


def srun(argv: list[str]) -> int:
    """Run a job step inside a batch job.

    ``SLURM_NTASKS`` (or ``-n``) copies of the command on the one node, each with its rank
    variables and its ``--output``/``--error`` file.

    Args:
        argv: srun's arguments: options, then the command and its arguments.

    Returns:
        The largest exit status of the step's tasks (``128 + n`` for one killed by signal ``n``,
        2 for one that could not be started).

    Raises:
        SlurmError: No command, no batch job to run in, or a step the node cannot hold.
    """
    opts, command = parse_options(SRUN_OPTIONS, argv, stop_at_operand=True)
    if not command:
        raise SlurmError("No command given to execute.")
    if "SLURM_JOB_ID" not in os.environ:
        raise SlurmError("fake srun runs only inside a batch job (a real one would allocate)")
    if positive(opts, "nodes", 1) > 1:
        raise SlurmError("Unable to create step: Requested node configuration is not available")
    if str(last(opts, "export", "ALL")).upper() != "ALL":
        raise SlurmError("fake srun imitates only --export=ALL")
    ntasks = positive(opts, "ntasks", int(os.environ.get("SLURM_NTASKS", "1")))
    root = state_root()
    array_job = os.environ.get("SLURM_ARRAY_JOB_ID") or os.environ["SLURM_JOB_ID"]
    job_id = int(os.environ["SLURM_JOB_ID"])

    def record(**fields: Any) -> int:
        """Create (no ``id`` given) or update a step of this task in the job's record."""
        with locked(root):
            job = load_job(root, int(array_job))
            task = next(t for t in job["tasks"] if t["job_id"] == job_id)
            if "id" not in fields:  # a new step
                fields["id"] = len(task["steps"])
                task["steps"].append({})
            task["steps"][fields["id"]].update(fields)
            save_job(root, job)
            return fields["id"]

    step = record(
        name=os.path.basename(command[0]),
        state="RUNNING",
        pid=os.getpid(),
        start=time.time(),
        end=None,
        exit_code="0:0",
        ntasks=ntasks,
    )
    mode = last(opts, "open-mode", {"a": "append"}.get(os.environ.get("SLURM_OPEN_MODE"), "t"))
    mode = "ab" if mode.startswith("a") else "wb"
    values = {
        "A": array_job, "a": os.environ.get("SLURM_ARRAY_TASK_ID", ARRAY_NONE),
        "j": str(job_id), "J": f"{job_id}.{step}", "N": NODE, "n": "0", "s": str(step),
        "u": user(), "x": os.environ.get("SLURM_JOB_NAME", ""),
    }  # fmt: skip
    procs: list[subprocess.Popen] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        """Pass a signal srun got on to its tasks still running, as srun does."""
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCONT):
        signal.signal(sig, forward)
    cpus = last(opts, "cpus-per-task", os.environ.get("SLURM_CPUS_PER_TASK"))
    code = 0
    for rank in range(ntasks):
        env = dict(os.environ)
        env |= {
            "SLURM_STEP_ID": str(step), "SLURM_STEPID": str(step), "SLURM_PROCID": str(rank),
            "SLURM_LOCALID": str(rank), "SLURM_NODEID": "0", "SLURM_NTASKS": str(ntasks),
            "SLURM_STEP_NUM_TASKS": str(ntasks), "SLURM_STEP_NUM_NODES": "1",
            "SLURM_STEP_NODELIST": NODE, "SLURM_STEP_TASKS_PER_NODE": str(ntasks),
        }  # fmt: skip
        if cpus:
            env["SLURM_CPUS_PER_TASK"] = str(cpus)
        with contextlib.ExitStack() as files:
            rank_values = values | {"t": str(rank)}
            names = {
                k: expand(last(opts, k), rank_values) for k in ("output", "error") if k in opts
            }
            out = err = None  # default: the batch script's own streams
            if "output" in names:
                out = files.enter_context(open(names["output"], mode))
                err = subprocess.STDOUT  # stderr goes with --output unless --error says
            if "error" in names:
                err = files.enter_context(open(names["error"], mode))
            try:
                proc = subprocess.Popen(
                    command,
                    cwd=last(opts, "chdir"),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                )
                procs.append(proc)
            except OSError as exc:
                print(f"srun: error: execve(): {command[0]}: {exc.strerror}", file=sys.stderr)
                code = 2
    for proc in procs:
        rc = proc.wait()
        code = max(code, rc if rc >= 0 else 128 - rc)
    state = "COMPLETED" if code == 0 else "FAILED"
    record(id=step, state=state, end=time.time(), exit_code=f"{code}:0")
    return code
