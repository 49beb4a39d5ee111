"""``Graph``: the nodes and edges of a runnable (``Runnable.get_graph()``), and its drawings."""

from __future__ import annotations

import inspect
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NoReturn
from uuid import uuid4

from pydantic import BaseModel

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._graph_ascii import draw_ascii
from linguafranca.runnables._graph_mermaid import draw_mermaid
from linguafranca.runnables._graph_types import (
    CurveStyle,
    Edge,
    LabelsDict,
    MermaidDrawMethod,
    Node,
    NodeData,
    NodeStyles,
    Stringifiable,
    is_uuid,
    node_name,
)
from linguafranca.runnables._schema_models import json_schema


def _class_path(data: object) -> list[str]:
    cls = type(data)
    return [*cls.__module__.split("."), cls.__name__]


def _node_json(node: Node, with_schemas: bool) -> dict[str, Any]:
    data: Any = node.data  # typed as NodeData, but callers may store anything
    if data is None:
        out: dict[str, Any] = {}
    elif isinstance(data, Runnable):
        out = {"type": "runnable", "data": {"id": _class_path(data), "name": node.name}}
    elif inspect.isclass(data) and issubclass(data, BaseModel):
        out = {"type": "schema", "data": json_schema(data) if with_schemas else node.name}
    else:
        out = {"type": "unknown", "data": node.name}
    if node.metadata is not None:
        out["metadata"] = node.metadata
    return out


def _only_end(graph: Graph, *, sources: bool, exclude: str | None = None) -> Node | None:
    """The one node no edge enters (``sources``) or leaves; None if there are several or none.

    Edges from (or to) ``exclude`` do not count, nor does ``exclude`` itself.
    """
    if sources:
        linked = {edge.target for edge in graph.edges if edge.source != exclude}
    else:
        linked = {edge.source for edge in graph.edges if edge.target != exclude}
    found = [n for n in graph.nodes.values() if n.id != exclude and n.id not in linked]
    return found[0] if len(found) == 1 else None


def _needs(tool: str) -> NoReturn:
    raise NotImplementedError(
        f"{tool} is not available in linguafranca: it needs graphviz or a network rendering "
        "service, which linguafranca does not depend on. Use draw_mermaid() and paste the "
        "text into a mermaid renderer (https://mermaid.live), or draw_ascii()."
    )


@dataclass
class Graph:
    """The nodes and edges of a runnable, as returned by ``Runnable.get_graph()``.

    A node is a runnable, or the pydantic model of the input or output of one; node ids
    are made-up UUIDs unless given. Draw it with ``draw_ascii()`` or ``draw_mermaid()``.

    Example:
        ```python
        graph = (model | StrOutputParser()).get_graph()
        graph.print_ascii()
        [node.name for node in graph.nodes.values()]  # ["ChatOpenAIInput", "ChatOpenAI", ...]
        ```
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.nodes)

    def to_json(self, *, with_schemas: bool = False) -> dict[str, list[dict[str, Any]]]:
        """The graph as JSON-ready dicts; made-up node ids become their index.

        Args:
            with_schemas: give input and output nodes their JSON schema instead of a name.
        """
        ids: dict[str, str | int] = {
            node.id: index if is_uuid(node.id) else node.id
            for index, node in enumerate(self.nodes.values())
        }
        edges: list[dict[str, Any]] = []
        for edge in self.edges:
            entry: dict[str, Any] = {"source": ids[edge.source], "target": ids[edge.target]}
            if edge.data is not None:
                entry["data"] = edge.data
            if edge.conditional:
                entry["conditional"] = True
            edges.append(entry)
        nodes = [
            {"id": ids[node.id], **_node_json(node, with_schemas)} for node in self.nodes.values()
        ]
        return {"nodes": nodes, "edges": edges}

    def next_id(self) -> str:
        """A new node id (a UUID in hex)."""
        return uuid4().hex

    def add_node(
        self, data: NodeData, id: str | None = None, *, metadata: dict[str, Any] | None = None
    ) -> Node:
        """Add a node for ``data`` and return it.

        Raises:
            ValueError: if ``id`` is already taken.
        """
        if id is not None and id in self.nodes:
            raise ValueError(f"The graph already has a node with id {id!r}; pick another id.")
        key = id or self.next_id()
        node = Node(key, node_name(key, data), data, metadata)
        self.nodes[key] = node
        return node

    def remove_node(self, node: Node) -> None:
        """Remove ``node`` and the edges from or to it."""
        del self.nodes[node.id]
        self.edges = [edge for edge in self.edges if node.id not in (edge.source, edge.target)]

    def add_edge(
        self,
        source: Node,
        target: Node,
        data: Stringifiable | None = None,
        conditional: bool = False,
    ) -> Edge:
        """Add an edge from ``source`` to ``target`` and return it.

        Raises:
            ValueError: if either node is not in the graph.
        """
        for role, node in (("source", source), ("target", target)):
            if node.id not in self.nodes:
                raise ValueError(
                    f"The edge's {role} node {node.id!r} is not in the graph; add_node() it first."
                )
        edge = Edge(source.id, target.id, data, conditional)
        self.edges.append(edge)
        return edge

    def extend(self, graph: Graph, *, prefix: str = "") -> tuple[Node | None, Node | None]:
        """Add the nodes and edges of ``graph`` (not linked to this graph's nodes).

        Args:
            graph: the graph to add.
            prefix: put before each of its node ids as ``prefix:id``; ignored when all its
                ids are made-up UUIDs (they cannot clash).

        Returns:
            The first and last nodes of ``graph`` (with their new ids), or None each.
        """
        if all(is_uuid(key) for key in graph.nodes):
            prefix = ""

        def renamed(key: str) -> str:
            return f"{prefix}:{key}" if prefix else key

        for key, node in graph.nodes.items():
            self.nodes[renamed(key)] = node.copy(id=renamed(key))
        self.edges.extend(
            edge.copy(source=renamed(edge.source), target=renamed(edge.target))
            for edge in graph.edges
        )
        first, last = graph.first_node(), graph.last_node()
        return (
            first.copy(id=renamed(first.id)) if first else None,
            last.copy(id=renamed(last.id)) if last else None,
        )

    def reid(self) -> Graph:
        """A copy with node names for made-up ids (``name_1``, ``name_2``... if names repeat)."""
        by_name: defaultdict[str, list[str]] = defaultdict(list)
        for node in self.nodes.values():
            by_name[node.name].append(node.id)
        readable = {
            key: name if len(keys) == 1 else f"{name}_{index}"
            for name, keys in by_name.items()
            for index, key in enumerate(keys, start=1)
        }

        def new(key: str) -> str:
            return readable[key] if is_uuid(key) else key

        return Graph(
            nodes={new(key): node.copy(id=new(key)) for key, node in self.nodes.items()},
            edges=[e.copy(source=new(e.source), target=new(e.target)) for e in self.edges],
        )

    def first_node(self) -> Node | None:
        """The one node that no edge enters, or None if there are several or none."""
        return _only_end(self, sources=True)

    def last_node(self) -> Node | None:
        """The one node that no edge leaves, or None if there are several or none."""
        return _only_end(self, sources=False)

    def trim_first_node(self) -> None:
        """Remove the first node if it has one edge out and the graph keeps a first node."""
        self._trim_end(sources=True)

    def trim_last_node(self) -> None:
        """Remove the last node if it has one edge in and the graph keeps a last node."""
        self._trim_end(sources=False)

    def _trim_end(self, *, sources: bool) -> None:
        end = _only_end(self, sources=sources)
        if end is None or _only_end(self, sources=sources, exclude=end.id) is None:
            return
        linked = {
            edge for edge in self.edges if (edge.source if sources else edge.target) == end.id
        }
        if len(linked) == 1:
            self.remove_node(end)

    def draw_ascii(self) -> str:
        """The graph as a box drawing in plain text (top to bottom)."""
        return draw_ascii({node.id: node.name for node in self.nodes.values()}, self.edges)

    def print_ascii(self) -> None:
        """Print :meth:`draw_ascii`."""
        print(self.draw_ascii())  # noqa: T201

    def draw_mermaid(
        self,
        *,
        with_styles: bool = True,
        curve_style: CurveStyle = CurveStyle.LINEAR,
        node_colors: NodeStyles | None = None,
        wrap_label_n_words: int = 9,
        frontmatter_config: dict[str, Any] | None = None,
    ) -> str:
        """The graph as mermaid flowchart text (paste it into any mermaid renderer).

        Args:
            with_styles: add the frontmatter, the node lines and the class styles.
            curve_style: how mermaid draws edges.
            node_colors: styles of ordinary, first and last nodes.
            wrap_label_n_words: break edge labels after this many words.
            frontmatter_config: mermaid configuration written as YAML frontmatter, e.g.
                ``{"config": {"theme": "neutral"}}``.
        """
        graph = self.reid()
        first, last = graph.first_node(), graph.last_node()
        return draw_mermaid(
            graph.nodes,
            graph.edges,
            first_node=first.id if first else None,
            last_node=last.id if last else None,
            with_styles=with_styles,
            curve_style=curve_style,
            node_styles=node_colors,
            wrap_label_n_words=wrap_label_n_words,
            frontmatter_config=frontmatter_config,
        )

    def draw_png(
        self,
        output_file_path: str | None = None,
        fontname: str | None = None,
        labels: LabelsDict | None = None,
    ) -> bytes | None:
        """Not available: rendering a PNG needs graphviz.

        Raises:
            NotImplementedError: always, saying what to use instead.
        """
        _needs("Graph.draw_png()")

    def draw_mermaid_png(
        self,
        *,
        curve_style: CurveStyle = CurveStyle.LINEAR,
        node_colors: NodeStyles | None = None,
        wrap_label_n_words: int = 9,
        output_file_path: str | None = None,
        draw_method: MermaidDrawMethod = MermaidDrawMethod.API,
        background_color: str = "white",
        padding: int = 10,
        max_retries: int = 1,
        retry_delay: float = 1.0,
        frontmatter_config: dict[str, Any] | None = None,
        base_url: str | None = None,
        proxies: dict[str, str] | None = None,
    ) -> bytes:
        """Not available: rendering mermaid as PNG needs a browser or a network service.

        Raises:
            NotImplementedError: always, saying what to use instead.
        """
        _needs("Graph.draw_mermaid_png()")
