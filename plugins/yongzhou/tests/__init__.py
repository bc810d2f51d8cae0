"""Tests of the yongzhou plugin."""
