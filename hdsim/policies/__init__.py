"""Policy levers: one module per action of the plan declares its levers (config, names, behaviour).

The registry (:mod:`hdsim.policies.registry`) collects them; :mod:`hdsim.policies.levers`
sets them up in a model; :mod:`hdsim.policies.budget` holds the cost arithmetic.
"""
