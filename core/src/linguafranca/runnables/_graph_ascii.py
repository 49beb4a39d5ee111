"""A box drawing of a graph in plain text, laid out without any third-party package.

The layout is a small layered one: each node goes to a row (its longest distance from
a source), an edge that skips rows passes through one-column placeholders, the nodes of
a row are ordered by where their neighbours sit, then centred under (and over) their
neighbours without overlapping. Boxes are drawn over ``*`` connectors (``.`` for a
conditional edge), as in LangChain's drawing.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import pairwise

from linguafranca.runnables._graph_types import Edge

_BOX_HEIGHT = 3
_GAP = 3  # rows of connectors between two rows of boxes
_SPACE = 3  # columns between two neighbours in a row
_SWEEPS = 4


class _Vertex:
    """A box to draw, or (``label`` None) a one-column point an edge passes through."""

    __slots__ = ("above", "below", "center", "layer", "left", "right")

    def __init__(self, label: str | None, layer: int) -> None:
        width = 1 if label is None else len(label) + 4  # "| label |"
        self.layer = layer
        self.center = 0
        self.left = width // 2  # columns left of the centre
        self.right = width - 1 - self.left  # columns right of the centre
        self.above: list[_Vertex] = []
        self.below: list[_Vertex] = []


def _acyclic(order: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """``edges`` with the ones closing a cycle turned around (found by a depth-first walk)."""
    out: dict[str, list[str]] = {key: [] for key in order}
    for source, target in edges:
        out[source].append(target)
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    back: set[tuple[str, str]] = set()
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            key, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[key] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((key, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))
    return [(t, s) if (s, t) in back else (s, t) for s, t in edges]


def _layers(order: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each node's row: its longest distance from a source.

    A source sits just above its first successor rather than at the top.
    """
    preds: dict[str, list[str]] = {key: [] for key in order}
    succs: dict[str, list[str]] = {key: [] for key in order}
    for source, target in edges:
        preds[target].append(source)
        succs[source].append(target)
    waiting = {key: len(preds[key]) for key in order}
    ready = deque(key for key in order if not waiting[key])
    layer: dict[str, int] = {}
    while ready:
        key = ready.popleft()
        layer[key] = max((layer[p] + 1 for p in preds[key]), default=0)
        for target in succs[key]:
            waiting[target] -= 1
            if not waiting[target]:
                ready.append(target)
    for key in order:
        if not preds[key] and succs[key]:
            layer[key] = min(layer[target] for target in succs[key]) - 1
    return layer


def _sort(row: list[_Vertex], near: list[_Vertex], downward: bool) -> None:
    """Order ``row`` by the mean position of each vertex's neighbours in ``near``."""
    where = {id(vertex): i for i, vertex in enumerate(near)}
    keys: dict[int, tuple[float, int]] = {}
    for i, vertex in enumerate(row):
        spots = [where[id(n)] for n in (vertex.above if downward else vertex.below)]
        keys[id(vertex)] = (sum(spots) / len(spots) if spots else float(i), i)
    row.sort(key=lambda vertex: keys[id(vertex)])


def _place(row: list[_Vertex], wanted: Sequence[float]) -> None:
    """Put the row's centres as near ``wanted`` as can be (least squares), in order, apart.

    Adjacent vertices that would overlap are merged into a block placed at the mean of
    what its members want (pool adjacent violators): linear in the row's length.
    """
    offsets = [0]
    for before, after in pairwise(row):
        offsets.append(offsets[-1] + before.right + 1 + _SPACE + after.left)
    blocks: list[tuple[int, int, float]] = []  # (first index, size, sum of wanted - offset)
    for i, target in enumerate(wanted):
        first, size, total = i, 1, target - offsets[i]
        while blocks and blocks[-1][2] / blocks[-1][1] > total / size:
            before_first, before_size, before_total = blocks.pop()
            first, size, total = before_first, before_size + size, before_total + total
        blocks.append((first, size, total))
    for first, size, total in blocks:
        start = math.floor(total / size + 0.5)
        for i in range(first, first + size):
            row[i].center = start + offsets[i]


def _sweep(rows: list[list[_Vertex]], downward: bool) -> None:
    for row in rows[1:] if downward else rows[-2::-1]:
        wanted = []
        for vertex in row:
            links = vertex.above if downward else vertex.below
            wanted.append(sum(n.center for n in links) / len(links) if links else vertex.center)
        _place(row, wanted)


def _nearest(value: float) -> int:
    # Halves round away from zero, so lines leaving a point to the left and to the right
    # are mirror images.
    return math.floor(value + 0.5) if value >= 0 else -math.floor(0.5 - value)


def _line(canvas: list[list[str]], start: tuple[int, int], end: tuple[int, int], char: str) -> None:
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    steps = max(abs(dx), abs(dy), 1)
    for step in range(steps + 1):
        canvas[y0 + _nearest(step * dy / steps)][x0 + _nearest(step * dx / steps)] = char


def draw_ascii(labels: Mapping[str, str], edges: Sequence[Edge]) -> str:
    """Boxes for ``labels`` (node id -> text) joined by ``edges``, as lines of text."""
    if not labels:
        return ""
    order = list(labels)
    pairs = list(dict.fromkeys((e.source, e.target) for e in edges if e.source != e.target))
    conditional = {(e.source, e.target) for e in edges if e.conditional}
    dag = _acyclic(order, pairs)
    layer = _layers(order, dag)
    vertices = {key: _Vertex(labels[key], layer[key]) for key in order}
    paths: list[tuple[list[_Vertex], str]] = []
    for (source, target), pair in zip(dag, pairs, strict=True):
        path = [vertices[source]]
        for between in range(layer[source] + 1, layer[target]):
            path.append(_Vertex(None, between))
        path.append(vertices[target])
        for upper, lower in pairwise(path):
            upper.below.append(lower)
            lower.above.append(upper)
        paths.append((path, "." if pair in conditional else "*"))

    rows: list[list[_Vertex]] = [[] for _ in range(max(layer.values()) + 1)]
    for vertex in [*vertices.values(), *(v for path, _ in paths for v in path[1:-1])]:
        rows[vertex.layer].append(vertex)
    for _ in range(2):
        for index in range(1, len(rows)):
            _sort(rows[index], rows[index - 1], downward=True)
        for index in range(len(rows) - 2, -1, -1):
            _sort(rows[index], rows[index + 1], downward=False)
    for row in rows:
        _place(row, [0.0] * len(row))
    for _ in range(_SWEEPS):
        _sweep(rows, downward=True)
        _sweep(rows, downward=False)
    _sweep(rows, downward=True)

    shift = min(vertex.center - vertex.left for row in rows for vertex in row)
    width = max(vertex.center + vertex.right for row in rows for vertex in row) - shift + 1
    canvas = [[" "] * width for _ in range(len(rows) * (_BOX_HEIGHT + _GAP) - _GAP)]

    def top(vertex: _Vertex) -> int:
        return vertex.layer * (_BOX_HEIGHT + _GAP)

    for path, char in paths:
        points = [(path[0].center - shift, top(path[0]) + _BOX_HEIGHT)]
        for vertex in path[1:-1]:
            x = vertex.center - shift
            points += [(x, top(vertex) - 1), (x, top(vertex) + _BOX_HEIGHT)]
        points.append((path[-1].center - shift, top(path[-1]) - 1))
        for start, end in pairwise(points):
            _line(canvas, start, end, char)
    for key, vertex in vertices.items():
        x, y, label = vertex.center - vertex.left - shift, top(vertex), labels[key]
        border = ["+", *"-" * (len(label) + 2), "+"]
        canvas[y][x : x + len(border)] = border
        canvas[y + 1][x : x + len(border)] = ["|", " ", *label, " ", "|"]
        canvas[y + 2][x : x + len(border)] = border
    return "\n".join("".join(line).rstrip() for line in canvas)
