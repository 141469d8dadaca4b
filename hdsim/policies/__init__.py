"""Policy levers switched on through Mesa's event scheduling."""

from hdsim.policies.levers import LEVERS, Policy, PolicyState, build_policies

__all__ = ["LEVERS", "Policy", "PolicyState", "build_policies"]
