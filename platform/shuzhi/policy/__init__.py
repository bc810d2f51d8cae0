"""Policies: what a jurisdiction's plan declares, and (later) the rules engine."""
