"""Calibration and validation of hdsim's behaviour against a county's observed figures.

- :mod:`~hdsim.calibration.targets`: the observed figures (``targets.csv``), the statistics a
  run is compared on, and the distance;
- :mod:`~hdsim.calibration.priors`: priors of the free behavioural parameters (``priors.csv``);
- :mod:`~hdsim.calibration.simulator`: running candidate parameter sets;
- :mod:`~hdsim.calibration.smc`: approximate Bayesian computation by sequential Monte Carlo;
- :mod:`~hdsim.calibration.posterior`: the stored posterior, and the hook through which every
  scenario run draws its behaviour from it;
- :mod:`~hdsim.calibration.backtest`: hold-out prediction and predictive checks;
- :mod:`~hdsim.calibration.comparators`: linear, logistic and UN URGD extrapolations;
- :mod:`~hdsim.calibration.identifiability`: prior versus posterior widths;
- :mod:`~hdsim.calibration.report`, :mod:`~hdsim.calibration.pipeline`,
  :mod:`~hdsim.calibration.cli`: the ``hdsim-calibrate`` command.

Nothing is imported here: ``hdsim.run`` imports the posterior hook, and the pipeline imports
``hdsim.run``, so eager imports would be circular. See ``docs/calibration.md``.
"""
