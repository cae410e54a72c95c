#!/usr/bin/env python3
"""Compiles the built-in templates (shared/templates) to Rust: shared/src/render/compiled/generated.rs.

The renderer writes a message with the compiled code when no template of its format is
replaced (templates_dir) and the embedded sources are the ones compiled here (a hash of
them is checked once per process); otherwise, or when the compiled code meets anything
it does not handle (an undefined value, a missing label), minijinja renders it from the
same sources. A test renders every message of the preview galleries both ways and
compares the bytes.

Run after changing a template:  python3 scripts/compile-templates.py
(needs Jinja2 for its parser: `pip install jinja2`; the output is committed, so the
build does not). With --check it writes nothing and fails when generated.rs is not what
it would write (CI runs it, and --self-test: the constructs it must refuse).

What it compiles is the subset of Jinja the built-in templates use; anything else stops
it with the template and line, so a new construct is added here, not silently skipped.
"""

import re
import sys
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "shared" / "templates"
OUT = ROOT / "shared" / "src" / "render" / "compiled" / "generated.rs"

ENV = Environment(trim_blocks=True, lstrip_blocks=True)

# The context's shape: each struct's fields that are structs themselves
# ("X": a struct, "?X": an optional one, "[X": a list of them); any other field is a
# value (text, flag, list of texts) read through `ToV`.
STRUCTS = {
    "Context": {
        "brand": "BrandView", "recipient": "PersonView", "client": "PersonView",
        "booking": "BookingView", "when": "?When", "previous_when": "?When",
        "store": "StoreView", "place": "Place", "links": "?LinksView",
        "changes": "[Change", "service_details": "ServiceDetails",
        "calendar_links": "?CalendarLinks", "lead_action": "?ActionView",
        "actions": "[ActionView",
    },
    "BrandView": {}, "PersonView": {}, "BookingView": {}, "When": {}, "StoreView": {},
    "Place": {}, "LinksView": {}, "Change": {}, "ServiceDetails": {},
    "CalendarLinks": {}, "ActionView": {},
}
# Names the template root answers besides the context's fields (values.rs `Root`).
ROOT_NAMES = {"t", "format", "calendar", "layout"}
BLOCKS = ["subject", "preheader", "heading", "greeting", "body", "details", "actions",
          "closing", "signoff", "full", "short"]


class Unsupported(Exception):
    pass


def rust_str(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def ident(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def fx_hash(h, data):
    """The hash `compiled::source_hash` computes, over bytes (8 at a time, little-endian)."""
    k = 0x517CC1B727220A95
    m = (1 << 64) - 1
    for i in range(0, len(data), 8):
        w = int.from_bytes(data[i:i + 8].ljust(8, b"\0"), "little")
        h = (((h << 5) | (h >> 59)) & m ^ w) * k & m
    h = (((h << 5) | (h >> 59)) & m ^ len(data)) * k & m
    return h


class Scope:
    """Names a compiled function knows. `shadow`: names a template that runs this code
    may have set (a layout's variables, seen by minijinja from its includes, its kind's
    blocks and the macros it calls): reading one from the context would be ambiguous, so
    it stops the compiler. `no_set`: a body where `set` would not scope as in minijinja
    (an `if`, whose sets minijinja keeps after it; a `set` block)."""

    def __init__(self, parent=None, shadow=None, no_set=False):
        self.parent = parent
        self.vars = {}
        self.shadow = shadow if shadow is not None else (parent.shadow if parent else frozenset())
        self.no_set = no_set

    def get(self, name):
        s = self
        while s:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        return None

    def set(self, name, v):
        self.vars[name] = v


class Gen:
    def __init__(self, sources=None):
        # Template texts by name, instead of shared/templates (the self-test's).
        self.sources = sources
        self.fns = []  # generated functions' source
        self.done = set()
        self.counter = 0
        self.macros = {}  # (template, name) -> (rust fn, params)
        self.template = None
        self.shadow = frozenset()

    def fresh(self, base):
        self.counter += 1
        return f"{base}{self.counter}"

    def fail(self, node, what):
        line = getattr(node, "lineno", "?")
        raise Unsupported(f"{self.template}:{line}: {what} ({type(node).__name__})")

    # ---- expressions: return (code, kind); kind "V" = a V<'a>; ("T", Type, mode) = a
    # struct of the context (mode "ref", "opt" or "vec"), code a place expression.

    def expr(self, e, sc):
        if isinstance(e, nodes.Const):
            v = e.value
            if isinstance(v, bool):
                return (f"V::B({str(v).lower()})", "V")
            if isinstance(v, int):
                return (f"V::I({v})", "V")
            if isinstance(v, str):
                return (f"V::S({rust_str(v)})", "V")
            if v is None:
                return ("V::N", "V")
            self.fail(e, "constant")
        if isinstance(e, nodes.Neg) and isinstance(e.node, nodes.Const) and isinstance(e.node.value, int):
            return (f"V::I(-{e.node.value})", "V")
        if isinstance(e, nodes.Name):
            return self.name(e, sc)
        if isinstance(e, nodes.Getattr):
            if isinstance(e.node, nodes.Name) and e.node.name == "loop":
                lp = sc.get("loop")
                if lp is None:
                    self.fail(e, "loop outside a loop")
                i, n = lp
                if e.attr == "first":
                    return (f"V::B({i} == 0)", "V")
                if e.attr == "last":
                    return (f"V::B({i} + 1 == {n})", "V")
                if e.attr == "index":
                    return (f"V::I({i} as i64 + 1)", "V")
                self.fail(e, f"loop.{e.attr}")
            if isinstance(e.node, nodes.Name) and e.node.name == "t" and sc.get("t") is None:
                return (f"label(cx, {rust_str(e.attr)})?", "V")
            code, kind = self.expr(e.node, sc)
            return self.attr(e, code, kind, e.attr)
        if isinstance(e, nodes.Getitem):
            if isinstance(e.node, nodes.Name) and e.node.name == "t" and sc.get("t") is None:
                k = self.value(e.arg, sc)
                return (f"label_v(cx, &{k})?", "V")
            if isinstance(e.arg, nodes.Slice):
                v = self.value(e.node, sc)
                s = e.arg
                if s.step is not None:
                    self.fail(e, "slice step")
                start = self.value(s.start, sc) if s.start is not None else "V::N"
                stop = self.value(s.stop, sc) if s.stop is not None else "V::N"
                return (f"slice(&{v}, &{start}, &{stop})?", "V")
            self.fail(e, "subscript")
        if isinstance(e, nodes.Concat):
            parts = ", ".join(f"&{self.value(p, sc)}" for p in e.nodes)
            return (f"concat(&[{parts}])?", "V")
        if isinstance(e, nodes.Compare):
            if len(e.ops) != 1:
                self.fail(e, "chained comparison")
            op = e.ops[0]
            a = self.value(e.expr, sc)
            if op.op in ("in", "notin") and isinstance(op.expr, nodes.List) and all(
                isinstance(i, nodes.Const) and isinstance(i.value, str) for i in op.expr.items
            ):
                lits = ", ".join(rust_str(i.value) for i in op.expr.items)
                neg = "!" if op.op == "notin" else ""
                return (f"V::B({neg}in_strs(&{a}, &[{lits}])?)", "V")
            b = self.value(op.expr, sc)
            if op.op == "eq":
                return (f"V::B(eq(&{a}, &{b})?)", "V")
            if op.op == "ne":
                return (f"V::B(!eq(&{a}, &{b})?)", "V")
            if op.op == "in":
                return (f"V::B(contains(&{b}, &{a})?)", "V")
            if op.op == "notin":
                return (f"V::B(!contains(&{b}, &{a})?)", "V")
            self.fail(e, f"operator {op.op}")
        if isinstance(e, nodes.And):
            a = self.value(e.left, sc)
            b = self.value(e.right, sc)
            return (f"{{ let a = {a}; if a.truthy()? {{ {b} }} else {{ a }} }}", "V")
        if isinstance(e, nodes.Or):
            a = self.value(e.left, sc)
            b = self.value(e.right, sc)
            return (f"{{ let a = {a}; if a.truthy()? {{ a }} else {{ {b} }} }}", "V")
        if isinstance(e, nodes.Not):
            return (f"V::B(!{self.value(e.node, sc)}.truthy()?)", "V")
        if isinstance(e, nodes.CondExpr):
            if e.expr2 is None:
                self.fail(e, "conditional without else")
            t = self.value(e.test, sc)
            return (f"(if {t}.truthy()? {{ {self.value(e.expr1, sc)} }} else {{ {self.value(e.expr2, sc)} }})", "V")
        if isinstance(e, nodes.Mul):
            return (f"mul(&{self.value(e.left, sc)}, &{self.value(e.right, sc)})?", "V")
        if isinstance(e, nodes.Filter):
            if e.kwargs or e.dyn_args or e.dyn_kwargs:
                self.fail(e, "filter keyword arguments")
            v = self.value(e.node, sc)
            args = [self.value(a, sc) for a in e.args]
            if e.name == "safe" and not args:
                return (f"safe({v})", "V")
            if e.name == "paragraphs" and not args:
                return (f"paragraphs(&{v})?", "V")
            if e.name == "first" and not args:
                return (f"first(&{v})", "V")
            if e.name == "join" and len(args) == 1:
                return (f"join(&{v}, &{args[0]})?", "V")
            if e.name == "replace" and len(args) == 2:
                return (f"replace(&{v}, &{args[0]}, &{args[1]})?", "V")
            self.fail(e, f"filter {e.name}")
        if isinstance(e, nodes.Test):
            if e.name == "defined" and isinstance(e.node, nodes.Name) and e.node.name == "caller":
                return ("V::B(caller.is_some())", "V")
            self.fail(e, f"test {e.name}")
        if isinstance(e, nodes.List):
            items = ", ".join(self.value(i, sc) for i in e.items)
            return (f"V::Vs(vec![{items}])", "V")
        self.fail(e, "expression")

    def value(self, e, sc):
        code, kind = self.expr(e, sc)
        if kind == "V":
            return code
        return f"{code}.v()"

    def name(self, e, sc):
        n = e.name
        local = sc.get(n)
        if local is not None:
            return local
        if n == "format":
            return ("V::S(cx.format)", "V")
        if n == "calendar":
            return ("cx.calendar.v()", "V")
        if n in ROOT_NAMES:
            self.fail(e, f"root name {n} here")
        if n in sc.shadow:
            self.fail(e, f"`{n}` is set by a layout: minijinja would read that, not the context's")
        f = STRUCTS["Context"].get(n)
        if f is None:
            return (f"cx.c.{n}.v()", "V")
        return self.field_kind("cx.c", n, f)

    def field_kind(self, code, field, f):
        if f.startswith("?"):
            return (f"{code}.{field}", ("T", f[1:], "opt"))
        if f.startswith("["):
            return (f"{code}.{field}", ("T", f[1:], "vec"))
        return (f"{code}.{field}", ("T", f, "ref"))

    def attr(self, e, code, kind, attr):
        if kind == "V":
            self.fail(e, f"attribute {attr} of a value")
        _, ty, mode = kind
        if mode == "vec":
            self.fail(e, f"attribute {attr} of a list")
        if mode == "opt":
            code = f"{code}.as_ref().ok_or(Fallback)?"
        f = STRUCTS[ty].get(attr)
        if f is None:
            return (f"{code}.{attr}.v()", "V")
        return self.field_kind(code, attr, f)

    # ---- statements

    def stmts(self, body, sc, w):
        for n in body:
            self.stmt(n, sc, w)

    def stmt(self, n, sc, w):
        if isinstance(n, nodes.Output):
            for e in n.nodes:
                if isinstance(e, nodes.TemplateData):
                    if e.data:
                        w.append(f"out.push_str({rust_str(e.data)});")
                else:
                    self.emit(e, sc, w)
        elif isinstance(n, nodes.If):
            w.append(f"if {self.value(n.test, sc)}.truthy()? {{")
            self.stmts(n.body, Scope(sc, no_set=True), w)
            for el in n.elif_:
                w.append(f"}} else if {self.value(el.test, sc)}.truthy()? {{")
                self.stmts(el.body, Scope(sc, no_set=True), w)
            if n.else_:
                w.append("} else {")
                self.stmts(n.else_, Scope(sc, no_set=True), w)
            w.append("}")
        elif isinstance(n, nodes.For):
            if n.else_ or n.test or n.recursive or not isinstance(n.target, nodes.Name):
                self.fail(n, "for loop form")
            i, cnt, coll = self.fresh("i"), self.fresh("n"), self.fresh("c")
            inner = Scope(sc)
            inner.set("loop", (i, cnt))
            code, kind = self.expr(n.iter, sc)
            if kind != "V" and kind[2] == "vec":
                w.append(f"let {coll} = &{code};")
                w.append(f"let {cnt} = {coll}.len();")
                item = self.fresh("x")
                w.append(f"for ({i}, {item}) in {coll}.iter().enumerate() {{")
                inner.set(n.target.name, (item, ("T", kind[1], "ref")))
            else:
                v = code if kind == "V" else f"{code}.v()"
                w.append(f"let {coll} = items(&{v})?;")
                w.append(f"let {cnt} = {coll}.len();")
                item = self.fresh("x")
                w.append(f"for ({i}, {item}) in {coll}.iter().enumerate() {{")
                inner.set(n.target.name, (f"{item}.clone()", "V"))
            w.append(f"let _ = ({i}, {cnt});")
            self.stmts(n.body, inner, w)
            w.append("}")
        elif isinstance(n, (nodes.Assign, nodes.AssignBlock)) and sc.no_set:
            self.fail(n, "set inside an if or a set block (minijinja scopes it otherwise)")
        elif isinstance(n, nodes.Assign):
            if not isinstance(n.target, nodes.Name):
                self.fail(n, "assignment target")
            v = self.value(n.node, sc)
            var = self.fresh("v")
            w.append(f"let {var} = {v};")
            sc.set(n.target.name, (f"{var}.clone()", "V"))
        elif isinstance(n, nodes.AssignBlock):
            if n.filter is not None or not isinstance(n.target, nodes.Name):
                self.fail(n, "set block form")
            buf, var = self.fresh("b"), self.fresh("v")
            w.append(f"let mut {buf} = String::new();")
            w.append("{ let out = &mut " + buf + ";")
            self.stmts(n.body, Scope(sc, no_set=True), w)
            w.append("}")
            w.append(f"let {var} = captured(cx, {buf});")
            sc.set(n.target.name, (f"{var}.clone()", "V"))
        elif isinstance(n, nodes.Block):
            if n.name not in BLOCKS:
                self.fail(n, f"block {n.name}")
            # In a layout: the kind's block if it has one, else this one.
            w.append(f"if let Some(f) = k.{n.name} {{ f(cx, out)?; }} else {{")
            self.stmts(n.body, Scope(sc), w)
            w.append("}")
        elif isinstance(n, nodes.Include):
            if not isinstance(n.template, nodes.Const) or n.ignore_missing:
                self.fail(n, "include form")
            fn = self.include(n.template.value)
            w.append(f"{fn}(cx, out)?;")
        elif isinstance(n, nodes.FromImport):
            if not isinstance(n.template, nodes.Const):
                self.fail(n, "import form")
            self.compile_macros(n.template.value)
            for name in n.names:
                alias = name
                if isinstance(name, tuple):
                    name, alias = name
                key = (n.template.value, name)
                if key not in self.macros:
                    self.fail(n, f"macro {name}")
                sc.set(alias, ("macro", key))
        elif isinstance(n, nodes.Macro):
            pass  # compiled by compile_macros
        elif isinstance(n, nodes.CallBlock):
            call = n.call
            if n.args or not isinstance(call.node, nodes.Name):
                self.fail(n, "call block form")
            m = sc.get(call.node.name)
            if m is None or m[0] != "macro":
                self.fail(n, "call of an unknown macro")
            body = []
            self.stmts(n.body, Scope(sc), body)
            caller = "Some(&|out: &mut String| -> R { " + "\n".join(body) + "\nOk(()) })"
            self.call_macro(n, m[1], call, sc, w, caller)
        else:
            self.fail(n, "statement")

    def call_macro(self, n, key, call, sc, w, caller):
        fn, params = self.macros[key]
        if call.kwargs or call.dyn_args or call.dyn_kwargs or len(call.args) > len(params):
            self.fail(n, "macro call form")
        args = [self.value(a, sc) for a in call.args] + ["V::U"] * (len(params) - len(call.args))
        w.append(f"{fn}(cx, out, {', '.join(args)}, {caller})?;")

    def emit(self, e, sc, w):
        if isinstance(e, nodes.CondExpr) and e.expr2 is not None:
            w.append(f"if {self.value(e.test, sc)}.truthy()? {{")
            self.emit(e.expr1, sc, w)
            w.append("} else {")
            self.emit(e.expr2, sc, w)
            w.append("}")
            return
        if isinstance(e, nodes.Call) and isinstance(e.node, nodes.Name):
            if e.node.name == "caller" and sc.get("caller") is not None:
                if e.args or e.kwargs:
                    self.fail(e, "caller arguments")
                w.append("(caller.ok_or(Fallback)?)(out)?;")
                return
            m = sc.get(e.node.name)
            if m is not None and m[0] == "macro":
                self.call_macro(e, m[1], e, sc, w, "None")
                return
            self.fail(e, f"call of {e.node.name}")
        w.append(f"put(cx, out, &{self.value(e, sc)})?;")

    # ---- templates

    def parse(self, name):
        # The bytes the hash reads, as UTF-8 whatever the locale; Jinja2 would turn a
        # CRLF into LF where minijinja keeps it.
        if self.sources is not None:
            src = self.sources[name]
        else:
            src = (TEMPLATES / name).read_bytes().decode("utf-8")
        if "\r" in src:
            raise Unsupported(f"{name}: a carriage return (save the template with LF line ends)")
        return ENV.parse(src)

    def layout_names(self):
        """Every name the layouts set or loop over (see `Scope.shadow`)."""
        names = set()
        for layout in ("layout.html", "layout.txt"):
            ast = self.parse(layout)
            for n in ast.find_all((nodes.Assign, nodes.AssignBlock, nodes.For)):
                names |= {t.name for t in n.target.find_all(nodes.Name)} | (
                    {n.target.name} if isinstance(n.target, nodes.Name) else set())
        return frozenset(names)

    def with_template(self, name, f):
        saved = self.template
        self.template = name
        try:
            return f()
        finally:
            self.template = saved

    def compile_macros(self, name):
        if ("macros", name) in self.done:
            return
        self.done.add(("macros", name))

        def go():
            ast = self.parse(name)
            top = Scope(shadow=self.shadow)
            for n in ast.body:
                if isinstance(n, nodes.FromImport):
                    self.stmt(n, top, [])
            for n in ast.body:
                if isinstance(n, nodes.Macro):
                    if n.defaults:
                        self.fail(n, "macro defaults")
                    params = [a.name for a in n.args]
                    fn = f"m_{ident(name)}_{n.name}"
                    self.macros[(name, n.name)] = (fn, params)
                    top.set(n.name, ("macro", (name, n.name)))
            for n in ast.body:
                if isinstance(n, nodes.Macro):
                    fn, params = self.macros[(name, n.name)]
                    sc = Scope(top)
                    for p in params:
                        sc.set(p, (f"{p}.clone()", "V"))
                    sc.set("caller", ("caller", None))
                    w = []
                    self.stmts(n.body, sc, w)
                    ps = "".join(f", {p}: V<'a>" for p in params)
                    self.fns.append(
                        f"fn {fn}<'a>(cx: &Cx<'a>, out: &mut String{ps}, caller: Option<&dyn Fn(&mut String) -> R>) -> R {{\n"
                        + "\n".join(w) + "\nOk(())\n}\n")
        self.with_template(name, go)

    def include(self, name):
        fn = f"inc_{ident(name)}"
        if ("inc", name) in self.done:
            return fn
        self.done.add(("inc", name))

        def go():
            ast = self.parse(name)
            self.compile_macros(name)
            sc = Scope(shadow=self.shadow)
            for (tpl, mname), _ in list(self.macros.items()):
                if tpl == name:
                    sc.set(mname, ("macro", (tpl, mname)))
            w = []
            self.stmts(ast.body, sc, w)
            # An included template sees the kind's blocks through `k` only in a layout.
            self.fns.append(
                f"fn {fn}<'a>(cx: &Cx<'a>, out: &mut String) -> R {{\nlet k = &NO_BLOCKS;\n"
                + "\n".join(w) + "\nOk(())\n}\n")
        self.with_template(name, go)
        return fn

    def layout(self, name):
        fn = f"layout_{ident(name)}"

        def go():
            ast = self.parse(name)
            w = []
            self.stmts(ast.body, Scope(), w)
            self.fns.append(
                f"pub(super) fn {fn}<'a>(cx: &Cx<'a>, out: &mut String, k: &Kind) -> R {{\n"
                + "\n".join(w) + "\nOk(())\n}\n")
        self.with_template(name, go)
        return fn

    def kind(self, name, extends):
        """A kind's template: its blocks as functions, and the `Kind` that lists them."""
        def go():
            ast = self.parse(name)
            blocks = {}
            seen_extends = False
            for n in ast.body:
                if isinstance(n, nodes.Extends):
                    if not (isinstance(n.template, nodes.Name) and n.template.name == "layout"):
                        self.fail(n, "extends form")
                    seen_extends = True
                elif isinstance(n, nodes.Block):
                    if n.name not in BLOCKS:
                        self.fail(n, f"block {n.name}")
                    fn = f"b_{ident(name)}_{n.name}"
                    w = []
                    self.stmts(n.body, Scope(shadow=self.shadow), w)
                    self.fns.append(
                        f"fn {fn}<'a>(cx: &Cx<'a>, out: &mut String) -> R {{\nlet k = &NO_BLOCKS;\n"
                        + "\n".join(w) + "\nOk(())\n}\n")
                    blocks[n.name] = fn
                elif isinstance(n, nodes.Output) and all(
                    isinstance(d, nodes.TemplateData) and not d.data.strip() for d in n.nodes
                ):
                    pass
                else:
                    self.fail(n, "top-level statement of a kind's template")
            if seen_extends != extends:
                self.fail(ast, "extends expected" if extends else "no extends expected")
            const = "K_" + ident(name).upper()
            fields = ", ".join(f"{b}: {('Some(' + blocks[b] + ')') if b in blocks else 'None'}" for b in BLOCKS)
            self.fns.append(f"static {const}: Kind = Kind {{ {fields} }};\n")
            return const
        return self.with_template(name, go)


def main():
    g = Gen()
    g.shadow = g.layout_names()
    sources = []
    html = g.layout("layout.html")
    txt = g.layout("layout.txt")
    emails, smses = [], []
    for lang_dir in sorted(p for p in TEMPLATES.iterdir() if p.is_dir() and p.name != "partials"):
        for f in sorted(lang_dir.iterdir()):
            rel = f"{lang_dir.name}/{f.name}"
            if f.name.endswith(".email.html"):
                emails.append((lang_dir.name, f.name[: -len(".email.html")], g.kind(rel, True)))
            elif f.name.endswith(".sms.txt"):
                smses.append((lang_dir.name, f.name[: -len(".sms.txt")], g.kind(rel, False)))
    for f in sorted(TEMPLATES.rglob("*")):
        rel = f.relative_to(TEMPLATES).as_posix()
        if f.is_file() and (rel.endswith(".html") or rel.endswith(".sms.txt") or rel in ("layout.txt",) or (rel.startswith("partials/") and rel.endswith(".txt"))):
            sources.append(rel)
    h = 0
    for rel in sources:
        h = fx_hash(h, rel.encode())
        h = fx_hash(h, (TEMPLATES / rel).read_bytes())

    out = []
    out.append("// @generated by scripts/compile-templates.py from shared/templates: do not edit.\n")
    out.append("// Run `python3 scripts/compile-templates.py` after changing a template.\n\n")
    out.append("#![allow(unused_parens, unused_variables, unused_mut, clippy::all)]\n\n")
    out.append("use super::runtime::*;\n\n")
    out.append("/// The templates compiled here, by name under `shared/templates/`.\n")
    out.append("pub(super) const SOURCES: &[&str] = &[\n" + "".join(f"    {rust_str(s)},\n" for s in sources) + "];\n\n")
    out.append(f"/// [`source_hash`] of [`SOURCES`] as they were compiled.\npub(super) const SOURCE_HASH: u64 = {h:#x};\n\n")
    out.append(f"pub(super) const LAYOUT_HTML: Layout = {html};\n")
    out.append(f"pub(super) const LAYOUT_TEXT: Layout = {txt};\n\n")
    out.append("/// A kind's email template, by language and kind.\npub(super) fn email(lang: &str, kind: &str) -> Option<&'static Kind> {\n    Some(match (lang, kind) {\n")
    for lang, kind, const in emails:
        out.append(f"        ({rust_str(lang)}, {rust_str(kind)}) => &{const},\n")
    out.append("        _ => return None,\n    })\n}\n\n")
    out.append("/// A kind's SMS template, by language and kind.\npub(super) fn sms(lang: &str, kind: &str) -> Option<&'static Kind> {\n    Some(match (lang, kind) {\n")
    for lang, kind, const in smses:
        out.append(f"        ({rust_str(lang)}, {rust_str(kind)}) => &{const},\n")
    out.append("        _ => return None,\n    })\n}\n\n")
    out.extend(g.fns)
    text = "".join(out)
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is not what the templates compile to: "
                     "run `python3 scripts/compile-templates.py`")
        print(f"{OUT.relative_to(ROOT)}: up to date")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"{OUT.relative_to(ROOT)}: {len(emails)} emails, {len(smses)} SMS, {len(g.fns)} items, hash {h:#x}")


def self_test():
    """What the compiler must refuse rather than compile to other output than minijinja's
    (CI runs it with --check): each case a kind template over the real layouts."""
    real = {}
    for f in TEMPLATES.rglob("*"):
        if f.is_file():
            real[f.relative_to(TEMPLATES).as_posix()] = f.read_bytes().decode("utf-8")
    block = "{% extends layout %}{% block heading %}BODY{% endblock %}"
    refused = {
        "a set inside an if": "{% if when %}{% set x = 1 %}{% endif %}{{ x }}",
        "a set inside a set block": "{% set a %}{% set x = 1 %}{% endset %}",
        "a layout's variable read from a block": "{{ font }}",
        "a filter it does not know": "{{ service | upper }}",
        "a test it does not know": "{% if service is string %}x{% endif %}",
        "a chained comparison": "{% if 1 < 2 < 3 %}x{% endif %}",
        "a call of a function": "{{ range(3) }}",
    }
    failures = []
    for what, body in refused.items():
        try:
            g = Gen(dict(real, **{"eng/t.email.html": block.replace("BODY", body)}))
            g.shadow = g.layout_names()
            g.kind("eng/t.email.html", True)
            failures.append(f"compiled {what}")
        except Unsupported:
            pass
    try:
        g = Gen(dict(real, **{"eng/t.email.html": block.replace("BODY", "x").replace("}{", "}\r\n{", 1)}))
        g.kind("eng/t.email.html", True)
        failures.append("compiled a carriage return")
    except Unsupported:
        pass
    # And what it must compile: a kind template of the built-in constructs.
    g = Gen(dict(real, **{"eng/t.email.html": block.replace(
        "BODY", '{% if when and not links %}{{ when.full ~ "!" }}{% elif service in ["a", "b"] %}'
        '{{ (client.name or "A client") | replace("A", "B") }}{% endif %}')}))
    g.shadow = g.layout_names()
    g.kind("eng/t.email.html", True)
    if failures:
        sys.exit("compile-templates --self-test: " + "; ".join(failures))
    print(f"compile-templates: self-test ok ({len(refused) + 1} refusals)")


if __name__ == "__main__":
    try:
        if "--self-test" in sys.argv[1:]:
            self_test()
            sys.exit(0)
        main()
    except Unsupported as e:
        sys.exit(f"compile-templates: {e}")
