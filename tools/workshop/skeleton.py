"""A participant's starting point, generated from the reference so that it cannot drift.

``skeleton(reference_source, ...)`` keeps what the contract fixes and
removes what the participant writes: the module's imports, type variables
and ``__all__`` stay; every public function, class and method keeps its
decorators, signature and docstring, with a body that raises
``NotImplementedError``; private helpers go.  Relative imports now name the
reference package, so an exercise built on others (``fetch`` on
``workers``) starts from the reference versions of those.
"""

from __future__ import annotations

import ast
import re

STUB = 'raise NotImplementedError("{where}: not implemented yet")'
KEEPS_A_GENERATOR = "yield  # unreachable: keeps this an async generator, as the contract says"


def skeleton(source: str, *, exercise: str, reference: str, intro: str) -> str:
    """The participant's module for ``exercise``, made from the reference module's ``source``.

    ``intro`` follows the reference docstring's first line, in place of the
    rest of it (which tells how the reference did it).
    """
    source = with_reference_imports(source, reference)
    tree = ast.parse(source)
    lines = source.splitlines()
    summary = (ast.get_docstring(tree) or exercise).split("\n\n", 1)[0]
    out = [f'"""{summary}\n\n{intro.strip()}\n"""']
    body = tree.body[1:] if ast.get_docstring(tree) else tree.body
    previous_end = tree.body[0].end_lineno or 0
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _public(node.name):
                out.append("\n\n\n" + _definition(node, lines, exercise))
            continue
        if _private_assignment(node):
            continue
        gap = min(2, _first_line(node) - previous_end - 1)
        previous_end = node.end_lineno or previous_end
        # Imports, type variables, __all__, version switches: what the signatures need.
        out.append("\n" * (gap + 1) + _segment(node, lines))
    return "".join(out).rstrip() + "\n"


def _private_assignment(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return bool(names) and all(n.startswith("_") and not _public(n) for n in names)


def _segment(node: ast.stmt, lines: list[str]) -> str:
    return "\n".join(lines[_first_line(node) - 1 : node.end_lineno])


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _definition(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, lines: list[str], where: str
) -> str:
    where = f"{where}.{node.name}"
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    head_end = first.end_lineno if has_doc else first.lineno - 1
    assert head_end is not None
    head = "\n".join(lines[_first_line(node) - 1 : head_end])
    indent = " " * (first.col_offset)
    rest = node.body[1:] if has_doc else node.body
    if isinstance(node, ast.ClassDef):
        members = []
        for member in rest:
            if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                if _public(member.name):
                    members.append(_definition(member, lines, where))
            elif not isinstance(member, ast.ClassDef | ast.Pass):
                members.append(_segment(member, lines))  # class attributes and annotations
        return head + "".join("\n\n" + m for m in members)
    stub = [indent + STUB.format(where=where)]
    if isinstance(node, ast.AsyncFunctionDef) and _is_generator(node):
        stub.append(indent + KEEPS_A_GENERATOR)
    return head + "\n" + "\n".join(stub)


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _is_generator(node: ast.AsyncFunctionDef) -> bool:
    """Whether ``node`` itself yields (a yield in a nested function does not count)."""
    todo: list[ast.AST] = list(node.body)
    while todo:
        current = todo.pop()
        if isinstance(current, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(current))
    return False


def with_reference_imports(source: str, reference: str) -> str:
    """``source`` with its relative imports naming ``reference``: a copy that runs elsewhere."""
    source = re.sub(r"^from \.(\w)", rf"from {reference}.\1", source, flags=re.MULTILINE)
    return re.sub(r"^from \. import", f"from {reference} import", source, flags=re.MULTILINE)
