// Paths into a document, as violations name them
// ("business[2].works[0].nodes[1].due"), and their reading in words.

import { label } from "./labels.js";
import { itemName } from "./plan.js";

// tokens splits "business[2].works[0].due" into ["business", 2, "works", 0, "due"].
export function tokens(path) {
  const out = [];
  String(path).replace(/([^.[\]]+)|\[(\d+)\]/g, (m, name, idx) => { out.push(idx !== undefined ? Number(idx) : name); return m; });
  return out;
}

export function getPath(obj, path) {
  let v = obj;
  for (const t of tokens(path)) { if (v == null) return undefined; v = v[t]; }
  return v;
}

export function setPath(obj, path, value) {
  const ts = tokens(path);
  let v = obj;
  for (const t of ts.slice(0, -1)) v = v[t];
  v[ts[ts.length - 1]] = value;
}

// parentPath drops the last part: "a[1].b" → "a[1]" → "a" → "".
export function parentPath(path) {
  const m = String(path).match(/^(.*?)(\.[^.[\]]+|\[\d+\])$/);
  return m ? m[1] : "";
}

// pathLabel turns a violation's path into words a person can find on the
// page; doc, when given, is the document the path points into (for the
// indicators' codes).
export function pathLabel(path, doc) {
  const ts = tokens(path);
  const out = [];
  const cats = ["party", "business", "innovation", "contacts"];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const next = ts[i + 1];
    if (i === 0 && cats.includes(t)) {
      const name = label("categories", t);
      if ((t === "party" || t === "business") && typeof next === "number") {
        const ind = doc && doc[t] && doc[t][next];
        const code = ind ? ind.code : "";
        out.push(`${name}${code} ${code ? itemName(t, code) : ""}`.trim()); i++;
      } else if (t === "innovation" && typeof next === "number") { out.push(`创新指标第${next + 1}项`); i++; }
      else if (t === "contacts" && typeof next === "number") { out.push(`联系人第${next + 1}人`); i++; }
      else out.push(name);
    } else if (t === "works" && typeof next === "number") { out.push(`第${next + 1}项具体工作`); i++; }
    else if (t === "nodes" && typeof next === "number") { out.push(`第${next + 1}个节点`); i++; }
    else if (t === "covers" && typeof next === "number") { out.push("须包括事项"); i++; }
    else if (typeof t === "number") out.push(`第${t + 1}人`);
    else out.push(label("fields", t));
  }
  return out.join(" · ") || "整体";
}
