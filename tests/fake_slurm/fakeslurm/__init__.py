"""A fake Slurm on one machine, so that submitit's real Slurm executor runs without a cluster.

This package is the logic behind the ``sbatch``, ``sacct``, ``squeue``, ``scancel`` and ``srun``
executables beside it (each a thin wrapper that imports it; standard library only). Modules:
``options`` (getopt_long and the checks of option values), ``state`` (the state folder, its lock,
job records and job ids), ``submit`` (``sbatch`` and the detached scheduler that runs a job's
tasks), ``step`` (``srun``), ``accounting`` (``sacct``, ``squeue``, ``scancel``); ``__main__``
is how sbatch starts the scheduler (``python <this folder> _schedule N``).

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

import sys


class SlurmError(Exception):
    """What a real command prints as ``<prog>: error: <message>`` before exiting 1."""


class UsageError(Exception):
    """A command line getopt_long refuses (printed as ``<prog>: <message>``)."""


def main(prog: str, argv: list[str]) -> int:
    """Run command ``prog`` the way its executable would.

    Args:
        prog: The command's name: ``sbatch``, ``sacct``, ``squeue``, ``scancel`` or ``srun``.
        argv: Its arguments, without the program name.

    Returns:
        The exit status: the command's own, or 1 after printing a refused command line
        (:class:`UsageError`) or a Slurm error (:class:`SlurmError`) on stderr as Slurm does.
    """
    # imported here: the commands' modules import the exceptions above from this package
    from fakeslurm.accounting import sacct, scancel, squeue
    from fakeslurm.step import srun
    from fakeslurm.submit import sbatch

    command = {"sbatch": sbatch, "sacct": sacct, "squeue": squeue, "scancel": scancel}
    command["srun"] = srun
    try:
        return command[prog](argv)
    except UsageError as err:
        print(f'{prog}: {err}\nTry "{prog} --help" for more information', file=sys.stderr)
    except SlurmError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
    return 1
