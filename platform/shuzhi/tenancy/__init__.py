"""Tenants, users, memberships, and the isolation that keeps tenants apart."""
