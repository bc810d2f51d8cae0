"""Tests of the genhe plugin."""
