"""HTML pages: a feedback page per student and a class summary with an inline-SVG score histogram.

A page shows, per lab, every exercise's result and message, the student's own cell where something failed, a
written answer with the grader's score per criterion and comment, and the late penalty with its reason. It never
shows a hidden check's source nor any cell the grader added: only the recorded results are rendered.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ...exercises import label, number
from .collect import slug
from .report import columns, max_points
from .roster import Person
from .score import ExerciseGrade, SubmissionGrade
from .written import KIND, NEEDS_REVIEW

COLOURS = {"correct": "#2e7d32", "partial": "#b7791f", "wrong": "#c62828", "unanswered": "#607d8b",
           "error": "#c62828", "timeout": "#c62828", "missing": "#6d4c41", "not-run": "#607d8b", "flagged": "#6a1b9a",
           "needs-review": "#1565c0", "reviewed": "#2e7d32"}
LABELS = {"correct": "correct", "partial": "partly right", "wrong": "not yet right", "unanswered": "not answered",
          "error": "raised an error", "timeout": "stopped: too slow", "missing": "cell missing",
          "not-run": "not graded", "flagged": "flagged for review", "needs-review": "waiting for a grader",
          "reviewed": "scored by a grader"}
RUN_STATUS = {"ok": "", "timeout": "Your notebook was stopped: it ran past the time limit.",
              "memory": "Your notebook was stopped: it used more memory than allowed.",
              "kernel-died": "Your notebook's kernel died (crashed or exited), so the rest was not graded.",
              "invalid": "Your file could not be read as a notebook.", "unknown-lab": "This file is not a lab.",
              "duplicate": "More than one notebook for this lab.", "not-submitted": "Not handed in.",
              "no-notebook": "No notebook found.", "startup-failed": "The kernel could not start.",
              "grader-error": "The grader failed on this notebook (not your fault): your instructor will look at it."}
CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:6px 8px;
text-align:left;vertical-align:top}th{background:#f3f5f8}.num{text-align:right;white-space:nowrap}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:85%;max-height:24em}.warn{background:#fdecea;
padding:8px 12px;border-radius:4px}.note{background:#fff8e1;padding:8px 12px;border-radius:4px}
.badge{color:#fff;border-radius:3px;padding:2px 6px;white-space:nowrap;font-size:90%}
.bar{background:#5cb85c;height:12px;display:inline-block}.small{color:#666;font-size:90%}"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")


def _criteria_table(e: ExerciseGrade) -> str:
    rows = "".join(f"<tr><td>{escape(str(description))}</td><td class='num'>{points:g} / {top:g}</td></tr>"
                   for _, description, points, top in e.criteria)
    return f"<table class='small'><tr><th>criterion</th><th class='num'>score</th></tr>{rows}</table>"


def _exercise_row(e: ExerciseGrade) -> str:
    shown = number(e.exercise)  # "05.1", as the lab's heading shows it; a hidden check or written answer has none
    name = (f"{escape(shown)} — " if shown != e.exercise else "") + f"{escape(e.title)} <span class='small'>({escape(e.exercise)}"
    name += f", an extra check on {escape(e.hidden_of)})</span>" if e.hidden_of else ")</span>"
    detail = f"<div>{escape(e.message)}</div>" if e.message and not e.criteria else ""
    if e.kind == KIND:
        if e.criteria:
            detail += _criteria_table(e) + (f"<div><b>The grader's comment:</b> {escape(e.comment)}</div>"
                                             if e.comment else "")
        if e.source.strip() and e.status != "unanswered":
            detail += f"<details><summary>your answer</summary><pre>{escape(e.source)}</pre></details>"
    elif e.status != "correct" and e.source.strip():
        detail += f"<details><summary>your exercise cell</summary><pre>{escape(e.source)}</pre></details>"
    if e.error:
        detail += f"<details open><summary>the error</summary><pre>{escape(e.error[-4000:])}</pre></details>"
    badge = f"<span class='badge' style='background:{COLOURS.get(e.status, '#555')}'>{LABELS.get(e.status, e.status)}</span>"
    return (f"<tr><td>{badge}</td><td>{name}{detail}</td>"
            f"<td class='num'>{e.points:g} / {e.max_points:g}</td></tr>")


def _late(g: SubmissionGrade) -> str:
    if g.penalty:
        return (f"<p class='warn'><b>Late:</b> {escape(g.late)}. Points before the penalty: {g.points:g}; "
                f"after: {g.final_points:g}.</p>")
    return f"<p class='small'>{escape(g.late)}</p>" if g.late else ""


def _lab_section(g: SubmissionGrade) -> str:
    head = f"<h2>Lab {escape(g.lab or '?')} — {g.final_points:g} / {g.max_points:g} points</h2>"
    if g.submission:
        head += f"<p class='small'>graded file: {escape(g.submission)}</p>"
    if g.status != "ok":
        head += f"<p class='warn'><b>{escape(RUN_STATUS.get(g.status, g.status))}</b> {escape(g.reason)}</p>"
    head += _late(g)
    head += "".join(f"<p class='note'>Note: {escape(n)}</p>" for n in g.notes)
    if any(e.status == NEEDS_REVIEW for e in g.exercises):
        head += ("<p class='note'>A grader has not yet scored your written answer(s): they count 0 points until "
                 "then, and this page will show the score and the grader's comment.</p>")
    if not g.exercises:
        return head
    rows = "".join(_exercise_row(e) for e in g.exercises)
    return head + f"<table><tr><th>result</th><th>exercise</th><th class='num'>points</th></tr>{rows}</table>"


def feedback_page(student: str, grades: list[SubmissionGrade], person: Person | None = None) -> str:
    """The feedback page of one student: per lab, what passed, hints for what did not, errors with their cell."""
    total, top = round(sum(g.final_points for g in grades), 4), round(sum(g.max_points for g in grades), 4)
    who = f"{person.name} ({student})" if person and person.name and person.name != student else student
    body = f"<h1>Feedback for {escape(who)}</h1><p><b>Total: {total:g} / {top:g} points</b></p>"
    body += "".join(_lab_section(g) for g in grades)
    return _page(f"Feedback: {student}", body)


def histogram_svg(values: list[float], bins: int = 10, width: int = 520, height: int = 200) -> str:
    """An inline SVG histogram of percentages (0-100) in ``bins`` equal bins."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v / (100 / bins)))] += 1
    peak, bar_w, base = max(counts + [1]), (width - 40) / bins, height - 30
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
              f'aria-label="histogram of total scores">')]
    for i, count in enumerate(counts):
        h = (base - 10) * count / peak
        x = 30 + i * bar_w
        parts.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" fill="#4a7ebb"/>')
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 3:.1f}" font-size="11" '
                         f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="10">{i * 100 // bins}</text>')
    parts.append(f'<text x="{width - 10}" y="{base + 14}" font-size="10" text-anchor="end">100 %</text>')
    parts.append(f'<line x1="30" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#333"/></svg>')
    return "".join(parts)


def summary_page(grades: list[SubmissionGrade]) -> str:
    """The class summary: pass rate and mean points per exercise, score histogram, every problem."""
    students = list(dict.fromkeys(g.student for g in grades))
    maxima = max_points(grades)
    top = sum(maxima[e] for ids in columns(grades).values() for e in ids) or 1
    percents = [100 * sum(g.final_points for g in grades if g.student == s) / top for s in students]
    rows = ""
    for lab, ids in columns(grades).items():
        for ex_id in ids:
            found = [e for g in grades if g.lab == lab for e in g.exercises if e.exercise == ex_id]
            n = len(found) or 1
            passed = sum(e.status == "correct" for e in found) / n
            partial = sum(e.status == "partial" for e in found) / n
            mean = sum(e.points for e in found) / n
            flagged = sum(e.status == "flagged" for e in found)
            rows += (f"<tr><td>{escape(label(ex_id))}</td><td>{escape(found[0].title if found else '')}</td>"
                     f"<td class='num'>{passed:.0%} <span class='bar' style='width:{80 * passed:.0f}px'></span></td>"
                     f"<td class='num'>{partial:.0%}</td><td class='num'>{mean:.2f} / {maxima[ex_id]:g}</td>"
                     f"<td class='num'>{flagged or ''}</td></tr>")
    problems = "".join(
        f"<tr><td><a href='feedback/{slug(g.student)}.html'>{escape(g.student)}</a></td><td>{escape(g.lab or '')}</td>"
        f"<td>{escape(g.status)}</td><td>{escape(g.reason)}</td></tr>"
        for g in grades if g.status != "ok"
    )
    problems += "".join(
        f"<tr><td><a href='feedback/{slug(g.student)}.html'>{escape(g.student)}</a></td><td>{escape(g.lab or '')}</td>"
        f"<td>flagged {escape(e.exercise)}</td><td>{escape(e.message)}</td></tr>"
        for g in grades for e in g.exercises if e.status == "flagged"
    )
    mean = sum(percents) / len(percents) if percents else 0
    pending = sum(e.status == NEEDS_REVIEW for g in grades for e in g.exercises)
    late = sum(bool(g.penalty) for g in grades)
    body = (f"<h1>Class summary</h1><p>{len(students)} students, {len(grades)} lab submissions; "
            f"mean total {mean:.0f}% of {top:g} points (after late penalties: {late} lab(s) penalised).</p>"
            + (f"<p class='note'>{pending} written answer(s) wait for a grader: <code>mlopslab review</code> this "
               "folder.</p>" if pending else "")
            + "<p><a href='similarity.html'>Near-identical answers</a> (a list to look at, never a penalty).</p>"
            + "<h2>Total scores (% of the maximum)</h2>"
            f"{histogram_svg(percents)}<h2>Exercises</h2><table><tr><th>exercise</th><th>title</th>"
            f"<th class='num'>correct</th><th class='num'>partly</th><th class='num'>mean points</th>"
            f"<th class='num'>flagged</th></tr>{rows}</table>"
            f"<h2>Problems ({problems.count('<tr>')})</h2>"
            + (f"<table><tr><th>student</th><th>lab</th><th>status</th><th>reason</th></tr>{problems}</table>"
               if problems else "<p>None: every submission ran to the end.</p>")
            + "<h2>Students</h2><ul>"
            + "".join(f"<li><a href='feedback/{slug(s)}.html'>{escape(s)}</a> — {p:.0f}%</li>"
                      for s, p in zip(students, percents))
            + "</ul>")
    return _page("Class summary", body)


def write_pages(grades: list[SubmissionGrade], out: Path, people: dict[str, Person] | None = None) -> None:
    """feedback/<student>.html for every student and summary.html in ``out``."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for student in dict.fromkeys(g.student for g in grades):
        page = feedback_page(student, [g for g in grades if g.student == student], (people or {}).get(student))
        (out / "feedback" / f"{slug(student)}.html").write_text(page, encoding="utf-8")
    (out / "summary.html").write_text(summary_page(grades), encoding="utf-8")
