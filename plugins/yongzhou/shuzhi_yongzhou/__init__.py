"""Shuzhi plugin for 永州市直工委's 2020 plan (clauses YZ-01..YZ-14)."""
