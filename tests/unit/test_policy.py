"""One governed policy, defined once (``mlopslab.policy``) and used by every lab and module that applies it.

What these tests prove, by reading the sources (``lib/src/mlopslab/*.py`` and ``course/labs/*.py``) with ``ast``:

* the policy's types and governed instances are defined in ``mlopslab.policy`` only; other modules re-export the
  same objects, never copies;
* no module or lab **constructs a policy with overrides** (``GatePolicy(max_fairness_gap=0.2)``,
  ``validation.Policy(fairness_metric=...)``, ``AlertRules(psi_alert=...)``, ``dataclasses.replace(policy.GATE, ...)``)
  unless the line says it is an illustration (``# illustration``): a lab may *show* another rule, never record a
  decision with it;
* no module or lab **types its own limit**: a number or an e-mail address assigned to a policy-like name
  (``APPROVER = "...@..."``, ``threshold = 0.22``, ``MAX_ROWS = 5000``) or passed as a policy-like keyword
  (``threshold=0.5``, ``max_fairness_gap=0.2``);
* every lab that the policy names as a user of a rule (its docstring's "(labs 06, 07, ...)") refers to that rule
  (``policy.GATE``, ``policy.APPROVAL``, ...), and every lab or module that gates, approves or alerts refers to
  ``mlopslab.policy``.

What they cannot prove: a limit passed positionally as a bare literal (``expected_profit(y, s, 0.5)``), a copy made
by arithmetic, or what an "illustration" is later used for. Those are left to review; the checks of labs 06 and 07
also recompute their verdicts with ``policy.GATE`` and ``policy.APPROVAL``.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from mlopslab import config, policy

ROOT = config.repo_root()
MODULES = sorted(p for p in (ROOT / "lib" / "src" / "mlopslab").glob("*.py")
                 if p.name not in ("policy.py", "__main__.py"))
LABS = sorted((ROOT / "course" / "labs").glob("[0-9][0-9]_*.py"))
SOURCES = MODULES + LABS

POLICY_TYPES = {name for name, obj in vars(policy).items() if dataclasses.is_dataclass(obj) and isinstance(obj, type)}
"""GatePolicy, ThresholdRule, ApprovalChain, AlertRules, PromotionRule, ServingObjective, Economics."""
GOVERNED = {name for name, obj in vars(policy).items() if dataclasses.is_dataclass(obj) and not isinstance(obj, type)}
"""The governed instances: GATE, THRESHOLD, APPROVAL, ALERTS, PROMOTION, SLO, ECONOMICS."""
ALIASES = {"Policy"}
"""Names other modules give a policy type (``validation.Policy`` is ``policy.GatePolicy``)."""

GENERIC_FIELDS = {"window", "percentile", "validation_months"}
"""Policy fields whose names are too common to scan for (a rolling window, a latency percentile, a split's months)."""
FIELD_NAMES = sorted({f.name for t in POLICY_TYPES for f in dataclasses.fields(getattr(policy, t))
                      if isinstance(f.default, (int, float, str)) and not isinstance(f.default, bool)} - GENERIC_FIELDS)
POLICY_NAME = re.compile(r"(?i)(^|_)(" + "|".join([*FIELD_NAMES, "fairness_gap", "max_gap", "slo", "slo_ms",
                                                     "gate_policy"]) + r")($|_)")
"""Names that hold a governed value (every field of the policy's types, and the usual spellings of a limit) when a
number or an e-mail address is bound to them, anywhere: assignment, keyword argument, default, dataclass field."""
THRESHOLD_NAME = re.compile(r"(?i)(^|_)threshold($|_)")
"""A decision threshold typed as a constant (``THRESHOLD = 0.22``) or passed as one (``gate(..., threshold=0.3)``).
A function's default (``expected_profit(y, s, threshold=0.5)``) is a utility's convenience, not scanned."""
NOT_POLICY = {("lib/src/mlopslab/maturity.py", "THRESHOLD"): "the share of a maturity level's practices, not a limit"}
"""Names that match but hold no governed value, each with the reason."""
MARKER = "# illustration"


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _line(path: Path, lineno: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[lineno - 1]


def _is_literal_limit(node: ast.AST) -> bool:
    """A number (also negative) or a string holding an e-mail address."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return False
        if isinstance(node.value, (int, float)):
            return True
        return isinstance(node.value, str) and "@" in node.value
    return False


def _mentions_governed(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Name, ast.Attribute)) and (getattr(n, "id", None) in GOVERNED or
                                                            getattr(n, "attr", None) in GOVERNED)
               for n in ast.walk(node))


def overrides(path: Path) -> list[str]:
    """Policy constructions with arguments and ``replace(<governed>, ...)`` calls, without the illustration marker."""
    found = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        constructs = name in POLICY_TYPES | ALIASES and (node.args or node.keywords)
        replaces = name == "replace" and node.args and _mentions_governed(node.args[0])
        if (constructs or replaces) and MARKER not in _line(path, node.lineno):
            found.append(f"{_rel(path)}:{node.lineno}: {_line(path, node.lineno).strip()}")
    return found


def typed_limits(path: Path) -> list[str]:
    """Literal limits bound to policy-like names: assignments, keyword arguments, defaults and dataclass fields."""
    found = []
    for node in ast.walk(_tree(path)):
        targets: list[tuple[str, ast.AST, bool]] = []  # (name, value, is a threshold position that counts)
        if isinstance(node, ast.Assign):
            targets = [(t.id, node.value, True) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            targets = [(node.target.id, node.value, False)]
        elif isinstance(node, ast.Call):
            targets = [(k.arg, k.value, True) for k in node.keywords if k.arg]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.args[-len(node.args.defaults):] if node.args.defaults else []
            targets = [(a.arg, d, False) for a, d in zip(args, node.args.defaults)]
            targets += [(a.arg, d, False) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None]
        for name, value, counts in targets:
            policy_like = POLICY_NAME.search(name) or (counts and THRESHOLD_NAME.search(name))
            if (policy_like and _is_literal_limit(value) and MARKER not in _line(path, value.lineno)
                    and (_rel(path), name) not in NOT_POLICY):
                found.append(f"{_rel(path)}:{value.lineno}: {_line(path, value.lineno).strip()}")
    return sorted(set(found), key=lambda f: int(f.split(":")[1]))


def test_policy_types_and_governed_values_are_defined_once() -> None:
    assert POLICY_TYPES >= {"GatePolicy", "ThresholdRule", "ApprovalChain", "AlertRules", "PromotionRule",
                            "ServingObjective", "Economics"}
    assert GOVERNED >= {"GATE", "THRESHOLD", "APPROVAL", "ALERTS", "PROMOTION", "SLO", "ECONOMICS"}
    for name in GOVERNED:
        params = type(getattr(policy, name)).__dataclass_params__
        assert params.frozen, f"policy.{name} must be frozen: nobody changes a governed value at run time"
    defining = [f"{_rel(p)}:{n.lineno}: class {n.name}" for p in SOURCES for n in ast.walk(_tree(p))
                if isinstance(n, ast.ClassDef) and n.name in POLICY_TYPES]
    assert not defining, f"policy types defined outside mlopslab.policy: {defining}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_modules_re_export_the_policy_not_copies(path: Path) -> None:
    import importlib

    try:
        module = importlib.import_module(f"mlopslab.{path.stem}")
    except Exception as err:  # noqa: BLE001 -- reported: a module that cannot be imported cannot be checked
        pytest.fail(f"mlopslab.{path.stem} cannot be imported: {type(err).__name__}: {err}")
    for name, obj in vars(module).items():
        for governed in GOVERNED:
            value = getattr(policy, governed)
            if type(obj) is type(value) and obj == value and obj is not value:
                pytest.fail(f"mlopslab.{path.stem}.{name} is a copy of policy.{governed}: import it instead")
        if isinstance(obj, type) and obj.__name__ in POLICY_TYPES:
            assert obj is getattr(policy, obj.__name__), f"mlopslab.{path.stem}.{name} is not policy's class"


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_source_overrides_the_governed_policy(path: Path) -> None:
    found = overrides(path)
    assert not found, ("policy objects built with their own values (take them from mlopslab.policy, or mark an "
                       f"illustration with '{MARKER}'): {found}")


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_source_types_its_own_limit(path: Path) -> None:
    found = typed_limits(path)
    assert not found, f"limits typed outside mlopslab.policy (read them from mlopslab.policy): {found}"


def users_named_by_the_policy() -> dict[str, set[str]]:
    """Governed name -> the lab numbers the policy's docstring says use it, e.g. GATE -> {06, 07, 10, 11}."""
    doc = " ".join(policy.__doc__.split())
    users: dict[str, set[str]] = {}
    for name, labs in re.findall(r":data:`(\w+)`[^*]*?\(labs? ([\d, ]+)[);]", doc):
        users[name] = {n.strip() for n in labs.split(",") if n.strip()}
    return users


def test_the_policy_names_its_users() -> None:
    users = users_named_by_the_policy()
    assert {"GATE", "THRESHOLD", "APPROVAL", "ALERTS", "SLO"} <= set(users), users
    assert {"06", "07", "10", "11"} <= users["GATE"]


@pytest.mark.parametrize("path", LABS, ids=_rel)
def test_every_lab_reads_the_rules_it_applies(path: Path) -> None:
    """A lab the policy names as a user of a rule, or a lab that gates, approves or alerts, refers to that rule."""
    lab = path.name[:2]
    text = path.read_text(encoding="utf-8")
    needed = {name for name, labs in users_named_by_the_policy().items() if lab in labs}
    calls = {_called_name(n) for n in ast.walk(_tree(path)) if isinstance(n, ast.Call)}
    if "gate" in calls:
        needed.add("GATE")
    if calls & {"approve", "promote", "record_gate"}:
        needed.add("APPROVAL")
    if any(c.startswith("monitor") or c in {"alerts", "feature_drift"} for c in calls):
        needed.add("ALERTS")
    missing = sorted(n for n in needed if not re.search(rf"\bpolicy\.{n}\b", text))
    assert not missing, f"{_rel(path)} applies these rules without reading them from mlopslab.policy: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_module_that_gates_approves_or_alerts_imports_the_policy(path: Path) -> None:
    tree = _tree(path)
    calls = {_called_name(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    applies = bool(calls & {"gate", "approve", "promote", "record_gate", "monitor_month", "monitor_year"})
    imports = any(isinstance(n, ast.ImportFrom) and (n.module == "policy" or n.module == "mlopslab.policy" or
                                                     (n.module in (None, "mlopslab") and
                                                      any(a.name == "policy" for a in n.names)))
                  for n in ast.walk(tree))
    assert imports or not applies, f"{_rel(path)} gates, approves or alerts but never imports mlopslab.policy"


def test_the_scanners_find_what_they_look_for(tmp_path: Path) -> None:
    """The rules themselves: overrides and typed limits are found; re-uses of the policy and illustrations are not."""
    source = tmp_path / "example.py"
    source.write_text(
        "from mlopslab import policy, validation\n"
        "from dataclasses import replace\n"
        "GATE_POLICY = validation.Policy(max_fairness_gap=0.2)\n"
        "APPROVER = 'someone@telconova.example'\n"
        "strict = replace(policy.GATE, min_auc=0.9)\n"
        "shown = replace(policy.GATE, fairness_metric='recall')  # illustration: the rule not adopted\n"
        "decision = validation.gate(model, holdout, policy.GATE, threshold=0.3)\n"
        "governed = validation.gate(model, holdout, policy.GATE, threshold)\n"
        "def serve(rows, max_rows=5000, threshold=0.5):\n"
        "    return rows\n"
        "THRESHOLD = 0.22\n"
    )
    globals()["ROOT"] = tmp_path  # _rel() names files relative to ROOT
    try:
        assert [f.split(":")[1] for f in overrides(source)] == ["3", "5"]
        assert [int(f.split(":")[1]) for f in typed_limits(source)] == [3, 4, 5, 7, 9, 11]
    finally:
        globals()["ROOT"] = config.repo_root()
