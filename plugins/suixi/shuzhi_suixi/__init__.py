"""Shuzhi plugin for 遂溪县直工委's 2023 plan (clauses SX-01..SX-14)."""
