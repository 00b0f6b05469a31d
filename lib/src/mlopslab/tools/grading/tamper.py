"""A static scan of a student's exercise source for tampering with the check machinery.

Flags *rebinding* the names the checks rely on (``check``, ``display``, ``evaluate``, ...), touching the
machinery's modules or registry, and the tools that reach around it (``sys.modules``, ``builtins``,
``importlib``, ``exec``, threads, ``get_ipython``; introspection that unwraps a sealed function, copies a function's
code, reaches an attribute through a computed name, or reads the caller's frame). Merely *calling* ``display`` or
``print`` is fine. A blocklist: what it flags is what reviewers have used; the flag sends the exercise to the
instructor, it does not prove intent.
"""

from __future__ import annotations

import ast

PROTECTED = {"check", "display", "evaluate", "render", "results_of", "exercises_of", "is_blank", "Result", "Feedback",
             "publish_display_data"}
"""Names whose rebinding (assignment, def, import-as, attribute assignment) is flagged."""

FORBIDDEN_NAMES = {"_REGISTRY", "exercises", "checks", "grading", "incell", "recheck", "tools", "_guards",
                   "__builtins__", "builtins",
                   "importlib", "__import__",
                   "sys_modules", "threading", "_thread", "multiprocessing", "concurrent", "asyncio", "to_thread",
                   "ctypes", "gc", "IPython", "ipykernel",
                   "__wrapped__", "__closure__", "cell_contents", "__code__", "__globals__", "__dict__",
                   # reaching a sealed function's original, a module by its name, or the check itself as an oracle
                   "inspect", "pkgutil", "resolve_name", "__self__", "__func__", "__defaults__", "__file__",
                   "__spec__", "__loader__", "__path__", "__cached__", "__setattr__", "__delattr__",
                   "__kwdefaults__", "__subclasses__", "__getattribute__", "attrgetter", "methodcaller",
                   # copying a function's code past a check's switch (_guards.without)
                   "runpy", "run_path", "run_module", "FunctionType", "LambdaType", "CodeType", "marshal",
                   # reading the check's own variables from the caller's frame while it runs the answer
                   "_getframe", "_current_frames", "f_back", "f_locals", "f_globals", "tb_frame", "tb_next",
                   "gi_frame", "cr_frame", "ag_frame", "__traceback__", "settrace", "setprofile", "walk_stack", "walk_tb"}
"""Names (or attributes, or imported modules) whose mere use in an exercise cell is flagged."""

BUILTINS_ONLY = {"exec", "eval", "compile", "setattr", "delattr", "globals", "vars", "evaluate", "getattr"}
"""Flagged as a bare name only (the builtin, or ``evaluate`` imported from the machinery): ``re.compile``,
``df.eval`` or a course module's ``evaluate`` are not. ``getattr`` itself is fine when called with a literal name
(see :func:`_reached_by_name`); bound to another name, or passed along, it is flagged."""

HIDDEN_NAMES = ("__wrapped__", "__closure__", "cell_contents", "__code__", "__globals__", "__dict__", "__builtins__",
                "f_locals", "f_globals", "f_back", "tb_frame", "_current_frames", "_getframe", "setprofile", "settrace",
                "__file__", "__spec__")
"""Attributes that reach around a function or into a caller's frame; named in a string (``getattr(f, "__clo"
"sure__")``) they are flagged too."""

FORBIDDEN_TEXT = ("vnd.mlopslab", "sys.modules", "sys.path", "get_ipython")
"""Text whose presence in the cell as written is flagged (checked before magics are turned into Python)."""

MACHINERY_TEXT = ("mlopslab.checks", "mlopslab.exercises", "mlopslab.tools", "checks.lab", "checks:lab", "checks._",
                  "mlopslab/", "mlopslab\\")
"""The machinery's modules named in the cell's strings, joined (``pkgutil.resolve_name("mlopslab.checks.lab02:…")``,
``"mlopslab." + "checks"``), and the package's files by their path (a copy of a module read from disk)."""

COMMON_WORDS = {"checks", "exercises", "grading", "recheck", "incell", "tools"}
"""Machinery names that are also plain words (``checks = {"auc": auc >= 0.8}`` in a validation gate): as a variable
the cell binds itself before any use (:func:`_own_variables`) they are the student's own and not flagged; imported,
reached as an attribute (``mlopslab.checks``) or through ``getattr`` they are."""

UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)
"""What ``ast.parse`` raises for a student's source it cannot read (null bytes, nesting too deep for the parser):
the grader then skips its own reading of that cell; the kernel reports the error as the student's."""


def _python_source(source: str) -> str:
    """IPython magics (``%time``, ``!ls``) turned into Python, so the scan can parse the cell."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 -- unparseable magics: scan the raw text
        return source


def _bound_names(node: ast.AST) -> list[str]:
    """Names a statement binds: assignment targets, def/class names, import aliases."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return [node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return [node.attr]
    return []


def _used_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Import):
        return [part for a in node.names for part in a.name.split(".")]
    if isinstance(node, ast.ImportFrom):
        return [*(node.module or "").split("."), *(a.name for a in node.names)]
    return []


def scan(source: str) -> list[str]:
    """Reasons to distrust an exercise cell's source (empty when nothing suspicious)."""
    reasons = [f"mentions {text!r}" for text in FORBIDDEN_TEXT if text in source]
    try:
        tree = ast.parse(_python_source(source))
    except UNPARSABLE:
        return reasons  # a cell that does not parse does not run, so it cannot tamper
    own = _own_variables(tree)
    aliases = _module_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mlopslab" and any(
                a.name == "*" for a in node.names):
            reasons.append(f"imports * from the course package (line {node.lineno})")
        for name in _bound_names(node):
            if name in PROTECTED:
                reasons.append(f"redefines {name!r} (line {getattr(node, 'lineno', '?')})")
        for name in _used_names(node):
            if name in FORBIDDEN_NAMES and not (isinstance(node, ast.Name) and name in own & COMMON_WORDS):
                reasons.append(f"uses {name!r} (line {getattr(node, 'lineno', '?')})")
        if isinstance(node, ast.Name) and node.id in BUILTINS_ONLY and not _called_plainly(node, tree):
            reasons.append(f"uses {node.id!r} (line {node.lineno})")
        reasons += _module_patched(node, own, aliases)
        reasons += _reached_by_name(node)
    reasons += _named_in_strings(tree)
    return list(dict.fromkeys(reasons))


def _called_plainly(name: ast.Name, tree: ast.AST) -> bool:
    """``getattr``/``hasattr`` called with a literal attribute name (``getattr(model, "coef_", None)``): fine."""
    if name.id != "getattr":
        return False
    return any(isinstance(n, ast.Call) and n.func is name and len(n.args) >= 2 and isinstance(n.args[1], ast.Constant)
               and isinstance(n.args[1].value, str) for n in ast.walk(tree))


PATCHED_MODULES = {"mlflow", "mlopslab", "config", "data", "development", "lineage", "monitoring", "capstone",
                   "continuous", "deployment", "maturity", "mltestscore", "policy", "preparation", "privacy",
                   "provisioning", "registry", "schema", "scrum", "trust", "validation"}
"""Modules an exercise cell must not patch (``development._log_training_input = ...``, ``mlflow.log_params = ...``):
a check then judges what the patch made, not what the student wrote."""


def _module_patched(node: ast.AST, own: set[str], aliases: set[str]) -> list[str]:
    """Assignments to an attribute of a course module or of a name the cell gave one (``m = mlflow``); a variable the
    cell binds itself (``data = df.copy()``, then ``data.columns = ...``) is the student's, whatever its name."""
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = node.targets
    else:
        targets = [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
    return [f"assigns to {t.value.id}.{t.attr} (line {node.lineno})" for t in targets
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
            and ((t.value.id in PATCHED_MODULES and t.value.id not in own) or t.value.id in aliases)]


def _module_aliases(tree: ast.AST) -> set[str]:
    """Names the cell binds to a course module or an attribute of one (``m = mlflow``, ``t = mlflow.tracking``)."""
    def root(node: ast.AST) -> str | None:
        while isinstance(node, ast.Attribute):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None \
                and root(node.value) in PATCHED_MODULES:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {t.id for t in targets if isinstance(t, ast.Name)}
    return found


def _target_names(target: ast.AST) -> list[str]:
    """The names an assignment target binds: ``x``, ``x, y``, ``*rest``; not ``x.attr`` or ``x[key]`` (they change
    an object the name already holds)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _own_variables(tree: ast.AST) -> set[str]:
    """Names the cell binds itself before any use of them: assignment, loop and ``with`` targets, parameters, def and
    class names whose value does not name the same name (``data = data`` or ``for data in [data]`` keep the module),
    where every read of the name comes after the end of a binding. Not imports (``from mlopslab import checks`` stays
    the machinery) and not comprehension variables (they do not outlive the comprehension)."""
    bindings: dict[str, list[tuple[int, int]]] = {}
    tainted: set[str] = set()

    def bind(name: str, end: ast.AST, value: ast.AST | None) -> None:
        bindings.setdefault(name, []).append((end.end_lineno or 0, end.end_col_offset or 0))
        if value is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value)):
            tainted.add(name)

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _target_names(target):
                    bind(name, node, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for name in _target_names(node.target):
                bind(name, node.target, node.iter)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            for name in _target_names(node.optional_vars):
                bind(name, node.optional_vars, node.context_expr)
        elif isinstance(node, ast.arg):
            bind(node.arg, node, None)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, node, None)
        elif isinstance(node, ast.NamedExpr):
            tainted.add(node.target.id)  # a walrus binds mid-expression: never the student's own
    reads = [(n.id, (n.lineno, n.col_offset)) for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load) and n.id in bindings]
    return {name for name, ends in bindings.items() if name not in tainted
            and all(any(end <= at for end in ends) for read, at in reads if read == name)}


def _named_in_strings(tree: ast.AST) -> list[str]:
    """What the cell's string constants name once joined in order: a name split over several strings
    (``"__co" + "de__"``, ``"mlopslab." "checks"``) is found as if written whole."""
    strings = [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    joined = "".join(node.value for node in sorted(strings, key=lambda n: (n.lineno, n.col_offset)))
    found = [f"names {text!r} in its strings" for text in (*HIDDEN_NAMES, *MACHINERY_TEXT) if text in joined]
    if any(node.value.rstrip().endswith(".py") for node in strings):  # writes or reads a Python file: a module copy
        found.append("names a .py file")
    return found


def _reached_by_name(node: ast.AST) -> list[str]:
    """An attribute reached through a string: a string that names one of :data:`HIDDEN_NAMES`, or ``getattr`` /
    ``hasattr`` with a name the cell computes (a literal name such as ``getattr(model, "coef_")`` is fine)."""
    line = getattr(node, "lineno", "?")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [f"names {name!r} in a string (line {line})" for name in HIDDEN_NAMES if name in node.value]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
        literal = len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
        if not literal:
            return [f"calls {node.func.id} with a computed attribute name (line {line})"]
        if node.args[1].value in FORBIDDEN_NAMES | PROTECTED:
            return [f"reaches {node.args[1].value!r} through {node.func.id} (line {line})"]
    return []
