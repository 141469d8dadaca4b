"""Command lines as the Slurm commands read them, and the checks of option values.

Each command's options are a table ``{long name: (short letter or None, argument)}``, the
argument ``REQ`` (required), ``NONE`` or ``OPT`` (optional, only as ``--name=value``), parsed
by :func:`parse_options` like getopt_long: a refused command line is a :class:`UsageError`.
The value checks (counts, times, memory sizes, array specifications) raise :class:`SlurmError`
with the message the controller or the command would print; :func:`expand` fills in the output
file name patterns.
"""

from __future__ import annotations

import re
from typing import Any

from fakeslurm import SlurmError, UsageError

MAX_ARRAY_SIZE = 1001  # Slurm's default MaxArraySize

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
    """Parse ``argv`` as getopt_long does.

    Long options, unique prefixes of them, ``--opt=v`` or ``--opt v``, short clusters (``-vv``,
    ``-pdebug``), ``--`` ending the options.

    Args:
        table: The command's options, ``{long name: (short letter or None, argument)}``.
        argv: The arguments.
        stop_at_operand: Leave the first operand and all after it alone (sbatch's script and its
            arguments, srun's command); otherwise options and operands may mix (GNU permutation).

    Returns:
        ``{long name: [values]}`` (``True`` for an option given without a value) and the operands.

    Raises:
        UsageError: An unknown or ambiguous option, a missing or unexpected argument.
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


def last(opts: dict[str, list], name: str, default: Any = None) -> Any:
    """The value of the last ``--name`` given, as a real command keeps it (else ``default``)."""
    return opts[name][-1] if name in opts else default


def positive(opts: dict[str, list], name: str, default: int) -> int:
    """The count ``--name`` gives (the minimum of ``min-max``), else ``default``.

    Raises:
        SlurmError: The value is not a positive integer.
    """
    value = str(last(opts, name, default))
    low = value.split("-", 1)[0]  # --nodes=min-max: the minimum is what a job gets here
    if not low.isdigit() or int(low) < 1:
        raise SlurmError(f"Invalid --{name} specification")
    return int(low)


def minutes(value: str) -> int | None:
    """Minutes in one of Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.

    Seconds round up to a minute; ``UNLIMITED`` (or ``INFINITE``) is None.

    Raises:
        SlurmError: Not a time.
    """
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
    """Megabytes in a memory size (``500``, ``4G``, ``512MB``; at least 1) given as ``--name``.

    Raises:
        SlurmError: Not a memory size.
    """
    match = re.fullmatch(r"(\d+)([KMGT]?)B?", value, re.IGNORECASE)
    if not match:
        raise SlurmError(f"Invalid --{name} specification")
    scale = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[match[2].upper()]
    return max(1, int(int(match[1]) * scale))


def parse_array(spec: str) -> tuple[list[int], int | None]:
    """The task indices and the throttle of an ``--array`` specification.

    ``0-9``, ``1,3,5-7``, ``0-15:4``, each optionally ``%p`` (at most p tasks at once).

    Returns:
        The sorted indices and ``p`` (None without ``%p``).

    Raises:
        SlurmError: An invalid specification, an index of ``MAX_ARRAY_SIZE`` or more, or ``%0``.
    """
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
    """Fill in Slurm's file name patterns in ``pattern``.

    %A %a %j %J %N %n %s %t %u %x and %%, with a width (``%4a`` pads a number with zeros).

    Args:
        pattern: A ``--output`` or ``--error`` value.
        values: What each letter stands for (``{"j": "123", ...}``).
    """

    def one(match: re.Match[str]) -> str:
        width, key = match[1], match[2]
        value = "%" if key == "%" else values[key]
        return value.zfill(int(width)) if width and value.isdigit() else value

    return re.sub(r"%(\d*)([%AajJNnstux])", one, pattern)
