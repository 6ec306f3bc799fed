// convcalc report: the receptive-field view. The same arithmetic as convcalc/pictures/field.py and
// the same drawing rules as rfview.py: output position o of a layer sees [start + o·jump,
// start + o·jump + size − 1] along each axis; nested fields and taps by back-projection.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("rf-data").textContent);
  const byName = new Map(data.layers.map((layer) => [layer.name, layer]));
  const SVGNS = "http://www.w3.org/2000/svg";
  const NEST = ["#1d4e89", "#2a6f97", "#6a4c93", "#3d8bbd"];
  let current = null;

  function fieldOf(step, position) {
    const lo = step[7] + position * step[8];
    return [lo, lo + step[9] - 1];
  }

  function axisField(chain, position) {
    let seen = new Set([position]);
    const nested = [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const step = chain[i];
      if (step[6] && i !== chain.length - 1 && seen.size) {  // empty when only padding was read
        const ordered = [...seen].sort((a, b) => a - b);
        const inner = fieldOf(step, ordered[Math.floor((ordered.length - 1) / 2)]);
        const last = nested[nested.length - 1];
        if (!last || last[1][0] !== inner[0] || last[1][1] !== inner[1]) nested.push([step[0], inner]);
      }
      if (step[6]) {
        const next = new Set();
        for (const p of seen) for (let j = 0; j < step[2]; j++) next.add(p * step[3] - step[5] + j * step[4]);
        seen = next;
      }
      if (i > 0) seen = new Set([...seen].filter((q) => q >= 0 && q < step[1]));
    }
    const dilated = chain.some((step) => step[6] && step[4] > 1);
    return { field: fieldOf(chain[chain.length - 1], position), nested: nested.reverse(), taps: seen, size: chain[0][1],
             dilated: dilated };
  }

  function viewRange(axis) {
    if (axis.size <= 48) return [Math.min(axis.field[0], 0), Math.max(axis.field[1], axis.size - 1)];
    return [axis.field[0] - 3, axis.field[1] + 3];
  }

  const span = (pair) => pair[1] - pair[0] + 1;

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVGNS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function draw(layer, at) {
    const axes = layer.axes.map((chain, k) => axisField(chain, at[k]));
    const one = { field: [0, 0], nested: [], taps: new Set([0]), size: 1, dilated: false };
    const rowsAxis = axes.length > 1 ? axes[axes.length - 2] : one;
    const colsAxis = axes[axes.length - 1];
    const rows = viewRange(rowsAxis), cols = viewRange(colsAxis);
    const cell = Math.max(2, Math.min(24, 440 / Math.max(span(rows), span(cols))));
    const pad = 28;
    const svg = el("svg", { width: span(cols) * cell + 2 * pad, height: span(rows) * cell + 2 * pad, id: "rf-svg" });
    const x = (c) => pad + (c - cols[0]) * cell, y = (r) => pad + (r - rows[0]) * cell;
    const inside = (axis, v) => v >= 0 && v < axis.size;
    const inField = (axis, v) => v >= axis.field[0] && v <= axis.field[1];
    const cells = span(rows) * span(cols) <= 64 * 64;
    if (cells) {
      for (let r = rows[0]; r <= rows[1]; r++) {
        for (let c = cols[0]; c <= cols[1]; c++) {
          const isPad = !(inside(rowsAxis, r) && inside(colsAxis, c));
          const hit = inField(rowsAxis, r) && inField(colsAxis, c);
          const fill = hit ? (isPad ? "#f8c9a0" : "#f4a259") : (isPad ? "#e4e4e4" : "#ffffff");
          el("rect", { class: "cell" + (isPad ? " pad" : "") + (hit ? " field" : ""), "data-row": r, "data-col": c,
                       x: x(c), y: y(r), width: cell, height: cell, fill: fill, stroke: "#bbbbbb", "stroke-width": 0.5 }, svg);
        }
      }
    } else {
      el("rect", { x: x(cols[0]), y: y(rows[0]), width: span(cols) * cell, height: span(rows) * cell, fill: "#e4e4e4" }, svg);
      const c0 = Math.max(cols[0], 0), c1 = Math.min(cols[1], colsAxis.size - 1);
      const r0 = Math.max(rows[0], 0), r1 = Math.min(rows[1], rowsAxis.size - 1);
      el("rect", { x: x(c0), y: y(r0), width: (c1 - c0 + 1) * cell, height: (r1 - r0 + 1) * cell, fill: "#ffffff", stroke: "#999999" }, svg);
    }
    el("rect", { class: "field-outline", "data-rows": span(rowsAxis.field), "data-cols": span(colsAxis.field),
                 x: x(colsAxis.field[0]), y: y(rowsAxis.field[0]), width: span(colsAxis.field) * cell,
                 height: span(rowsAxis.field) * cell, fill: cells ? "none" : "#f4a259", "fill-opacity": cells ? 1 : 0.55,
                 stroke: "#c0581a", "stroke-width": 2.5 }, svg);
    const nestedCols = colsAxis.nested;
    const nestedRows = axes.length > 1 ? rowsAxis.nested : nestedCols.map((n) => [n[0], [0, 0]]);
    for (let i = nestedCols.length - 1, k = 0; i >= 0; i--, k++) {
      const r = nestedRows[i][1], c = nestedCols[i][1];
      el("rect", { class: "nested", "data-layer": nestedCols[i][0], "data-rows": span(r), "data-cols": span(c),
                   x: x(c[0]) + 1.5, y: y(r[0]) + 1.5, width: span(c) * cell - 3, height: span(r) * cell - 3,
                   fill: "none", stroke: NEST[k % NEST.length], "stroke-width": 2 }, svg);
    }
    const gaps = (axis) => axis.dilated && axis.taps.size !== span(axis.field);  // rfview.shows_taps
    if (cells && (gaps(rowsAxis) || gaps(colsAxis))) {
      for (const r of rowsAxis.taps) for (const c of colsAxis.taps) {
        el("circle", { class: "tap", cx: x(c) + cell / 2, cy: y(r) + cell / 2, r: Math.max(1.5, cell * 0.2), fill: "#1d3557" }, svg);
      }
    }
    const holder = document.getElementById("rf-view");
    holder.replaceChildren(svg);
    const names = axes.length > 1 ? ["rows", "columns"] : ["positions"];
    const size = axes.map((a) => span(a.field)).join("×");
    const spans = axes.map((a, k) => `${names[k]} ${a.field[0]}…${a.field[1]}`).join("; ");
    const inner = colsAxis.nested.slice().reverse().map((n, k) => {
      const i = colsAxis.nested.length - 1 - k;
      return n[0] + " " + axes.map((a) => span(a.nested[i][1])).join("×");
    }).join(", ");
    document.getElementById("rf-text").textContent =
      `${layer.name} at (${at.join(", ")}): ${size} input pixels (${spans})` + (inner ? `; inside it: ${inner}` : "");
    document.getElementById("rf-text").setAttribute("data-size", size);
  }

  function positions(layer) {
    const out = layer.out.length > 1 ? layer.out.slice(-2) : [1, layer.out[0]];
    const cell = Math.max(2, Math.min(14, 160 / Math.max(out[0], out[1])));
    const svg = el("svg", { width: out[1] * cell + 1, height: out[0] * cell + 1, id: "rf-positions-svg" });
    el("rect", { x: 0.5, y: 0.5, width: out[1] * cell, height: out[0] * cell, fill: "#f7f7f7", stroke: "#888888" }, svg);
    if (cell >= 6) {
      for (let r = 1; r < out[0]; r++) el("line", { x1: 0, y1: r * cell + 0.5, x2: out[1] * cell, y2: r * cell + 0.5, stroke: "#dddddd" }, svg);
      for (let c = 1; c < out[1]; c++) el("line", { x1: c * cell + 0.5, y1: 0, x2: c * cell + 0.5, y2: out[0] * cell, stroke: "#dddddd" }, svg);
    }
    const mark = el("rect", { id: "rf-mark", width: cell, height: cell, fill: "#f4a259", stroke: "#c0581a" }, svg);
    svg.addEventListener("click", (event) => {
      const box = svg.getBoundingClientRect();
      const c = Math.min(out[1] - 1, Math.max(0, Math.floor((event.clientX - box.left) / cell)));
      const r = Math.min(out[0] - 1, Math.max(0, Math.floor((event.clientY - box.top) / cell)));
      pick(r, c);
    });
    function pick(r, c) {
      mark.setAttribute("x", c * cell + 0.5);
      mark.setAttribute("y", r * cell + 0.5);
      draw(layer, layer.out.length > 1 ? [r, c] : [c]);
    }
    document.getElementById("rf-positions").replaceChildren(svg);
    svg.dataset.cell = String(cell);
    pick(Math.floor((out[0] - 1) / 2), Math.floor((out[1] - 1) / 2));
  }

  function select(name) {
    const layer = byName.get(name);
    if (!layer) return;
    current = layer;
    document.getElementById("rf-layer").value = name;
    for (const row of document.querySelectorAll("tr.picked")) row.classList.remove("picked");
    const row = document.querySelector(`tr[data-layer="${CSS.escape(name)}"]`);
    if (row) row.classList.add("picked");
    positions(layer);
  }

  document.getElementById("rf-layer").addEventListener("change", (event) => select(event.target.value));
  for (const row of document.querySelectorAll("tr[data-layer]")) {
    row.addEventListener("click", () => select(row.dataset.layer));
  }

  // A URL fragment such as #rf=conv3&at=1,1 clicks the layer's row, then that output position,
  // exactly as a person would (it is how the browser test drives the page).
  function fromFragment() {
    const query = new URLSearchParams(location.hash.slice(1));
    const name = query.get("rf");
    if (!name) return false;
    const row = document.querySelector(`tr[data-layer="${CSS.escape(name)}"]`);
    if (row) row.click();
    const at = (query.get("at") || "").split(",").filter((v) => v !== "").map(Number);
    const svg = document.getElementById("rf-positions-svg");
    if (current && svg && at.length) {
      const cell = Number(svg.dataset.cell), box = svg.getBoundingClientRect();
      const [r, c] = at.length > 1 ? at : [0, at[0]];
      svg.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: box.left + (c + 0.5) * cell, clientY: box.top + (r + 0.5) * cell }));
    }
    return true;
  }

  window.addEventListener("hashchange", fromFragment);
  if (!fromFragment() && data.layers.length) select(data.layers[data.layers.length - 1].name);
})();
