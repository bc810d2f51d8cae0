"""Shuzhi plugin for 童家镇党委's 2023 plan (clauses TJ-01..TJ-13)."""
