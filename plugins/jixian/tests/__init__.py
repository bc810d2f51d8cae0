"""Tests of the jixian plugin."""
