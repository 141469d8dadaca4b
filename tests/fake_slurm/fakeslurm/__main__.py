"""The fake Slurm run as a program: how sbatch starts the detached scheduler of a job.

``sbatch`` runs ``python <this package's folder> _schedule N`` in a new session: the process
that starts job ``N``'s tasks and records how they end (see :func:`fakeslurm.submit.schedule`).
Run with any other first argument, it is the command named like the program
(``main(basename(argv[0]), argv[1:])``), as the single-module fake was.
"""

from __future__ import annotations

import os
import sys

if not __package__:  # run as a folder: the package's parent must be on sys.path, not the folder
    _here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _here]
    sys.path.insert(0, os.path.dirname(_here))

from fakeslurm import main
from fakeslurm.submit import schedule

if __name__ == "__main__":
    if sys.argv[1:2] == ["_schedule"]:
        schedule(int(sys.argv[2]))
    else:
        sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))
