"""Experiments at scale: sweeps, designs, aggregation, sensitivity, discovery, target seeking.

A sweep is a Hydra multirun (``hdsim -m +experiment=NAME``); every job runs one (scenario,
levers, design row, replicate) into its own job folder. The modules:

- :mod:`hdsim.experiments.design`: sampled designs (Latin hypercube, Sobol/Saltelli, Morris) and
  how a job picks its row (``experiment.sample_id``);
- :mod:`hdsim.experiments.monitor`: Hydra callback writing job records, error files, progress
  with an ETA and the sweep's wall time and runs per minute;
- :mod:`hdsim.experiments.aggregate`: ``hdsim-aggregate``, the tidy table and the ensemble
  statistics of an experiment folder;
- :mod:`hdsim.experiments.sensitivity`: Sobol and Morris indices with SALib;
- :mod:`hdsim.experiments.discovery`: PRIM scenario discovery;
- :mod:`hdsim.experiments.target`: ``hdsim-target``, the smallest lever intensity that reaches a
  probability of meeting the target.

See ``docs/experiments.md``.
"""
