#!/usr/bin/env python3
"""Keeps the library's layers as docs/development.md draws them (run by CI).

Reads every module of shared/src (tests excluded: a `#[cfg(test)]` module may use any
layer), finds the modules each one refers to (`use crate::…`, `super::…`, and paths such
as `crate::core::plan(…)` in code), and fails when:

- a layer refers to one it must not: imports point doors → core → domain, render uses
  only the domain, settings are read by doors and wiring, adapters implement ports and
  nothing refers to them but the wiring (`adapters::local` and `adapters::memory` may
  run a door);
- a module of the domain or of render uses async code, AWS, the clock or the
  environment;
- two or more modules refer to each other in a cycle. A folder's `mod.rs` that only
  declares and re-exports its children (`mod x;`, `pub use x::Y;`) is its folder's
  table of contents: those lines make no edge.

Usage: scripts/check-layers.py [shared/src]   (prints each problem; exit 1 if any)
"""

import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "shared" / "src"

# Which layers each layer may refer to (besides itself).
ALLOWED = {
    "domain": set(),
    "render": {"domain"},
    "core": {"domain", "render"},
    "settings": {"domain", "core"},
    "doors": {"domain", "render", "core", "settings"},
    "adapters": {"domain", "render", "core", "settings", "doors"},
}
# Words that mean async code, AWS, the clock or the environment: none in a pure layer.
IMPURE = [
    (re.compile(r"\basync\b|\.await\b"), "async code"),
    (re.compile(r"\b(tokio|futures_util|futures)::"), "an async runtime"),
    (re.compile(r"\baws_[a-z_]+::"), "the AWS SDK"),
    (re.compile(r"\b(SystemTime|Instant)::now\b|\bTimestamp::now\b|\bZoned::now\b|\bDate::today\b"), "the clock"),
    (re.compile(r"\bstd::env\b|\benv::var\b"), "the environment"),
]
PURE = {"domain", "render"}


def module_of(path: Path) -> tuple:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def code_of(text: str) -> str:
    """The file without its tests, comments and string literals."""
    m = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod tests\b", text, re.M)
    if m:
        text = text[: m.start()]
    text = re.sub(r'r#+"(?:.|\n)*?"#+', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*(?:.|\n)*?\*/", "", text)
    return text


def main() -> int:
    files = sorted(ROOT.rglob("*.rs"))
    modules = {module_of(f): f for f in files}
    problems = []
    edges = {m: set() for m in modules}

    def resolve(segments: list) -> tuple:
        """The deepest module a path names (`core::queue::Queue` → ('core', 'queue'))."""
        best = ()
        for i in range(1, len(segments) + 1):
            if tuple(segments[:i]) in modules:
                best = tuple(segments[:i])
        return best

    for mod, path in modules.items():
        code = code_of(path.read_text())
        facade = path.name in ("mod.rs", "lib.rs")
        children = set()
        if facade:
            children = set(re.findall(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;", code, re.M))
        # Expand `use a::{b, c::{d}}` groups into paths.
        paths = []
        for m in re.finditer(r"\b(pub(?:\([a-z]+\))?\s+)?use\s+((?:crate|super|self)::[^;]+);", code):
            is_reexport = bool(m.group(1))
            for p in expand(m.group(2)):
                paths.append((p, is_reexport))
        code_wo_use = re.sub(r"\buse\s+[^;]+;", "", code)
        for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", code_wo_use):
            paths.append((m.group(1), False))
        for p, is_reexport in paths:
            segs = p.split("::")
            if segs[0] == "crate":
                segs = segs[1:]
            elif segs[0] in ("super", "self"):
                base = list(mod)
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
                segs = base + segs
            target = resolve(segs)
            if not target or target == mod:
                continue
            # A facade's own children, declared or re-exported: not an edge.
            if facade and is_reexport and target[: len(mod)] == mod:
                continue
            edges[mod].add(target)
        # A facade's code calling its children by their bare names (`context::build(…)`).
        if children:
            bare = re.sub(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?(?:mod\s+\w+\s*;|use\s+[^;]+;)", "", code, flags=re.M)
            for m in re.finditer(r"(?<![:\w])(\w+)::", bare):
                if m.group(1) in children:
                    edges[mod].add(mod + (m.group(1),))

        layer = mod[0] if mod else "lib"
        if layer in ALLOWED:
            for target in edges[mod]:
                other = target[0] if target else "lib"
                if other != layer and other not in ALLOWED[layer]:
                    problems.append(f"{path.relative_to(ROOT)}: the {layer} layer refers to {'::'.join(target)} ({other})")
        if layer in PURE:
            for regex, what in IMPURE:
                hit = regex.search(code)
                if hit:
                    line = code[: hit.start()].count("\n") + 1
                    problems.append(f"{path.relative_to(ROOT)}:{line}: the {layer} layer must be pure, but uses {what} (`{hit.group(0)}`)")

    for cycle in cycles(edges):
        names = " → ".join("::".join(m) or "lib" for m in cycle + [cycle[0]])
        problems.append(f"import cycle: {names}")

    for p in problems:
        print(p)
    if problems:
        print(f"\n{len(problems)} layering problem(s) in {ROOT}", file=sys.stderr)
        return 1
    print(f"layers ok: {len(modules)} modules, {sum(len(e) for e in edges.values())} imports, no cycle")
    return 0


def expand(tree: str) -> list:
    """`crate::a::{b, c::{d, e}}` → [crate::a::b, crate::a::c::d, crate::a::c::e]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix: str, rest: str):
        i = rest.find("{")
        if i == -1:
            out.append(prefix + rest)
            return
        head = prefix + rest[:i]
        body = rest[i + 1 : rest.rfind("}")]
        depth, start = 0, 0
        for j, ch in enumerate(body + ","):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                part = body[start:j]
                start = j + 1
                if part in ("self", ""):
                    out.append(head.rstrip(":"))
                elif part:
                    walk(head, part)

    walk("", tree)
    return out


def cycles(edges: dict) -> list:
    """Strongly connected components of more than one module (Tarjan), each as a list."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


if __name__ == "__main__":
    sys.exit(main())
