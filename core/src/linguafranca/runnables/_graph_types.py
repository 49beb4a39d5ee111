"""The pieces of a runnable's graph: nodes, edges, and the drawing options.

``Graph`` (in ``_graph.py``) holds them; the drawing modules read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple, Protocol, TypeAlias, TypedDict
from uuid import UUID

from pydantic import BaseModel

from linguafranca.runnables._base import Runnable

NodeData: TypeAlias = "type[BaseModel] | Runnable[Any, Any] | None"
"""What a node stands for: a runnable, the pydantic model of an input or output, or nothing."""


class Stringifiable(Protocol):
    """Anything that can be shown as text (the data of an edge)."""

    def __str__(self) -> str:
        """The text shown for the object."""
        ...


class LabelsDict(TypedDict):
    """Labels that replace node and edge names in a drawing (``draw_png``)."""

    nodes: dict[str, str]
    edges: dict[str, str]


class Edge(NamedTuple):
    """A directed edge between two nodes, given by their ids.

    Example:
        ```python
        Edge("a", "b", data="on success", conditional=True)
        ```
    """

    source: str
    target: str
    data: Stringifiable | None = None
    conditional: bool = False

    def copy(self, *, source: str | None = None, target: str | None = None) -> Edge:
        """This edge with a new source and/or target id."""
        return Edge(source or self.source, target or self.target, self.data, self.conditional)


class Node(NamedTuple):
    """A node of a graph: its id, the name drawn for it, what it stands for, and metadata.

    Example:
        ```python
        node = graph.add_node(model)  # Node(id="3f2a...", name="ChatOpenAI", data=model, ...)
        ```
    """

    id: str
    name: str
    data: NodeData
    metadata: dict[str, Any] | None

    def copy(self, *, id: str | None = None, name: str | None = None) -> Node:
        """This node with a new id and/or name."""
        return Node(id or self.id, name or self.name, self.data, self.metadata)


class Branch(NamedTuple):
    """A conditional branch: a function naming the path to take, and the nodes it may reach."""

    condition: Callable[..., str]
    ends: dict[str, str] | None


class CurveStyle(Enum):
    """How mermaid draws the edges (its ``flowchart.curve`` setting)."""

    BASIS = "basis"
    BUMP_X = "bumpX"
    BUMP_Y = "bumpY"
    CARDINAL = "cardinal"
    CATMULL_ROM = "catmullRom"
    LINEAR = "linear"
    MONOTONE_X = "monotoneX"
    MONOTONE_Y = "monotoneY"
    NATURAL = "natural"
    STEP = "step"
    STEP_AFTER = "stepAfter"
    STEP_BEFORE = "stepBefore"


@dataclass
class NodeStyles:
    """The mermaid styles of ordinary nodes, of the first node and of the last node."""

    default: str = "fill:#f2f0ff,line-height:1.2"
    first: str = "fill-opacity:0"
    last: str = "fill:#bfb6fc"


class MermaidDrawMethod(Enum):
    """Ways to render mermaid text as an image (neither is available in linguafranca)."""

    PYPPETEER = "pyppeteer"
    API = "api"


def is_uuid(value: str) -> bool:
    """Whether ``value`` reads as a UUID (the ids ``Graph`` makes up for nodes)."""
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def node_name(id: str, data: NodeData) -> str:
    """The name drawn for a node: its id if given by hand, else what its data is called.

    As in the reference, a leading ``Runnable`` is dropped (``RunnableParallel<a,b>Input``
    is drawn ``Parallel<a,b>Input``).
    """
    if data is None or not is_uuid(id):
        return id
    name = data.get_name() if isinstance(data, Runnable) else data.__name__
    return name[len("Runnable") :] if name.startswith("Runnable") else name
