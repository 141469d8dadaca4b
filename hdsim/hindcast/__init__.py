"""The 2010 -> 2020 hindcast: the model started at the 2010 census, scored on the 2020 census.

``figures`` says what is fitted (figures independent of the 2020 census) and what is held out,
``benchmarks`` the simple methods run beside the model, ``scoring`` the interval, coverage and
CRPS, ``pipeline`` one county's runs and scores, ``cli`` the ``hdsim-hindcast`` command that
writes ``hindcast.csv`` and the table of ``docs/validation.md``.
"""
