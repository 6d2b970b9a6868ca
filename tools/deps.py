#!/usr/bin/env python3
"""Print the dependency graph between Linkwell's top-level modules, and its cycles.

Why: docs/architecture.md states a dependency rule (domain modules depend on nothing of ours,
`store` on the domain, use cases on both, HTTP and CLI on use cases). This measures how far the
code is from it, from the source alone: every `crate::<module>` path outside comments (a `use
crate::` line or a path written inline) in a file under src/<module>/ or src/<module>.rs is an
edge <module> -> <other module>. Test code (`#[cfg(test)]` modules) counts too: it is compiled
into the same crate. With --split-api, `super::` paths between a folder's handlers (api.rs)
and the rest of the folder count too.

Until the cycles are gone, CI holds the line with a ratchet: `--baseline tools/deps-baseline.txt`
fails on any edge between top-level modules that the baseline does not list (the known debts),
so no new backward edge lands; `--write-baseline FILE` records today's edges after one is removed.

Usage: python3 tools/deps.py [--src DIR] [--files] [--split-api] [--fail-on-cycles]
                             [--baseline FILE | --write-baseline FILE]
  prints each module's dependencies, the strongly connected components (cycles) and, for each
  cycle, the edges inside it with the files that make them. With --fail-on-cycles it exits 1 when
  any cycle exists, so it can become a CI check once the cycles are gone.
"""
import argparse
import pathlib
import re
import sys
from collections import defaultdict

PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)(?:::([a-z_][a-z0-9_]*))?")
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def strip_comments(text: str) -> str:
    """Drop // comments (doc comments included) and /* */ blocks; string literals are rare
    enough in `crate::` form that they are not special-cased."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def module_of(path: pathlib.Path, src: pathlib.Path, split_api: bool) -> str:
    rel = path.relative_to(src)
    top = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    if split_api and len(rel.parts) == 2 and rel.parts[1] == "api.rs":
        return f"{top}::api"
    return top


def target_of(first: str, second: str, split_api: bool) -> str:
    return f"{first}::api" if split_api and second == "api" else first


def edges(src: pathlib.Path, split_api: bool):
    found = defaultdict(lambda: defaultdict(set))  # from -> to -> files
    modules = set()
    for path in sorted(src.rglob("*.rs")):
        here = module_of(path, src, split_api)
        if here in ("lib", "main"):
            continue
        modules.add(here)
        code = strip_comments(path.read_text(encoding="utf-8"))
        targets = {target_of(a, b, split_api) for a, b in PATH.findall(code)}
        for group in GROUP.findall(code):
            for a, b in re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)(?:::([a-z_][a-z0-9_]*))?", group):
                targets.add(target_of(a, b, split_api))
        if split_api and len(path.relative_to(src).parts) == 2:
            # Inside a folder module, `super::api` reaches the handlers and any other
            # `super::x` the module's own domain part.
            folder = path.relative_to(src).parts[0]
            for word in re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", code):
                targets.add(f"{folder}::api" if word == "api" else folder)
        for target in targets:
            if target != here:
                found[here][target].add(str(path.relative_to(src.parent)))
    return modules, found


def strongly_connected(nodes, graph):
    """Tarjan's algorithm; returns components with more than one module."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(pathlib.Path(__file__).resolve().parent.parent / "src"))
    parser.add_argument("--fail-on-cycles", action="store_true")
    parser.add_argument("--files", action="store_true", help="name the files behind each edge in a cycle")
    parser.add_argument(
        "--split-api",
        action="store_true",
        help="count each capability's HTTP handlers (src/<module>/api.rs) as a node of their own, "
        "<module>::api, to see whether the domain part of a folder already keeps the rule",
    )
    parser.add_argument("--baseline", help="fail on any edge not listed in this file (one 'a -> b' a line)")
    parser.add_argument("--write-baseline", help="write today's edges to this file")
    args = parser.parse_args()
    src = pathlib.Path(args.src)
    modules, found = edges(src, args.split_api)
    # Only edges to real top-level modules (crate::foo where foo is a module, not an item of lib.rs).
    graph = {m: {t for t in found[m] if t in modules} for m in modules}
    today = sorted(f"{m} -> {t}" for m in graph for t in graph[m])
    if args.write_baseline:
        pathlib.Path(args.write_baseline).write_text(
            "# Known module edges (tools/deps.py --write-baseline); CI fails on any edge not listed.\n"
            + "\n".join(today) + "\n", encoding="utf-8")
        print(f"wrote {len(today)} edges to {args.write_baseline}")
        return 0
    if args.baseline:
        lines = pathlib.Path(args.baseline).read_text(encoding="utf-8").splitlines()
        known = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
        new = [edge for edge in today if edge not in known]
        gone = sorted(known - set(today))
        for edge in new:
            m, t = edge.split(" -> ")
            print(f"new module dependency {edge} (from {', '.join(sorted(found[m][t]))}): "
                  "it is not in the baseline; see docs/architecture.md for the dependency rule")
        if gone:
            print(f"{len(gone)} baseline edges are gone (well done): refresh the baseline with "
                  f"--write-baseline {args.baseline}: {'; '.join(gone)}")
        print(f"{len(today)} module edges, {len(new)} new")
        return 1 if new else 0

    print(f"{len(modules)} top-level modules, {sum(len(t) for t in graph.values())} edges")
    for m in sorted(modules):
        print(f"  {m:<15} -> {', '.join(sorted(graph[m])) or '(nothing of ours)'}")
    cycles = strongly_connected(modules, graph)
    if not cycles:
        print("no cycles")
        return 0
    for component in cycles:
        print(f"cycle of {len(component)} modules: {', '.join(component)}")
        if args.files:
            members = set(component)
            for m in component:
                for t in sorted(graph[m] & members):
                    print(f"    {m} -> {t}: {', '.join(sorted(found[m][t]))}")
    outside = sorted(modules - {m for c in cycles for m in c})
    print(f"outside any cycle: {', '.join(outside)}")
    return 1 if args.fail_on_cycles else 0


if __name__ == "__main__":
    sys.exit(main())
