"""``sbatch``: a batch job submitted, recorded, and run by its own detached scheduler.

:func:`sbatch` reads the options from the command line and the ``#SBATCH`` lines, checks them
as the controller would (:func:`new_job`), records the job under a new id and starts the job's
scheduler, ``python <package folder> _schedule N`` (see ``__main__``) in a new session, so
that sbatch returns at once and the job outlives it. :func:`schedule` waits
``FAKE_SLURM_SCHED_DELAY`` seconds (default 1, a scheduler's cycle), then starts the pending
tasks, at most ``%p`` at a time, each by :func:`start_task` as slurmstepd would, and records how
each ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

from fakeslurm import SlurmError
from fakeslurm.options import (
    SBATCH_NOT_IMITATED,
    SBATCH_OPTIONS,
    expand,
    last,
    megabytes,
    minutes,
    parse_array,
    parse_options,
    positive,
)
from fakeslurm.state import (
    ARRAY_NONE,
    NODE,
    UNFINISHED,
    load_job,
    locked,
    node_memory_mb,
    save_job,
    state_root,
    user,
)

CLUSTER = "fake"
VERSION = "slurm 23.11.0 (fake)"
FIRST_JOB_ID = 100
NOT_AVAILABLE = "Batch job submission failed: Requested node configuration is not available"
PACKAGE = Path(__file__).resolve().parent  # run as a program: the scheduler (``__main__``)


def sbatch(argv: list[str]) -> int:
    """Parse options and ``#SBATCH`` lines, record the job, start its scheduler, print its id.

    Args:
        argv: sbatch's arguments: options, then the script and its arguments (none with
            ``--wrap``).

    Returns:
        0, or with ``--wait`` the largest exit code of the job's tasks once all have ended.

    Raises:
        SlurmError: No script, not a script, or a job the controller would refuse.
    """
    cli, operands = parse_options(SBATCH_OPTIONS, argv, stop_at_operand=True)
    if "version" in cli:
        print(VERSION)
        return 0
    if "wrap" in cli:
        text = f"#!/bin/sh\n# This script was created by sbatch --wrap.\n\n{last(cli, 'wrap')}\n"
        args = operands
    elif not operands:
        raise SlurmError("fake sbatch needs a script file (a real one also reads standard input)")
    else:
        try:
            text = Path(operands[0]).read_text()
        except OSError as err:
            raise SlurmError(f"Unable to open file {operands[0]}") from err
        args = operands[1:]
    if not text.startswith("#!"):
        raise SlurmError(
            "This does not look like a batch script.  The first line must start with #! "
            "followed by the path to an interpreter."
        )
    in_script: list[str] = []
    for line in text.splitlines()[1:]:
        if line.startswith("#SBATCH"):
            in_script += shlex.split(line[len("#SBATCH") :], comments=True)
        elif line.strip() and not line.lstrip().startswith("#"):
            break  # like sbatch, stop at the first command
    from_script, stray = parse_options(SBATCH_OPTIONS, in_script, stop_at_operand=False)
    if stray:
        raise SlurmError(f"Invalid #SBATCH argument(s): {stray}")
    opts = {**from_script, **cli}  # the command line wins
    job = new_job(opts, args, "wrap" if "wrap" in cli else Path(operands[0]).name)

    root = state_root()
    with locked(root):
        counter = root / "last_job_id"
        first = int(counter.read_text()) + 1 if counter.exists() else FIRST_JOB_ID
        counter.write_text(str(first + len(job["tasks"]) - 1))
        job["id"] = first
        for k, task in enumerate(job["tasks"]):
            task["job_id"] = first + k
        job["script"] = str(root / "jobs" / f"{first}.sh")
        Path(job["script"]).write_text(text)  # Slurm keeps the script as it was submitted
        save_job(root, job)
    with open(root / "jobs" / f"{first}.log", "ab") as log:
        subprocess.Popen(  # detached: sbatch returns at once, the job outlives it
            [sys.executable, str(PACKAGE), "_schedule", str(first)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    print(first if "parsable" in opts else f"Submitted batch job {first}", flush=True)
    if "wait" not in opts:
        return 0
    while any(t["state"] in UNFINISHED for t in load_job(root, first)["tasks"]):
        time.sleep(0.2)
    codes = [int(t["exit_code"].split(":")[0]) for t in load_job(root, first)["tasks"]]
    return max(codes)


def new_job(opts: dict[str, list], args: list[str], script_name: str) -> dict:
    """Check the options as the controller would and turn them into a job record.

    Args:
        opts: The options, those on the command line over those in ``#SBATCH`` lines.
        args: The script's arguments.
        script_name: The script's file name (``wrap`` with ``--wrap``): the default job name.

    Returns:
        The record, still without its id, its tasks' ids and the script's path.

    Raises:
        SlurmError: An option not imitated, an invalid value, or a job larger than the node.
    """
    for name in SBATCH_NOT_IMITATED:
        if name in opts:
            raise SlurmError(f"fake sbatch does not imitate --{name}")
    if str(last(opts, "export", "ALL")).upper() != "ALL":
        raise SlurmError("fake sbatch imitates only --export=ALL")
    partitions = os.environ.get("FAKE_SLURM_PARTITIONS", "debug,compute").split(",")
    partition = last(opts, "partition", partitions[0])
    if partition not in partitions:
        raise SlurmError("Batch job submission failed: Invalid partition name specified")
    nodes = positive(opts, "nodes", 1)
    per_node = positive(opts, "ntasks-per-node", 1)
    ntasks = positive(opts, "ntasks", nodes * per_node)
    cpus = positive(opts, "cpus-per-task", 1)
    mem_mb = megabytes(last(opts, "mem"), "mem") if "mem" in opts else None
    gpus = [last(opts, n) for n in ("gpus", "gpus-per-node", "gpus-per-task", "gres")]
    too_big = nodes > 1 or ntasks * cpus > (os.cpu_count() or 1)
    if too_big or (mem_mb or 0) > node_memory_mb() or any(g not in (None, "0") for g in gpus):
        raise SlurmError(NOT_AVAILABLE)  # the cluster has one node without GPUs
    time_min = minutes(str(last(opts, "time", "UNLIMITED")))
    signal_spec = last(opts, "signal")
    if signal_spec and not re.fullmatch(r"((R|B|RB|BR):)?(SIG)?[A-Z0-9]+(@\d+)?", signal_spec):
        raise SlurmError("Invalid --signal specification")
    open_mode = last(opts, "open-mode", "truncate")
    if open_mode not in ("append", "truncate"):
        raise SlurmError("Invalid --open-mode specification")
    indices, throttle = parse_array(last(opts, "array")) if "array" in opts else ([None], None)
    is_array = "array" in opts
    default_out = "slurm-%A_%a.out" if is_array else "slurm-%j.out"
    submit_dir = os.getcwd()
    return {
        "id": None,
        "name": last(opts, "job-name", script_name),
        "user": user(),
        "uid": os.getuid(),
        "partition": partition,
        "account": last(opts, "account"),
        "qos": last(opts, "qos"),
        "submit_dir": submit_dir,
        "workdir": os.path.join(submit_dir, last(opts, "chdir", ".")),
        "submit_time": time.time(),
        "script": None,
        "args": args,
        "output": last(opts, "output", default_out),
        "error": last(opts, "error"),
        "open_mode": open_mode[0],
        "ntasks": ntasks,
        "ntasks_per_node": per_node,
        "cpus_per_task": cpus if "cpus-per-task" in opts else None,
        "mem_mb": mem_mb,
        "time_limit_min": time_min,
        "array": is_array,
        "throttle": throttle,
        "options": {k: [str(v) for v in vs] for k, vs in opts.items()},
        "tasks": [
            {"index": i, "job_id": None, "state": "PENDING", "exit_code": "0:0", "pid": None,
             "start": None, "end": None, "steps": []}
            for i in indices
        ],
    }  # fmt: skip


# --------------------------------------------------------------------- the job's scheduler


def schedule(job_id: int) -> None:
    """Start job ``job_id``'s pending tasks, at most ``%p`` at a time, until none is left.

    Runs detached from sbatch, one process per job; records each task's end and exit code
    (unless scancel has already marked it ``CANCELLED``).
    """
    root = state_root()
    time.sleep(float(os.environ.get("FAKE_SLURM_SCHED_DELAY", "1")))
    procs: dict[int, subprocess.Popen] = {}
    while True:
        with locked(root):
            job = load_job(root, job_id)
            tasks = {t["job_id"]: t for t in job["tasks"]}
            for tid, proc in list(procs.items()):
                code = proc.poll()
                if code is None:
                    continue
                del procs[tid]
                task = tasks[tid]
                task["end"] = task["end"] or time.time()
                if task["state"] == "RUNNING":  # scancel may have said CANCELLED already
                    task["state"] = "COMPLETED" if code == 0 else "FAILED"
                    task["exit_code"] = f"{code}:0" if code >= 0 else f"0:{-code}"
            pending = [t for t in job["tasks"] if t["state"] == "PENDING"]
            limit = job["throttle"] or len(job["tasks"])
            while pending and len(procs) < limit:
                task = pending.pop(0)
                proc = start_task(job, task)
                if proc is not None:
                    procs[task["job_id"]] = proc
            save_job(root, job)
        if not procs and not pending:
            return
        time.sleep(0.2)


def start_task(job: dict, task: dict) -> subprocess.Popen | None:
    """Run a task's batch script with bash as slurmstepd would.

    The script runs in its own session, with the submission's environment plus ``SLURM_*``,
    its stdout/stderr in the ``--output``/``--error`` files.

    Args:
        job: The job's record.
        task: The task to start, updated in place (``RUNNING`` with its pid and start time, or
            ``FAILED`` when an output file's folder is missing, as Slurm creates none).

    Returns:
        The batch script's process, or None if the task failed before it could start.
    """
    task["start"] = time.time()
    index = ARRAY_NONE if task["index"] is None else str(task["index"])
    array_id = str(job["id"]) if job["array"] else str(task["job_id"])
    values = {"A": array_id, "a": index, "j": str(task["job_id"]), "J": f"{task['job_id']}.batch"}
    values |= {"N": NODE, "n": "0", "s": "batch", "t": "0", "u": job["user"], "x": job["name"]}
    out = Path(job["workdir"], expand(job["output"], values))
    err = Path(job["workdir"], expand(job["error"], values)) if job["error"] else None
    for path in (out, err):
        if path is not None and not path.parent.is_dir():  # Slurm makes no folder: job fails
            print(
                f"slurmstepd: error: Could not open stdout file {path}: No such file or directory"
            )
            task.update(state="FAILED", exit_code="1:0", end=time.time())
            return None
    mode = "ab" if job["open_mode"] == "a" else "wb"
    cpus = str(job["ntasks"] * (job["cpus_per_task"] or 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "FAKE_SLURM_SCHED"))}
    env |= {
        "SLURM_JOB_ID": str(task["job_id"]), "SLURM_JOBID": str(task["job_id"]),
        "SLURM_JOB_NAME": job["name"], "SLURM_JOB_PARTITION": job["partition"],
        "SLURM_JOB_USER": job["user"], "SLURM_JOB_UID": str(job["uid"]),
        "SLURM_SUBMIT_DIR": job["submit_dir"], "SLURM_SUBMIT_HOST": socket.gethostname(),
        "SLURM_CLUSTER_NAME": CLUSTER, "SLURM_JOB_NUM_NODES": "1", "SLURM_NNODES": "1",
        "SLURM_JOB_NODELIST": NODE, "SLURM_NODELIST": NODE, "SLURMD_NODENAME": NODE,
        "SLURM_NODEID": "0", "SLURM_PROCID": "0", "SLURM_LOCALID": "0", "SLURM_GTIDS": "0",
        "SLURM_NTASKS": str(job["ntasks"]), "SLURM_NPROCS": str(job["ntasks"]),
        "SLURM_NTASKS_PER_NODE": str(job["ntasks_per_node"]),
        "SLURM_TASKS_PER_NODE": str(job["ntasks"]), "SLURM_CPUS_ON_NODE": cpus,
        "SLURM_JOB_CPUS_PER_NODE": cpus, "SLURM_OPEN_MODE": job["open_mode"],
        "ENVIRONMENT": "BATCH",
    }  # fmt: skip
    optional = {
        "SLURM_CPUS_PER_TASK": job["cpus_per_task"], "SLURM_MEM_PER_NODE": job["mem_mb"],
        "SLURM_JOB_ACCOUNT": job["account"], "SLURM_JOB_QOS": job["qos"],
    }  # fmt: skip
    env |= {k: str(v) for k, v in optional.items() if v is not None}
    if job["array"]:
        indices = [t["index"] for t in job["tasks"]]
        env |= {
            "SLURM_ARRAY_JOB_ID": str(job["id"]), "SLURM_ARRAY_TASK_ID": index,
            "SLURM_ARRAY_TASK_COUNT": str(len(indices)), "SLURM_ARRAY_TASK_MIN": str(min(indices)),
            "SLURM_ARRAY_TASK_MAX": str(max(indices)), "SLURM_ARRAY_TASK_STEP": "1",
        }  # fmt: skip
    with contextlib.ExitStack() as files:
        stdout = files.enter_context(open(out, mode))
        stderr = files.enter_context(open(err, mode)) if err else subprocess.STDOUT
        proc = subprocess.Popen(
            ["bash", job["script"], *job["args"]],
            cwd=job["workdir"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group, for scancel
        )
    task.update(state="RUNNING", pid=proc.pid)
    return proc
