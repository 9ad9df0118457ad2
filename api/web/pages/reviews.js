// The review queue (#/reviews, #/reviews/{unit}): nodes by state, the
// reported ones oldest first, each with its files and, for the office, the
// review form.

import { api } from "../api.js";
import { app, enc, esc, fmtTime, message, points } from "../dom.js";
import { label } from "../labels.js";
import { checkpointName } from "../plan.js";
import { session } from "../session.js";
import { download, fileLinks, indicatorName, pool, reviewForm, sendReview } from "../parts/evidence.js";

const states = ["reported", "rejected", "accepted", "overdue"];

// filter is what the queue shows; it stays for the next visit. q is the
// queue shown.
const filter = { state: "reported", unit: "" };
let q = null;

export function open({ unit }) {
  // A link to one unit's queue (from a refused publication) starts from
  // that unit's nodes to review.
  if (unit) Object.assign(filter, { state: "reported", unit });
  return load();
}

async function load() {
  const { state, unit } = filter;
  const nodes = await api("GET", `/plans/${session.year}/reviews?state=${enc(state)}`);
  q = { nodes: nodes.filter(n => !unit || n.unit === unit), done: 0 };
  const mine = q;
  const office = session.me.role === "office";
  const units = session.units;
  const option = (v, text, on) => `<option value="${esc(v)}"${on ? " selected" : ""}>${esc(text)}</option>`;
  let html = `<h2>佐证材料审核</h2>
  <form class="filters row" id="queue-filter"><label>状态 <select data-queue="state">${states.map(s => option(s, label("node_states", s), s === state)).join("")}</select></label>
    <label>单位 <select data-queue="unit"><option value="">全部单位</option>${Object.keys(units).map(c => option(c, units[c], c === unit)).join("")}</select></label></form>
  <p id="queue-summary">${state === "reported" ? `待审核 <b id="queue-left">${q.nodes.length}</b> 个节点，按报送时间先后排列。${office ? "通过时给分（0至节点分值，以0.5分为单位）；退回须写明意见。" : ""}` : `${esc(label("node_states", state))} ${q.nodes.length} 个节点。`}</p>
  <table class="list queue" id="queue"><thead><tr><th>单位</th><th>时间节点</th><th>指标 · 具体工作</th><th>工作目标与完成标准</th><th>佐证材料要求</th><th>分值</th><th>报送</th><th>材料</th><th>${office && state === "reported" ? "审核" : "结果"}</th></tr></thead><tbody>`;
  for (const n of q.nodes) {
    html += `<tr data-node="${n.id}" data-unit="${esc(n.unit)}" data-state="${esc(n.state)}"><td><a href="#/exec/${enc(n.unit)}">${esc(units[n.unit] || n.unit)}</a></td><td>${esc(checkpointName(n.due))}</td>
      <td><b>${esc(n.indicator)}</b> ${esc(indicatorName(n))}<div class="work">${esc(n.work)}</div></td>
      <td><div>${esc(n.target)}</div><div class="standard">${esc(n.standard)}</div></td><td>${esc(n.evidence_required)}</td><td class="num">${points(n.points)}</td>
      <td>${esc(fmtTime(n.reported_at))}${n.late ? ' <span class="late">迟报</span>' : ""}${n.note ? `<div class="note-line">${esc(n.note)}</div>` : ""}</td>
      <td class="files-cell" data-files="${n.id}"><span class="loading">…</span></td>
      <td class="review-cell">${office && n.state === "reported" ? reviewForm(n) : n.awarded != null ? `得${points(n.awarded)}分` : ""}</td></tr>`;
  }
  if (!q.nodes.length) html += `<tr><td colspan="9" class="empty">${state === "reported" ? "没有待审核的节点" : "没有记录"}</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
  await pool(q.nodes, 4, async n => {
    const d = await api("GET", `/nodes/${n.id}`);
    if (q !== mine) return;
    const cell = document.querySelector(`[data-files="${n.id}"]`);
    if (cell) cell.innerHTML = fileLinks(d.evidence);
  });
}

async function review(form, submitter) {
  const r = await sendReview(form, submitter);
  if (!r) return;
  const row = document.querySelector(`#queue tr[data-node="${r.node.id}"]`);
  if (row) { row.dataset.state = r.node.state; row.querySelector(".review-cell").innerHTML = message("ok", esc(r.text)); }
  q.done++;
  const left = document.querySelector("#queue-left");
  if (left) left.textContent = String(q.nodes.length - q.done);
}

export const actions = { download };

export const forms = { review };

export function change(el) {
  if (!el.matches("[data-queue]")) return;
  filter[el.dataset.queue] = el.value;
  return load();
}
