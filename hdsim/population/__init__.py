"""Synthetic population: columnar person and household tables built from census marginals."""
