"""
The package's modules import each other without a cycle: every import
statement of every module (those inside functions too) is an edge, and the
graph they make has no loop.
"""

import ast
import os

import miniredis

PACKAGE = os.path.dirname(miniredis.__file__)


def _modules():
    """@return: module name -> source path, for the whole package."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3]
            module = relative.replace(os.sep, ".")
            if module.endswith(".__init__"):
                module = module[: -len(".__init__")]
            found[module] = path
    return found


def _imports(module, path, modules):
    """@return: the package's modules that C{module} names in its imports."""
    names = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, "%s: use absolute imports" % (module,)
            base = node.module
            for alias in node.names:
                submodule = base + "." + alias.name
                names.add(submodule if submodule in modules else base)
    return {name for name in names if name in modules and name != module}


def import_graph():
    modules = _modules()
    return {m: _imports(m, path, modules) for m, path in modules.items()}


def find_cycle(graph):
    """@return: a list of modules that import each other in a circle, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return trail[trail.index(target) :] + [target]
            if target not in state:
                cycle = visit(target, trail + [target])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 40
    assert "miniredis.commands" in graph["miniredis.commands.strings"]
    assert find_cycle(graph) is None


def test_a_cycle_would_be_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
