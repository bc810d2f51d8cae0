"""Rectification: 问题/责任/整改 items and their carry-over into next year's report (CO-05)."""
