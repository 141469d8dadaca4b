"""A fake Slurm on one machine: the logic behind the ``sbatch``, ``sacct``, ``squeue``,
``scancel`` and ``srun`` executables beside this file (each a thin wrapper; standard library
only), so that submitit's real Slurm executor can be driven end to end without a cluster.

Imitated, as far as submitit (``submitit/slurm/slurm.py``, ``submitit/core/``) relies on it:
one cluster with one partition list (``FAKE_SLURM_PARTITIONS``, default ``debug,compute``,
the first is the default), one node ``fakenode1`` with this machine's cores and memory and no
GPU; job ids from a counter, one id per array task as in Slurm (task ``k`` of array job ``N``
has ``SLURM_JOB_ID=N+k``); the ``PENDING -> RUNNING -> COMPLETED | FAILED | CANCELLED`` states;
``#SBATCH`` lines and getopt_long's rules (unknown option, ambiguous prefix, missing argument:
a message on stderr and exit 1); the batch environment (``SLURM_*``); output file patterns.

Left out: more than one node, CPU/memory accounting between jobs (only a job larger than the
node is refused), time limits, ``--signal`` timers, pre-emption and ``scontrol requeue``,
dependencies, ``SBATCH_*`` input variables, ``--export`` other than ``ALL``, accounting history
filters (``sacct -S``), batch scripts read from standard input.

State lives in the folder named by ``FAKE_SLURM_STATE`` (without it every command fails as one
that cannot reach the controller): ``last_job_id``, ``jobs/N.json`` (a job and its tasks,
rewritten atomically under ``lock``), ``jobs/N.sh`` (the script as submitted) and
``jobs/N.log`` (the detached scheduler process that runs job ``N``'s tasks, like slurmctld's and
slurmstepd's logs). ``FAKE_SLURM_SCHED_DELAY`` (seconds, default 1) is the wait before a job's
first task starts, as a scheduler's cycle would be.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

NODE = "fakenode1"
CLUSTER = "fake"
VERSION = "slurm 23.11.0 (fake)"
MAX_ARRAY_SIZE = 1001  # Slurm's default MaxArraySize
FIRST_JOB_ID = 100
NOT_AVAILABLE = "Batch job submission failed: Requested node configuration is not available"
ARRAY_NONE = "4294967294"  # what %a expands to outside an array
UNFINISHED = ("PENDING", "RUNNING")


class SlurmError(Exception):
    """What a real command prints as ``<prog>: error: <message>`` before exiting 1."""


class UsageError(Exception):
    """A command line getopt_long refuses (printed as ``<prog>: <message>``)."""


def main(prog: str, argv: list[str]) -> int:
    """Run command ``prog`` the way its executable would, returning the exit status."""
    command = {"sbatch": sbatch, "sacct": sacct, "squeue": squeue, "scancel": scancel}
    command["srun"] = srun
    try:
        return command[prog](argv)
    except UsageError as err:
        print(f'{prog}: {err}\nTry "{prog} --help" for more information', file=sys.stderr)
    except SlurmError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
    return 1


# ------------------------------------------------------------------------------ option parsing

REQ, NONE, OPT = "required", "none", "optional"

SBATCH_OPTIONS = {  # long name: (short letter, argument)
    "account": ("A", REQ), "array": ("a", REQ), "begin": ("b", REQ), "chdir": ("D", REQ),
    "comment": (None, REQ), "constraint": ("C", REQ), "cpus-per-gpu": (None, REQ),
    "cpus-per-task": ("c", REQ), "dependency": ("d", REQ), "distribution": ("m", REQ),
    "error": ("e", REQ), "exclude": ("x", REQ), "exclusive": (None, OPT),
    "export": (None, REQ), "get-user-env": (None, OPT), "gpus": ("G", REQ),
    "gpus-per-node": (None, REQ), "gpus-per-task": (None, REQ), "gres": (None, REQ),
    "help": ("h", NONE), "hint": (None, REQ), "hold": ("H", NONE), "job-name": ("J", REQ),
    "licenses": ("L", REQ), "mail-type": (None, REQ), "mail-user": (None, REQ),
    "mem": (None, REQ), "mem-per-cpu": (None, REQ), "mem-per-gpu": (None, REQ),
    "mincpus": (None, REQ), "nice": (None, OPT), "no-requeue": (None, NONE),
    "nodelist": ("w", REQ), "nodes": ("N", REQ), "ntasks": ("n", REQ),
    "ntasks-per-node": (None, REQ), "open-mode": (None, REQ), "output": ("o", REQ),
    "parsable": (None, NONE), "partition": ("p", REQ), "priority": (None, REQ),
    "propagate": (None, OPT), "qos": ("q", REQ), "quiet": ("Q", NONE), "requeue": (None, NONE),
    "reservation": (None, REQ), "signal": (None, REQ), "test-only": (None, NONE),
    "threads-per-core": (None, REQ), "time": ("t", REQ), "time-min": (None, REQ),
    "tmp": (None, REQ), "verbose": ("v", NONE), "version": ("V", NONE), "wait": ("W", NONE),
    "wckey": (None, REQ), "wrap": (None, REQ),
}  # fmt: skip
SBATCH_NOT_IMITATED = ("begin", "dependency", "hold", "test-only", "help")

SRUN_OPTIONS = {
    "chdir": ("D", REQ), "cpu-bind": (None, REQ), "cpus-per-task": ("c", REQ),
    "error": ("e", REQ), "exclusive": (None, OPT), "export": (None, REQ),
    "job-name": ("J", REQ), "kill-on-bad-exit": ("K", OPT), "label": ("l", NONE),
    "mpi": (None, REQ), "nodes": ("N", REQ), "ntasks": ("n", REQ), "open-mode": (None, REQ),
    "output": ("o", REQ), "overlap": (None, NONE), "quiet": ("Q", NONE),
    "unbuffered": ("u", NONE), "verbose": ("v", NONE),
}  # fmt: skip

SACCT_OPTIONS = {
    "allusers": ("a", NONE), "allocations": ("X", NONE), "brief": ("b", NONE),
    "endtime": ("E", REQ), "format": ("o", REQ), "jobs": ("j", REQ), "noheader": ("n", NONE),
    "parsable": ("p", NONE), "parsable2": ("P", NONE), "starttime": ("S", REQ),
    "user": ("u", REQ),
}  # fmt: skip

SQUEUE_OPTIONS = {
    "all": ("a", NONE), "array": ("r", NONE), "format": ("o", REQ), "jobs": ("j", REQ),
    "me": (None, NONE), "noheader": ("h", NONE), "partition": ("p", REQ),
    "states": ("t", REQ), "user": ("u", REQ),
}  # fmt: skip

SCANCEL_OPTIONS = {
    "batch": ("b", NONE), "full": ("f", NONE), "quiet": ("Q", NONE), "signal": ("s", REQ),
    "verbose": ("v", NONE),
}  # fmt: skip


def parse_options(
    table: dict[str, tuple[str | None, str]], argv: list[str], *, stop_at_operand: bool
) -> tuple[dict[str, list], list[str]]:
    """getopt_long: long options, unique prefixes of them, ``--opt=v`` or ``--opt v``, short
    clusters (``-vv``, ``-pdebug``). Returns ``{long name: [values]}`` and the operands; with
    ``stop_at_operand`` the first operand and all after it are left alone (sbatch's script and
    its arguments, srun's command), otherwise options and operands may mix (GNU permutation).
    """
    shorts = {short: name for name, (short, _) in table.items() if short}
    opts: dict[str, list] = {}
    operands: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            operands += argv[i:]
            break
        if arg.startswith("--"):
            given, eq, value = arg[2:].partition("=")
            names = [n for n in table if n == given] or [n for n in table if n.startswith(given)]
            if not names:
                raise UsageError(f"unrecognized option '{arg}'")
            if len(names) > 1:
                raise UsageError(f"option '--{given}' is ambiguous; possibilities: {names}")
            name, kind = names[0], table[names[0]][1]
            if kind == NONE and eq:
                raise UsageError(f"option '--{name}' doesn't allow an argument")
            if kind == REQ and not eq:
                if i >= len(argv):
                    raise UsageError(f"option '--{name}' requires an argument")
                value, i = argv[i], i + 1
            opts.setdefault(name, []).append(value if eq or kind == REQ else True)
        elif arg.startswith("-") and len(arg) > 1:
            for j, letter in enumerate(arg[1:], start=2):
                if letter not in shorts:
                    raise UsageError(f"invalid option -- '{letter}'")
                name = shorts[letter]
                if table[name][1] != REQ:
                    opts.setdefault(name, []).append(True)
                    continue
                value = arg[j:]
                if not value:
                    if i >= len(argv):
                        raise UsageError(f"option requires an argument -- '{letter}'")
                    value, i = argv[i], i + 1
                opts.setdefault(name, []).append(value)
                break
        elif stop_at_operand:
            operands += argv[i - 1 :]
            break
        else:
            operands.append(arg)
    return opts, operands


def last(opts: dict[str, list], name: str, default=None):
    """The value of the last ``--name`` given, as a real command keeps it."""
    return opts[name][-1] if name in opts else default


def positive(opts: dict[str, list], name: str, default: int) -> int:
    value = str(last(opts, name, default))
    low = value.split("-", 1)[0]  # --nodes=min-max: the minimum is what a job gets here
    if not low.isdigit() or int(low) < 1:
        raise SlurmError(f"Invalid --{name} specification")
    return int(low)


def minutes(value: str) -> int | None:
    """Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED (None)."""
    if value.upper() in ("UNLIMITED", "INFINITE"):
        return None
    days, _, rest = value.rpartition("-")
    parts = rest.split(":")
    if not all(p.isdigit() for p in [*parts, days or "0"]) or len(parts) > 3:
        raise SlurmError("Invalid --time specification")
    nums = [int(p) for p in parts]
    if days:
        h, m, s = [*nums, 0, 0][:3]
    else:
        h, m, s = {1: [0, nums[0], 0], 2: [0, *nums], 3: nums}[len(nums)]
    return int(days or 0) * 1440 + h * 60 + m + (1 if s else 0)


def megabytes(value: str, name: str) -> int:
    match = re.fullmatch(r"(\d+)([KMGT]?)B?", value, re.IGNORECASE)
    if not match:
        raise SlurmError(f"Invalid --{name} specification")
    scale = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[match[2].upper()]
    return max(1, int(int(match[1]) * scale))


def parse_array(spec: str) -> tuple[list[int], int | None]:
    """``0-9``, ``1,3,5-7``, ``0-15:4``, each optionally ``%p`` (at most p tasks at once)."""
    invalid = SlurmError("Batch job submission failed: Invalid job array specification")
    match = re.fullmatch(r"([0-9,:\-]+)(?:%(\d+))?", spec)
    if not match:
        raise invalid
    indices: set[int] = set()
    for part in match[1].split(","):
        rng = re.fullmatch(r"(\d+)(?:-(\d+)(?::(\d+))?)?", part)
        if not rng:
            raise invalid
        low, high, step = int(rng[1]), int(rng[2] or rng[1]), int(rng[3] or 1)
        if high < low or step < 1:
            raise invalid
        indices.update(range(low, high + 1, step))
    if max(indices) >= MAX_ARRAY_SIZE or match[2] == "0":
        raise invalid
    return sorted(indices), int(match[2]) if match[2] else None


def ranges(indices: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``0-2,5`` (how Slurm prints the pending part of an array)."""
    out: list[list[int]] = []
    for i in sorted(indices):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in out)


def expand(pattern: str, values: dict[str, str]) -> str:
    """Slurm's file name patterns: %A %a %j %J %N %n %s %t %u %x and %%, with a width
    (``%4a`` pads with zeros)."""

    def one(match: re.Match) -> str:
        width, key = match[1], match[2]
        value = "%" if key == "%" else values[key]
        return value.zfill(int(width)) if width and value.isdigit() else value

    return re.sub(r"%(\d*)([%AajJNnstux])", one, pattern)


# ------------------------------------------------------------------------------------- state


def state_root() -> Path:
    root = os.environ.get("FAKE_SLURM_STATE")
    if not root:
        raise SlurmError("Unable to contact slurm controller (connect failure)")
    (Path(root) / "jobs").mkdir(parents=True, exist_ok=True)
    return Path(root)


@contextlib.contextmanager
def locked(root: Path):
    with open(root / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def load_job(root: Path, job_id: int) -> dict:
    return json.loads((root / "jobs" / f"{job_id}.json").read_text())


def save_job(root: Path, job: dict) -> None:
    path = root / "jobs" / f"{job['id']}.json"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(job, indent=1))
    os.replace(tmp, path)


def all_jobs(root: Path) -> list[dict]:
    return sorted(
        (json.loads(p.read_text()) for p in (root / "jobs").glob("*.json")), key=lambda j: j["id"]
    )


def user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def node_memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def display_id(job: dict, task: dict) -> str:
    return f"{job['id']}_{task['index']}" if job["array"] else str(job["id"])


def select(job: dict, wanted: str) -> list[dict]:
    """The tasks of ``job`` that id ``wanted`` (``N`` or ``N_i``) names."""
    if "_" not in wanted:
        return job["tasks"]
    index = wanted.split("_", 1)[1]
    return [t for t in job["tasks"] if str(t["index"]) == index]


def find_jobs(root: Path, ids: list[str]) -> list[tuple[str, dict]]:
    found = []
    for wanted in ids:
        main_id = wanted.split("_", 1)[0]
        if main_id.isdigit() and (root / "jobs" / f"{main_id}.json").exists():
            found.append((wanted, load_job(root, int(main_id))))
    return found


# ------------------------------------------------------------------------------------ sbatch


def sbatch(argv: list[str]) -> int:
    """Parse options and ``#SBATCH`` lines, record the job, start its scheduler, print its id."""
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
            [sys.executable, str(Path(__file__).resolve()), "_schedule", str(first)],
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
    """Check the options as the controller would and turn them into a job record."""
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
    """Start job ``job_id``'s pending tasks, at most ``%p`` at a time, until none is left
    (runs detached from sbatch, one process per job)."""
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
    """Run the batch script with bash as slurmstepd would: its own session, the submission's
    environment plus ``SLURM_*``, stdout/stderr in the ``--output``/``--error`` files."""
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


# -------------------------------------------------------------------------------------- srun


def srun(argv: list[str]) -> int:
    """Run a job step inside a batch job: ``SLURM_NTASKS`` (or ``-n``) copies of the command
    on the one node, each with its rank variables and its ``--output``/``--error`` file."""
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

    def record(**fields) -> int:
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

    def forward(signum, _frame) -> None:  # srun passes these signals on to its tasks
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


# ------------------------------------------------------------------------------------- sacct

SACCT_FIELDS = {  # lower-case name: (printed name, default width)
    "jobid": ("JobID", 12), "jobidraw": ("JobIDRaw", 12), "jobname": ("JobName", 10),
    "partition": ("Partition", 10), "account": ("Account", 10), "alloccpus": ("AllocCPUS", 10),
    "state": ("State", 10), "exitcode": ("ExitCode", 8), "nodelist": ("NodeList", 15),
    "submit": ("Submit", 19), "start": ("Start", 19), "end": ("End", 19),
    "elapsed": ("Elapsed", 10), "user": ("User", 9),
}  # fmt: skip
SACCT_DEFAULT = "JobID,JobName,Partition,Account,AllocCPUS,State,ExitCode"


def sacct(argv: list[str]) -> int:
    """Accounting rows: an array's pending part collapsed (``N_[2-9%2]``), one row per started
    task, and below it its ``.batch`` step and its srun steps (``N_i.0``) unless ``-X``."""
    opts, operands = parse_options(SACCT_OPTIONS, argv, stop_at_operand=False)
    if operands:
        raise UsageError(f"unrecognized argument '{operands[0]}'")
    fmt = "JobID,State,ExitCode" if "brief" in opts else last(opts, "format", SACCT_DEFAULT)
    fields = []
    for item in fmt.split(","):
        name, _, width = item.partition("%")
        if name.lower() not in SACCT_FIELDS:
            raise SlurmError(f'Invalid field requested: "{name}"')
        label, default = SACCT_FIELDS[name.lower()]
        fields.append((label, int(width) if width else default))
    root = state_root()
    wanted = [w for value in opts.get("jobs", []) for w in value.split(",") if w]
    chosen = find_jobs(root, wanted) if wanted else [(str(j["id"]), j) for j in all_jobs(root)]
    rows = []
    for name, job in chosen:
        rows += sacct_rows(job, select(job, name), steps="allocations" not in opts)
    if "parsable2" in opts or "parsable" in opts:
        end = "|" if "parsable" in opts and "parsable2" not in opts else ""
        lines = ["|".join(row[label] for label, _ in fields) + end for row in rows]
        header = ["|".join(label for label, _ in fields) + end]
    else:
        header = [table_line(fields, {label: label for label, _ in fields})]
        header.append(" ".join("-" * width for _, width in fields))
        lines = [table_line(fields, row) for row in rows]
    print("\n".join(([] if "noheader" in opts else header) + lines))
    return 0


def table_line(fields: list[tuple[str, int]], row: dict[str, str]) -> str:
    """sacct's fixed-width line: JobID to the left, the rest to the right, too long: ``+``."""
    cells = []
    for i, (label, width) in enumerate(fields):
        value = row[label] if len(row[label]) <= width else row[label][: width - 1] + "+"
        cells.append(value.ljust(width) if i == 0 else value.rjust(width))
    return " ".join(cells)


def stamp(t: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) if t else "Unknown"


def clock(seconds: float) -> str:
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hms = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{hms}" if days else hms


def short_clock(seconds: float) -> str:
    """squeue's TIME: ``0:05``, ``1:02:03``, ``2-01:02:03``."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    clock_ = (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )
    return f"{days}-{clock(rest + hours * 3600)}" if days else clock_


def state_label(job: dict, state: str) -> str:
    return f"CANCELLED by {job['uid']}" if state == "CANCELLED" else state


def sacct_rows(job: dict, tasks: list[dict], *, steps: bool) -> list[dict[str, str]]:
    cpus = str(job["ntasks"] * (job["cpus_per_task"] or 1))

    def row(jid: str, raw: str, name: str, item: dict, nodes: str) -> dict[str, str]:
        start, end = item.get("start"), item.get("end")
        elapsed = clock(((end or time.time()) - start) if start else 0)
        return {
            "JobID": jid, "JobIDRaw": raw, "JobName": name, "Partition": job["partition"],
            "Account": job["account"] or "", "AllocCPUS": cpus, "User": job["user"],
            "State": state_label(job, item["state"]), "ExitCode": item["exit_code"],
            "NodeList": nodes, "Submit": stamp(job["submit_time"]), "Start": stamp(start),
            "End": stamp(end), "Elapsed": elapsed,
        }  # fmt: skip

    rows = []
    for task in tasks:
        if task["state"] == "PENDING":
            continue
        jid, raw = display_id(job, task), str(task["job_id"])
        rows.append(row(jid, raw, job["name"], task, NODE))
        if steps and task["pid"] is not None:
            rows.append(row(f"{jid}.batch", f"{raw}.batch", "batch", task, NODE))
            for s in task["steps"]:
                rows.append(row(f"{jid}.{s['id']}", f"{raw}.{s['id']}", s["name"], s, NODE))
    pending = [t for t in tasks if t["state"] == "PENDING"]
    if pending:
        throttle = f"%{job['throttle']}" if job["throttle"] else ""
        idx = f"_[{ranges([t['index'] for t in pending])}{throttle}]" if job["array"] else ""
        meta = {"state": "PENDING", "exit_code": "0:0"}
        rows.append(row(f"{job['id']}{idx}", str(job["id"]), job["name"], meta, "None assigned"))
    return rows


# ------------------------------------------------------------------------------------ squeue

SQUEUE_DEFAULT = "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R"
SQUEUE_HEADERS = {
    "i": "JOBID", "A": "ARRAY_JOB_ID", "a": "ARRAY_TASK_ID", "P": "PARTITION", "j": "NAME",
    "u": "USER", "t": "ST", "T": "STATE", "M": "TIME", "l": "TIME_LIMIT", "D": "NODES",
    "R": "NODELIST(REASON)", "N": "NODELIST", "C": "CPUS", "r": "REASON",
}  # fmt: skip


def squeue(argv: list[str]) -> int:
    """Jobs still pending or running: one row per running task, an array's pending tasks on
    one row (one each with ``-r``); ``-o`` takes the ``%[.][width]letter`` fields above."""
    opts, operands = parse_options(SQUEUE_OPTIONS, argv, stop_at_operand=False)
    if operands:
        raise UsageError(f"unrecognized argument '{operands[0]}'")
    root = state_root()
    wanted = [w for value in opts.get("jobs", []) for w in value.split(",") if w]
    chosen = find_jobs(root, wanted) if wanted else [(str(j["id"]), j) for j in all_jobs(root)]
    users = {u for v in opts.get("user", []) for u in v.split(",")} | (
        {user()} if "me" in opts else set()
    )
    partitions = {p for v in opts.get("partition", []) for p in v.split(",")}
    states = {s.upper() for v in opts.get("states", []) for s in v.split(",")}
    rows = []
    for name, job in chosen:
        if (users and job["user"] not in users) or (
            partitions and job["partition"] not in partitions
        ):
            continue
        tasks = [t for t in select(job, name) if t["state"] in UNFINISHED]
        running = [t for t in tasks if t["state"] == "RUNNING"]
        pending = [t for t in tasks if t["state"] == "PENDING"]
        for task in running:
            rows.append(squeue_row(job, display_id(job, task), task, NODE))
        limited = job["throttle"] and len(running) >= job["throttle"]
        reason = "(JobArrayTaskLimit)" if limited else "(None)"
        if pending and ("array" in opts or not job["array"]):
            rows += [squeue_row(job, display_id(job, t), t, reason) for t in pending]
        elif pending:
            throttle = f"%{job['throttle']}" if job["throttle"] else ""
            idx = f"{job['id']}_[{ranges([t['index'] for t in pending])}{throttle}]"
            rows.append(squeue_row(job, idx, pending[0], reason))
    rows = [r for r in rows if not states or r["T"] in states or r["t"] in states]
    fmt = last(opts, "format", SQUEUE_DEFAULT)
    spec = re.compile(r"%(\.?)(\d*)([a-zA-Z])")
    for letter in spec.findall(fmt):
        if letter[2] not in SQUEUE_HEADERS:
            raise SlurmError(f"Invalid job format specification: {letter[2]}")

    def render(values: dict[str, str]) -> str:
        def one(m: re.Match) -> str:
            value = values[m[3]]
            if not m[2]:
                return value
            width = int(m[2])
            value = value[:width]
            return value.rjust(width) if m[1] else value.ljust(width)

        return spec.sub(one, fmt).rstrip()

    lines = [] if "noheader" in opts else [render(SQUEUE_HEADERS)]
    print("\n".join(lines + [render(r) for r in rows]))
    return 0


def squeue_row(job: dict, jid: str, task: dict, where: str) -> dict[str, str]:
    limit = job["time_limit_min"]
    used = time.time() - task["start"] if task["start"] else 0
    return {
        "i": jid, "A": str(job["id"]), "a": jid.partition("_")[2] or "N/A",
        "P": job["partition"], "j": job["name"], "u": job["user"],
        "t": {"PENDING": "PD", "RUNNING": "R"}[task["state"]], "T": task["state"],
        "M": short_clock(used),
        "l": "UNLIMITED" if limit is None else clock(limit * 60),
        "D": "1", "R": where, "N": NODE if task["state"] == "RUNNING" else "",
        "C": str(job["ntasks"] * (job["cpus_per_task"] or 1)),
        "r": where.strip("()") if task["state"] == "PENDING" else "None",
    }  # fmt: skip


# ----------------------------------------------------------------------------------- scancel


def scancel(argv: list[str]) -> int:
    """Cancel jobs or array tasks (``N``, ``N_i``): pending ones never start, running ones get
    SIGTERM on their whole process group. With ``--signal``: only send that signal, to the job
    steps (srun, which passes it on), to the batch shell (``-b``) or to everything (``-f``)."""
    opts, ids = parse_options(SCANCEL_OPTIONS, argv, stop_at_operand=False)
    if not ids:
        raise SlurmError("No job identification provided")
    sig = None
    if "signal" in opts:
        name = str(last(opts, "signal")).upper()
        try:
            sig = (
                signal.Signals(int(name))
                if name.isdigit()
                else signal.Signals[name if name.startswith("SIG") else f"SIG{name}"]
            )
        except (KeyError, ValueError) as err:
            raise SlurmError(f"Invalid signal name: {name}") from err
    root = state_root()
    code = 0
    for wanted in ids:
        with locked(root):
            found = find_jobs(root, [wanted])
            if not found or not select(found[0][1], wanted):
                print(
                    f"scancel: error: Kill job error on job id {wanted}: Invalid job id specified",
                    file=sys.stderr,
                )
                code = 1
                continue
            job = found[0][1]
            for task in select(job, wanted):
                if task["state"] not in UNFINISHED:
                    continue
                if sig is None:
                    if task["state"] == "RUNNING":
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(task["pid"], signal.SIGTERM)
                    task.update(state="CANCELLED", exit_code="0:15", end=time.time())
                elif task["state"] == "RUNNING":
                    send(task, sig, batch="batch" in opts, full="full" in opts)
            save_job(root, job)
    return code


def send(task: dict, sig: signal.Signals, *, batch: bool, full: bool) -> None:
    with contextlib.suppress(ProcessLookupError):
        if full:
            os.killpg(task["pid"], sig)
        elif batch:
            os.kill(task["pid"], sig)
        else:
            for step in task["steps"]:
                if step["state"] == "RUNNING":
                    os.kill(step["pid"], sig)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_schedule"]:
        schedule(int(sys.argv[2]))
    else:
        sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))
