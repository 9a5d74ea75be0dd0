"""A small renderer for the subset of Helm's Go templates that charts/klanten uses.

Helm cannot be installed on the machines that run the tests, so the chart tests render the
chart with this module and validate the output (YAML, Kubernetes schemas). It implements Go's
text/template actions (``if``/``else if``/``else``, ``with``, ``range``, ``define``, variables,
pipelines, parentheses, ``{{-``/``-}}`` trimming, comments) and the Helm/Sprig functions the
chart calls. It is stricter than Helm where that finds mistakes: an unknown function, a field
of a missing value (Helm: "nil pointer evaluating ...") and printing a map or list are errors.
What it does not prove: that Helm renders exactly the same text (see docs/deployment.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    pass


# --- lexing -------------------------------------------------------------------------------


def _split_actions(source: str, name: str) -> list[tuple]:
    """[("text", str) | ("action", str)] with the trim markers applied."""
    parts: list[list] = []
    pos = 0
    while True:
        start = source.find("{{", pos)
        if start < 0:
            parts.append(["text", source[pos:]])
            break
        parts.append(["text", source[pos:start]])
        end = source.find("}}", start + 2)
        if end < 0:
            raise TemplateError(f"{name}: unclosed action")
        # a "}}" inside a string literal: look further
        inner = source[start + 2 : end]
        while inner.count('"') % 2 == 1:
            end = source.find("}}", end + 2)
            if end < 0:
                raise TemplateError(f"{name}: unclosed action")
            inner = source[start + 2 : end]
        ltrim = inner.startswith("- ") or inner == "-" or inner.startswith("-\n")
        rtrim = inner.endswith(" -") or inner.endswith("\n-")
        if ltrim:
            inner = inner[1:]
        if rtrim:
            inner = inner[:-1]
        parts.append(["action", inner.strip(), ltrim, rtrim])
        pos = end + 2
    for i, part in enumerate(parts):
        if part[0] != "action":
            continue
        if part[2] and i > 0 and parts[i - 1][0] == "text":
            parts[i - 1][1] = parts[i - 1][1].rstrip(" \t\r\n")
        if part[3] and i + 1 < len(parts) and parts[i + 1][0] == "text":
            parts[i + 1][1] = parts[i + 1][1].lstrip(" \t\r\n")
    return [tuple(p) for p in parts if not (p[0] == "text" and p[1] == "")]


_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<raw>`[^`]*`)
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<assign>:=|=)
    |(?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    |(?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<punct>[()|,])
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(kind, value, preceded by whitespace)"""
    out = []
    pos = 0
    space = True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise TemplateError(f"cannot parse {text[pos:]!r}")
        kind = m.lastgroup
        if kind == "ws":
            space = True
        else:
            out.append((kind, m.group(kind), space))
            space = False
        pos = m.end()
    return out


# --- parsing ------------------------------------------------------------------------------


class Node:
    pass


class Text(Node):
    def __init__(self, text):
        self.text = text


class Output(Node):
    def __init__(self, pipe):
        self.pipe = pipe


class Assign(Node):
    def __init__(self, name, pipe, declare):
        self.name, self.pipe, self.declare = name, pipe, declare


class Block(Node):
    def __init__(self, kind, pipe, variables=()):
        self.kind, self.pipe, self.variables = kind, pipe, list(variables)
        self.body: list[Node] = []
        self.branches: list[tuple[Any, list[Node]]] = []  # else if
        self.else_body: list[Node] | None = None


def _parse_pipeline(tokens: list) -> dict:
    """{"vars": [...], "declare": bool, "commands": [[operand, ...], ...]}"""
    variables, declare = [], False
    for i, tok in enumerate(tokens):
        if tok[0] == "assign":
            names = [t[1] for t in tokens[:i] if t[0] == "var"]
            variables, declare = names, tok[1] == ":="
            tokens = tokens[i + 1 :]
            break
    commands, current, pos = [], [], 0
    while pos < len(tokens):
        operand, pos = _parse_operand(tokens, pos)
        if operand == "|":
            commands.append(current)
            current = []
        else:
            current.append(operand)
    commands.append(current)
    if any(not c for c in commands):
        raise TemplateError(f"empty command in {tokens!r}")
    return {"vars": variables, "declare": declare, "commands": commands}


def _parse_operand(tokens, pos):
    kind, value, _ = tokens[pos]
    if kind == "punct" and value == "|":
        return "|", pos + 1
    if kind == "punct" and value == "(":
        depth, end = 1, pos + 1
        while depth:
            if end >= len(tokens):
                raise TemplateError("unbalanced parentheses")
            if tokens[end][1] == "(" and tokens[end][0] == "punct":
                depth += 1
            elif tokens[end][1] == ")" and tokens[end][0] == "punct":
                depth -= 1
            end += 1
        operand = ("pipe", _parse_pipeline(tokens[pos + 1 : end - 1]))
        # (pipeline).field
        if end < len(tokens) and tokens[end][0] == "field" and not tokens[end][2]:
            operand = ("chain", operand, tokens[end][1].split(".")[1:])
            end += 1
        return operand, end
    if kind == "string":
        return ("lit", json.loads(value)), pos + 1
    if kind == "raw":
        return ("lit", value[1:-1]), pos + 1
    if kind == "number":
        return ("lit", float(value) if "." in value else int(value)), pos + 1
    if kind == "field":
        return ("field", [] if value == "." else value.split(".")[1:]), pos + 1
    if kind == "var":
        name, *fields = value.split(".")
        return ("var", name, fields), pos + 1
    if kind == "ident":
        if value in ("true", "false"):
            return ("lit", value == "true"), pos + 1
        if value == "nil":
            return ("lit", None), pos + 1
        return ("ident", value), pos + 1
    raise TemplateError(f"unexpected {value!r}")


def parse(source: str, name: str, defines: dict) -> list[Node]:
    root: list[Node] = []
    stack: list[tuple[Block | None, list[Node]]] = [(None, root)]
    for part in _split_actions(source, name):
        body = stack[-1][1]
        if part[0] == "text":
            body.append(Text(part[1]))
            continue
        action = part[1]
        if action.startswith("/*"):
            if not action.endswith("*/"):
                raise TemplateError(f"{name}: bad comment {action!r}")
            continue
        tokens = _tokens(action)
        if not tokens:
            raise TemplateError(f"{name}: empty action")
        head = tokens[0][1] if tokens[0][0] == "ident" else None
        if head in ("if", "with", "range"):
            block = Block(head, None)
            rest = tokens[1:]
            pipe = _parse_pipeline(rest)
            if head == "range":
                block.variables = pipe["vars"]
                pipe = {**pipe, "vars": [], "declare": False}
            block.pipe = pipe
            body.append(block)
            stack.append((block, block.body))
        elif head == "define":
            block = Block("define", None)
            block.name = json.loads(tokens[1][1])
            stack.append((block, block.body))
        elif head == "else":
            block = stack[-1][0]
            if block is None or block.kind == "define":
                raise TemplateError(f"{name}: else outside a block")
            if len(tokens) > 1 and tokens[1][1] == "if":
                branch = (_parse_pipeline(tokens[2:]), [])
                block.branches.append(branch)
                stack[-1] = (block, branch[1])
            else:
                block.else_body = []
                stack[-1] = (block, block.else_body)
        elif head == "end":
            block, _ = stack.pop()
            if block is None:
                raise TemplateError(f"{name}: end without a block")
            if block.kind == "define":
                defines[block.name] = block.body
        elif head in ("template", "block"):
            raise TemplateError(f"{name}: use include instead of {head}")
        else:
            pipe = _parse_pipeline(tokens)
            if pipe["vars"]:
                body.append(Assign(pipe["vars"][0], pipe, pipe["declare"]))
            else:
                body.append(Output(pipe))
    if len(stack) != 1:
        raise TemplateError(f"{name}: missing end")
    return root


# --- values and functions -----------------------------------------------------------------


def truth(value) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return len(value) > 0


def to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        raise TemplateError(f"printing a {type(value).__name__}: use toYaml ({value!r})")
    return str(value)


def to_yaml(value) -> str:
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True, width=1 << 16)
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")


def indent(n, text) -> str:
    pad = " " * n
    return "\n".join(pad + line for line in to_text(text).split("\n"))


def go_sprintf(fmt: str, *args) -> str:
    args_iter = iter(args)

    def convert(m):
        verb = m.group(2)
        if verb == "%":
            return "%"
        value = next(args_iter)
        if verb == "d":
            return str(int(value))
        if verb == "q":
            return json.dumps(to_text(value))
        return to_text(value)

    return re.sub(r"%([-+# 0]*\d*)([sdvq%])", convert, fmt)


def go_print(*args) -> str:
    out = ""
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out += " "
        out += to_text(arg)
    return out


def required(message, value):
    if value is None or value == "":
        raise TemplateError(f"required: {message}")
    return value


def go_eq(a, *others):
    return any(a == b for b in others)


FUNCTIONS = {
    "toYaml": to_yaml,
    "nindent": lambda n, text: "\n" + indent(n, text),
    "indent": indent,
    "quote": lambda *args: " ".join(json.dumps(to_text(a)) for a in args if a is not None),
    "squote": lambda *args: " ".join(f"'{to_text(a)}'" for a in args if a is not None),
    "default": lambda default, *given: given[0] if given and truth(given[0]) else default,
    "printf": go_sprintf,
    "print": go_print,
    "trunc": lambda n, s: to_text(s)[:n] if n >= 0 else to_text(s)[n:],
    "trimSuffix": lambda suffix, s: (
        to_text(s)[: -len(suffix)] if suffix and to_text(s).endswith(suffix) else to_text(s)
    ),
    "replace": lambda old, new, s: to_text(s).replace(old, new),
    "contains": lambda sub, s: sub in to_text(s),
    "join": lambda sep, items: sep.join(to_text(i) for i in (items or [])),
    "first": lambda items: items[0] if items else None,
    "required": required,
    "sha256sum": lambda s: hashlib.sha256(to_text(s).encode()).hexdigest(),
    "dict": lambda *kv: {kv[i]: kv[i + 1] for i in range(0, len(kv), 2)},
    "list": lambda *items: list(items),
    "not": lambda v: not truth(v),
    "and": lambda *args: next((a for a in args if not truth(a)), args[-1]),
    "or": lambda *args: next((a for a in args if truth(a)), args[-1]),
    "eq": go_eq,
    "ne": lambda a, b: a != b,
    "empty": lambda v: not truth(v),
    "toString": to_text,
    "lower": lambda s: to_text(s).lower(),
    "upper": lambda s: to_text(s).upper(),
    "hasKey": lambda d, k: k in d,
}


# --- evaluation ---------------------------------------------------------------------------


class Renderer:
    def __init__(self, defines: dict):
        self.defines = defines
        self.used_functions: set[str] = set()

    def render_nodes(self, nodes, dot, scopes) -> str:
        out = []
        scopes = [*scopes, {}]
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Output):
                out.append(to_text(self.pipeline(node.pipe, dot, scopes)))
            elif isinstance(node, Assign):
                value = self.pipeline(node.pipe, dot, scopes)
                if node.declare:
                    scopes[-1][node.name] = value
                else:
                    for scope in reversed(scopes):
                        if node.name in scope:
                            scope[node.name] = value
                            break
                    else:
                        raise TemplateError(f"undefined variable {node.name}")
            elif isinstance(node, Block):
                out.append(self.block(node, dot, scopes))
        return "".join(out)

    def block(self, node: Block, dot, scopes) -> str:
        value = self.pipeline(node.pipe, dot, scopes)
        if node.kind == "if":
            if truth(value):
                return self.render_nodes(node.body, dot, scopes)
            for pipe, body in node.branches:
                if truth(self.pipeline(pipe, dot, scopes)):
                    return self.render_nodes(body, dot, scopes)
        elif node.kind == "with":
            if truth(value):
                return self.render_nodes(node.body, value, scopes)
        elif node.kind == "range" and truth(value):
            if isinstance(value, dict):
                items = [(k, value[k]) for k in sorted(value)]
            elif isinstance(value, list):
                items = list(enumerate(value))
            else:
                raise TemplateError(f"range over {type(value).__name__}")
            out = []
            for key, item in items:
                scope = {}
                if len(node.variables) == 1:
                    scope[node.variables[0]] = item
                elif len(node.variables) == 2:
                    scope[node.variables[0]], scope[node.variables[1]] = key, item
                out.append(self.render_nodes(node.body, item, [*scopes, scope]))
            return "".join(out)
        if node.else_body is not None:
            return self.render_nodes(node.else_body, dot, scopes)
        return ""

    def pipeline(self, pipe, dot, scopes):
        value = _NOTHING = object()
        for command in pipe["commands"]:
            args = [] if value is _NOTHING else [value]
            value = self.command(command, dot, scopes, args)
        return value

    def command(self, command, dot, scopes, piped):
        head = command[0]
        if head[0] == "ident":
            name = head[1]
            args = [self.operand(op, dot, scopes) for op in command[1:]] + piped
            self.used_functions.add(name)
            if name == "include":
                return self.include(*args)
            if name not in FUNCTIONS:
                raise TemplateError(f"unknown function {name}")
            try:
                return FUNCTIONS[name](*args)
            except TemplateError:
                raise
            except Exception as exc:
                raise TemplateError(f"{name}{tuple(args)!r}: {exc}") from exc
        if len(command) > 1 or piped:
            raise TemplateError(f"{head!r} is not a function")
        return self.operand(head, dot, scopes)

    def include(self, name, data):
        if name not in self.defines:
            raise TemplateError(f"include of unknown template {name!r}")
        return self.render_nodes(self.defines[name], data, [{"$": data}])

    def operand(self, op, dot, scopes):
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "field":
            return self.fields(dot, op[1], ".")
        if kind == "var":
            for scope in reversed(scopes):
                if op[1] in scope:
                    return self.fields(scope[op[1]], op[2], op[1])
            raise TemplateError(f"undefined variable {op[1]}")
        if kind == "pipe":
            return self.pipeline(op[1], dot, scopes)
        if kind == "chain":
            return self.fields(self.operand(op[1], dot, scopes), op[2], "(...)")
        if kind == "ident":
            return self.command([op], dot, scopes, [])
        raise TemplateError(f"bad operand {op!r}")

    @staticmethod
    def fields(value, names, origin):
        path = origin
        for name in names:
            if value is None:
                raise TemplateError(f"nil pointer evaluating {path}.{name}")
            if not isinstance(value, dict):
                raise TemplateError(f"can't evaluate field {name} in {path}")
            value = value.get(name)
            path = f"{path}.{name}"
        return value


# --- the chart ----------------------------------------------------------------------------


def deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def render_chart(
    chart_dir: Path,
    values: dict | None = None,
    release: str = "klanten",
    namespace: str = "gemeente",
) -> tuple[dict[str, str], Renderer]:
    """Render every template of the chart like ``helm template``: {file name: text}."""
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    merged = deep_merge(yaml.safe_load((chart_dir / "values.yaml").read_text()), values or {})
    base = f"{chart['name']}/templates"
    defines: dict = {}
    files = {}
    for path in sorted((chart_dir / "templates").iterdir()):
        name = f"{base}/{path.name}"
        nodes = parse(path.read_text(), name, defines)
        if not path.name.startswith("_"):
            files[name] = nodes
    # like Helm: every file is also a named template (for the checksum annotations)
    defines.update(files)
    renderer = Renderer(defines)
    context = {
        "Values": merged,
        "Release": {
            "Name": release,
            "Namespace": namespace,
            "Service": "Helm",
            "IsInstall": True,
            "IsUpgrade": False,
            "Revision": 1,
        },
        "Chart": {
            "Name": chart["name"],
            "Version": chart["version"],
            "AppVersion": chart.get("appVersion", ""),
        },
        "Capabilities": {"KubeVersion": {"Version": "v1.30.0"}},
    }
    output = {}
    for name, nodes in files.items():
        data = {**context, "Template": {"Name": name, "BasePath": base}}
        output[name] = renderer.render_nodes(nodes, data, [{"$": data}])
    return output, renderer


def manifests(rendered: dict[str, str]) -> list[tuple[str, dict]]:
    """The Kubernetes objects of the rendered YAML files: [(file name, object)]."""
    out = []
    for name, text in rendered.items():
        if not name.endswith((".yaml", ".yml")):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                out.append((name, document))
    return out
