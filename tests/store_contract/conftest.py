"""The ``store`` fixture of the contract suite: one fresh, empty store per test and backend.

Adding a backend is one entry in :data:`BACKENDS`: a name and a function giving the URL
of a fresh, empty database for one test (it may ask ``request`` for session fixtures, such
as a database cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newswatch.store import Store, open_store

Fresh = Callable[[pytest.FixtureRequest, Path], str]

BACKENDS: dict[str, Fresh] = {
    "sqlite": lambda request, tmp_path: f"sqlite:///{tmp_path / 'sub' / 'newswatch.db'}",
    # a fresh database on the session's throwaway cluster (tests/pgcluster.py)
    "postgresql": lambda request, tmp_path: str(request.getfixturevalue("pg_url")),
}


@pytest.fixture(params=sorted(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()
