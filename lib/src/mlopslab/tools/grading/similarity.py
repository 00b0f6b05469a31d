"""Near-identical answers: for each exercise, the pairs of submissions whose answers match once names and formatting
are normalised. A list for the instructor to look at, never a penalty: the grades do not change.

**Code.** The cell is parsed (IPython magics turned into Python first), docstrings and comments dropped, every name
the cell binds (variables, parameters, functions, import aliases) renamed by order of first appearance (``v1``,
``v2``, ...), and the tree printed back by :func:`ast.unparse`, so layout, quotes, parentheses and the choice of
names no longer count. **Written answers** are compared as lower-case words without markdown. Each answer becomes a
set of fingerprints: its runs of :data:`K` tokens (or :data:`K_TEXT` words).

What every student may share does not count (as MOSS does with its base file and its ``-m`` limit): the lab's stub
and prompt, the reference solutions and known wrong answers of the lab's source (honest students converge on
them), and any fingerprint that more than :data:`COMMON_SHARE` of the class (at least :data:`COMMON_MIN`
submissions) share. A pair is listed when the Jaccard similarity of their remaining fingerprints is at least
:data:`THRESHOLD` and they share at least :data:`MIN_SHARED` fingerprints no more than a few others have.
Hand-written; the standard library's ``ast`` and ``tokenize`` do the normalising (a plagiarism package such as
copydetect compares files, not notebook cells, and would add a dependency for a few dozen lines).
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

from .tamper import UNPARSABLE, _python_source

K, K_TEXT = 5, 4
THRESHOLD = 0.8
MIN_SHARED = 8
COMMON_SHARE, COMMON_MIN = 0.2, 3


@dataclass(frozen=True)
class Pair:
    """Two submissions with near-identical answers to one exercise."""

    exercise: str
    first: str
    second: str
    similarity: float  # Jaccard of their fingerprints, base and common ones left out
    shared: int  # fingerprints they share that few others have


class _Renamer(ast.NodeTransformer):
    """Renames every name bound in the cell to v1, v2, ... in order of first appearance; drops docstrings."""

    def __init__(self, bound: set[str]) -> None:
        self.bound, self.names = bound, {}

    def _new(self, name: str) -> str:
        if name not in self.bound:
            return name
        return self.names.setdefault(name, f"v{len(self.names) + 1}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg, node.annotation = self._new(node.arg), None
        return node

    def _body(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name, node.returns = self._new(node.name), None
        self.generic_visit(node)
        return self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._new(node.name)
        self.generic_visit(node)
        return self._body(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        if node.asname:
            node.asname = self._new(node.asname)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a bare string: a docstring or a comment written as one
        self.generic_visit(node)
        return node


def _bound(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
    return names


def code_tokens(source: str) -> list[str]:
    """The normalised tokens of a code cell (names renamed, layout and comments gone)."""
    text = _python_source(source)
    try:
        tree = ast.parse(text)
        tree = ast.fix_missing_locations(_Renamer(_bound(tree)).visit(tree))
        text = ast.unparse(tree)
    except UNPARSABLE:
        pass  # compare what is there, token by token
    try:
        tokens = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                    tokenize.DEDENT, tokenize.ENDMARKER) and t.string.strip()]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = re.findall(r"\w+|[^\w\s]", text)
    return tokens


def text_tokens(text: str) -> list[str]:
    """The words of a written answer: lower case, no markdown, no punctuation."""
    return re.findall(r"[^\W_]+", text.lower())


def fingerprints(tokens: list[str], k: int) -> set[tuple[str, ...]]:
    """The runs of ``k`` tokens (the whole answer when shorter)."""
    if len(tokens) < k:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def _prints(source: str, written: bool) -> set[tuple[str, ...]]:
    return fingerprints(text_tokens(source), K_TEXT) if written else fingerprints(code_tokens(source), K)


def similar_pairs(exercise: str, answers: dict[str, str], base: list[str] | None = None,
                  written: bool = False) -> list[Pair]:
    """The near-identical pairs among ``answers`` (student -> source) of one exercise, most similar first."""
    known = set().union(*(_prints(b, written) for b in base or [])) if base else set()
    prints = {s: _prints(a, written) - known for s, a in answers.items() if a and a.strip()}
    prints = {s: p for s, p in prints.items() if p}
    counts = Counter(f for p in prints.values() for f in p)
    common_limit = max(COMMON_MIN, math.ceil(COMMON_SHARE * len(prints)))
    rare = {f for f, n in counts.items() if n <= common_limit}
    holders: dict[tuple[str, ...], list[str]] = {}
    for student, found in prints.items():
        for f in found & rare:
            holders.setdefault(f, []).append(student)
    candidates = {tuple(sorted(p)) for who in holders.values() for p in combinations(who, 2)}
    pairs = []
    for first, second in sorted(candidates):
        a, b = prints[first], prints[second]
        shared_rare = len(a & b & rare)
        score = len(a & b) / len(a | b)
        if score >= THRESHOLD and shared_rare >= MIN_SHARED:
            pairs.append(Pair(exercise, first, second, round(score, 3), shared_rare))
    return sorted(pairs, key=lambda p: (-p.similarity, p.first, p.second))


def report(answers: dict[str, dict[str, str]], base: dict[str, list[str]] | None = None,
           written: set[str] | None = None) -> list[Pair]:
    """Every exercise's near-identical pairs: ``answers`` is exercise -> student -> source."""
    base, written = base or {}, written or set()
    return [pair for exercise in sorted(answers)
            for pair in similar_pairs(exercise, answers[exercise], base.get(exercise), exercise in written)]


def page(pairs: list[Pair], answers: dict[str, dict[str, str]], link: Callable[[str], str] = lambda s: "") -> str:
    """similarity.html: per exercise, each near-identical pair with both answers side by side."""
    from html import escape

    from .feedback import _page

    def who(student: str) -> str:
        href = link(student)
        return f"<a href='{escape(href)}'>{escape(student)}</a>" if href else escape(student)

    rows = "".join(
        f"<h3>{escape(p.exercise)}: {who(p.first)} and {who(p.second)} — {p.similarity:.0%} alike "
        f"<span class='small'>({p.shared} uncommon passages shared)</span></h3>"
        f"<table><tr><td><pre>{escape(answers[p.exercise][p.first])}</pre></td>"
        f"<td><pre>{escape(answers[p.exercise][p.second])}</pre></td></tr></table>" for p in pairs)
    intro = ("<p>Pairs of submissions whose answers to an exercise are near-identical once names, layout and comments "
             "are set aside; what the whole class may share (the stub, the reference and known wrong answers, "
             "passages many students wrote) is not counted. <b>This is a list to look at, not a verdict:</b> "
             "short exercises have few ways to be right, and nothing here changes a grade.</p>")
    return _page("Near-identical answers", f"<h1>Near-identical answers</h1>{intro}"
                 + (rows or "<p>None found.</p>"))
