"""The import layering of the project (docs/architecture.md), as data and a checker.

``violations()`` reads every module of the project packages (not tests, migrations or scripts)
and lists each import that breaks the layering:

- a domain module (models, services, selectors, validators, ...) imports a domain module of its
  own app or of an app in a LOWER layer only;
- an entry module (API views, pages, URL lists, serializers, admin, forms, the socket consumer)
  may import any module but the wiring: entry modules are the top of every app;
- the wiring (``wya.settings``, ``wya.urls``, ``wya.asgi``) may import anything;
- nothing imports a project module inside a function (no hidden cycles) or inside ``try`` (no
  "the other app might not exist" guards); ``apps.py`` may import its signals in ``ready()``.

``tests/wya/test_layering.py`` runs it in CI.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may use the apps of the layers below it, never those above or beside it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("wya",),
    ("safety", "uploads"),
    ("geo",),
    ("rooms",),
    ("messaging", "discovery"),
    ("accounts",),
    ("moderation",),
)
PACKAGES = tuple(app for layer in LAYERS for app in layer)
WIRING = frozenset({"wya.settings", "wya.urls", "wya.asgi", "wya.wsgi"})
# Modules (last dotted part) that are entry points rather than domain code.
ENTRY_NAMES = frozenset(
    {
        "admin",
        "admin_site",
        "api",
        "api_urls",
        "apps",
        "consumers",
        "forms",
        "middleware",
        "routing",
        "serializers",
        "signals",
        "urls",
        "views",
        "ws_gate",
    }
)


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.reason}"


def layer_of(app: str) -> int:
    return next(index for index, layer in enumerate(LAYERS) if app in layer)


def is_entry(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] in ENTRY_NAMES or "commands" in parts or "templatetags" in parts


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or node.module is None:
        return []
    # ``from rooms import services`` names the module rooms.services
    return [f"{node.module}.{alias.name}" for alias in node.names] or [node.module]


def _project_module(name: str) -> str | None:
    return name if name.split(".")[0] in PACKAGES else None


def resolve(name: str) -> str:
    """The module an imported name lives in: ``rooms.selectors.room_access`` → rooms.selectors."""
    parts = name.split(".")
    while len(parts) > 1:
        path = ROOT.joinpath(*parts)
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            break
        parts.pop()
    return ".".join(parts)


def _rule_for(module: str, imported: str) -> str | None:
    """Why ``module`` may not import ``imported`` at module level, or None when it may."""
    if module in WIRING:
        return None
    target = resolve(imported)
    app, other = module.split(".")[0], target.split(".")[0]
    if target in WIRING:
        return "the wiring is imported by nobody"
    if is_entry(module):
        return None  # entry modules sit above every app's domain code
    if is_entry(target):
        return "a domain module imports an entry module (views, API, serializers, ...)"
    if other == app:
        return None
    if layer_of(other) >= layer_of(app):
        return f"{app} is not above {other} (docs/architecture.md)"
    return None


def check_source(module: str, source: str) -> list[Violation]:
    tree = ast.parse(source)
    found: list[Violation] = []

    def visit(node: ast.AST, *, in_function: bool, in_try: bool, function: str = "") -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for name in filter(None, map(_project_module, _imported_modules(child))):
                    reason = None
                    if in_function and not (module.endswith(".apps") and function == "ready"):
                        reason = "a function-level import (move it to the top of the module)"
                    elif in_try:
                        reason = "an import inside try (project modules always exist)"
                    else:
                        reason = _rule_for(module, name)
                    if reason:
                        found.append(Violation(module, child.lineno, name, reason))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                name = getattr(child, "name", "")
                visit(child, in_function=True, in_try=in_try, function=name)
            elif isinstance(child, ast.Try):
                visit(child, in_function=in_function, in_try=True, function=function)
            else:
                visit(child, in_function=in_function, in_try=in_try, function=function)

    visit(tree, in_function=False, in_try=False)
    return found


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join(parts)] = path
    return modules


def violations() -> list[Violation]:
    found = []
    for module, path in project_modules().items():
        found.extend(check_source(module, path.read_text()))
    return found
