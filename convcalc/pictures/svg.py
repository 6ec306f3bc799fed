"""A tiny SVG writer: deterministic numbers, escaped text, presentation attributes only.

Presentation attributes (`fill="…"`) rather than a stylesheet, because slide tools and vector
editors honour them everywhere; the font is a generic family, so nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable

FONT = "Helvetica, Arial, sans-serif"
INK = "#222222"
MUTED = "#666666"


def num(value: float) -> str:
    """Coordinates to one decimal, without trailing zeros: the same input gives the same bytes."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


Attr = str | float | int | None


def attrs(values: dict[str, Attr]) -> str:
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        shown = num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        parts.append(f' {key.rstrip("_").replace("_", "-")}="{esc(shown)}"')
    return "".join(parts)


def element(tag: str, values: dict[str, Attr], children: Iterable[str] | str | None = None) -> str:
    if children is None:
        return f"<{tag}{attrs(values)}/>"
    inner = esc(children) if isinstance(children, str) else "".join(children)
    return f"<{tag}{attrs(values)}>{inner}</{tag}>"


def text(x: float, y: float, content: str, *, size: float = 11, anchor: str = "middle", fill: str = INK,
         weight: str | None = None, cls: str | None = None, extra: dict[str, Attr] | None = None) -> str:
    values: dict[str, Attr] = {"class": cls, "x": x, "y": y, "font-size": size, "text-anchor": anchor, "fill": fill,
                               "font-weight": weight}
    return element("text", {**values, **(extra or {})}, content)


def points(pairs: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in pairs)


def polygon(pairs: Iterable[tuple[float, float]], fill: str, stroke: str = INK, width: float = 0.8) -> str:
    return element("polygon", {"points": points(pairs), "fill": fill, "stroke": stroke, "stroke-width": width,
                               "stroke-linejoin": "round"})


def polyline(pairs: Iterable[tuple[float, float]], *, stroke: str = MUTED, width: float = 1.2, arrow: bool = True,
             dash: str | None = None) -> str:
    return element("polyline", {"points": points(pairs), "fill": "none", "stroke": stroke, "stroke-width": width,
                                "stroke-dasharray": dash, "marker-end": "url(#arrow)" if arrow else None})


def text_width(content: str, size: float) -> float:
    """A generous estimate of a sans-serif line's width (no font metrics are available or needed)."""
    return len(content) * size * 0.6


def document(width: float, height: float, body: Iterable[str], title: str) -> str:
    """A standalone SVG document with a white background and the arrowhead marker the edges use."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" font-family="{FONT}">\n'
        f"<title>{esc(title)}</title>\n"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>\n'
        f'<rect width="{num(width)}" height="{num(height)}" fill="#ffffff"/>\n'
    )
    return head + "\n".join(body) + "\n</svg>\n"
