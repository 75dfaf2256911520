"""Fuzz test of everything a user types (issue 13): mutated scenario files and ``--set``
values must end in a clean error or a clean run. The cases, the oracle and the worker that
runs them are in :mod:`tests.fuzzing`.

The CI set (a few thousand cases, one test each, named ``base:family:value@path``) always
runs. The long set is marked ``slow`` and runs with ``pytest -m slow tests/test_fuzz.py`` or
with ``BUDGETSIM_FUZZ_SLOW=1``, in shards that each list their failing cases. The counts per
outcome are printed at the end of the module; ``python tests/fuzzing.py --count [--slow]``
prints them with a catalogue of the failures, ``--case ID`` reproduces one case.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tests.fuzzing import (
    RESULTS,
    Case,
    Outcome,
    Sandbox,
    base_data,
    bases,
    catalogue,
    dumps,
    generate,
    tally_lines,
)

CI = generate("ci")
SHARDS = 48


@cache
def slow_cases() -> list[Case]:
    ci = {case.id for case in CI}
    return [case for case in generate("slow") if case.id not in ci]


class _Counts:
    """Prints the counts per outcome (and the failures by class) in pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for name, results in RESULTS.items():
            terminalreporter.section(f"fuzz ({name})")
            for line in [*tally_lines(results, name), *catalogue(results)]:
                terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("budgetsim-fuzz-counts"):
        plugins.register(_Counts(), "budgetsim-fuzz-counts")
    box = Sandbox()
    yield box
    box.close()


def explain(case: Case, outcome: Outcome) -> str:
    value = repr(case.value)
    value = value if len(value) <= 200 else value[:197] + "…"
    return (
        f"{case.id}: {outcome.key}\n  value: {value}\n  {outcome.detail}\n"
        f"  reproduce: python tests/fuzzing.py --case '{case.id}'"
    )


def test_the_case_list_is_fixed() -> None:
    again = generate("ci")
    assert [c.id for c in again] == [c.id for c in CI]
    assert len({c.id for c in CI}) == len(CI)
    assert all(repr(a.value) == repr(b.value) for a, b in zip(again, CI, strict=True))


@pytest.mark.parametrize("base", sorted(bases()))
def test_the_writer_round_trips(base: str) -> None:
    data = base_data(base)
    assert tomllib.loads(dumps(data)) == data


@pytest.mark.parametrize("case", CI, ids=[case.id for case in CI])
def test_fuzz(case: Case, sandbox: Sandbox) -> None:
    outcome = sandbox.run(case)
    RESULTS.setdefault("ci", []).append((case, outcome))
    assert outcome.kind != "failure", explain(case, outcome)


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzz_slow(shard: int, sandbox: Sandbox, request: pytest.FixtureRequest) -> None:
    if not (os.environ.get("BUDGETSIM_FUZZ_SLOW") or request.config.option.markexpr == "slow"):
        pytest.skip("the long fuzz set: pytest -m slow, or BUDGETSIM_FUZZ_SLOW=1")
    results = [(case, sandbox.run(case)) for case in slow_cases()[shard::SHARDS]]
    RESULTS.setdefault("slow", []).extend(results)
    failures = [explain(case, outcome) for case, outcome in results if outcome.kind == "failure"]
    assert not failures, f"{len(failures)} of {len(results)} cases fail:\n" + "\n".join(failures)
