"""Utilities every layer may use: calendar arithmetic and atomic file writing."""
