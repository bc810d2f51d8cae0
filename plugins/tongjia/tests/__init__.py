"""Tests of the tongjia plugin."""
