"""Tests of the suixi plugin."""
