"""Checks of lab 10 (continuous training and the 5 Cs): a code test judged by the bugs it catches, the trigger, the
promotion rule, the alias move, lineage, the rollback.

The reference computations are private to this module: no public function of the course package answers an
exercise. Registry exercises run the student's function on scratch registered models of the check's own, so a check
never depends on (or disturbs) what the notebook made.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import random
import re
import sys
import types
import uuid
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import continuous, data, lineage, monitoring, policy
from ..exercises import NotAnswered, correct, exercise, is_blank, partial, wrong
from ..monitoring import EPSILON, bin_shares
from ._guards import Forbidden, case_seed, references, seal, without

# --- 10.ci_test --------------------------------------------------------------------------------------------------
# Mutation testing: the student's tests run (as CI runs them, run_code_checks) on the real monitoring.psi, then on a
# few broken versions of it. A mutant is installed by swapping the code of the function object itself (and putting
# that object back as the module's attribute), so `from mlopslab.monitoring import psi` in a test, and the package's
# own callers (monitoring.feature_drift, continuous.monitor_month), get it too. The mutants' code runs with the
# globals of mlopslab.monitoring: it uses only names that module defines (np, EPSILON, bin_shares).

_PSI = monitoring.psi
"""The package's PSI, as the module defined it (a notebook may rebind the module's name; the check puts it back)."""


def _psi_never_alerts(reference, current, bins=10):
    bin_shares(reference, current, bins)  # it checks its input as the real one does
    return 0.0


def _psi_one_way(reference, current, bins=10):
    shares = bin_shares(reference, current, bins)
    ref = np.clip(shares["reference"].to_numpy(), EPSILON, None)
    cur = np.clip(shares["current"].to_numpy(), EPSILON, None)
    position = np.arange(len(ref))
    if position @ cur < position @ ref:  # the sample moved towards the lower bins: not seen
        return 0.0
    return float(max(np.sum((cur - ref) * np.log(cur / ref)), 0.0))


def _psi_other_way(reference, current, bins=10):
    shares = bin_shares(reference, current, bins)
    ref = np.clip(shares["reference"].to_numpy(), EPSILON, None)
    cur = np.clip(shares["current"].to_numpy(), EPSILON, None)
    position = np.arange(len(ref))
    if position @ cur > position @ ref:  # the sample moved towards the higher bins: not seen
        return 0.0
    return float(max(np.sum((cur - ref) * np.log(cur / ref)), 0.0))


def _psi_saturates(reference, current, bins=10):
    shares = bin_shares(reference, current, bins)
    ref = np.clip(shares["reference"].to_numpy(), EPSILON, None)
    cur = np.clip(shares["current"].to_numpy(), EPSILON, None)
    return float(min(max(np.sum((cur - ref) * np.log(cur / ref)), 0.0), 0.2))


def _psi_other_log(reference, current, bins=10):
    shares = bin_shares(reference, current, bins)
    ref = np.clip(shares["reference"].to_numpy(), EPSILON, None)
    cur = np.clip(shares["current"].to_numpy(), EPSILON, None)
    return float(max(np.sum((cur - ref) * np.log10(cur / ref)), 0.0))


_VARIANT_EPSILON = 1e-5
"""Another floor for empty bins: the tests run once more with monitoring.EPSILON at it (the package's is 1e-4). A
test that types the floor instead of reading it fails there. (Another bin-edge convention, tried in December 2026,
was dropped: it failed honest tests that compare with a re-implementation of the lab's recipe.)"""


@lru_cache(maxsize=1)
def _printed_psis() -> tuple[float, ...]:
    """Every PSI of the lab's data the monitor prints (each shipped month's batch against the champion's training
    data, feature by feature): a test that pins one of them checks a printout, not PSI."""
    reference, _ = monitoring.champion_data(audited=True)
    values = []
    for month in data.PRODUCTION_MONTHS:
        batch = data.load_batch(month)
        values += [monitoring.psi(reference[f], batch[f]) for f in data.FEATURES if f in batch and f in reference]
    return tuple(values)


def _pins_printed_psi(source: str) -> float | None:
    """A number in a test file that reads the lab's data and that is one of :func:`_printed_psis` (to 0.0005)."""
    if not any(name in source for name in ("load_batch", "champion_data", "load_customers", "production_year")):
        return None
    constants = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)
                 and isinstance(n.value, float) and 0 < abs(n.value) < 10]
    printed = _printed_psis()
    return next((c for c in constants if any(abs(c - p) <= 5e-4 for p in printed)), None)


class _Mutant(NamedTuple):
    code: object
    bug: str
    """The kind of bug, in words."""
    hint: str
    """Where a test that catches it looks, in words."""


_MUTANTS = [
    _Mutant(_psi_never_alerts.__code__,
            "a PSI that is 0 whatever the samples, so the monitor never raises a data alert",
            "Test what a shifted sample does to PSI, not only an unchanged one."),
    _Mutant(_psi_one_way.__code__,
            "a PSI that sees a shift one way only: right when a sample moves up (a price rise), 0 when it moves down "
            "(shorter tenures, lower charges)",
            "A feature can drift either way: test a shift in the other direction too."),
    _Mutant(_psi_other_way.__code__,
            "a PSI that sees a shift one way only: right when a sample moves down (shorter tenures, lower charges), 0 "
            "when it moves up (a price rise)",
            "A feature can drift either way: test a shift in the other direction too."),
    _Mutant(_psi_saturates.__code__,
            "a PSI that stops growing at 0.2, below the governed alert line: a major shift reads like a moderate one, "
            "so the monitor warns but never alerts",
            "Test that a bigger shift reads bigger, with shifts large enough that the monitor must alert "
            "(policy.ALERTS)."),
    _Mutant(_psi_other_log.__code__,
            "a PSI off by a constant factor (the formula with another logarithm): every value is too small, so the "
            "governed alert lines no longer mean what they say",
            "Properties (bigger, smaller, zero) cannot see a factor: pin one value you can work out by hand, on a "
            "sample small enough to do so, as in lab 09's PSI by hand."),
]


@contextlib.contextmanager
def _psi_as(code):
    """Within the block, ``monitoring.psi`` is the package's function running ``code`` (its own code if None)."""
    bound, own = monitoring.psi, _PSI.__code__
    monitoring.psi = _PSI
    if code is not None:
        _PSI.__code__ = code.replace(co_name=own.co_name, co_qualname=own.co_qualname, co_filename=own.co_filename,
                                     co_firstlineno=own.co_firstlineno)  # named and placed as the real one
    try:
        yield
    finally:
        _PSI.__code__ = own
        monitoring.psi = bound


def _test_names(source: str) -> list[str]:
    """The test functions a source defines at its top level (and in Test classes); ValueError if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ValueError(f"it is not Python: {err.msg} (line {err.lineno} of the text)") from None
    names = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             and node.name.startswith("test")]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [f.name for f in node.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test")]
    return names


_INSPECTORS = {"dis", "inspect", "marshal", "hashlib", "types", "gc", "ctypes", "importlib", "builtins", "pickle",
               "sys", "traceback", "linecache", "ast", "tokenize", "code", "codeop", "runpy", "dill", "cloudpickle",
               "subprocess", "os", "multiprocessing", "concurrent", "pty", "posix", "IPython"}
"""Modules that read a function's code, its source or the interpreter's state, or run code in another interpreter
(where the real PSI answers whatever runs here): a test of PSI needs none of them."""
_REFLECTION = {"getattr", "setattr", "delattr", "hasattr", "vars", "globals", "locals", "eval", "exec", "compile",
               "breakpoint", "importorskip"}
_INTERNALS = re.compile(r"^(co|f|tb|gi|cr)_|^traceback$")
_DUNDER = re.compile(r"__\w+__")


def _inspects(source: str) -> str | None:
    """How a test file looks at ``monitoring.psi`` instead of calling it (None when it only calls it): it imports a
    module that reads code or the interpreter's state, uses reflection (getattr, vars, ...), reaches a dunder or
    private attribute (or names one in a string), or writes to a module's attributes (state kept between runs)."""
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in _INSPECTORS:
                    return (f"import `{module.split('.')[0]}`, which reads code or runs it elsewhere, not what "
                            "it computes here")
            imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and (node.id in _REFLECTION or _DUNDER.fullmatch(node.id)):
            return f"use `{node.id}`, which reaches into objects instead of calling them"
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or _INTERNALS.search(node.attr)
                                                or node.attr in _REFLECTION):
            return f"read the attribute `{node.attr}`, which is how the code is built, not what it computes"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _DUNDER.search(node.value):
            return f"name `{_DUNDER.search(node.value).group()}` in a string, to reach into the code"
        targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete)) else
                   [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        for target in targets:
            root = target
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if target is not root and isinstance(root, ast.Name) and root.id in imported:
                return f"write to `{ast.unparse(target)}`, a value kept between runs of the tests"
    return None


@contextlib.contextmanager
def _fresh_modules():
    """Within the block, the course modules' attributes may change; afterwards each is back as it was (a value a test
    stored on a module, to compare the next run with, is gone). Submodules imported meanwhile stay."""
    saved = {module: dict(vars(module)) for name, module in list(sys.modules.items())
             if isinstance(module, types.ModuleType) and (name == "mlopslab" or name.startswith("mlopslab."))}
    try:
        yield
    finally:
        for module, before in saved.items():
            space = vars(module)
            for key in [k for k in space if k not in before and not isinstance(space[k], types.ModuleType)]:
                del space[key]
            for key, value in before.items():
                if space.get(key, _fresh_modules) is not value:
                    space[key] = value


def _run_tests(answer: str, code, epsilon: float | None = None):
    """The outcomes of the student's tests with ``monitoring.psi`` running ``code`` (the real one if None) and
    ``monitoring.EPSILON`` at ``epsilon`` (if given), each run in the course modules' state of before it."""
    with _psi_as(code), _fresh_modules():
        if epsilon is not None:
            monitoring.EPSILON = epsilon
        return continuous.run_code_checks(answer)


def _failed(outcomes) -> list[tuple[str, str]]:
    rows = outcomes[outcomes["outcome"] == "failed"]
    return list(zip(rows["test"], rows["message"]))


@exercise("10.ci_test", points=2, title="A test is worth the bugs it catches")
def ci_test(answer, **_):
    shape = ("`PSI_TESTS` is the source of a test file, as text (in triple quotes, like `CODE_TESTS`): its imports, "
             "then functions whose names start with `test_`.")
    if not isinstance(answer, str):
        return wrong(shape)
    try:
        if not _test_names(answer):
            return wrong(f"No test function found. {shape}")
    except ValueError as err:
        return wrong(f"`PSI_TESTS` does not run: {err}. {shape}")
    from ..tools.grading.tamper import scan

    reaching = scan(answer)  # the grader's scan of exercise cells, on the test file: tests judge what psi returns
    if reaching:
        return wrong(f"Your tests {reaching[0]}: test what `monitoring.psi` returns for samples you chose, not how the "
                     "function or the course's machinery is built.")
    try:
        inspecting = _inspects(answer)
    except SyntaxError:  # _test_names parsed it; a source ast cannot read again is not a test file
        inspecting = "do not parse"
    if inspecting:
        return wrong(f"Your tests {inspecting}. A mutant differs from the real `monitoring.psi` in what it returns: "
                     "test what it returns for samples you chose, and keep nothing between runs.")
    pinned = _pins_printed_psi(answer)
    if pinned is not None:
        return wrong(f"Your tests pin {pinned}, a PSI the monitor prints for the lab's own data: that checks a printout, "
                     "and a test that compares with the function under test proves nothing. Test properties (direction, "
                     "a bigger shift reads bigger, the governed lines), and pin only a value you work out by hand.")
    if _PSI.__code__.co_filename != monitoring.__file__:
        return wrong("`mlopslab.monitoring.psi` was replaced before the check ran: restart the kernel and run the "
                     "lab from the top.")
    # a mutant runs first and the real function runs again last, the mutants in an order drawn from the answer's text
    # (the same answer gets the same grade in the notebook and from the grader): a test that remembers what it saw
    # (or counts its runs) instead of testing PSI fails on correct code
    mutants = list(_MUTANTS)
    random.Random(hashlib.sha256(answer.encode()).hexdigest()).shuffle(mutants)
    missed = []
    try:
        for step, mutant in enumerate([mutants[0], None, *mutants[1:], None]):
            outcomes = _run_tests(answer, None if mutant is None else mutant.code)
            failing = _failed(outcomes)
            if mutant is not None:
                if not failing:
                    missed.append(mutant)
                continue
            if failing:
                test, message = failing[0]
                if step == len(mutants) + 1:
                    return wrong(f"`{test}` passed on the real `monitoring.psi` and failed on it when CI ran it again "
                                 f"({message or 'it failed'}): a test must give the same verdict on the same code, "
                                 "whatever ran before it. Do not keep values between runs: test what PSI returns.")
                return wrong(f"`{test}` fails on the real `monitoring.psi` ({message or 'it failed'}). A test that fails "
                             "on correct code stops CI for nothing: check what you expect against what PSI does (print "
                             "it).")
        failing = _failed(_run_tests(answer, None, _VARIANT_EPSILON))
        if failing:
            test, message = failing[0]
            return wrong(f"`{test}` fails when the floor for empty bins, `monitoring.EPSILON`, is another small number "
                         f"({message or 'it failed'}): read the floor from `monitoring.EPSILON` where your expected "
                         "value needs it, instead of typing it.")
    except ValueError as err:  # no test ran
        return wrong(f"Your tests did not run: {err}. {shape}")
    missed.sort(key=_MUTANTS.index)  # the feedback names the first kind of bug in the list, whatever the order run
    caught = len(_MUTANTS) - len(missed)
    if not missed:
        return correct(f"Your tests pass on the real `monitoring.psi` and on a variant as correct as it, and fail on "
                       f"each of the {len(_MUTANTS)} broken versions the check tried: a test worth the bugs it catches. "
                       "They now run with the team's.")
    hint = (f"Your tests pass on the real `monitoring.psi`, and fail on {caught or 'none'} of the {len(_MUTANTS)} broken "
            f"versions of it the check tried. They pass on {missed[0].bug}. {missed[0].hint}")
    return partial(round(caught / len(_MUTANTS), 2), hint) if caught else wrong(hint)


# --- 10.trigger --------------------------------------------------------------------------------------------------

def _months(rng) -> list[str]:
    """Twelve consecutive months ('YYYY-MM') from a month drawn with ``rng``."""
    start = int(rng.integers(2024 * 12, 2029 * 12))
    return [f"{(start + k) // 12}-{(start + k) % 12 + 1:02d}" for k in range(12)]


def _alert(kind: str) -> dict[str, str]:
    return {"kind": kind, "rule": f"a {kind} rule", "detail": "..."}


def _reference_plan(alerts, labelled, rule):
    if not any(a["kind"] in rule.retrain_on for a in alerts):
        return None
    ordered, need = sorted(labelled), rule.window + rule.gate_months
    if len(ordered) < need:
        return None
    return ordered[len(ordered) - need:len(ordered) - rule.gate_months], ordered[len(ordered) - rule.gate_months:]


def _trigger_cases(seed: int) -> list[tuple[str, list, list, policy.PromotionRule]]:
    """The trigger's cases, on twelve months and two other rules drawn from ``seed`` (:func:`~._guards.case_seed`,
    fresh for every check: no plan typed in, or keyed on the rule's numbers, matches them). The other rules never
    take the governed window and gate months, and the case with too few months for the wide rule has enough for the
    governed one: typed-in governed numbers miss them on every draw."""
    rng = np.random.default_rng(seed)
    months = _months(rng)
    governed = (policy.PROMOTION.window, policy.PROMOTION.gate_months)
    strict_window, strict_gate = governed
    while (strict_window, strict_gate) == governed:
        strict_window, strict_gate = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    strict = policy.PromotionRule(window=strict_window, gate_months=strict_gate, retrain_on=("performance",))
    wide = policy.PromotionRule(window=int(rng.integers(4, 6)), gate_months=int(rng.integers(2, 4)))
    too_few = wide.window + wide.gate_months - 1

    def named(rule: policy.PromotionRule) -> str:
        return f"window {rule.window}, {rule.gate_months} gate month{'s' if rule.gate_months > 1 else ''}"

    return [
        ("no alert", [], months[:8], policy.PROMOTION),
        ("a data alert, five labelled months", [_alert("data")], months[:5], policy.PROMOTION),
        ("a data alert, too few labelled months", [_alert("data")], months[:4], policy.PROMOTION),
        ("a performance alert, months out of order", [_alert("performance")], months[8::-1], policy.PROMOTION),
        ("only a prediction alert", [_alert("prediction")], months[:9], policy.PROMOTION),
        ("only a fairness alert", [_alert("fairness")], months[:9], policy.PROMOTION),
        ("a prediction and a data alert", [_alert("prediction"), _alert("data")], months[:11], policy.PROMOTION),
        ("another rule: performance alerts only, a data alert", [_alert("data")], months[:9], strict),
        (f"another rule: {named(strict)}", [_alert("performance")], months[:9], strict),
        (f"another rule: {named(wide)}", [_alert("data")], months[:10], wide),
        ("another rule: not enough months for it", [_alert("data")], months[:too_few], wide),
    ]


def _as_plan(value):
    """A returned plan as (train, gate) lists of str; ValueError if it is not shaped like one."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError("a plan is None or a pair (train_months, gate_months)")
    train, gate = value
    if not all(isinstance(part, (list, tuple)) and all(isinstance(m, str) for m in part) for part in (train, gate)):
        raise ValueError("train_months and gate_months must each be a list of 'YYYY-MM' strings")
    return list(train), list(gate)


def _trigger_hint(name, alerts, labelled, rule, want, got) -> str:
    kinds = [a["kind"] for a in alerts]
    if want is None and got is not None:
        if not any(k in rule.retrain_on for k in kinds):
            return (f"Case '{name}': alerts of kind {kinds} do not trigger retraining under a rule with "
                    f"retrain_on={rule.retrain_on}: return None.")
        return (f"Case '{name}': {len(labelled)} labelled months are fewer than rule.window + rule.gate_months "
                f"({rule.window} + {rule.gate_months}): return None.")
    if want is not None and got is None:
        return (f"Case '{name}' (alert kinds {kinds}, {len(labelled)} labelled months) should plan a challenger, "
                "but your function returned None.")
    train, gate = got
    if set(train) & set(gate):
        return (f"Case '{name}': month(s) {sorted(set(train) & set(gate))} are both in training and in the gate. "
                "The gate must grade the model on customers it has never seen.")
    if sorted(gate) == want[1] and sorted(train) == want[0]:
        return f"Case '{name}': the right months, but give each list oldest first (sorted)."
    return (f"Case '{name}' (rule window={rule.window}, gate_months={rule.gate_months}): expected training months "
            f"{want[0]} and gate months {want[1]}, got {train} and {gate}. The gate takes the newest labelled months; "
            "training takes the window just before them. Read the numbers from `rule`.")


def _trigger_clauses(alerts, rule, want) -> list[str]:
    """Which parts of the rule a case tests: the plan itself, the alert kinds, or the wait for enough labels; and
    reading the `rule` argument, when the case's rule is not the governed one."""
    clause = "plan" if want is not None else "labels" if any(a["kind"] in rule.retrain_on for a in alerts) else "alerts"
    return [clause] if rule == policy.PROMOTION else [clause, "rule"]


@exercise("10.trigger", points=3, title="The retraining trigger")
def trigger(answer, **_):
    if not callable(answer):
        return wrong("Define a function `plan_retraining(alerts, labelled, rule=policy.PROMOTION)`.")
    cases = _trigger_cases(case_seed("10.trigger"))
    results = []
    for _, alerts, labelled, rule in cases:
        results.append(answer([dict(a) for a in alerts], list(labelled), rule))
    if all(is_blank(r) for r in results):
        raise NotAnswered
    missed, hits = [], {}
    for (name, alerts, labelled, rule), got in zip(cases, results):
        want = _reference_plan(alerts, labelled, rule)
        try:
            plan = _as_plan(got)
        except ValueError as err:
            return wrong(f"Case '{name}': {err}; yours returned {got!r}.")
        right = plan == (None if want is None else (list(want[0]), list(want[1])))
        for clause in _trigger_clauses(alerts, rule, want):
            hits.setdefault(clause, []).append(right)
        if not right:
            missed.append(_trigger_hint(name, alerts, labelled, rule, want, plan))
    if not missed:
        return correct(f"Right on all {len(cases)} cases, other rules included: your trigger keeps the gate months "
                       "out of training and waits for enough labels.")
    # each part of the rule counts on its own (the plan, the alert kinds, the wait for labels, the `rule` argument),
    # and the score is the weakest part's: an answer that skips one part (returns None nearly always, plans on any
    # alert, or types the governed numbers and ignores `rule`) earns nothing
    share = round(min(sum(h) / len(h) for h in hits.values()), 2)
    return partial(share, missed[0]) if share >= 0.5 else wrong(missed[0])


# --- 10.promotion_policy -----------------------------------------------------------------------------------------

def _metrics(auc: float, profit: float) -> dict[str, float]:
    return {"auc": auc, "profit": profit}


def _promotion_cases(seed: int) -> list[tuple[str, dict, dict, policy.PromotionRule, bool]]:
    """(what, challenger, champion, rule, promote?): each case a fixed difference from a champion whose AUC and profit
    are drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check), so no table of verdicts keyed on
    the numbers matches them, while each case tests the same part of the rule on every draw. No case sits exactly on
    a limit, where float arithmetic (0.80 - 0.78 = 0.020000000000000018) would make two correct formulas disagree."""
    rng = np.random.default_rng(seed)
    rule = policy.PROMOTION
    margin = policy.PromotionRule(min_gain=500.0)
    lenient = policy.PromotionRule(max_auc_drop=0.05)
    auc, profit = round(float(rng.uniform(0.74, 0.86)), 4), float(rng.integers(4_000, 15_000))
    base = _metrics(auc, profit)

    def new(auc_change: float, profit_change: float) -> dict[str, float]:
        return _metrics(round(auc + auc_change, 4), profit + profit_change)

    losing = _metrics(round(float(rng.uniform(0.66, 0.74)), 4), -float(rng.integers(300, 900)))
    cases = [
        ("a challenger of the year", new(0.0357, 420.0), base, rule),
        ("a tie in profit", new(0.0023, 0.0), base, rule),
        ("one euro more, same AUC", new(0.0, 1.0), base, rule),
        ("more profit, AUC 0.0301 worse", new(-0.0301, 1140.0), base, rule),
        ("more profit, AUC 0.0150 worse", new(-0.0150, 240.0), base, rule),
        ("ranks better, earns less", new(0.0923, -860.0), base, rule),
        ("earns less, ranks worse", new(-0.0577, -860.0), base, rule),
        ("a rule with a €500 margin: €400 more", new(0.0123, 400.0), base, margin),
        ("a rule with a €500 margin: €600 more", new(0.0123, 600.0), base, margin),
        ("a rule allowing 0.05: AUC 0.0401 worse", new(-0.0401, 640.0), base, lenient),
        ("a rule allowing 0.05: AUC 0.0601 worse", new(-0.0601, 640.0), base, lenient),
        ("negative profits", _metrics(round(losing["auc"] - 0.01, 4), losing["profit"] + 250.0), losing, rule),
    ]
    return [(what, new_, old, r, _reference_promote(new_, old, r)) for what, new_, old, r in cases]


def _reference_promote(new: dict, old: dict, rule: policy.PromotionRule) -> bool:
    return bool(new["profit"] - old["profit"] > rule.min_gain and new["auc"] + rule.max_auc_drop >= old["auc"])


@exercise("10.promotion_policy", points=2, title="The promotion rule")
def promotion_policy(answer, **_):
    if not callable(answer):
        return wrong("Define a function `beats_champion(challenger, champion, rule=policy.PROMOTION)`.")
    cases = _promotion_cases(case_seed("10.promotion_policy"))
    results = [answer(dict(new), dict(old), rule) for _, new, old, rule, _ in cases]
    if all(is_blank(r) for r in results):
        raise NotAnswered
    if any(not isinstance(r, bool) and type(r).__name__ != "bool_" for r in results):
        return wrong("Return True or False (a comparison's result), not "
                     f"{type(next(r for r in results if not isinstance(r, bool))).__name__}.")
    missed = [(what, new, old, rule, want) for (what, new, old, rule, want), got in zip(cases, results)
              if bool(got) != want]
    if not missed:
        return correct(f"Right on all {len(cases)} cases, including rules with a margin and a looser AUC limit.")
    what, new, old, rule, want = missed[0]
    hint = (f"Case '{what}': challenger {new} vs champion {old} under min_gain={rule.min_gain:g}, "
            f"max_auc_drop={rule.max_auc_drop:g}: the rule says {want}. Promote only if the profit gain exceeds "
            "rule.min_gain (a tie is not a win) and the challenger's AUC is at most rule.max_auc_drop below the "
            "champion's. Read both numbers from `rule`.")
    # partial credit only for the governed rule applied right on every one of its cases (promote and keep alike),
    # with other rules' cases missed: the rule's numbers typed in. A constant answer misses governed cases: nothing.
    if any(rule == policy.PROMOTION for _, _, _, rule, _ in missed):
        return wrong(hint)
    others = [case for case in cases if case[3] != policy.PROMOTION]
    score = round(0.5 * (1 - len(missed) / len(others)), 2)
    return partial(score, hint) if score > 0 else wrong(hint)


# --- scratch registries ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _scratch_model(versions: list[dict[str, str]], champion: int | None):
    """A scratch registered model whose versions (1, 2, ...) carry ``versions``' tags; deleted afterwards."""
    from ..registry import client

    c = client()
    name = f"lab10-check-{uuid.uuid4().hex[:8]}"
    c.create_registered_model(name)
    try:
        for tags in versions:
            c.create_model_version(name, source="file:///lab10-check/not-a-model", tags=tags)
        if champion is not None:
            c.set_registered_model_alias(name, "champion", str(champion))
        yield c, name
    finally:
        with contextlib.suppress(Exception):
            c.delete_registered_model(name)


def _champion(c, name: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(c.get_model_version_by_alias(name, "champion").version)
    except MlflowException:
        return None


# --- 10.promote --------------------------------------------------------------------------------------------------

def _promote_case(seed: int) -> tuple[list[dict[str, str]], str, str, tuple[str, str]]:
    """A scratch registry's layout, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no
    version number typed in fits it): the versions' tags, the champion, the gated version to promote, and the two
    versions to refuse (gate failed, no gate), at drawn places among 4 to 7 versions; never the old fixed layout
    (champion v1, refuse v3 and v4), so its numbers typed in fail on every draw."""
    rng = np.random.default_rng(seed)
    roles = ["champion", "target", "failed", "none"]
    while roles.index("champion") == 0 and {roles.index("failed"), roles.index("none")} == {2, 3}:
        count = int(rng.integers(4, 8))
        roles = [str(r) for r in rng.permutation(["champion", "target", "failed", "none", *["other"] * (count - 4)])]
    kinds = {"champion": {"gate": "passed"}, "target": {"gate": "passed"}, "failed": {"gate": "failed"}, "none": {}}
    versions = [kinds[role] if role in kinds else [{"gate": "passed"}, {}, {"gate": "failed"}][int(rng.integers(3))]
                for role in roles]
    number = {role: str(roles.index(role) + 1) for role in ("champion", "target", "failed", "none")}
    return versions, number["champion"], number["target"], (number["failed"], number["none"])


@exercise("10.promote", points=3, title="Promote with MlflowClient")
def promote(answer, **_):
    if not callable(answer):
        return wrong("Define a function `promote(client, name, version)`.")
    versions, champion, target, refused_ones = _promote_case(case_seed("10.promote"))
    with _scratch_model(versions, champion=int(champion)) as (c, name):
        returned = answer(c, name, target)
        moved, tags = _champion(c, name), c.get_model_version(name, target).tags
        if returned is None and moved == champion and "replaces" not in tags:
            raise NotAnswered
        if moved != target:
            return wrong(f"After promote(client, name, '{target}') the alias `champion` points at v{moved}, not "
                         f"v{target}: move it with client.set_registered_model_alias(name, 'champion', version). Use "
                         "the `name` argument, not a notebook variable.")
        problems = []
        if tags.get("replaces") != champion:
            problems.append(f"tag the new version `replaces` with the version that served before it (v{champion} "
                            "here), read with client.get_model_version_by_alias before you move the alias")
        if str(returned) != champion:
            problems.append(f"return the previous champion's version ('{champion}' here), not {returned!r}")
        refused, other_errors = False, []
        for bad in refused_ones:  # gate failed; no gate at all
            try:
                answer(c, name, bad)
            except ValueError:
                refused = True
            except Exception as err:  # noqa: BLE001 -- it stops the move, but not as the lab asks
                other_errors.append(type(err).__name__)
            if _champion(c, name) != target:
                return wrong(f"promote(client, name, '{bad}') moved `champion` to a version whose gate tag is "
                             f"{c.get_model_version(name, bad).tags.get('gate', 'missing')!r}. Check the version's "
                             "`gate` tag first and raise a ValueError unless it is 'passed'.")
        if other_errors:
            problems.append(f"refuse an ungated version with a ValueError that says why (yours raised "
                            f"{' and '.join(sorted(set(other_errors)))}): a pipeline catches the refusal by its type, "
                            "and an assert or a missing tag looks like a bug, not a decision")
        elif not refused:
            problems.append("raise a ValueError when the version's gate tag is not 'passed', so that a pipeline "
                            "notices the refusal")
        answer(c, name, target)  # promoting the champion again
        if c.get_model_version(name, target).tags.get("replaces") == target:
            problems.append("promoting the version that already serves must not tag it as replacing itself")
    if problems:
        return partial(round(1 - 0.25 * len(problems), 2), "The alias moves. Now " + "; ".join(problems) + ".")
    return correct("Your promote refuses ungated versions, records what each version replaces and moves the alias: "
                   "a deployment that is safe to automate.")


# --- 10.lineage --------------------------------------------------------------------------------------------------
# The student's function answers the auditor for a scratch registered model and scoring runs of the check's own, so
# nothing the notebook made (the loop's log, its models) can answer it. The package's own readers of the scoring runs
# (continuous.lineage_table, continuous._scoring_runs) are switched off while it runs.

_LINEAGE_READERS = ["lineage_table", "_scoring_runs"]
_LINEAGE_VERSIONS = [  # train_months of versions 1, 2, 3, 4
    [f"2025-{m:02d}" for m in range(1, 10)], ["2026-02", "2026-03", "2026-04"], ["2026-05", "2026-06", "2026-07"],
    ["2026-07", "2026-08", "2026-09"],
]
_LINEAGE_RUNS = [  # oldest first: (step, month, model: own or another, version); the answer is marked True
    ("scoring", "2026-04", "own", "1", True),
    ("scoring", "2026-11", "own", "2", False),  # November scored again below: this run is superseded
    ("scoring", "2026-11", "own", "3", True),
    ("scoring", "2026-11", "other", "4", False),  # another registered model's scoring of the same month
    ("scoring", "2026-12", "own", "4", False),
    ("scoring", "2026-04", "other", "4", False),
    # the newest run of each month for the model is not a scoring run: a query without the step filter picks it
    ("training", "2026-04", "own", "2", False),
    ("training", "2026-11", "own", "4", False),
]


def _hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def _scratch_lineage():
    """A scratch registered model (versions with lineage tags, champion on the newest) and scoring runs of its own,
    decoys included; yields (client, name, {month: (run_id, version, version tags)}); all removed afterwards."""
    import time

    import mlflow

    from ..config import EXPERIMENT, setup_tracking

    setup_tracking()
    experiment = mlflow.get_experiment_by_name(EXPERIMENT).experiment_id
    runs, answers = [], {}
    with _scratch_model([], champion=None) as (c, name):
        salt = uuid.uuid4().hex
        for i, months in enumerate(_LINEAGE_VERSIONS, start=1):
            c.create_model_version(name, source="file:///lab10-check/not-a-model",
                                   tags={"train_months": ",".join(months), lineage.TAG: _hex(f"{salt}-train-{i}")})
        c.set_registered_model_alias(name, "champion", str(len(_LINEAGE_VERSIONS)))
        start = int(time.time() * 1000) - 60_000 * len(_LINEAGE_RUNS)
        try:
            for i, (step, month, model, version, answer) in enumerate(_LINEAGE_RUNS):
                tags = {"lifecycle": "lab10", "step": step, "month": month, "mlflow.runName": f"{step}-{month}",
                        "model.name": name if model == "own" else f"{name}-shadow", "model.version": version,
                        lineage.TAG: _hex(f"{salt}-batch-{i}")}
                run = c.create_run(experiment, start_time=start + 60_000 * i, tags=tags)
                c.set_terminated(run.info.run_id, end_time=start + 60_000 * i + 1_000)
                runs.append(run.info.run_id)
                if answer:
                    answers[month] = (run.info.run_id, version, dict(c.get_model_version(name, version).tags))
            yield c, name, answers
        finally:
            for run_id in runs:
                with contextlib.suppress(Exception):
                    c.delete_run(run_id)


def _audit_problems(given, month, run_id, version, tags) -> tuple[float, str | None, list[str]]:
    """(share right, a verdict that stops the check or None, what to fix) for one month's answer."""
    if not isinstance(given, dict):
        return 0, (f'For {month}, return a dict with the keys "run_id", "version", "train_months" and "data_version", '
                   f"not {type(given).__name__}."), []
    if str(given.get("version")).strip().lstrip("v") != version:
        return 0, (f"For {month}, the version is not the one the store says scored it ({given.get('version')!r}). The "
                   "scoring runs record it in a tag: find the run of that month for the model you were given (if the "
                   "month was scored more than once, the newest), and read the version from it."), []
    problems, right = [], 1
    found_run = str(given.get("run_id", "")).strip() == run_id
    if found_run:
        right += 1
    else:
        problems.append("run_id: the id of that scoring run, which the auditor opens in the MLflow UI")
    expected_months = tags["train_months"].split(",")
    months = given.get("train_months")
    if isinstance(months, str):
        months = [m.strip() for m in months.split(",")]
    if isinstance(months, (list, tuple)) and sorted(map(str, months)) == sorted(expected_months):
        right += 1
    else:
        problems.append("train_months: the version's tag `train_months`, as a list of months")
    given_data = str(given.get("data_version", "")).strip()
    if given_data == tags[lineage.TAG]:
        right += 1
    elif given_data and tags[lineage.TAG].startswith(given_data):
        problems.append(f"data_version: all 64 hex digits of the tag `{lineage.TAG}`, not the short form")
    else:
        problems.append(f"data_version: the version's tag `{lineage.TAG}` (its training data), not the scored batch's")
    # the version's facts count once the answer stands on the run
    return (right / 4 if found_run else 0.25), None, problems


@exercise("10.lineage", points=2, title="Answer the auditor from the store")
def lineage_answer(answer, **_):
    if not callable(answer):
        return wrong("Define a function `answer_auditor(client, name, month)` that returns the auditor's dict.")
    used = references(answer, {f"continuous.{n}": getattr(continuous, n) for n in _LINEAGE_READERS})
    if used:
        return wrong(f"Your function uses `{used[0]}`, the lab's own reader of the scoring runs: the auditor's "
                     "question is the query, so write it yourself.")
    with _scratch_lineage() as (c, name, answers):
        try:
            with without(continuous, _LINEAGE_READERS):
                given = {month: answer(c, name, month) for month in answers}
        except Forbidden as err:
            return wrong(f"Your function uses `{err.name}`, the lab's own reader of the scoring runs: the auditor's "
                         "question is the query, so write it yourself.")
    if all(is_blank(g) for g in given.values()):
        raise NotAnswered
    scores, problems = [], []
    for month, (run_id, version, tags) in answers.items():
        share, verdict, fix = _audit_problems(given[month], month, run_id, version, tags)
        if verdict:
            return wrong(verdict)
        scores.append(share)
        problems = problems or [f"{p} (for {month})" for p in fix]
    if not problems:
        return correct("Your function finds the scoring run, the version it names and that version's training months "
                       "and data version, for any model and month: an answer the auditor can check in the store.")
    return partial(round(min(scores), 2), "The versions are right. Check " + "; ".join(problems) + ".")


# --- 10.rollback -------------------------------------------------------------------------------------------------

_START = {continuous.START_TAG: "true", "gate": "passed"}
_NOT_PROMOTED = ({"gate": "passed"}, {"gate": "failed"}, {})
"""Versions nobody promoted: a challenger that passed its gate and did not win, one that failed it, one registered by
hand without a gate."""
_INCIDENT = {"incident": "hotfix without gate"}
_ROLLBACK_STORIES = {"hotfix": ("the pipeline promoted at least twice, then a hotfix went live", 9, 3),
                     "never": ("the pipeline never promoted anything", 8, 1),
                     "own": ("the pipeline's own last promotion is the incident", 8, 2)}
"""Each story's name, its lowest broken version (the highest is 4 more) and its lowest version to return to."""


def _rollback_scenarios(seed: int) -> list[tuple[str, list[dict[str, str]], int, str]]:
    """(what, the versions' tags (1, 2, ...), the champion (the broken version), the version to return to) for each
    story, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check). The version to return to is drawn
    evenly from every place its story leaves it, at least two below the broken one (so the version just below the
    broken one is never the answer): a table keyed on (versions registered, broken version) passes all three stories
    on fewer than 1 check in 250. Zero or one version follows the broken one; promotion months rise with the versions."""
    rng = np.random.default_rng(seed)
    scenarios = []
    for story, (what, lowest_broken, lowest_target) in _ROLLBACK_STORIES.items():
        broken = int(rng.integers(lowest_broken, lowest_broken + 5))
        target = int(rng.integers(lowest_target, broken - 1))
        start = target if story == "never" else int(rng.integers(1, target - lowest_target + 2))
        earlier = int(rng.integers(start + 1, target)) if story == "hotfix" else None  # its first promotion
        versions = []
        for version in range(1, broken + int(rng.integers(2)) + 1):
            if version == start:
                versions.append(dict(_START))
            elif version == broken:  # the pipeline's own promotion, or a hotfix moved in by hand
                tags = {"gate": "passed", continuous.PROMOTED_TAG: ""} if story == "own" else {"gate": "skipped"}
                versions.append({**tags, **_INCIDENT})
            elif version in (target, earlier) or (start < version < target and rng.random() < 1 / 3):
                versions.append({"gate": "passed", continuous.PROMOTED_TAG: ""})
            else:
                versions.append(dict(_NOT_PROMOTED[int(rng.integers(len(_NOT_PROMOTED)))]))
        promotions = [tags for tags in versions if continuous.PROMOTED_TAG in tags]
        for tags, month in zip(promotions, sorted(rng.choice(np.arange(1, 13), len(promotions), replace=False))):
            tags[continuous.PROMOTED_TAG] = f"2026-{month:02d}"
        scenarios.append((what, versions, broken, str(target)))
    return scenarios


@exercise("10.rollback", points=2, title="Roll back, safely enough to run twice")
def rollback(answer, name: str = "", **_):
    if not callable(answer):
        return wrong("Define a function `roll_back(client, name)`.")
    results = []
    for what, versions, broken, expected in _rollback_scenarios(case_seed("10.rollback")):
        with _scratch_model(versions, champion=broken) as (c, scratch):
            first = answer(c, scratch)
            after_first = _champion(c, scratch)
            second = answer(c, scratch)
            after_second = _champion(c, scratch)
            kept = {str(v.version): dict(v.tags) for v in c.search_model_versions(f"name='{scratch}'")}
        results.append((what, expected, first, after_first, second, after_second, str(broken), kept, len(versions)))
    if all(r[2] is None and r[3] == r[6] for r in results):
        raise NotAnswered
    for what, expected, first, after_first, second, after_second, broken, kept, registered in results:
        if len(kept) < registered:
            return wrong(f"Scenario '{what}': after your function the registry holds {len(kept)} of its {registered} "
                         f"versions{'' if broken in kept else f', and the broken v{broken} is gone'}. A rollback "
                         "deletes nothing: the post-mortem needs the broken version, and the others are the record.")
        if "incident" not in kept[broken]:
            return wrong(f"Scenario '{what}': the broken v{broken} lost its `incident` tag. A rollback moves the alias "
                         "and leaves the incident's record as it is, for the post-mortem (and for the next rollback).")
        if after_first == broken:
            return wrong(f"Scenario '{what}': `champion` still points at the broken v{broken}. Move it with "
                         "client.set_registered_model_alias(name, 'champion', version), to a version that is not "
                         "tagged `incident`: the pipeline's own promotion can be the incident.")
        if after_first != expected:
            return wrong(f"Scenario '{what}': your function moved `champion` to v{after_first}; the version that served "
                         f"before the incident is v{expected}. Look for the newest version tagged "
                         f"`{continuous.PROMOTED_TAG}` (not tagged `incident`), else the one tagged "
                         f"`{continuous.START_TAG}`.")
        if after_second != expected:
            return partial(0.5, f"Scenario '{what}': right the first time, but run again it moved `champion` to "
                                f"v{after_second}. Decide from tags, not from what serves now, so that a second run "
                                "changes nothing.")
        if str(first) != expected or str(second) != expected:
            return partial(0.75, f"Scenario '{what}': the alias is right; return the version you rolled back to "
                                 f"('{expected}'), as text.")
    return correct("Rolled back from the registry's own record, and a second run changes nothing. The broken version "
                   "stays registered for the post-mortem.")

seal(__name__)
