"""County folders from the census: the shipped tables and the scaffold behind ``hdsim-county``.

:mod:`hdsim.county.census` reads the census tables shipped in ``tables/``;
:mod:`hdsim.county.scaffold` writes a complete county folder for any county code from them;
:mod:`hdsim.county.cli` is the ``hdsim-county init`` command.
"""
