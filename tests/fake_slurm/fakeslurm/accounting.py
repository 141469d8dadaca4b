"""``sacct``, ``squeue`` and ``scancel``: what the controller knows of jobs, and cancelling them.

``sacct`` prints accounting rows (every job, finished ones too, with their ``.batch`` and srun
steps), ``squeue`` the jobs still pending or running, both in Slurm's layouts (fixed-width
tables, ``--parsable2``, ``-o`` formats), which submitit parses. ``scancel`` cancels jobs or
array tasks, or with ``--signal`` only signals them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time

from fakeslurm import SlurmError, UsageError
from fakeslurm.options import (
    SACCT_OPTIONS,
    SCANCEL_OPTIONS,
    SQUEUE_OPTIONS,
    last,
    parse_options,
    ranges,
)
from fakeslurm.state import (
    NODE,
    UNFINISHED,
    all_jobs,
    display_id,
    find_jobs,
    locked,
    save_job,
    select,
    state_root,
    user,
)

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
    """Print accounting rows of the jobs ``-j`` names (default: every job).

    An array's pending part is collapsed (``N_[2-9%2]``), one row per started task, and below it
    its ``.batch`` step and its srun steps (``N_i.0``) unless ``-X``.

    Args:
        argv: sacct's arguments (options only).

    Returns:
        0.

    Raises:
        UsageError: An operand or a refused option.
        SlurmError: An unknown field in ``--format``.
    """
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
    """Sacct's fixed-width line: JobID to the left, the rest to the right, too long: ``+``."""
    cells = []
    for i, (label, width) in enumerate(fields):
        value = row[label] if len(row[label]) <= width else row[label][: width - 1] + "+"
        cells.append(value.ljust(width) if i == 0 else value.rjust(width))
    return " ".join(cells)


def stamp(t: float | None) -> str:
    """A time as sacct prints it (``2024-01-31T12:00:00``), ``Unknown`` if there is none."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) if t else "Unknown"


def clock(seconds: float) -> str:
    """A duration as sacct's Elapsed: ``01:02:03``, ``2-01:02:03``."""
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hms = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{hms}" if days else hms


def short_clock(seconds: float) -> str:
    """A duration as squeue's TIME: ``0:05``, ``1:02:03``, ``2-01:02:03``."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    clock_ = (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )
    return f"{days}-{clock(rest + hours * 3600)}" if days else clock_


def state_label(job: dict, state: str) -> str:
    """A state as sacct prints it (``CANCELLED by UID``)."""
    return f"CANCELLED by {job['uid']}" if state == "CANCELLED" else state


def sacct_rows(job: dict, tasks: list[dict], *, steps: bool) -> list[dict[str, str]]:
    """The sacct rows of ``tasks`` of ``job``, ``{field label: value}``.

    Args:
        job: The job's record.
        tasks: Its tasks to show.
        steps: Also the ``.batch`` step and the srun steps under each started task.
    """
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
    """Print the jobs still pending or running.

    One row per running task, an array's pending tasks on one row (one each with ``-r``);
    ``-o`` takes the ``%[.][width]letter`` fields of ``SQUEUE_HEADERS``.

    Args:
        argv: squeue's arguments (options only).

    Returns:
        0.

    Raises:
        UsageError: An operand or a refused option.
        SlurmError: An unknown field in ``--format``.
    """
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
        def one(m: re.Match[str]) -> str:
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
    """A squeue row, ``{format letter: value}``, for task ``task`` shown as ``jid``.

    Args:
        job: The job's record.
        jid: The id to show (``N``, ``N_i`` or ``N_[a-b%p]``).
        task: The task (the first pending one for a collapsed row).
        where: NODELIST(REASON): the node, or the reason a task is pending.
    """
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
    """Cancel jobs or array tasks (``N``, ``N_i``).

    Pending ones never start, running ones get SIGTERM on their whole process group. With
    ``--signal``: only send that signal, to the job steps (srun, which passes it on), to the
    batch shell (``-b``) or to everything (``-f``).

    Args:
        argv: scancel's arguments: options and the ids.

    Returns:
        0, or 1 if an id named no job (after a message on stderr, the other ids still done).

    Raises:
        SlurmError: No id, or an invalid signal name.
    """
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
    """Send ``sig`` to a running task's srun steps, or its batch shell, or its process group."""
    with contextlib.suppress(ProcessLookupError):
        if full:
            os.killpg(task["pid"], sig)
        elif batch:
            os.kill(task["pid"], sig)
        else:
            for step in task["steps"]:
                if step["state"] == "RUNNING":
                    os.kill(step["pid"], sig)
