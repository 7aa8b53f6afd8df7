"""A lockout a service keeps itself (a count of failed sign-ins against a maximum, the account then blocked) protects
its sign-in against brute force, not its sign-up (``code_routes._counted_lockout``)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import import_paths
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_APP = """
    from flask import Flask, request
    from accounts import sign_in, sign_up

    app = Flask(__name__)

    @app.route("/session/login", methods=["POST"])
    def login():
        return sign_in(request.json["email"], request.json["password"])

    @app.route("/session/register", methods=["POST"])
    def register():
        return sign_up(request.json["email"], request.json["password"])
    """

_ACCOUNTS = """
    MAX_LOGIN_ATTEMPTS = 5

    def sign_in(email, password):
        user = users.find(email)
        if user.failed_logins >= MAX_LOGIN_ATTEMPTS:
            raise AccountLocked(email)
        if not check(password, user.password_hash):
            users.bump(email, "failed_logins")
            raise WrongPassword()
        return token_for(user)

    def sign_up(email, password):
        return users.insert(email, hash_password(password))
    """

_E2E = """
    const MAX_LOGIN_ATTEMPTS = 5;
    it('blocks the account after the failed logins', async () => {
      for (let i = 0; i < MAX_LOGIN_ATTEMPTS; i++) await failedLogin();
      expect(await login()).toEqual('locked');
    });
    """


def _design(root: str, accounts: str | None) -> Any:
    write(root, "shop/app.py", _APP)
    if accounts is not None:
        write(root, "shop/accounts.py", accounts)
    write(root, "shop/e2e/login.e2e.ts", _E2E)
    return load_documents(import_paths("source", [os.path.join(root, "shop")], service="shop"))


def test_a_counted_lockout_protects_the_sign_in_and_not_the_sign_up(tmp_path: Any) -> None:
    design = _design(str(tmp_path), _ACCOUNTS)
    login = fact(design, "endpoint:shop-POST-/session/login")
    assert login.data["auth_flow"] is True and login.data["brute_force_protection"] is True
    where = login.locate("brute_force_protection")
    assert where.file.endswith("accounts.py") and where.line == 1  # MAX_LOGIN_ATTEMPTS
    register = fact(design, "endpoint:shop-POST-/session/register").data
    assert register["auth_flow"] is True and "brute_force_protection" not in register


def test_what_a_test_names_or_a_maximum_without_a_lock_says_nothing(tmp_path: Any) -> None:
    design = _design(os.path.join(str(tmp_path), "a"), None)  # only the end-to-end test names the lockout
    assert "brute_force_protection" not in fact(design, "endpoint:shop-POST-/session/login").data
    no_lock = _ACCOUNTS.replace("raise AccountLocked(email)", "return None")
    design = _design(os.path.join(str(tmp_path), "b"), no_lock)
    assert "brute_force_protection" not in fact(design, "endpoint:shop-POST-/session/login").data


_PREFIXED = """
    from config import settings

    def sign_in(email, password):
        user = users.find(email)
        if user.login_attempts >= settings.SECURITY_MAX_LOGIN_ATTEMPTS or user.is_locked:
            raise AccountLocked(email)
        if not check(password, user.password_hash):
            user.login_attempts += 1
            users.save(user)
            return None
        return token_for(user)

    def sign_up(email, password):
        return users.insert(email, hash_password(password))
    """


def test_a_setting_s_prefixed_maximum_and_an_incremented_sign_in_counter_are_a_lockout(tmp_path: Any) -> None:
    """``SECURITY_MAX_LOGIN_ATTEMPTS`` (a maximum after a setting's prefix) against ``login_attempts += 1`` (a
    sign-in's counter incremented), the account refused when locked: the sign-in is protected, the sign-up is not;
    without the increment, or without the lock, nothing is said."""
    design = _design(os.path.join(str(tmp_path), "a"), _PREFIXED)
    login = fact(design, "endpoint:shop-POST-/session/login").data
    assert login["brute_force_protection"] is True
    assert "brute_force_protection" not in fact(design, "endpoint:shop-POST-/session/register").data
    uncounted = _PREFIXED.replace("user.login_attempts += 1", "audit(user)")
    design = _design(os.path.join(str(tmp_path), "b"), uncounted)
    assert "brute_force_protection" not in fact(design, "endpoint:shop-POST-/session/login").data
    unlocked = _PREFIXED.replace(" or user.is_locked", "").replace("AccountLocked", "TooMany")
    design = _design(os.path.join(str(tmp_path), "c"), unlocked)
    assert "brute_force_protection" not in fact(design, "endpoint:shop-POST-/session/login").data
