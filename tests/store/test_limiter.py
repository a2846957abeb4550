"""The adaptive concurrency rules (bulkio.store.limiter), as pure functions of what they are fed.

A model store with ``workers`` PHP workers answers a window at limit L with throughput
``min(L, workers)`` (requests beyond the workers queue: latency grows, throughput does not).
"""

from __future__ import annotations

import random
import threading

import pytest

from bulkio.store.limiter import ConcurrencyController, ConcurrencyLimiter, Window


def queueing_window(limit: int, workers: int, rng: random.Random, noise: float = 0.03) -> Window:
    throughput = min(limit, workers) * (1 + rng.uniform(-noise, noise))
    latency = limit / throughput  # seconds per request, service time 1 s per request
    return Window(items=limit * 4, seconds=limit * 4 / throughput, latency=latency)


def settle(controller: ConcurrencyController, workers: int, windows: int = 40) -> list[int]:
    rng = random.Random(workers)
    seen = []
    for _ in range(windows):
        seen.append(controller.limit)
        controller.on_window(queueing_window(controller.limit, workers, rng))
    return seen


@pytest.mark.parametrize("workers", [1, 2, 4, 8, 16])
def test_settles_at_the_hosts_workers(workers: int) -> None:
    seen = settle(ConcurrencyController(maximum=16), workers)
    later = seen[10:]
    # Mostly at the knee; probes go one step either way and come back.
    assert sum(1 for limit in later if limit == workers) >= len(later) * 0.6, seen
    assert all(abs(limit - workers) <= 1 for limit in later), seen
    throughput = sum(min(limit, workers) for limit in later) / (len(later) * workers)
    assert throughput >= 0.95, seen


def test_reaches_a_big_host_within_three_windows() -> None:
    seen = settle(ConcurrencyController(maximum=16), 16, windows=4)
    assert seen[:4] == [4, 8, 16, 16]


def test_never_above_the_maximum_nor_below_one() -> None:
    controller = ConcurrencyController(maximum=6)
    seen = settle(controller, 32)
    assert max(seen) == 6 and seen[-10:].count(6) >= 7
    for _ in range(10):
        controller.on_overload()
    assert controller.limit == 1
    assert ConcurrencyController(maximum=2).limit == 2  # starts at 4, capped


def test_an_overload_halves_and_holds_before_probing_again() -> None:
    controller = ConcurrencyController(maximum=16)
    settle(controller, 16, windows=6)
    assert controller.limit == 16
    assert controller.on_overload() == 8
    rng = random.Random(1)
    held = [controller.on_window(queueing_window(8, 16, rng)) for _ in range(controller.hold + 1)]
    assert held[: controller.hold] == [8] * controller.hold  # measured first, then held
    assert held[-1] == 9 or held[-1] == 7  # then one probe step


def test_windows_with_less_work_than_the_limit_teach_nothing() -> None:
    controller = ConcurrencyController(maximum=16)
    for _ in range(5):
        assert controller.on_window(Window(items=1, seconds=10.0, latency=1, utilisation=0.3)) == 4


def test_a_latency_spike_with_falling_throughput_backs_off() -> None:
    controller = ConcurrencyController(maximum=8, initial=8)
    assert controller.on_window(Window(items=80, seconds=10, latency=1.0)) == 8  # base
    assert controller.on_window(Window(items=30, seconds=10, latency=2.5)) == 6
    assert controller.reason == "latency spike"


def test_latency_that_rises_with_throughput_is_no_spike() -> None:
    controller = ConcurrencyController(maximum=8, initial=8)
    controller.on_window(Window(items=80, seconds=10, latency=1.0))
    assert controller.on_window(Window(items=78, seconds=10, latency=2.5)) == 8


def test_a_fixed_limiter_never_moves() -> None:
    limiter = ConcurrencyLimiter(fixed=3)
    tickets = [limiter.acquire() for _ in range(3)]
    for ticket in tickets:
        limiter.release(ticket, overloaded=True)
    assert limiter.limit == 3 and not limiter.adaptive


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_burst_of_refusals_halves_once() -> None:
    clock = FakeClock()
    limiter = ConcurrencyLimiter(ConcurrencyController(maximum=16), clock=clock)
    tickets = [limiter.acquire() for _ in range(4)]
    clock.now = 1.0
    for ticket in tickets:  # all four sent under the limit of 4, all refused
        limiter.release(ticket, overloaded=True)
    assert limiter.limit == 2 and limiter.overloads == 4
    ticket = limiter.acquire()  # sent under the new limit: a refusal now counts again
    limiter.release(ticket, overloaded=True)
    assert limiter.limit == 1
    assert [change[1] for change in limiter.history] == [4, 2, 1]


def test_the_limiter_measures_windows_from_requests_sent_after_a_change() -> None:
    clock = FakeClock()
    limiter = ConcurrencyLimiter(ConcurrencyController(maximum=16), clock=clock)
    for round_ in range(1, 4):  # a host with room for all: each round doubles
        width = limiter.limit
        tickets = [limiter.acquire() for _ in range(width)]
        clock.now += 1.0
        for ticket in tickets:
            limiter.release(ticket, items=100)
        assert limiter.limit == min(16, 4 * 2**round_)
    assert limiter.peak == 16


def test_acquire_blocks_at_the_limit() -> None:
    limiter = ConcurrencyLimiter(fixed=1)
    first = limiter.acquire()
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(limiter.acquire()))
    thread.start()
    thread.join(0.1)
    assert thread.is_alive() and not got
    limiter.release(first)
    thread.join(2)
    assert got and limiter.in_flight == 1


def test_a_doubling_that_gains_a_little_is_kept_and_ends_the_doubling() -> None:
    controller = ConcurrencyController(maximum=16)
    assert controller.on_window(Window(items=400, seconds=10, latency=1.0)) == 8
    assert controller.on_window(Window(items=428, seconds=10, latency=1.9)) == 8  # +7 %
    assert controller.reason == "start: doubling gave a little"
    assert not controller.starting


def test_a_doubling_that_gains_nothing_is_undone_and_halving_is_tried() -> None:
    controller = ConcurrencyController(maximum=16)
    controller.on_window(Window(items=400, seconds=10, latency=1.0))
    assert controller.on_window(Window(items=404, seconds=10, latency=2.0)) == 2
    # No loss at 2: kept, and the halving stops there (HALVING_FLOOR); 1 only by a later
    # probe one step down that costs nothing.
    assert controller.on_window(Window(items=398, seconds=10, latency=0.5)) == 2
    assert controller.reason == "probe down kept"
    loses = ConcurrencyController(maximum=16)
    loses.on_window(Window(items=400, seconds=10, latency=1.0))
    assert loses.on_window(Window(items=404, seconds=10, latency=2.0)) == 2
    assert loses.on_window(Window(items=200, seconds=10, latency=0.5)) == 4  # loss: back


def test_an_answer_slower_than_half_the_timeout_counts_as_an_overload() -> None:
    clock = FakeClock()
    limiter = ConcurrencyLimiter(ConcurrencyController(maximum=16), clock=clock, slow=30.0)
    tickets = [limiter.acquire() for _ in range(4)]
    clock.now = 31.0
    limiter.release(tickets[0], items=100)
    assert limiter.limit == 2 and limiter.history[-1][2] == "overload"


def test_no_step_up_that_would_bring_answers_near_the_timeout() -> None:
    """WooCommerce 7.9 on 2 cores: batches of 100 take 30 s at 4 in flight; doubling would
    take them to ~60 s, the client's timeout. With a cap of 30 s the limit holds at 4."""
    slow_store = ConcurrencyController(maximum=16, latency_cap=30.0)
    assert slow_store.on_window(Window(items=400, seconds=32, latency=31.0)) == 4
    assert slow_store.reason == "step up would near the timeout"
    for _ in range(10):  # later probes up are refused too, probes down still happen
        assert slow_store.on_window(Window(items=400, seconds=32, latency=31.0)) <= 4
    quick_store = ConcurrencyController(maximum=16, latency_cap=30.0)
    assert quick_store.on_window(Window(items=400, seconds=11, latency=11.0)) == 8
    # 8 paid (+46 %); 16 would make ~28 s answers: still inside the cap.
    assert quick_store.on_window(Window(items=800, seconds=15, latency=14.0)) == 16
    middle_store = ConcurrencyController(maximum=16, latency_cap=30.0)
    assert middle_store.on_window(Window(items=400, seconds=11, latency=11.0)) == 8
    # 8 paid, but 16 would make ~34 s answers: it keeps 8.
    assert middle_store.on_window(Window(items=800, seconds=17, latency=17.0)) == 8
    assert middle_store.reason == "step up would near the timeout"


def test_probes_thin_out_at_the_knee() -> None:
    """At the host's workers every probe costs (down: less throughput; up: only queueing), so
    the hold between probes doubles after each one that did not pay: over 120 windows on a
    4-worker host fewer than one window in twelve is spent off the knee after the start."""
    controller = ConcurrencyController(maximum=16)
    seen = settle(controller, 4, windows=120)
    off = sum(1 for limit in seen[10:] if limit != 4)
    assert off <= len(seen[10:]) / 12, seen
    assert controller.patience > controller.hold


def test_a_probe_that_pays_brings_probing_back_to_its_pace() -> None:
    controller = ConcurrencyController(maximum=16)
    settle(controller, 4, windows=60)
    assert controller.patience > controller.hold
    settle(controller, 8, windows=80)  # the host got bigger (more workers, less traffic)
    assert controller.limit >= 7


def test_the_start_does_not_halve_below_two() -> None:
    """On the real 2-core stores (bench/RESULTS.md) the start went 4 → 8 → 2 → 1: throughput
    was the same at every setting within the machine's noise, so each halving was kept. With
    one request in flight the store idles through every round trip; the halving stops at 2."""
    flat = ConcurrencyController(maximum=16)
    seen = []
    for _ in range(4):
        seen.append(flat.limit)
        flat.on_window(Window(items=100, seconds=10, latency=1.0))
    assert seen[:3] == [4, 8, 2] and flat.limit == 2, seen
