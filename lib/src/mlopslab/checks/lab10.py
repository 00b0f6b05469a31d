"""Checks of lab 10 (continuous training and the 5 Cs): the promotion policy, lineage, a rollback."""

from __future__ import annotations

from .. import continuous
from ..exercises import NotAnswered, correct, exercise, partial, wrong


def _policy_cases() -> list[tuple[dict, dict, bool]]:
    """Gate-month metrics of the year's real challengers, and edge cases the rule must get right."""
    cases = []
    for row in continuous.shipped_year("continuous").gates.itertuples():
        cases.append(({"auc": row.challenger_auc, "profit": row.challenger_profit},
                      {"auc": row.champion_auc, "profit": row.champion_profit}))
    cases += [
        ({"auc": 0.80, "profit": 5000.0}, {"auc": 0.80, "profit": 5000.0}),   # a tie: no reason to switch
        ({"auc": 0.77, "profit": 6000.0}, {"auc": 0.80, "profit": 5000.0}),   # more profit, ranks 0.03 worse
        ({"auc": 0.79, "profit": 5100.0}, {"auc": 0.80, "profit": 5000.0}),   # more profit, within 0.02
        ({"auc": 0.90, "profit": 4000.0}, {"auc": 0.80, "profit": 5000.0}),   # ranks better, earns less
        ({"auc": 0.78, "profit": 5001.0}, {"auc": 0.80, "profit": 5000.0}),   # exactly 0.02 worse: allowed
    ]
    return [(new, old, continuous.promotion_policy(new, old)) for new, old in cases]


@exercise("10.promotion_policy", points=3, title="Write the promotion policy")
def promotion_policy(answer, **_):
    if not callable(answer):
        return wrong("Define a function `promote(challenger, champion)` that returns True or False.")
    cases = _policy_cases()
    results = [answer(dict(new), dict(old)) for new, old, _ in cases]
    if all(r is None for r in results):
        raise NotAnswered
    missed = [(new, old, want, got) for (new, old, want), got in zip(cases, results) if bool(got) != want]
    if not missed:
        return correct(f"Right on all {len(cases)} cases, including the year's real challengers.")
    new, old, want, got = missed[0]
    hint = (f"For challenger {new} vs champion {old} you said {bool(got)}, the policy says {want}. "
            "Promote only if the challenger earns strictly more profit AND its AUC is at least the champion's − 0.02.")
    right = 1 - len(missed) / len(cases)
    return partial(round(right, 2), hint) if right >= 0.5 else wrong(hint)


@exercise("10.lineage", points=3, title="Read the lineage of a month")
def lineage(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict with the keys 'promoted_in', 'trained_on' and 'gate_month'.")
    model = continuous.shipped_year("continuous").served_by("2026-11")
    expected = {"promoted_in": model.promoted_in, "trained_on": f"{model.train_months[0]}..{model.train_months[-1]}",
                "gate_month": model.gate_month}
    given = dict(answer)
    if isinstance(given.get("trained_on"), (list, tuple)) and given["trained_on"]:
        months = [str(m) for m in given["trained_on"]]
        given["trained_on"] = f"{months[0]}..{months[-1]}"
    right = [k for k in expected if str(given.get(k, "")).strip() == expected[k]]
    if len(right) == len(expected):
        return correct(f"Yes: November was scored by the model promoted in {expected['promoted_in']}, trained on "
                       f"{expected['trained_on']} and validated on {expected['gate_month']}'s labels.")
    if given.get("promoted_in") == "2026-11":
        return wrong("A challenger was trained in November, but did it pass? Look at the `challenger` column of the "
                     "log: a rejected challenger leaves the previous champion serving.")
    missing = [k for k in expected if k not in right]
    hint = f"Check {', '.join(missing)}: find 2026-11 in the lineage table and read its row."
    return partial(len(right) / len(expected), hint) if right else wrong(hint)


def _incident(name: str):
    from ..registry import client

    broken = [v for v in client().search_model_versions(f"name='{name}'") if v.tags.get("incident")]
    if not broken:
        raise NotAnswered
    return max(broken, key=lambda v: int(v.version))


@exercise("10.rollback", points=2, title="Roll back the champion")
def rollback(answer, name: str = "", **_):
    from ..registry import alias_version

    broken = _incident(name)
    expected, serving = broken.tags.get("replaces", ""), alias_version("champion", name)
    answer = str(answer).strip()
    if serving == broken.version:
        if answer == expected:
            return partial(0.5, f"v{expected} is the right version, but `champion` still points at the broken "
                                f"v{broken.version}: move the alias with client.set_registered_model_alias.")
        return wrong(f"`champion` still serves the broken v{broken.version}. Its tag `replaces` says which version "
                     "served before it; point the alias there.")
    if serving != expected:
        return wrong(f"`champion` now points at v{serving}, but the version that served before the incident is the "
                     "one the broken version `replaces` (read its tags). Rolling back further discards good models.")
    if answer != expected:
        return partial(0.5, f"The alias is right (v{expected}); set `rolled_back_to` to that version too.")
    return correct(f"Rolled back: `champion` serves v{expected} again. The broken v{broken.version} stays in the "
                   "registry for the post-mortem; nothing was deleted or retrained.")
