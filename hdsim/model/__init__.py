"""The Mesa model: ``CountyModel`` and its agents."""
