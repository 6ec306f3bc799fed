"""Pictures of a report: volume and flat SVG diagrams, receptive-field views, a one-file HTML report.

Sits above the engine, beside `render`: every function takes a `Report` (or its rows) and returns
text; only the CLI writes files. The SVG is written here by hand, deterministically, so no
graphviz or system package is needed and the same report always gives the same bytes.

    graph     the report's rows as a tree of nodes and forks (branches that rejoin)
    svg       the tiny SVG writer: escaping, numbers, elements, the document frame
    volume    the classic drawing: one 3D box per activation, kernels on the faces they slide over
    flat      a compact left-to-right block diagram that wraps, for deep networks
    field     receptive-field arithmetic: the chain to a layer, back-projection, taps
    rfview    the receptive-field view as SVG
    page      the one-file HTML report
"""
