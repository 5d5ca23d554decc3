"""What the inspector computes itself: sparkline geometry and the tenant handle."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from mockserver.ui.access import mask_key, tenant_handle
from mockserver.ui.snapshot import SPARK_HEIGHT, SPARK_WIDTH, sparkline_points


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=48))
def test_sparkline_points_stay_in_the_box_one_per_hour_higher_for_more(counts):
    points = [tuple(map(float, pair.split(","))) for pair in sparkline_points(counts).split()]
    assert len(points) == len(counts)
    assert all(0 <= x <= SPARK_WIDTH and 0 <= y <= SPARK_HEIGHT for x, y in points)
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    ys = [y for _, y in points]
    peak = max(counts)
    assert all(y == min(ys) for y, count in zip(ys, counts, strict=True) if count == peak)
    ranked = sorted(zip(counts, ys, strict=True))
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(ranked))  # more events, higher


@given(st.text(min_size=1, max_size=200))
def test_masks_and_handles_never_reveal_a_long_key(key):
    handle = tenant_handle(key)
    assert len(handle) == 16
    assert handle == tenant_handle(key)
    if len(key) > 12:
        assert key not in mask_key(key)
