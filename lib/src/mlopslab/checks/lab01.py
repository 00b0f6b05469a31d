"""Checks of lab 01 (MLOps: what and why): the five features, the audit record, maturity levels."""

from __future__ import annotations

from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..maturity import AUDIT_ITEMS, FEATURES, PRACTICES, TEAMS, assess, feature_named


@exercise("01.practices", points=2, title="Map practices to the five key features")
def practices(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict: practice key -> the name of a key feature.")
    unknown = sorted(set(answer) - set(PRACTICES))
    if unknown:
        return wrong(f"{unknown} are not practice keys; use the keys of the table: {sorted(PRACTICES)}.")
    given = {k: v for k, v in answer.items() if v is not ...}
    unnamed = sorted(k for k, v in given.items() if feature_named(v) is None)
    if unnamed:
        return wrong(f"For {unnamed} the answer does not name one key feature; use one of {list(FEATURES)}.")
    right = [k for k in PRACTICES if k in given and feature_named(given[k]) == PRACTICES[k][1]]
    if len(right) == len(PRACTICES):
        return correct("All seven placed: each feature is a question the team must be able to answer.")
    off = [k for k in PRACTICES if k in given and k not in right]
    todo = [k for k in PRACTICES if k not in given]
    hint = (f"{len(right)} of {len(PRACTICES)} right. Think again about {off[:2]}: ask what each practice protects "
            "against - a bad experiment, a manual hand-off, a silent change in production, a stale model, "
            "or a question from an auditor nobody can answer.") if off else f"Still to place: {todo}."
    return partial(len(right) / len(PRACTICES), hint) if right else wrong(hint)


@exercise("01.audit_needs", points=2, title="What an audit record needs")
def audit_needs(answer, **_):
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, (list, tuple, set)):
        return wrong("Give a list of keys from the table of candidate entries.")
    picked = {a for a in answer if a is not ...}
    unknown = sorted(str(p) for p in picked - set(AUDIT_ITEMS))
    if unknown:
        return wrong(f"{unknown} are not keys of the table; pick from {sorted(AUDIT_ITEMS)}.")
    needed = {k for k, (_, need, _) in AUDIT_ITEMS.items() if need}
    extra = sorted(picked - needed)
    missed = sorted(needed - picked)
    if not extra and not missed:
        return correct("Exactly: data version, parameters, code version, people and metrics - "
                       "MLflow can record every one of them.")
    score = max(0.0, (len(picked & needed) - len(extra)) / len(needed))
    reasons = [f"'{k}' is not needed: {AUDIT_ITEMS[k][2]}" for k in extra[:1]]
    reasons += [f"{len(missed)} needed entr{'y is' if len(missed) == 1 else 'ies are'} missing; "
                f"(one of them matters because {AUDIT_ITEMS[missed[0]][2]})"] if missed else []
    hint = "; ".join(reasons) + "."
    return partial(score, hint) if 0 < score < 1 else wrong(hint)


@exercise("01.who_approved", points=2, title="Answer an audit question from the record")
def who_approved(answer, **_):
    import mlflow

    from ..config import EXPERIMENT
    from ..data import data_dir, sha256_file

    if not callable(answer):
        return wrong("Define a function `who_approved(data_sha256)` that returns a list of names.")
    sha = sha256_file(data_dir() / "customers.csv")
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=f"tags.data_sha256 = '{sha}'")
    if runs.empty or "tags.approved_by" not in runs:
        return wrong("The tracking store holds no approved run yet: run the cells of section 4 first.")
    expected = sorted(set(runs["tags.approved_by"].dropna()))
    got = answer(sha)
    if got is None:
        raise NotAnswered
    if isinstance(got, str) or not isinstance(got, (list, tuple, set)):
        return wrong(f"Return a list of names, not a {type(got).__name__}.")
    if sorted(set(got)) != expected:
        return wrong(f"who_approved(<today's data fingerprint>) returned {sorted(set(got))}, but the record says "
                     "otherwise. Search the runs with mlflow.search_runs(filter_string=...) on the tag "
                     "data_sha256, and read the column 'tags.approved_by'.")
    other = answer("0" * 64)
    if other:
        return partial(0.5, "Right for today's data, but for a data version that never trained a model your "
                            f"function still returns {sorted(set(other))}: filter the runs by the fingerprint.")
    return correct("Right: the answer comes from the record, filtered by the data's fingerprint, not from memory.")


@exercise("01.team_levels", points=2, title="Place three teams on the maturity scale")
def team_levels(answer, **_):
    if not isinstance(answer, dict) or set(answer) - set(TEAMS):
        return wrong(f"Give a dict with the keys {sorted(TEAMS)} and a level 0, 1 or 2 each.")
    expected = {team: assess(answers).level for team, answers in TEAMS.items()}
    given = {k: v for k, v in answer.items() if v is not ...}
    if any(isinstance(v, bool) or v not in (0, 1, 2) for v in given.values()):
        return wrong("Each level is a whole number: 0 (manual), 1 (automated training) or 2 (automated CI/CD).")
    right = [team for team in TEAMS if given.get(team) == expected[team]]
    if len(right) == len(TEAMS):
        return correct("Right: tracking alone is not level 1; automated, versioned retraining is; automated "
                       "testing, deployment, monitoring and approval records make level 2.")
    off = [team for team in TEAMS if team in given and team not in right]
    hint = (f"{len(right)} of {len(TEAMS)} right; look again at {off}. List which of the ten statements each "
            "description makes true (maturity.assess does the counting): a level counts only when 4 of its 5 "
            "practices are in place and every lower level is reached.") if off else \
        f"Still to place: {[t for t in TEAMS if t not in given]}."
    return partial(len(right) / len(TEAMS), hint) if right else wrong(hint)
