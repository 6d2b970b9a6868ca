#!/usr/bin/env python3
"""Check the layering rule of docs/architecture.md, file by file.

Why: module cycles hide the question a newcomer asks of each file: "which
layer is this, and may it call that?". tools/layers.txt names each file's layer by path prefix
(lowest layer first); this reads every `crate::` path outside comments in src/ (a `use` line, a
group `use crate::{a, b::c}`, or a path written inline; `super::` between a folder's files too),
resolves it to the file that defines it, and reports each path that reaches a *higher* layer,
or that an edge file takes from `store` (edges call use cases, never the store; the one
exception is the `Store` handle itself, which the CLI and the server open and pass down).
It also fails on any cycle between modules, read as one node per top-level module and layer
(`referrals` the domain and `referrals/api.rs` the handlers are two nodes), so that within a
layer, too, dependencies run one way.

Usage: python3 tools/layers.py [--table tools/layers.txt] [--baseline FILE] [--write-baseline FILE]
  Without a baseline it lists every breach and exits 1 if there is one. With --baseline it
  fails only on breaches the file does not list (a ratchet while the last ones are removed).
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
IDENT = r"[a-z_][a-z0-9_]*"
INLINE = re.compile(rf"\bcrate((?:::{IDENT})+)")
GROUP = re.compile(rf"\bcrate((?:::{IDENT})*)::\{{([^{{}}]*)\}}", re.S)
SUPER = re.compile(rf"\bsuper((?:::{IDENT})+)")
# An edge reaching the store through a handle instead of a use case: `state.store.x(`,
# `store.x(` (the CLI's handle). Passing the handle on (`&state.store`, `store.clone()`) is fine.
STORE_CALL = re.compile(rf"\bstore\s*\.\s*({IDENT})\s*(?:::<[^>]*>)?\s*\(")
HANDLE_ONLY = {"clone"}


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def read_table(path: pathlib.Path):
    """[(layer name, rank, [prefixes])], lowest first; and the name of the edge layer."""
    layers = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, prefixes = line.split(":", 1)
        layers.append((name.strip(), len(layers), prefixes.split()))
    return layers


def layer_of(rel: str, layers):
    """The layer whose longest prefix matches `rel` (a path under src/)."""
    best = None
    for name, rank, prefixes in layers:
        for prefix in prefixes:
            if rel == prefix or rel.startswith(prefix) and prefix.endswith("/"):
                if best is None or len(prefix) > best[2]:
                    best = (name, rank, len(prefix))
    return best


def resolve(src: pathlib.Path, parts):
    """The file (path under src/) that defines `crate::parts...`: as deep as files exist."""
    found = None
    here = src
    for part in parts:
        if (here / f"{part}.rs").is_file():
            found = str((here / f"{part}.rs").relative_to(src))
            here = here / part
        elif (here / part).is_dir():
            found = str((here / part).relative_to(src)) + "/"
            here = here / part
        else:
            break
    return found


def paths_in(code: str):
    for prefix, group in GROUP.findall(code):
        base = [p for p in prefix.split("::") if p]
        for item in group.split(","):
            item = item.strip()
            if item and item not in ("self", "*"):
                yield base + [p for p in re.split(r"::|\s+as\s+", item)[:-1] if p] + [
                    item.split("::")[-1].split(" as ")[0].strip()]
            elif item == "self" and base:
                yield base
    for path in INLINE.findall(code):
        yield [p for p in path.split("::") if p]


def file_edges(src: pathlib.Path, layers):
    """Every (file, its layer, file or folder it names, that one's layer, path as written), and
    the files that are in no layer. `super::` between a folder's files counts too."""
    edges, unplaced = [], []
    for path in sorted(src.rglob("*.rs")):
        rel = str(path.relative_to(src))
        here = layer_of(rel, layers)
        if here is None:
            unplaced.append(rel)
            continue
        code = strip_comments(path.read_text(encoding="utf-8"))
        targets = set()
        for parts in paths_in(code):
            target = resolve(src, parts)
            if target:
                targets.add((target, "::".join(parts)))
        if len(path.relative_to(src).parts) >= 2:
            folder = path.parent
            for tail in SUPER.findall(code):
                first = [p for p in tail.split("::") if p][0]
                target = resolve(src, list(folder.relative_to(src).parts) + [first])
                if target is None or target == rel:
                    target = str(folder.relative_to(src)) + "/"
                targets.add((target, f"(super::){first}"))
        for target, written in sorted(targets):
            there = layer_of(target, layers)
            if there is not None and target != rel:
                edges.append((rel, here, target, there, written, code))
    return edges, unplaced


def breaches(src: pathlib.Path, layers, edge: str, store_prefix: str):
    edges, unplaced = file_edges(src, layers)
    out = [f"{rel}: in no layer of the table" for rel in unplaced]
    seen_edge_files = set()
    for rel, here, target, there, written, code in edges:
        if here[0] == edge and rel not in seen_edge_files:
            seen_edge_files.add(rel)
            for method in sorted(set(STORE_CALL.findall(code)) - HANDLE_ONLY):
                out.append(f"{rel} (edge) -> store/ (store): store.{method}(); "
                           "edges call use cases, not the store")
        if there[1] > here[1]:
            out.append(f"{rel} ({here[0]}) -> {target} ({there[0]}): crate::{written}")
        elif here[0] == edge and target.startswith(store_prefix) and written not in (
                "store::Store", "store"):
            out.append(f"{rel} ({here[0]}) -> {target} (store): crate::{written}; "
                       "edges call use cases, not the store")
    return out


def node(rel: str, layer) -> str:
    """One node per top-level module *and* layer: `referrals` (domain) and `referrals/api.rs`
    (edge) are different nodes, as a folder holds a capability's types and its handlers."""
    top = rel.split("/", 1)[0].removesuffix(".rs")
    return f"{top}@{layer[0]}"


def cycles(src: pathlib.Path, layers):
    """Strongly connected components of more than one node (Tarjan), each with the file edges
    inside it, so a cycle can be read and broken."""
    edges, _ = file_edges(src, layers)
    graph, why = {}, {}
    for rel, here, target, there, written, _code in edges:
        a, b = node(rel, here), node(target, there)
        graph.setdefault(a, set())
        graph.setdefault(b, set())
        if a != b:
            graph[a].add(b)
            why.setdefault((a, b), f"{rel} -> {target} (crate::{written})")
    index, low, stack, on, found = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                inside = set(component)
                found.append((sorted(component), sorted(
                    why[(a, b)] for a in inside for b in graph[a] if b in inside)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def key(line: str) -> str:
    """A breach without the path as written: one per file and target (and store method)."""
    return line.split(": crate::")[0].split("; edges call")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(ROOT / "src"))
    parser.add_argument("--table", default=str(ROOT / "tools" / "layers.txt"))
    parser.add_argument("--baseline")
    parser.add_argument("--write-baseline")
    args = parser.parse_args()
    layers = read_table(pathlib.Path(args.table))
    found = breaches(pathlib.Path(args.src), layers, edge=layers[-1][0], store_prefix="store/")
    # One line per file and target: the same breach written twice is one breach.
    keys = sorted({key(line) for line in found})
    if args.write_baseline:
        pathlib.Path(args.write_baseline).write_text(
            "# Known layer breaches (tools/layers.py --write-baseline); CI fails on any other.\n"
            + "\n".join(keys) + "\n", encoding="utf-8")
        print(f"wrote {len(keys)} breaches to {args.write_baseline}")
        return 0
    known = set()
    if args.baseline:
        known = {line.strip() for line in pathlib.Path(args.baseline).read_text(
            encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}
    new = [line for line in found if key(line) not in known]
    for line in new:
        print(f"layer breach: {line}")
    gone = sorted(known - set(keys))
    if gone:
        print(f"{len(gone)} known breaches are gone: refresh with --write-baseline {args.baseline}")
    print(f"{len(keys)} layer breaches ({len(known)} known), {len(new)} new")
    found_cycles = cycles(pathlib.Path(args.src), layers)
    for members, inside in found_cycles:
        print(f"cycle between {', '.join(members)}:")
        for line in inside:
            print(f"  {line}")
    print(f"{len(found_cycles)} cycles between modules (one node per module and layer)")
    return 1 if new or found_cycles else 0


if __name__ == "__main__":
    sys.exit(main())
