// The editable model of a unit's tables and its conversion to the API's
// document.

import { parsePoints } from "../../dom.js";
import { session } from "../../session.js";

export function emptyNode() { return { due: "", target: "", points: "", standard: "", evidence: "" }; }

export function emptyWork(cat) {
  const w = { title: "", points: "", nodes: [emptyNode()] };
  if (cat === "business") w.covers = [];
  return w;
}

export function emptyInnovation() { return { title: "", content: "", effect: "", points: "", nodes: [emptyNode()] }; }

// toCents reads typed points as integer hundredths (NaN when not a number).
export function toCents(v) {
  const n = parsePoints(v);
  return n === null ? NaN : Math.round(n * 100);
}

export function fmtCents(c) { return Number.isNaN(c) ? "?" : String(c / 100); }

// modelFrom returns the editable copy of a document, with the indicators in
// the plan's order: every indicator of the plan has its row, and an
// indicator the plan does not know is kept at the end so nothing is lost.
export function modelFrom(doc) {
  doc = JSON.parse(JSON.stringify(doc || {}));
  const m = { party: [], business: [], innovation: doc.innovation || [] };
  for (const cat of ["party", "business"]) {
    const given = doc[cat] || [];
    const used = new Set();
    for (const it of session.plan[cat].items) {
      const k = given.findIndex((ind, i) => !used.has(i) && ind.code === it.code);
      if (k >= 0) { used.add(k); m[cat].push(given[k]); } else m[cat].push({ code: it.code, points: "", works: [emptyWork(cat)] });
    }
    given.forEach((ind, i) => { if (!used.has(i)) m[cat].push(ind); });
    for (const ind of m[cat]) {
      ind.works = ind.works || [];
      for (const w of ind.works) { w.nodes = w.nodes || []; if (cat === "business") w.covers = w.covers || []; }
    }
  }
  for (const it of m.innovation) it.nodes = it.nodes || [];
  return m;
}

// docOf converts the model to the request document: points become JSON
// numbers; bad lists the paths whose points are not numbers.
export function docOf(model) {
  const bad = [];
  const pts = (v, path) => { const n = parsePoints(v); if (n === null) { bad.push(path); return 0; } return n; };
  const nodes = (list, p) => list.map((n, k) => ({ due: n.due, target: n.target, points: pts(n.points, `${p}.nodes[${k}].points`), standard: n.standard, evidence: n.evidence }));
  const doc = {};
  for (const cat of ["party", "business"]) {
    doc[cat] = model[cat].map((ind, i) => ({
      code: ind.code, points: pts(ind.points, `${cat}[${i}].points`),
      works: ind.works.map((w, j) => {
        const p = `${cat}[${i}].works[${j}]`;
        const out = { title: w.title, points: pts(w.points, p + ".points"), nodes: nodes(w.nodes, p) };
        if (cat === "business") out.covers = w.covers || [];
        if (cat === "business" && w.covers_proposed) out.covers_proposed = true;
        return out;
      }),
    }));
  }
  doc.innovation = model.innovation.map((it, i) => ({
    title: it.title, content: it.content, effect: it.effect, points: pts(it.points, `innovation[${i}].points`), nodes: nodes(it.nodes, `innovation[${i}]`),
  }));
  return { doc, bad };
}
