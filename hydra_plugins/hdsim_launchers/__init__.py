"""hdsim's Hydra launcher plugins (found by Hydra's plugin scan of ``hydra_plugins``)."""
