"""No function in app code is longer than 40 lines (docs/architecture.md, "Inside an app"): a
longer one is split into named steps. App code is what the layering check reads (every app
package, migrations left out); tests, benchmarks and scripts are outside the rule."""

import ast

from wya import layering

MAX_LINES = 40


def long_functions(source: str) -> list[tuple[str, int, int]]:
    """(name, first line, length) of each function in ``source`` over ``MAX_LINES`` lines, the
    decorators left out and the docstring counted."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_LINES:
                found.append((node.name, node.lineno, length))
    return found


def test_no_function_in_app_code_is_longer_than_40_lines():
    too_long = [
        f"{module}:{line} {name} ({length} lines)"
        for module, path in layering.project_modules().items()
        for name, line, length in long_functions(path.read_text())
    ]

    assert too_long == []


def test_the_check_reports_a_41_line_function_and_passes_a_40_line_one():
    body = "".join(f"    x{i} = {i}\n" for i in range(40))
    source = f"def long():\n{body}\n\ndef short():\n{body[: body.rindex('    x39')]}"

    assert long_functions(source) == [("long", 1, 41)]


def test_app_code_read_by_the_check_includes_every_app_and_no_migration():
    modules = layering.project_modules()

    assert {module.split(".")[0] for module in modules} == set(layering.PACKAGES)
    assert not any(".migrations" in module for module in modules)
    assert "moderation.services" in modules and "rooms.views" in modules
