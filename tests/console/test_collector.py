"""The console's garbage-collector policy: applied once while the app runs, and undone after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from console.collector import FULL_AFTER, CollectorPolicy


@pytest.fixture
def threshold() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)
    gc.unfreeze()


def test_apply_freezes_what_exists_and_spaces_out_full_collections(threshold: tuple[int, int, int]) -> None:
    kept = [object() for _ in range(10)]
    policy = CollectorPolicy()
    policy.apply()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == (threshold[0], threshold[1], FULL_AFTER)
    policy.apply()  # twice is once: restore still gives back the thresholds from before
    policy.restore()
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0


def test_restore_without_apply_changes_nothing(threshold: tuple[int, int, int]) -> None:
    gc.set_threshold(700, 10, 10)
    CollectorPolicy().restore()
    assert gc.get_threshold() == (700, 10, 10)
