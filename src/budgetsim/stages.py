"""The stages of a chunk of draws: sample, entitle, pay.

A chunk of draws goes through three steps, each taking the previous one's output:

1. **sample** (:func:`sample`): every population the plan needs, from its own random stream
   per draw (:mod:`budgetsim.population`);
2. **entitle** (:func:`entitle`): each programme's entitlements over its population's cohort
   (instruments, eligibility, the no-double-dipping limits);
3. **pay** (:func:`pay_year`): rationing against the money of each fund, year after year
   (:func:`budgetsim.funds.fund_year`), recording the per-draw metrics.

:func:`run_chunk` runs them for one or more plans over the same draws. A batch of plans (the
variants of one scenario) shares what it can: a population whose specification is the same as
in the first plan is sampled once, and an entitlement whose inputs are unchanged is computed
once. Since every population has its own stream per draw, a variant that re-samples one
population gets exactly the applicants a separate run would: each plan's results are
bit-identical to those of :func:`budgetsim.simulate` on that plan alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from budgetsim._allocator import tuned_allocator
from budgetsim.errors import SimulationError
from budgetsim.funds import fund_year
from budgetsim.instruments import Inputs, entitlement, recovered_share
from budgetsim.limits import apply_limit
from budgetsim.population import Cohort, draw_cohorts
from budgetsim.rationing import RATIONING, Claims
from budgetsim.results import BY_MONTH, METRICS, MONTHLY, MONTHLY_DEMAND, OPTIONAL_METRICS
from budgetsim.riskfund import simulate_riskfund
from budgetsim.scenario import Plan
from budgetsim.scenario.compile import ProgrammePlan
from budgetsim.streams import stream, stream_key
from budgetsim.targets import TargetPlan, simulate_target

__all__ = [
    "ChunkResult",
    "ChunkTask",
    "Entitled",
    "PlanKeys",
    "Sample",
    "entitle",
    "keys_of",
    "metric_types",
    "run_chunk",
    "sample",
]

Floats = NDArray[np.float64]
#: A programme-year's entitlements [unit] and the share of each payment expected back.
Entitlement = tuple[Floats, Floats | None]


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of draws for one or more plans: what :func:`run_chunk` needs, picklable.

    Attributes
    ----------
    plans
        The compiled plans; the first is the reference the others share samples with.
    entropy
        The root entropy of the run's seed.
    start, stop
        Global draw indices ``start … stop − 1``.
    monthly
        Also record payments by arrival month.
    chain
        Each plan shares with the plan before it (not with the first): for a sequence of
        plans that each change one number, such as a Morris trajectory.
    """

    plans: tuple[Plan, ...]
    entropy: int
    start: int
    stop: int
    monthly: bool = False
    chain: bool = False

    @property
    def draws(self) -> range:
        """The global draw indices of the chunk."""
        return range(self.start, self.stop)


@dataclass(frozen=True)
class ChunkResult:
    """One plan's per-draw outcomes over a chunk.

    ``metrics`` are shaped (draws, programmes, years); ``fund_totals`` (draws, funds) holds each
    fund's multi-year total; ``riskfunds`` and ``targets`` hold each one's arrays by name.
    """

    metrics: dict[str, NDArray[np.generic]]
    fund_totals: Floats
    riskfunds: dict[str, dict[str, NDArray[Any]]]
    targets: dict[str, dict[str, NDArray[Any]]]


@dataclass
class Sample:
    """The cohorts of every sampled population over a chunk: ``cohorts[pop][year]``.

    A sample made for the first plan of a batch also keeps, by their inputs, the entitlements
    and claims computed on it (``store``), so that the other plans of the batch reuse them.
    """

    cohorts: dict[str, list[Cohort]]
    #: Population keys (:class:`PlanKeys`), by id, as sampled.
    specs: dict[str, Any]
    #: Populations whose cohorts are the reference plan's (shared, not re-sampled).
    shared: frozenset[str] = frozenset()
    #: Entitlements and claims computed on shared cohorts, by programme inputs and year.
    cache: dict[Any, Any] = field(default_factory=dict)
    #: Whether what is computed on this sample is kept in ``cache`` for other plans.
    store: bool = True
    #: Programmes whose entitlements the reference plan's limits changed: never the same as
    #: its.
    limited: frozenset[str] = frozenset()
    #: Programmes whose entitlements this sample's own plan's limits change.
    own_limited: frozenset[str] = frozenset()
    #: Cache entries the reference plan itself used: a programme whose inputs match one of
    #: them has the reference plan's results (an older entry of a chain may match the
    #: inputs but not the reference plan's results).
    inherited: frozenset[Any] = frozenset()
    #: The cache keys of this sample's own plan (every programme and year).
    own_keys: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class PlanKeys:
    """What each part of a plan depends on, as text that compares cheaply and exactly.

    Two plans of a batch share a population, an entitlement, a fund's results, a reserve fund
    or a target exactly when these keys are equal; they are worked out once per plan.
    """

    populations: dict[str, str]
    programmes: tuple[str, ...]
    funds: tuple[str, ...]
    riskfunds: dict[str, str]
    targets: dict[str, str]

    @classmethod
    def of(cls, plan: Plan) -> PlanKeys:
        """The keys of ``plan``."""
        ids = [prog.id for prog in plan.programmes]
        return cls(
            populations={
                pop.id: pop.spec.model_dump_json() + (pop.condition.key if pop.condition else "")
                for pop in plan.populations
            },
            programmes=tuple(
                repr((p.id, p.spec.eligible, p.spec.instrument, p.spec.rationing))
                for p in plan.programmes
            ),
            funds=tuple(
                repr(
                    (
                        f.id,
                        tuple(ids[m] for m in f.members),
                        f.allocation,
                        f.carry_over,
                        f.amounts.tolist(),
                        f.weights.tolist(),
                        f.draw,
                    )
                )
                for f in plan.funds
            ),
            riskfunds={r.id: r.spec.model_dump_json() for r in plan.riskfunds},
            targets={t.id: t.spec.model_dump_json() for t in plan.targets},
        )


_KEYS: dict[int, tuple[Plan, PlanKeys]] = {}


def keys_of(plan: Plan) -> PlanKeys:
    """:class:`PlanKeys` of a plan, worked out on first use in this process."""
    hit = _KEYS.get(id(plan))
    if hit is None or hit[0] is not plan:
        if len(_KEYS) > 1024:  # plans of finished runs
            _KEYS.clear()
        hit = _KEYS[id(plan)] = (plan, PlanKeys.of(plan))
    return hit[1]


def metric_types(plan: Plan) -> list[tuple[str, type[np.generic]]]:
    """The per-draw metrics a plan records: :data:`METRICS` and the optional ones it needs."""
    recovers = any(getattr(p.spec.instrument, "recovery", None) for p in plan.programmes)
    optional = [("recovered", OPTIONAL_METRICS["recovered"])] if recovers else []
    return [*METRICS.items(), *optional]


# -- 1. sample -------------------------------------------------------------------------------


def sample(
    plan: Plan,
    entropy: int,
    draws: range,
    reference: Sample | None = None,
    *,
    store: bool = False,
) -> Sample:
    """Sample every population ``plan`` needs over ``draws``.

    With a ``reference`` sample (of another plan over the same draws and entropy), a
    population whose specification is unchanged is taken from it, not drawn again. With
    ``store``, what is computed on the new sample is also kept, so that it can in turn be the
    reference of the next plan (a chain).
    """
    cohorts: dict[str, list[Cohort]] = {}
    specs: dict[str, Any] = {}
    keys = keys_of(plan).populations
    shared = set()
    for pop in plan.populations:
        if pop.id not in plan.sampled:
            continue
        specs[pop.id] = keys[pop.id]
        if reference is not None and reference.specs.get(pop.id) == keys[pop.id]:
            cohorts[pop.id] = reference.cohorts[pop.id]
            shared.add(pop.id)
        else:
            cohorts[pop.id] = draw_cohorts(pop, entropy, draws, plan.years)
    own = frozenset(plan.programmes[p].id for limit in plan.limits for p in limit.members)
    own_keys = frozenset(
        (prog.population, y, inputs)
        for prog, inputs in zip(plan.programmes, keys_of(plan).programmes, strict=True)
        for y in range(len(plan.years))
    )
    if reference is None:
        return Sample(
            cohorts, specs, frozenset(cohorts), limited=own, own_limited=own, own_keys=own_keys
        )
    if not store:
        return Sample(
            cohorts,
            specs,
            frozenset(shared),
            reference.cache,
            store=False,
            limited=reference.own_limited,
            own_limited=own,
            inherited=reference.own_keys,
            own_keys=own_keys,
        )
    # a link of a chain: keeps the reference's work on the populations it shares, and its own
    cache = {
        key: value for key, value in reference.cache.items() if key == "carries" or key[0] in shared
    }
    return Sample(
        cohorts,
        specs,
        frozenset(shared),
        cache,
        store=True,
        limited=reference.own_limited,
        own_limited=own,
        inherited=reference.own_keys,
        own_keys=own_keys,
    )


# -- 2. entitle ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entitled:
    """A year's entitlements of every programme, and what a later stage may share.

    ``keys[p]`` names programme ``p``'s entitlements (and the claims built on them) in the
    sample's cache, or is None; ``same[p]`` says they are exactly the first plan's of the
    batch (taken from the cache, untouched by limits).
    """

    pairs: list[Entitlement]
    keys: list[Any]
    same: list[bool]


def entitle(plan: Plan, smp: Sample, y: int) -> Entitled:
    """Entitlements of every programme in year index ``y``, limits applied.

    A programme whose population is shared with the first plan of the batch and whose
    instrument, eligibility and rationing are unchanged reuses that plan's entitlements.
    """
    pairs: list[Entitlement] = []
    keys: list[Any] = []
    same: list[bool] = []
    for prog, inputs in zip(plan.programmes, keys_of(plan).programmes, strict=True):
        keyed = smp.store or prog.population in smp.shared
        key = (prog.population, y, inputs) if keyed else None
        cached = smp.cache.get(key) if key is not None else None
        if cached is not None:
            pairs.append(cached[0])
        else:
            pair = _entitlement(prog, smp.cohorts[prog.population][y])
            pairs.append(pair)
            if key is not None and smp.store:
                smp.cache[key] = (pair, {})
        keys.append(key if key in smp.cache else None)
        # the cache holds entitlements before limits: the first plan's results are the same
        # only for a programme that no limit of the first plan changed
        same.append(cached is not None and key in smp.inherited and prog.id not in smp.limited)
    if plan.limits:  # limits change entitlements in place: work on copies
        members = sorted({p for limit in plan.limits for p in limit.members})
        ents = [ent.copy() if p in members else ent for p, (ent, _) in enumerate(pairs)]
        for limit in plan.limits:
            apply_limit(ents, limit.members, limit.exclusive, limit.cap)
        pairs = [(ent, rec) for ent, (_, rec) in zip(ents, pairs, strict=True)]
        keys = [None if p in members else key for p, key in enumerate(keys)]
        same = [False if p in members else s for p, s in enumerate(same)]
    return Entitled(pairs, keys, same)


def _entitlement(prog: ProgrammePlan, cohort: Cohort) -> Entitlement:
    """Entitlements of one programme-year, 0 for ineligible applicants [unit], and the share
    of each payment expected back (None: nothing is recovered)."""
    spec, seg = prog.spec, cohort.segments
    mask = None
    if prog.eligible is not None:
        mask = np.asarray(prog.eligible.evaluate(cohort.attributes, cohort.size), dtype=bool)
    inputs = Inputs(cohort.attributes, prog.expressions, cohort.size, cohort.categories, seg, mask)
    ent = entitlement(spec.instrument, inputs)
    if type(spec.rationing).reads_month:
        admitted = spec.rationing.admits(cohort.attributes["month"])
        if admitted is not None:
            mask = admitted if mask is None else mask & admitted
    if not math.isfinite(float(np.add.reduce(ent))):  # one pass; NaN or inf poison the sum
        bad = int((~np.isfinite(ent)).sum())
        raise SimulationError(
            f"programmes.{prog.id}.instrument: the entitlement is not a finite number for {bad} "
            f"of {cohort.size} applicants in {cohort.year}; check the base expression and the "
            "attributes it reads"
        )
    recovery = recovered_share(spec.instrument, inputs)
    return (np.where(mask, ent, 0.0) if mask is not None else ent), recovery


# -- 3. pay ----------------------------------------------------------------------------------


def _claims(prog: ProgrammePlan, cohort: Cohort, ent: Floats, ctx: _Context) -> Claims:
    """The claims of one programme-year, with the values its rationing rule reads."""
    values = {}
    if type(prog.spec.rationing).draws_lots:
        values["lot"] = ctx.lots(prog, cohort)
    for key, expr in prog.rationing.items():
        value = np.asarray(expr.evaluate(cohort.attributes, cohort.size), dtype=np.float64)
        if not np.isfinite(value).all():
            raise SimulationError(
                f"programmes.{prog.id}.rationing.{key}: {expr.text!r} is not a finite number "
                f"for some applicants in {cohort.year}"
            )
        values[key] = value
    return Claims(ent, cohort.segments, np.full(cohort.segments.draws, np.nan), values)


@dataclass(frozen=True)
class _Reference:
    """What a plan of a batch may copy from the first plan's evaluation of the same sample."""

    result: ChunkResult
    #: Programme index in the first plan, by id.
    programmes: dict[str, int]
    #: Fund index in the first plan, by the fund's key (:class:`PlanKeys`).
    funds: dict[Any, int]
    #: The first plan's carry after each year, shape (draws, funds).
    carries: list[Floats]


@dataclass(frozen=True)
class _Context:
    """The chunk a plan is evaluated over, where its per-draw metrics go, and what it may
    copy from the first plan of its batch."""

    entropy: int
    draws: range
    out: dict[str, NDArray[np.generic]]
    reference: _Reference | None = None
    #: Per fund: still identical to the first plan's in every year so far.
    same_fund: list[bool] = field(default_factory=list)

    def lots(self, prog: ProgrammePlan, cohort: Cohort) -> Floats:
        """A uniform lot per applicant, from the programme's own stream per draw and year."""
        key = stream_key(f"lots:{prog.id}:{cohort.year}")
        lots = np.empty(cohort.size)
        offsets = cohort.segments.offsets.tolist()
        for i, draw in enumerate(self.draws):
            if offsets[i + 1] > offsets[i]:
                stream(self.entropy, draw, key).random(out=lots[offsets[i] : offsets[i + 1]])
        return lots

    def copy(self, prog: ProgrammePlan, p: int, y: int) -> None:
        """Take programme ``p``'s metrics of year ``y`` from the first plan's evaluation."""
        assert self.reference is not None
        q = self.reference.programmes[prog.id]
        for name, values in self.out.items():
            if name not in self.reference.result.metrics:  # e.g. recovered, new in a variant
                continue  # the programme is the first plan's, which recorded none of it
            values[:, p, y] = self.reference.result.metrics[name][:, q, y]


def pay_year(
    plan: Plan,
    y: int,
    smp: Sample,
    entitled: Entitled,
    envelopes: Sequence[Floats],
    carry: Floats,
    ctx: _Context,
) -> None:
    """Ration year index ``y`` of every programme, fund by fund, recording its metrics.

    ``entitled`` is what :func:`entitle` returned; ``envelopes`` holds each fund's envelope
    per draw; ``carry`` (draws, funds) is updated in place by
    :func:`budgetsim.funds.fund_year`. A fund whose envelope, rules and members' claims are
    the first plan's (in this year and every year before) is not rationed again: its
    members' metrics and its carry are copied.
    """
    programmes = plan.programmes
    pairs, keys, same = entitled.pairs, entitled.keys, entitled.same
    cohorts = [smp.cohorts[prog.population][y] for prog in programmes]
    ref = ctx.reference
    claims: dict[int, Claims] = {}

    def claim_of(p: int) -> Claims:
        if p not in claims:
            # claims keep their running totals: a plan that shares them rations without
            # redoing the per-draw sums
            key = keys[p]
            shared = smp.cache[key][1] if key is not None and key in smp.cache else None
            found = shared.get("claims") if shared is not None else None
            if found is None:
                found = _claims(programmes[p], cohorts[p], pairs[p][0], ctx)
                if shared is not None and smp.store:
                    shared["claims"] = found
            claims[p] = found
        return claims[p]

    for p, prog in enumerate(programmes):
        if not type(prog.spec.rationing).capped:
            if ref is not None and same[p] and prog.id in ref.programmes:
                ctx.copy(prog, p, y)
            else:
                _pay(prog, claim_of(p), cohorts[p], y, p, ctx.out, pairs[p][1])

    def pay(p: int, open_to: Floats) -> Floats:
        claim = claim_of(p).with_available(open_to)
        return _pay(programmes[p], claim, cohorts[p], y, p, ctx.out, pairs[p][1])

    for f, fund in enumerate(plan.funds):
        if ref is not None and ctx.same_fund[f]:
            ctx.same_fund[f] = all(same[p] for p in fund.members)
        if ref is not None and ctx.same_fund[f]:
            for p in fund.members:
                ctx.copy(programmes[p], p, y)
            carry[:, f] = ref.carries[y][:, ref.funds[keys_of(plan).funds[f]]]
            continue
        demand = [claim_of(p).demand for p in fund.members]
        _, carry[:, f] = fund_year(fund, envelopes[f], carry[:, f], demand, pay)


def _pay(
    prog: ProgrammePlan,
    claims: Claims,
    cohort: Cohort,
    y: int,
    p: int,
    out: dict[str, NDArray[np.generic]],
    recovery: Floats | None = None,
) -> Floats:
    """Ration one programme-year, record its per-draw metrics, return the total paid."""
    seg, rule = cohort.segments, prog.spec.rationing
    payout = RATIONING[rule.rule](rule, claims)
    paid, ent = payout.paid, claims.entitlement
    claimant = ent > 0
    out["demand"][:, p, y] = claims.demand
    out["paid"][:, p, y] = payout.total
    out["claimants"][:, p, y] = seg.count(claimant)
    out["paid_full"][:, p, y] = seg.count(claimant & (paid >= ent))
    out["paid_any"][:, p, y] = seg.count(paid > 0)
    if recovery is not None:
        out["recovered"][:, p, y] = np.bincount(seg.row, paid * recovery, minlength=seg.draws)
    if MONTHLY in out:  # paid to claims arriving in each month, accumulated over the months
        # summed per draw and month (not as one running sum over the chunk), so the figures
        # do not depend on which draws share a chunk
        month = np.asarray(cohort.attributes["month"], dtype=np.int64)
        cell = seg.row * 12 + month - 1
        for name, values in ((MONTHLY, paid), (MONTHLY_DEMAND, ent)):
            by_month = np.bincount(cell, values, minlength=seg.draws * 12)
            out[name][:, p, y, :] = np.cumsum(by_month.reshape(seg.draws, 12), axis=1)
    if payout.month is not None:
        out["exhaustion_month"][:, p, y] = payout.month
    elif type(rule).capped:
        first = claims.boundary
        out["exhaustion_month"][:, p, y] = np.where(first >= 0, cohort.month_of(first), 0)
    return payout.total


# -- the chunk -------------------------------------------------------------------------------


def evaluate(
    plan: Plan,
    smp: Sample,
    task: ChunkTask,
    reference: tuple[Plan, ChunkResult] | None = None,
) -> ChunkResult:
    """Entitle and pay every year of ``plan`` on a sample, and run its reserve funds and
    targets (reusing the reference plan's where their inputs are unchanged)."""
    draws = task.draws
    n, n_prog, n_year = len(draws), len(plan.programmes), len(plan.years)
    out: dict[str, NDArray[np.generic]] = {
        name: np.zeros((n, n_prog, n_year), dtype=np.int64 if dtype().dtype.kind == "u" else dtype)
        for name, dtype in metric_types(plan)
    }
    for name in BY_MONTH if task.monthly else ():
        out[name] = np.zeros((n, n_prog, n_year, 12))
    ref_plan, ref_result = reference if reference is not None else (None, None)
    ctx = _Context(task.entropy, draws, out)
    if ref_plan is not None and ref_result is not None and "carries" in smp.cache:
        funds = {key: f for f, key in enumerate(keys_of(ref_plan).funds)}
        ctx = _Context(
            task.entropy,
            draws,
            out,
            _Reference(
                ref_result,
                {prog.id: p for p, prog in enumerate(ref_plan.programmes)},
                funds,
                smp.cache["carries"],
            ),
            [key in funds for key in keys_of(plan).funds],
        )
    totals = np.empty((n, len(plan.funds)))
    for f, fund in enumerate(plan.funds):
        totals[:, f] = fund.totals(task.entropy, draws)
    envelopes = [fund.envelopes(totals[:, f]) for f, fund in enumerate(plan.funds)]
    carry = np.zeros((n, len(plan.funds)))
    carries = []
    for y in range(n_year):
        entitled = entitle(plan, smp, y)
        pay_year(plan, y, smp, entitled, [e[:, y] for e in envelopes], carry, ctx)
        carries.append(carry.copy())
    if smp.store:
        smp.cache["carries"] = carries
    riskfunds = {}
    for rf in plan.riskfunds:
        same = (
            ref_plan is not None
            and keys_of(ref_plan).riskfunds.get(rf.id) == keys_of(plan).riskfunds[rf.id]
        )
        if same and ref_result is not None and rf.id in ref_result.riskfunds:
            riskfunds[rf.id] = ref_result.riskfunds[rf.id]
        else:
            riskfunds[rf.id] = simulate_riskfund(rf, task.entropy, draws)
    targets = {}
    for t in plan.targets:
        pops = t.spec.entries.populations
        same = (
            ref_plan is not None
            and ref_result is not None
            and t.id in ref_result.targets
            and keys_of(ref_plan).targets.get(t.id) == keys_of(plan).targets[t.id]
            and all(p in smp.shared for p in pops)
        )
        if same and ref_result is not None:
            targets[t.id] = ref_result.targets[t.id]
        else:
            targets[t.id] = simulate_target(t, _entries(t, smp.cohorts), task.entropy, draws)
    return ChunkResult(out, totals, riskfunds, targets)


def _entries(target: TargetPlan, cohorts: dict[str, list[Cohort]]) -> NDArray[np.int64]:
    """A target's entries per draw and year: its populations' (eligible) applicants."""
    total: NDArray[np.int64] | None = None
    for name in target.spec.entries.populations:
        counts = []
        for cohort in cohorts[name]:
            if target.eligible is None:
                counts.append(cohort.segments.counts)
            else:
                mask = target.eligible.evaluate(cohort.attributes, cohort.size).astype(bool)
                counts.append(cohort.segments.count(mask))
        stacked = np.stack(counts, axis=1)
        total = stacked if total is None else total + stacked
    assert total is not None
    return total


def run_chunk(task: ChunkTask) -> list[ChunkResult]:
    """Run one chunk of draws for every plan of ``task``; the task of every executor.

    The first plan's populations are sampled once; each other plan re-samples only the
    populations whose specification differs, from the same per-draw streams, and reuses the
    first plan's entitlements, reserve funds and targets where their inputs are unchanged.
    Returns one :class:`ChunkResult` per plan, each bit-identical to running that plan alone.

    Examples
    --------
    >>> import budgetsim
    >>> from budgetsim.scenario import compile_scenario
    >>> plan = compile_scenario(budgetsim.load_scenario("jiangmen-2021"))
    >>> [res] = run_chunk(ChunkTask((plan,), entropy=1, start=0, stop=3))
    >>> res.metrics["paid"].shape
    (3, 14, 3)
    """
    with tuned_allocator():
        first, *others = task.plans
        ref_sample = sample(first, task.entropy, task.draws)
        ref_result = evaluate(first, ref_sample, task)
        ref_plan = first
        results = [ref_result]
        for plan in others:
            smp = sample(plan, task.entropy, task.draws, ref_sample, store=task.chain)
            result = evaluate(plan, smp, task, (ref_plan, ref_result))
            results.append(result)
            if task.chain:
                ref_plan, ref_sample, ref_result = plan, smp, result
        return results
