"""Local accounts: passwords, invitations, password reset, TOTP, server-side
sessions and the mail that carries links.

Kept light: :mod:`shuzhi.auth` imports :mod:`shuzhi.accounts.sessions` at
start-up, so nothing here may import :mod:`shuzhi.auth`.
"""
