"""Mermaid text for a graph, the same text LangChain writes (so it pastes into the same tools).

Node ids that hold ``:`` (``parent:child``, made by ``Graph.extend(prefix=...)``) are
drawn inside a ``subgraph`` block per prefix.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from linguafranca.runnables._graph_types import CurveStyle, Edge, Node, NodeStyles

_SAFE_ID_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
_MARKDOWN_MARKS = ("*", "_", "`")
# Mermaid reads these in a label as syntax; it shows the entity instead.
_LABEL_ENTITIES = {
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    '"': "#quot;",
    "<": "#60;",
    ">": "#62;",
    "|": "#124;",
}


def safe_id(label: str) -> str:
    """``label`` as a mermaid node id: characters other than ``[A-Za-z0-9_-]`` as hex escapes."""
    return "".join(ch if ch in _SAFE_ID_CHARS else f"\\{ord(ch):x}" for ch in label)


def _escape_label(text: str) -> str:
    text = text.replace("#", "#35;")  # first, so the entities below stay intact
    return "".join(_LABEL_ENTITIES.get(ch, ch) for ch in text)


def _metadata_text(value: Any) -> str | None:
    scalars = (str, int, float, bool)
    if isinstance(value, scalars):
        return str(value)
    if isinstance(value, (list, tuple, set)) and all(isinstance(item, scalars) for item in value):
        items = [str(item) for item in value]
        return ", ".join(sorted(items) if isinstance(value, set) else items)
    return None  # nested values are not drawn


def _label(node: Node) -> str:
    name = node.name.split(":")[-1]
    if name.startswith(_MARKDOWN_MARKS) and name.endswith(_MARKDOWN_MARKS):
        name = f"<p>{name}</p>"  # or mermaid would render it as markdown emphasis
    lines = [
        _escape_label(f"{key} = {text}")
        for key, value in (node.metadata or {}).items()
        if (text := _metadata_text(value)) is not None
    ]
    if lines:
        return name + "<hr/><small><em>" + "\n".join(lines) + "</em></small>"
    return name


def _edge_line(edge: Edge, wrap_label_n_words: int) -> str:
    if edge.data is None:
        arrow = " -.-> " if edge.conditional else " --> "
    else:
        words = str(edge.data).split()
        text = str(edge.data)
        if len(words) > wrap_label_n_words:
            text = "&nbsp<br>&nbsp".join(
                " ".join(words[i : i + wrap_label_n_words])
                for i in range(0, len(words), wrap_label_n_words)
            )
        arrow = (
            f" -. &nbsp;{text}&nbsp; .-> " if edge.conditional else f" -- &nbsp;{text}&nbsp; --> "
        )
    return f"\t{safe_id(edge.source)}{arrow}{safe_id(edge.target)};\n"


_PLAIN = re.compile(r"[A-Za-z_][\w.\-/]*( [\w.\-/]+)*")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "~"})


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def _yaml(value: Mapping[str, Any], indent: str = "") -> str:
    """Block-style YAML of nested dicts, lists and scalars, keys sorted (as ``yaml.dump``)."""
    out = ""
    for key in sorted(value):
        item = value[key]
        name = _yaml_scalar(key)
        if isinstance(item, Mapping) and item:
            out += f"{indent}{name}:\n" + _yaml(item, indent + "  ")
        elif isinstance(item, (list, tuple)) and item:
            out += f"{indent}{name}:\n"
            out += "".join(f"{indent}- {_yaml_scalar(element)}\n" for element in item)
        elif isinstance(item, Mapping):
            out += f"{indent}{name}: {{}}\n"
        elif isinstance(item, (list, tuple)):
            out += f"{indent}{name}: []\n"
        else:
            out += f"{indent}{name}: {_yaml_scalar(item)}\n"
    return out


def draw_mermaid(
    nodes: Mapping[str, Node],
    edges: Sequence[Edge],
    *,
    first_node: str | None = None,
    last_node: str | None = None,
    with_styles: bool = True,
    curve_style: CurveStyle = CurveStyle.LINEAR,
    node_styles: NodeStyles | None = None,
    wrap_label_n_words: int = 9,
    frontmatter_config: Mapping[str, Any] | None = None,
) -> str:
    """Mermaid flowchart text for ``nodes`` and ``edges`` (see ``Graph.draw_mermaid``).

    Raises:
        ValueError: if two subgraphs share a name.
    """
    given: Mapping[str, Any] = frontmatter_config or {}
    config = dict(given.get("config", {}))
    config["flowchart"] = {**config.get("flowchart", {}), "curve": curve_style.value}
    out = (
        f"---\n{_yaml({**given, 'config': config})}---\ngraph TD;\n"
        if with_styles
        else "graph TD;\n"
    )

    shapes = {"": "{0}({1})"}
    if first_node is not None:
        shapes[first_node] = "{0}([{1}]):::first"
    if last_node is not None:
        shapes[last_node] = "{0}([{1}]):::last"

    def node_line(key: str, node: Node) -> str:
        return "\t" + shapes.get(key, shapes[""]).format(safe_id(key), _label(node)) + "\n"

    # A node "a:b:c" belongs to subgraph "a:b"; edges to the longest prefix both ends share.
    inner: dict[str, dict[str, Node]] = {}
    for key, node in nodes.items():
        if ":" in key:
            inner.setdefault(key.rsplit(":", 1)[0], {})[key] = node
        elif with_styles:
            out += node_line(key, node)
    groups: dict[str, list[Edge]] = {}
    for edge in edges:
        pairs = zip(edge.source.split(":"), edge.target.split(":"), strict=False)
        prefix = ":".join(source for source, target in pairs if source == target)
        groups.setdefault(prefix, []).append(edge)

    seen: set[str] = set()

    def subgraph(group: list[Edge], prefix: str) -> str:
        text = ""
        boxed = bool(prefix) and not (len(group) == 1 and group[0].source == group[0].target)
        if boxed:
            name = prefix.rsplit(":", 1)[-1]
            if name in seen:
                raise ValueError(
                    f"Two subgraphs are named {name!r}: a subgraph node is reused under the "
                    "same name. Give each subgraph node a distinct name."
                )
            seen.add(name)
            text += f"\tsubgraph {name}\n"
            if with_styles:
                text += "".join(node_line(key, node) for key, node in inner.get(prefix, {}).items())
        text += "".join(_edge_line(edge, wrap_label_n_words) for edge in group)
        for nested, nested_group in groups.items():
            rest = nested[len(prefix) + 1 :]
            if nested.startswith(prefix + ":") and nested != prefix and ":" not in rest:
                text += subgraph(nested_group, nested)
        if boxed:
            text += "\tend\n"
        return text

    out += subgraph(groups.get("", []), "")
    for prefix, group in groups.items():
        if prefix and ":" not in prefix:
            out += subgraph(group, prefix)
            seen.add(prefix)
    if with_styles:
        for prefix, members in inner.items():
            if ":" not in prefix and prefix not in seen:  # a subgraph without inner edges
                out += f"\tsubgraph {prefix}\n"
                out += "".join(node_line(key, node) for key, node in members.items())
                out += "\tend\n"
                seen.add(prefix)
        styles = asdict(node_styles or NodeStyles())
        out += "".join(f"\tclassDef {name} {style}\n" for name, style in styles.items())
    return out
