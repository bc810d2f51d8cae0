"""Shuzhi plugin for 吉县县委组织部's 2018 plan (clauses JX-01..JX-09)."""
