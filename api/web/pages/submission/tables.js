// The three annexes as spreadsheets built from the plan: every cell a field
// whose data-path is its path in the document, so that a violation shows
// beside its field.

import { $, $$, esc } from "../../dom.js";
import { getPath, pathLabel } from "../../paths.js";
import { checkpointName, planItem } from "../../plan.js";
import { session } from "../../session.js";
import { fmtCents, toCents } from "./model.js";

// renderDoc renders the three annexes of doc. opts: editable, comments (the
// office's comments while returned), review (office comment boxes),
// certified (decisions), compare (an older document: changed cells marked).
export function renderDoc(doc, opts) {
  opts = Object.assign({ doc }, opts);
  return renderCategory("party", doc, opts) + renderCategory("business", doc, opts) + renderInnovation(doc, opts);
}

function field(path, kind, value, opts, extra) {
  let ctl;
  const v = value == null ? "" : value;
  const changed = opts.compare && String(getPath(opts.compare, path) ?? "") !== String(v);
  const name = esc(pathLabel(path, opts.doc));
  if (!opts.editable) {
    ctl = kind === "due" ? `<span class="ro">${esc(v ? checkpointName(v) : "")}</span>` : `<span class="ro">${esc(v)}</span>`;
  } else if (kind === "area") {
    ctl = `<textarea data-bind rows="1" aria-label="${name}">${esc(v)}</textarea>`;
  } else if (kind === "points") {
    ctl = `<input data-bind class="pts" inputmode="decimal" value="${esc(v)}" aria-label="${name}"${extra || ""}>`;
  } else if (kind === "due") {
    const cps = session.plan.checkpoints;
    let o = `<option value="">请选择</option>` + cps.map(c => `<option value="${esc(c.date)}"${c.date === v ? " selected" : ""} title="${esc(c.date)}">${esc(c.name || c.date)}</option>`).join("");
    if (v && !cps.some(c => c.date === v)) o += `<option value="${esc(v)}" selected>${esc(v)}</option>`;
    ctl = `<select data-bind aria-label="${name}">${o}</select>`;
  } else {
    ctl = `<input data-bind value="${esc(v)}" aria-label="${name}">`;
  }
  return `<div class="f${changed ? " changed" : ""}" data-path="${esc(path)}">${ctl}</div>`;
}

// slot is where violations of a whole list or section show.
export function slot(path) { return `<div class="slot" data-path="${esc(path)}"></div>`; }

function editButton(action, at, text, disabled) {
  return `<button type="button" class="mini" data-action="${action}" data-at="${esc(at)}"${disabled ? " disabled" : ""}>${text}</button>`;
}

function nodeCells(np, n, opts, count) {
  let html;
  if (n) {
    html = `<td>${field(np + ".due", "due", n.due, opts)}</td><td>${field(np + ".target", "area", n.target, opts)}</td><td>${field(np + ".points", "points", n.points, opts)}</td>
      <td>${field(np + ".standard", "area", n.standard, opts)}</td><td>${field(np + ".evidence", "area", n.evidence, opts)}</td>`;
    if (opts.editable) html += `<td class="op">${editButton("del-node", np, "删除", count <= 1)}</td>`;
  } else {
    html = `<td colspan="5" class="empty">${opts.noNodes}</td>`;
    if (opts.editable) html += `<td></td>`;
  }
  return html;
}

function indicatorCell(cat, ind, ip, item, rows, opts) {
  const c = session.plan[cat];
  let html = `<td rowspan="${rows}" class="ind-cell"><div class="ind-name"><b>${esc(ind.code)}</b> ${esc(item.name || "（方案中没有此指标）")}</div>
    <div class="pts-line">${field(ip + ".points", "points", ind.points, opts)}<span class="unit">分</span><span class="range">（${c.min}–${c.max}分）</span></div>
    <div class="sum" data-sum-ind="${ip}"></div>${slot(ip + ".code")}${slot(ip + ".works")}`;
  if (cat === "business" && item.required && item.required.length) {
    html += `<ul class="req" data-req="${ip}">${item.required.map(r => `<li data-code="${esc(r.code)}" title="${esc(r.text)}"><span class="mark"></span>${esc(r.code)} ${esc(r.text)}</li>`).join("")}</ul>`;
  }
  if (opts.comments && opts.comments[ind.code]) html += `<div class="comment" data-comment-for="${esc(ind.code)}"><b>退回意见：</b>${esc(opts.comments[ind.code])}</div>`;
  if (opts.review) html += `<textarea class="review" data-comment-key="${esc(ind.code)}" rows="2" placeholder="对${esc(ind.code)}的意见（退回时填写）"></textarea>`;
  if (opts.editable) html += editButton("add-work", ip, "＋ 添加具体工作");
  return html + `</td>`;
}

function workCells(cat, w, wp, item, span, opts) {
  let html = `<td rowspan="${span}" class="work-cell">`;
  if (w) {
    html += `${field(wp + ".title", "area", w.title, opts)}<div class="pts-line">${field(wp + ".points", "points", w.points, opts)}<span class="unit">分</span></div>
      <div class="sum" data-sum-work="${wp}"></div>${slot(wp + ".nodes")}`;
    if (opts.editable) html += `<div class="ops">${editButton("add-node", wp, "＋ 节点", w.nodes.length >= session.plan.nodes.max)}${editButton("del-work", wp, "删除此项工作")}</div>`;
  } else html += `<span class="empty">尚无具体工作</span>`;
  html += `</td>`;
  if (cat !== "business") return html;
  html += `<td rowspan="${span}" class="cover-cell">`;
  if (w) {
    const req = item.required || [];
    html += `<div class="f covers" data-path="${esc(wp)}.covers">` + req.map(r => {
      const on = (w.covers || []).includes(r.code);
      return opts.editable
        ? `<label title="${esc(r.text)}"><input type="checkbox" data-cover="${esc(wp)}" value="${esc(r.code)}"${on ? " checked" : ""}>${esc(r.code)}</label>`
        : (on ? `<span class="tag" title="${esc(r.text)}">${esc(r.code)}</span>` : "");
    }).join("") + ((w.covers || []).filter(x => !req.some(r => r.code === x)).map(x => `<span class="tag bad">${esc(x)}</span>`).join("")) + `</div>`;
    // Covers an import proposed from the work's text wait for the unit:
    // ticking a box, or 确认, confirms them.
    if (w.covers_proposed) html += `<div class="proposed" data-proposed="${esc(wp)}">导入时按工作内容推测，请核对${opts.editable ? " " + editButton("confirm-covers", wp, "确认") : ""}</div>`;
  }
  return html + `</td>`;
}

function renderCategory(cat, doc, opts) {
  const c = session.plan[cat];
  const biz = cat === "business";
  let html = `<section class="annex" id="annex-${cat}"><h3>附件${c.annex} ${esc(c.name)}<span class="total" data-total="${cat}"></span></h3>
    <p class="note">${esc(c.note)}</p>${slot(cat)}
    <div class="sheet-wrap"><table class="sheet ${cat}"><colgroup><col class="c-ind"><col class="c-work">${biz ? '<col class="c-cover">' : ""}<col class="c-due"><col class="c-text"><col class="c-pts"><col class="c-text"><col class="c-text">${opts.editable ? '<col class="c-op">' : ""}</colgroup>
    <thead><tr><th>指标名称及分值</th><th>具体工作及分值</th>${biz ? "<th>须包括</th>" : ""}<th>时间节点</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料</th>${opts.editable ? "<th></th>" : ""}</tr></thead>`;
  doc[cat].forEach((ind, i) => {
    const ip = `${cat}[${i}]`;
    const item = planItem(cat, ind.code);
    const works = ind.works.length ? ind.works : [null];
    const rows = works.reduce((n, w) => n + (w && w.nodes.length ? w.nodes.length : 1), 0);
    html += `<tbody class="ind" data-ind="${esc(ind.code)}">`;
    works.forEach((w, j) => {
      const wp = `${ip}.works[${j}]`;
      const nodes = w && w.nodes.length ? w.nodes : [null];
      nodes.forEach((n, k) => {
        html += "<tr>";
        if (j === 0 && k === 0) html += indicatorCell(cat, ind, ip, item, rows, opts);
        if (k === 0) html += workCells(cat, w, wp, item, nodes.length, opts);
        html += nodeCells(`${wp}.nodes[${k}]`, n, Object.assign({}, opts, { noNodes: w ? "尚无时间节点" : "" }), w ? w.nodes.length : 0);
        html += "</tr>";
      });
    });
    html += `</tbody>`;
  });
  return html + `</table></div></section>`;
}

function renderInnovation(doc, opts) {
  const r = session.plan.innovation;
  const items = doc.innovation;
  let html = `<section class="annex" id="annex-innovation"><h3>附件${r.annex} ${esc(r.name)}<span class="count">（${items.length}/${r.max_items}项）</span></h3>
    <p class="note">${esc(r.note)}</p>${slot("innovation")}`;
  if (opts.comments && opts.comments.innovation) html += `<div class="comment" data-comment-for="innovation"><b>退回意见：</b>${esc(opts.comments.innovation)}</div>`;
  if (opts.review) html += `<textarea class="review" data-comment-key="innovation" rows="2" placeholder="对创新指标的意见（退回时填写）"></textarea>`;
  html += `<div class="sheet-wrap"><table class="sheet innovation"><thead><tr>${opts.review || opts.certified ? "<th>认定</th>" : ""}<th>创新工作名称及分值</th><th>核心内容</th><th>预期成效</th><th>时间节点</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料</th>${opts.editable ? "<th></th>" : ""}</tr></thead>`;
  items.forEach((it, i) => {
    const ip = `innovation[${i}]`;
    const nodes = it.nodes.length ? it.nodes : [null];
    html += `<tbody class="ind" data-ind="innovation-${i}">`;
    nodes.forEach((n, k) => {
      html += "<tr>";
      if (k === 0) {
        const rs = `rowspan="${nodes.length}"`;
        if (opts.review) html += `<td ${rs} class="cert-cell"><label><input type="checkbox" class="cert" data-index="${i}"> 予以认定</label></td>`;
        else if (opts.certified) html += `<td ${rs} class="cert-cell">${opts.certified[i] ? '<span class="ok-tag">已认定</span>' : '<span class="no-tag">未认定</span>'}</td>`;
        html += `<td ${rs} class="work-cell">${field(ip + ".title", "area", it.title, opts)}<div class="pts-line">${field(ip + ".points", "points", it.points, opts)}<span class="unit">分</span><span class="range">（≤${r.max_points}分，步长${r.step}）</span></div>
          <div class="sum" data-sum-work="${ip}"></div>${slot(ip + ".nodes")}`;
        if (opts.editable) html += `<div class="ops">${editButton("add-node", ip, "＋ 节点", it.nodes.length >= session.plan.nodes.max)}${editButton("del-inno", ip, "删除此项创新工作")}</div>`;
        html += `</td><td ${rs}>${field(ip + ".content", "area", it.content, opts)}</td><td ${rs}>${field(ip + ".effect", "area", it.effect, opts)}</td>`;
      }
      html += nodeCells(`${ip}.nodes[${k}]`, n, Object.assign({}, opts, { noNodes: "尚无时间节点" }), it.nodes.length);
      html += "</tr>";
    });
    html += `</tbody>`;
  });
  if (!items.length) html += `<tbody><tr><td colspan="10" class="empty">未申报创新工作（创新指标不是必填项）</td></tr></tbody>`;
  html += `</table></div>`;
  if (opts.editable) html += editButton("add-inno", "innovation", "＋ 添加创新工作", items.length >= r.max_items);
  return html + `</section>`;
}

// drawSums refreshes the running totals beside the tables of model.
export function drawSums(model) {
  const mark = (el, ok, text) => { if (el) { el.textContent = text; el.classList.toggle("off", !ok); el.classList.toggle("on", ok); } };
  for (const cat of ["party", "business"]) {
    const c = session.plan[cat];
    let total = 0;
    model[cat].forEach((ind, i) => {
      const ip = `${cat}[${i}]`;
      const ic = toCents(ind.points);
      total += ic;
      let ws = 0;
      ind.works.forEach((w, j) => {
        const wc = toCents(w.points);
        ws += wc;
        const ns = w.nodes.reduce((s, n) => s + toCents(n.points), 0);
        mark($(`#tables [data-sum-work="${ip}.works[${j}]"]`), ns === wc, `节点合计 ${fmtCents(ns)} 分`);
      });
      mark($(`#tables [data-sum-ind="${ip}"]`), ws === ic && ind.works.length > 0, `具体工作合计 ${fmtCents(ws)} 分`);
      const req = $(`#tables [data-req="${ip}"]`);
      if (req) {
        const covered = new Set(ind.works.flatMap(w => w.covers || []));
        for (const li of $$("li", req)) li.classList.toggle("covered", covered.has(li.dataset.code));
      }
    });
    mark($(`#tables [data-total="${cat}"]`), total === toCents(c.total), `合计 ${fmtCents(total)} 分 / 应为 ${c.total} 分`);
  }
  model.innovation.forEach((it, i) => {
    const ns = it.nodes.reduce((s, n) => s + toCents(n.points), 0);
    mark($(`#tables [data-sum-work="innovation[${i}]"]`), ns === toCents(it.points), `节点合计 ${fmtCents(ns)} 分`);
  });
}
