// A unit's execution (#/exec/{unit}): its nodes by checkpoint with their
// lights, evidence, uploads and the office's reviews.

import { api, sendForm } from "../api.js";
import { app, cents, enc, esc, fmtSize, fmtTime, fromCents, message, points } from "../dom.js";
import { label, light, nodeStateBadge } from "../labels.js";
import { checkpointDue, checkpointName } from "../plan.js";
import { session, syncClock, unitName } from "../session.js";
import { toast } from "../feedback.js";
import { download, errorText, fileLink, indicatorName, pool, reviewForm, sendReview } from "../parts/evidence.js";

// The order of node states in counts and filters: the way a node goes.
const nodeStates = ["pending", "reported", "accepted", "rejected", "overdue", "missing"];
const colours = ["red", "yellow", "green"];

// x is the page's state: the unit and its nodes, the filter, the nodes
// opened and their details. A second visit to the same unit keeps the
// filter and the open nodes.
let x = null;

export async function open({ unit: code, filter: state }) {
  await syncClock();
  const [unit, nodes] = await Promise.all([api("GET", `/units/${enc(code)}`), api("GET", `/plans/${session.year}/units/${enc(code)}/nodes`)]);
  const keep = x && x.code === code ? x : null;
  // A node acted on stays in the list whatever the filter, so that a
  // successful upload under 已逾期 does not make it and its confirmation
  // vanish (touched).
  x = { code, unit, nodes, filter: keep ? keep.filter : { state: "", colour: "" }, open: keep ? keep.open : new Set(), touched: keep ? keep.touched : new Set(), details: {} };
  if (state) x.filter = { state, colour: "" };
  // The office's comment on a node sent back is shown in its row.
  const withReviews = nodes.filter(n => n.state === "rejected" || (["overdue", "missing"].includes(n.state) && n.version > 1) || x.open.has(n.id));
  const mine = x;
  await pool(withReviews, 4, async n => { mine.details[n.id] = await api("GET", `/nodes/${n.id}`); });
  render();
}

function lastRejection(d) {
  const r = d && d.reviews && d.reviews.filter(v => v.verdict === "reject").pop();
  return r && d.reviews[d.reviews.length - 1] === r ? r : null;
}

function render(keepScroll) {
  const y = window.scrollY;
  const ns = x.nodes;
  let html = `<h2>${esc(x.unit.name)} ${session.year}年度工作执行情况</h2>`;
  if (!ns.length) {
    app().innerHTML = html + message("info", `指标表经认定并返各单位执行后，这里按时间节点列出每项工作及其佐证材料。<a href="#/units/${enc(x.code)}">查看指标表</a>`);
    return;
  }
  const count = st => ns.filter(n => n.state === st).length;
  const total = ns.reduce((s, n) => s + cents(n.points), 0);
  const awarded = ns.reduce((s, n) => s + cents(n.awarded), 0);
  const lit = { red: 0, yellow: 0, green: 0 };
  ns.forEach(n => { lit[n.colour]++; });
  html += `<ul class="stats" id="exec-stats"><li>节点 <b>${ns.length}</b></li>` +
    nodeStates.map(st => `<li class="st-${st}">${esc(label("node_states", st))} <b>${count(st)}</b></li>`).join("") +
    `<li>迟报 <b class="${ns.some(n => n.late) ? "late" : ""}">${ns.filter(n => n.late).length}</b></li>
    <li>已得分 <b id="exec-awarded">${fromCents(awarded)}</b> / ${fromCents(total)}</li>
    <li>${light("red")} <b>${lit.red}</b> ${light("yellow")} <b>${lit.yellow}</b> ${light("green")} <b>${lit.green}</b></li></ul>`;
  if (session.me.role === "unit") html += `<p class="hint">每个节点在时间节点前上传佐证材料即为报送；市总工会办公室审核通过后给分，退回的请按意见补充后重新报送。红灯：已逾期未报送；黄灯：临近时间节点（默认7天内）尚未报送。</p>`;
  const option = (v, text, on) => `<option value="${v}"${on ? " selected" : ""}>${esc(text)}</option>`;
  html += `<form class="filters row" id="exec-filter"><label>状态 <select data-filter="state"><option value="">全部</option>${nodeStates.map(s => option(s, label("node_states", s), x.filter.state === s)).join("")}</select></label>
    <label>灯 <select data-filter="colour"><option value="">全部</option>${colours.map(c => option(c, label("colours", c), x.filter.colour === c)).join("")}</select></label></form>`;
  const shown = ns.filter(n => x.touched.has(n.id) || ((!x.filter.state || n.state === x.filter.state) && (!x.filter.colour || n.colour === x.filter.colour)));
  const dues = session.plan.checkpoints.map(c => c.date);
  for (const n of ns) if (!dues.includes(n.due)) dues.push(n.due);
  for (const due of dues) {
    const all = ns.filter(n => n.due === due);
    if (!all.length) continue;
    const list = shown.filter(n => n.due === due);
    const done = all.filter(n => n.state === "accepted").length;
    const red = all.filter(n => n.colour === "red").length;
    html += `<section class="annex checkpoint" data-checkpoint="${esc(due)}"><h3>${esc(checkpointName(due))}<span class="count">截止：${esc(checkpointDue(due))}；${all.length}个节点，已通过${done}个，已报送待审核${all.filter(n => n.state === "reported").length}个${red ? `，<span class="late">${red}个逾期</span>` : ""}</span></h3>`;
    html += list.length ? nodeTable(list) : `<p class="empty">没有符合筛选条件的节点</p>`;
    html += `</section>`;
  }
  app().innerHTML = html;
  if (keepScroll) window.scrollTo(0, y);
}

// canReport: the unit may still upload for n (the server decides in the end).
function canReport(n) { return n.state !== "accepted" && n.state !== "missing"; }

// nodeTable lists nodes of one checkpoint, the indicator and work cells
// spanning their nodes, each node followed by its detail row when open.
function nodeTable(list) {
  let html = `<div class="sheet-wrap"><table class="sheet nodes"><colgroup><col class="c-light"><col class="c-nind"><col class="c-nwork"><col class="c-ntext"><col class="c-pts"><col class="c-ntext"><col class="c-ntext"><col class="c-nstate"><col class="c-pts"><col class="c-nfiles"></colgroup>
    <thead><tr><th>灯</th><th>指标</th><th>具体工作</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料要求</th><th>状态</th><th>得分</th><th>佐证材料</th></tr></thead>`;
  const key = n => `${n.category}/${n.item_index}`;
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j < list.length && key(list[j]) === key(list[i])) j++;
    const group = list.slice(i, j);
    const open = group.filter(n => x.open.has(n.id)).length;
    html += `<tbody class="ind" data-ind="${esc(group[0].indicator)}">`;
    group.forEach((n, k) => {
      html += `<tr class="node-row" data-node="${n.id}" data-state="${esc(n.state)}" data-colour="${esc(n.colour)}">`;
      html += `<td class="light-cell">${light(n.colour)}</td>`;
      if (k === 0) html += `<td rowspan="${group.length + open}" class="ind-cell"><b>${esc(n.indicator)}</b> ${esc(indicatorName(n))}</td>`;
      if (k === 0 || group[k - 1].work_index !== n.work_index) {
        let span = 1;
        while (k + span < group.length && group[k + span].work_index === n.work_index) span++;
        const spanOpen = group.slice(k, k + span).filter(v => x.open.has(v.id)).length;
        html += `<td rowspan="${span + spanOpen}" class="work-cell">${esc(n.work)}</td>`;
      }
      html += nodeCells(n) + `</tr>`;
      // The indicator and work cells span the detail row too.
      if (x.open.has(n.id)) html += `<tr class="detail" data-detail="${n.id}"><td></td><td colspan="7">${x.details[n.id] ? nodeDetail(x.details[n.id]) : '<p class="loading">正在加载…</p>'}</td></tr>`;
    });
    html += `</tbody>`;
    i = j;
  }
  return html + `</table></div>`;
}

function nodeCells(n) {
  const rej = lastRejection(x.details[n.id]);
  const upload = session.me.role === "unit" && canReport(n);
  const opened = x.open.has(n.id);
  return `<td>${esc(n.target)}</td><td class="num">${points(n.points)}</td><td>${esc(n.standard)}</td><td>${esc(n.evidence_required)}</td>
    <td class="state-cell">${nodeStateBadge(n.state)}${n.late ? ' <span class="late">迟报</span>' : ""}${n.reported_at ? `<div class="when">报送 ${esc(fmtTime(n.reported_at))}</div>` : ""}
    ${rej && ["rejected", "overdue", "missing"].includes(n.state) ? `<div class="comment rejection"><b>退回意见：</b>${esc(rej.comment)}</div>` : ""}</td>
    <td class="num awarded">${n.awarded == null ? "" : `<b>${points(n.awarded)}</b>`}</td>
    <td class="files-cell"><button type="button" class="mini${upload && n.state !== "reported" ? " primary" : ""}" data-action="toggle-node" data-id="${n.id}" aria-expanded="${opened}">${opened ? "收起" : upload && !n.evidence_count ? "上传材料" : `材料（${n.evidence_count}）`}</button></td>`;
}

function nodeDetail(d) {
  const role = session.me.role;
  const mine = role === "unit" && session.me.unit_code === d.unit;
  const canWithdraw = mine && ["reported", "rejected", "overdue"].includes(d.state);
  let html = `<div class="node-detail" data-node-detail="${d.id}"><div class="cols"><div class="col"><h4>佐证材料（${d.evidence.length}个文件）</h4>`;
  if (d.note) html += `<p class="note-line"><b>报送说明：</b>${esc(d.note)}</p>`;
  if (d.evidence.length) {
    html += `<table class="list files"><thead><tr><th>文件名</th><th>大小</th><th>上传时间</th><th>上传单位</th><th>说明</th>${canWithdraw ? "<th></th>" : ""}</tr></thead><tbody>`;
    for (const f of d.evidence) {
      html += `<tr data-evidence="${f.id}"><td>${fileLink(f)}</td><td class="num">${fmtSize(f.size)}</td><td class="nowrap">${esc(fmtTime(f.uploaded_at))}</td><td class="nowrap">${esc(unitName(d.unit))}</td><td>${esc(f.note || "")}</td>
        ${canWithdraw ? `<td class="nowrap"><button type="button" class="mini danger" data-action="withdraw" data-confirm="撤回“${esc(f.name)}”？" data-confirm-body="撤回后市总工会办公室将看不到这个文件；节点没有其他文件时回到待报送。" data-confirm-ok="撤回" data-id="${f.id}" data-node="${d.id}" data-name="${esc(f.name)}">撤回</button></td>` : ""}</tr>`;
    }
    html += `</tbody></table>`;
  } else html += `<p class="empty">尚未上传佐证材料</p>`;
  html += `</div><div class="col"><h4>审核记录</h4>`;
  if (d.reviews.length) {
    html += `<ol class="reviews">${d.reviews.map(r => `<li class="review-${esc(r.verdict)}"><b>${r.verdict === "accept" ? `通过，得${points(r.points)}分` : "退回重报"}</b>${r.comment ? `：${esc(r.comment)}` : ""} <small>市总工会办公室 ${esc(fmtTime(r.at))}</small></li>`).join("")}</ol>`;
  } else html += `<p class="empty">尚无审核记录</p>`;
  html += `</div></div>`;
  if (mine && canReport(d)) html += uploadForm(d);
  if (role === "office" && d.state === "reported") html += reviewForm(d);
  return html + `<div class="detail-result" data-result="${d.id}"></div></div>`;
}

function uploadForm(d) {
  const what = d.state === "reported" ? "补充上传" : d.reviews.length ? "重新报送" : "上传并报送";
  return `<form class="upload card" data-form="upload" data-node="${d.id}" novalidate><h4>${what}佐证材料</h4>
    <div class="row"><label>选择文件（可多选）<input type="file" name="files" multiple accept=".pdf,.ofd,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx,.wps,.et,.zip"></label>
    <label class="grow">说明（可不填）<textarea name="note" rows="1" placeholder="如：动员会通知、签到表及会议照片"></textarea></label></div>
    <ul class="chosen"></ul>
    <p class="upload-limit">可上传PDF、OFD、JPG/PNG图片、Word、Excel、WPS文档和ZIP压缩包（按文件内容识别类型）；${limitText(d)}</p>
    ${d.due ? `<p class="hint">时间节点：${esc(d.due_label || checkpointName(d.due))}，之后报送记为迟报。</p>` : ""}
    <button type="submit" class="primary">${what}</button> <progress max="100" value="0" hidden></progress> <span class="pct"></span>
    <div class="form-result"></div></form>`;
}

// limitText states the upload limits: the largest file and how many
// more files node d can take.
function limitText(d) {
  const l = session.me.limits || {};
  if (!l.max_file_bytes) return "";
  const left = Math.max(0, l.max_files - d.evidence.length);
  return `每个文件不超过${fmtSize(l.max_file_bytes)}，每个节点最多${l.max_files}个文件（还可上传${left}个）。`;
}

// applyNode puts a node as the server returned it into the page's list.
function applyNode(d) {
  const i = x.nodes.findIndex(n => n.id === d.id);
  if (i >= 0) { const v = Object.assign({}, d); delete v.evidence; delete v.reviews; x.nodes[i] = v; }
  x.details[d.id] = d;
}

function detailMessage(id, html) {
  const box = document.querySelector(`[data-result="${id}"]`);
  if (box) { box.innerHTML = html; box.scrollIntoView({ block: "nearest" }); }
}

async function toggleNode(btn) {
  const id = Number(btn.dataset.id);
  if (x.open.has(id)) { x.open.delete(id); render(true); return; }
  x.open.add(id);
  render(true);
  applyNode(await api("GET", `/nodes/${id}`));
  render(true);
}

async function upload(form) {
  const id = Number(form.dataset.node);
  const input = form.querySelector('input[type="file"]');
  const result = form.querySelector(".form-result");
  if (!input.files.length) { result.innerHTML = message("error", "请先选择要上传的文件"); return; }
  const fd = new FormData();
  for (const f of input.files) fd.append("files", f, f.name);
  fd.append("note", form.note.value.trim());
  const bar = form.querySelector("progress"), pct = form.querySelector(".pct"), btn = form.querySelector('button[type="submit"]');
  bar.hidden = false; bar.value = 0; result.innerHTML = "";
  try {
    const d = await sendForm(`/nodes/${id}/evidence`, fd, f => { bar.value = Math.round(f * 100); pct.textContent = `已上传 ${Math.round(f * 100)}%`; });
    x.touched.add(id);
    applyNode(d);
    render(true);
    const text = `已报送，上传${fd.getAll("files").length}个文件${d.late ? "；<b>已超过时间节点，记为迟报</b>" : ""}。等待市总工会办公室审核。`;
    detailMessage(id, message("ok", text));
    toast("ok", text);
  } catch (e) {
    if (e.status === 401) throw e;
    bar.hidden = true; pct.textContent = ""; btn.disabled = false;
    const html = errorText(e) + (e.status === 413 || e.status === 415 ? "<p>本次选择的文件都没有保存，请处理后重新选择上传。</p>" : "");
    result.innerHTML = message("error", html);
    toast("error", html);
  }
}

async function withdraw(btn) {
  const id = Number(btn.dataset.node);
  await api("DELETE", `/evidence/${enc(btn.dataset.id)}`);
  const d = await api("GET", `/nodes/${id}`);
  x.touched.add(id);
  applyNode(d);
  render(true);
  const text = `已撤回“${esc(btn.dataset.name)}”${d.state === "pending" ? "；该节点已没有材料，恢复为待报送" : ""}。`;
  detailMessage(id, message("ok", text));
  toast("ok", text);
}

async function review(form, submitter) {
  const r = await sendReview(form, submitter);
  if (!r) return;
  applyNode(r.node);
  render(true);
  detailMessage(r.node.id, message("ok", esc(r.text)));
}

export const actions = { "toggle-node": toggleNode, download, withdraw };

export const forms = { upload, review };

export function change(el) {
  if (el.matches("[data-filter]")) {
    x.filter[el.dataset.filter] = el.value;
    x.touched.clear();
    render();
  } else if (el.matches('form[data-form="upload"] input[type="file"]')) {
    const list = el.closest("form").querySelector(".chosen");
    list.innerHTML = [...el.files].map(f => `<li>${esc(f.name)} <small>${fmtSize(f.size)}</small></li>`).join("");
  }
}

// fail shows the error of an action on a node in the node's detail.
export function fail(e, el) {
  const node = el.closest("[data-node-detail]");
  if (!node || e.status === 401) return false;
  detailMessage(node.dataset.nodeDetail, message("error", errorText(e)));
  return true;
}
