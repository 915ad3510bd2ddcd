from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from faker import Faker

from tests.mockserver.helpers import Api


@pytest.fixture
def make_api() -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(scenario: str = "happy", seed: int = 0, **config: Any) -> Api:
        api = Api(scenario, seed, **config)
        made.append(api)
        return api

    yield make
    for api in made:
        assert not api.control.errors, f"the mock raised internally: {api.control.errors!r}"
        api.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture
def fake() -> Faker:
    generator = Faker()
    generator.seed_instance(2026)
    return generator
