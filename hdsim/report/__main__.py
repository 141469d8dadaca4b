"""``python -m hdsim.report FOLDER ...``: the same as ``hdsim-report``."""

from hdsim.report.cli import run

if __name__ == "__main__":
    run()
