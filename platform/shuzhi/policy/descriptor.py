"""Compatibility names: a policy descriptor is the loaded :class:`Policy` itself."""

from shuzhi.policy.loader import PolicyFileError, load_policy_toml
from shuzhi.policy.model import Policy

PolicyDescriptor = Policy

__all__ = ["Policy", "PolicyDescriptor", "PolicyFileError", "load_policy_toml"]
