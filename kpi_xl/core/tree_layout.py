"""The KPI tree laid out as boxes and connectors: numbers only, for an SVG or a sheet to draw.

KGI on top, its KSFs below, each KSF's KPIs below that. Leaves sit side by side at a fixed
width; every parent is centred over its children. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Box", "Layout", "TreeNode", "layout"]


@dataclass
class TreeNode:
    """A node to lay out: an opaque payload and its children."""

    payload: object
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    level: int
    payload: object

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: tuple[Box, ...]
    # Connectors as polylines: parent's bottom centre → elbow → child's top centre.
    lines: tuple[tuple[tuple[float, float], ...], ...]


def layout(root: TreeNode, *, box_w: float = 150, box_h: float = 64, gap_x: float = 12,
           gap_y: float = 34, margin: float = 4) -> Layout:
    """Boxes for every node of ``root``'s tree and the connectors between them."""
    boxes: list[Box] = []
    lines: list[tuple[tuple[float, float], ...]] = []
    cursor = [margin]

    def place(node: TreeNode, level: int) -> Box:
        y = margin + level * (box_h + gap_y)
        kids = [place(child, level + 1) for child in node.children]
        if kids:
            x = (kids[0].cx + kids[-1].cx) / 2 - box_w / 2
        else:
            x = cursor[0]
            cursor[0] += box_w + gap_x
        box = Box(x, y, box_w, box_h, level, node.payload)
        boxes.append(box)
        for kid in kids:
            mid = y + box_h + gap_y / 2
            lines.append(((box.cx, y + box_h), (box.cx, mid), (kid.cx, mid), (kid.cx, kid.y)))
        return box

    place(root, 0)
    # A parent wider than its children's span can start left of the margin: shift everything.
    shift = margin - min(b.x for b in boxes)
    if shift > 0:
        boxes = [Box(b.x + shift, b.y, b.w, b.h, b.level, b.payload) for b in boxes]
        lines = [tuple((x + shift, y) for x, y in line) for line in lines]
    width = max(b.x + b.w for b in boxes) + margin
    height = max(b.y + b.h for b in boxes) + margin
    boxes.sort(key=lambda b: (b.level, b.x))
    return Layout(width, height, tuple(boxes), tuple(lines))

