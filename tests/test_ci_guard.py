"""The CI guard: a missing model or data set is a skip on a laptop and a failure in CI."""

from __future__ import annotations

import pytest

from tests.conftest import need


def test_missing_thing_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        need(False, "a model")


def test_missing_thing_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        need(False, "a model")


def test_present_thing_passes(monkeypatch):
    monkeypatch.setenv("CI", "true")
    need(True, "a model")
