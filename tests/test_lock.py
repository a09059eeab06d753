"""The lock files pin every dependency pyproject.toml declares, at a version it allows."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (REPO / name).read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


def declared(*, dev: bool) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    found = project["dependencies"] + (project["optional-dependencies"]["dev"] if dev else [])
    return [Requirement(line) for line in found]


@pytest.mark.parametrize(
    ("lock", "dev"), [("requirements.lock", False), ("requirements-dev.lock", True)]
)
def test_every_declared_dependency_is_pinned_at_a_version_it_allows(lock, dev):
    pinned = pins(lock)
    for requirement in declared(dev=dev):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {requirement.name} {pinned[name]}, outside {requirement.specifier}:"
            " run `make lock`"
        )


def test_the_deployment_and_the_tests_run_the_same_versions():
    deployed, tested = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: tested.get(name) for name in deployed} == deployed


def test_every_line_of_a_lock_is_an_exact_pin():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        for line in (REPO / lock).read_text().splitlines():
            if line and not line.startswith(("#", " ")):
                assert PIN.match(line), f"{lock}: {line!r} is not pinned with =="
