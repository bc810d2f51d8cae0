"""Makes plugins/yongzhou a package so pytest can collect every plugin's tests/test_policy.py in one run."""
