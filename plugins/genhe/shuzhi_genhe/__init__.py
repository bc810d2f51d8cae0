"""Shuzhi plugin for 根河市市场监督管理局党总支's 2023 plan (clauses GH-01..GH-11)."""
