"""The graph of a runnable (``Runnable.get_graph()``): ``Graph``, ``Node``, ``Edge``, styles.

Mirrors ``langchain_core.runnables.graph``, so only the import line changes.
"""

from linguafranca.runnables._graph import Graph
from linguafranca.runnables._graph_types import (
    Branch,
    CurveStyle,
    Edge,
    LabelsDict,
    MermaidDrawMethod,
    Node,
    NodeStyles,
    Stringifiable,
)

__all__ = [
    "Branch",
    "CurveStyle",
    "Edge",
    "Graph",
    "LabelsDict",
    "MermaidDrawMethod",
    "Node",
    "NodeStyles",
    "Stringifiable",
]
