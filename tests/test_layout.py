"""The package's layout: no import circles, between modules or between stage packages
(study, data, evaluation, model, reporting, archive, steps). Imports inside functions count:
a lazy import is still a dependency."""

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xstilts"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the xstilts modules it imports}."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in found if t in modules and t != name}
    return graph


def stage_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same between stage packages (xstilts.data.readers -> data)."""

    def stage(module: str) -> str:
        return module.split(".")[1] if "." in module else module

    stages: dict[str, set[str]] = {}
    for a, targets in graph.items():
        stages.setdefault(stage(a), set()).update(stage(b) for b in targets if stage(b) != stage(a))
    return stages


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        return err.args[1]
    return None


def test_no_module_imports_itself_back():
    assert circle(import_graph()) is None


def test_stage_packages_form_no_circle_and_only_rules_call_the_steps():
    stages = stage_graph(import_graph())
    assert circle(stages) is None
    assert not [a for a, targets in stages.items() if "steps" in targets]


@pytest.mark.parametrize(
    "planted",
    [
        ("xstilts.runtime", "xstilts.steps.runner"),
        ("xstilts.evaluation.export", "xstilts.reporting.tables"),
    ],
)
def test_the_checks_find_a_planted_circle(planted):
    graph = import_graph()
    graph[planted[0]].add(planted[1])  # what a careless import would add
    assert circle(graph) is not None or circle(stage_graph(graph)) is not None
