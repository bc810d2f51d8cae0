"""Password hashing (argon2id) and the password policy, with Chinese messages."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

MIN_LENGTH = 10
#: argon2 hashes whatever it gets; a cap keeps a megabyte "password" from costing CPU.
MAX_LENGTH = 128

#: argon2-cffi's defaults (RFC 9106 "low memory": 64 MiB, 3 passes, argon2id).
_hasher = PasswordHasher()

#: A verify against this hash makes an unknown user cost the same time as a known one.
_DUMMY_HASH = _hasher.hash("shuzhi-dummy-password-for-timing")

#: Passwords long enough for the rule yet guessed first by anyone.
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "9876543210",
        "1111111111",
        "0000000000",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwertyuiop123",
        "1q2w3e4r5t",
        "abcdefghij",
        "abcd123456",
        "abc1234567",
        "a123456789",
        "aa12345678",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "woaini1314",
        "woaini520",
        "5201314520",
        "admin12345",
        "admin123456",
        "administrator",
        "shuzhi12345",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an absent hash still costs one verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Everything wrong with a new password, in the user's language (empty: fine)."""
    errors: list[str] = []
    if len(password) < MIN_LENGTH:
        errors.append(_("密码至少需要 %(n)s 个字符。", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        errors.append(_("密码不能超过 %(n)s 个字符。", n=MAX_LENGTH))
    name = username.strip().casefold()
    if name and (password.casefold() == name or (len(name) >= 3 and name in password.casefold())):
        errors.append(_("密码不能与用户名相同，也不能包含用户名。"))
    if password.casefold() in _COMMON or len(set(password)) <= 2:
        errors.append(_("这个密码太常见或太简单，请换一个不易被猜到的密码。"))
    return errors
