// The review queue (#/reviews, #/reviews/{unit}): nodes by state, the
// reported ones oldest first, each with its files (the queue carries them:
// one request for the whole page), filters by unit, checkpoint and
// indicator, a preview of PDFs and images in the page, and, for the
// office, the review form of each node and the acceptance of a selection
// at full points in one batch (all or nothing). A unit's or a
// checkpoint's evidence downloads as one zip.

import { api, fetchBlob, saveFile } from "../api.js";
import { $, $$, app, enc, esc, fmtSize, fmtTime, message, points } from "../dom.js";
import { show, toast } from "../feedback.js";
import { label } from "../labels.js";
import { checkpointName } from "../plan.js";
import { session } from "../session.js";
import { download, indicatorName, reviewForm, sendReview } from "../parts/evidence.js";

const states = ["reported", "rejected", "accepted", "overdue"];

// filter is what the queue shows; it stays for the next visit. q is the
// queue shown; preview the object URL of the file shown.
const filter = { state: "reported", unit: "", checkpoint: "", indicator: "" };
let q = null;
let preview = null;

export function open({ unit }) {
  // A link to one unit's queue (from a refused publication) starts from
  // that unit's nodes to review.
  if (unit) Object.assign(filter, { state: "reported", unit });
  return load();
}

export function leave() { closePreview(); }

function query() {
  const ps = new URLSearchParams({ state: filter.state });
  for (const k of ["unit", "checkpoint", "indicator"]) if (filter[k]) ps.set(k, filter[k]);
  return ps.toString();
}

async function load() {
  const nodes = await api("GET", `/plans/${session.year}/reviews?${query()}`);
  q = { nodes, done: 0 };
  draw();
}

function option(v, text, on) { return `<option value="${esc(v)}"${on ? " selected" : ""}>${esc(text)}</option>`; }

function draw() {
  const { state, unit, checkpoint, indicator } = filter;
  const office = session.me.role === "office";
  const batch = office && state === "reported";
  const units = session.units, plan = session.plan;
  const inds = [...plan.party.items, ...plan.business.items];
  let html = `<h2>佐证材料审核</h2>
  <form class="filters row" id="queue-filter"><label>状态 <select data-queue="state">${states.map(s => option(s, label("node_states", s), s === state)).join("")}</select></label>
    <label>单位 <select data-queue="unit"><option value="">全部单位</option>${Object.keys(units).map(c => option(c, units[c], c === unit)).join("")}</select></label>
    <label>时间节点 <select data-queue="checkpoint"><option value="">全部时间节点</option>${plan.checkpoints.map(c => option(c.date, c.name, c.date === checkpoint)).join("")}</select></label>
    <label>指标 <select data-queue="indicator"><option value="">全部指标</option>${inds.map(i => option(i.code, `${i.code} ${i.name}`, i.code === indicator)).join("")}<option value="I1"${indicator === "I1" ? " selected" : ""}>创新指标1</option><option value="I2"${indicator === "I2" ? " selected" : ""}>创新指标2</option></select></label></form>
  <div class="queue-tools">${unit || checkpoint ? `<button type="button" id="zip" data-action="zip">下载${esc([unit && units[unit], checkpoint && checkpointName(checkpoint)].filter(Boolean).join("·"))}的全部佐证材料（zip）</button>` : `<span class="hint">选择单位或时间节点后，可将其全部佐证材料打包下载。</span>`}</div>
  <p id="queue-summary">${state === "reported" ? `待审核 <b id="queue-left">${q.nodes.length}</b> 个节点，按报送时间先后排列。${office ? "通过时给分（0至节点分值，以0.5分为单位）；退回须写明意见。可勾选多个节点按满分一次通过。" : ""}` : `${esc(label("node_states", state))} ${q.nodes.length} 个节点。`}</p>
  <div id="preview"></div>
  <table class="list queue" id="queue"><thead><tr>${batch ? `<th><input type="checkbox" id="pick-all" aria-label="全选"></th>` : ""}<th>单位</th><th>时间节点</th><th>指标 · 具体工作</th><th>工作目标与完成标准</th><th>佐证材料要求</th><th>分值</th><th>报送</th><th>材料</th><th>${batch ? "审核" : "结果"}</th></tr></thead><tbody>`;
  for (const n of q.nodes) {
    html += `<tr data-node="${n.id}" data-unit="${esc(n.unit)}" data-state="${esc(n.state)}">${batch ? `<td class="pick"><input type="checkbox" class="pick" data-node="${n.id}" aria-label="选择此节点"></td>` : ""}<td><a href="#/exec/${enc(n.unit)}">${esc(units[n.unit] || n.unit)}</a></td><td>${esc(checkpointName(n.due))}</td>
      <td><b>${esc(n.indicator)}</b> ${esc(indicatorName(n))}<div class="work">${esc(n.work)}</div></td>
      <td><div>${esc(n.target)}</div><div class="standard">${esc(n.standard)}</div></td><td>${esc(n.evidence_required)}</td><td class="num">${points(n.points)}</td>
      <td>${esc(fmtTime(n.reported_at))}${n.late ? ' <span class="late">迟报</span>' : ""}${n.note ? `<div class="note-line">${esc(n.note)}</div>` : ""}</td>
      <td class="files-cell" data-files="${n.id}">${files(n.evidence)}</td>
      <td class="review-cell">${batch ? reviewForm(n) : n.awarded != null ? `得${points(n.awarded)}分` : ""}</td></tr>`;
  }
  if (!q.nodes.length) html += `<tr><td colspan="10" class="empty">${state === "reported" ? "没有待审核的节点" : "没有记录"}</td></tr>`;
  html += `</tbody></table>`;
  if (batch && q.nodes.length) html += `<div class="batch-bar" id="batch-bar"><span>已选 <b id="picked">0</b> 个节点</span><button type="button" class="primary" id="accept-picked" data-action="accept-picked" disabled>按满分通过所选节点</button></div>`;
  app().innerHTML = html;
}

// files lists a node's files: a preview for PDFs and images, a download
// for every file.
function files(list) {
  if (!list || !list.length) return `<span class="empty">无文件</span>`;
  return `<ul class="files">${list.map(f => `<li><a href="#" data-action="download" data-id="${f.id}" data-name="${esc(f.name)}">${esc(f.name)}</a> <small>${fmtSize(f.size)}</small>${
    previewable(f.type) ? ` <button type="button" class="link" data-action="preview" data-id="${f.id}" data-name="${esc(f.name)}" data-type="${esc(f.type)}">预览</button>` : ""}</li>`).join("")}</ul>`;
}

const previewable = t => t === "application/pdf" || t === "image/png" || t === "image/jpeg";

function closePreview() {
  if (preview) URL.revokeObjectURL(preview);
  preview = null;
  const p = $("#preview");
  if (p) p.innerHTML = "";
}

// showPreview shows a PDF or an image in the page, read with the token
// (GET /evidence/{id}?inline=1) into a blob: a frame or an image cannot
// send the token itself.
async function showPreview(btn) {
  closePreview();
  const blob = await fetchBlob(`/evidence/${enc(btn.dataset.id)}?inline=1`);
  preview = URL.createObjectURL(blob);
  const name = esc(btn.dataset.name);
  const body = btn.dataset.type === "application/pdf"
    ? `<iframe id="preview-frame" title="${name}" src="${preview}"></iframe>`
    : `<img id="preview-image" alt="${name}" src="${preview}">`;
  $("#preview").innerHTML = `<div class="preview" data-file="${esc(btn.dataset.id)}"><div class="preview-head"><b>${name}</b><span><button type="button" data-action="download" data-id="${esc(btn.dataset.id)}" data-name="${name}">下载</button> <button type="button" data-action="close-preview">关闭预览</button></span></div>${body}</div>`;
  $("#preview").scrollIntoView({ block: "start" });
}

function picked() { return $$("#queue input.pick:checked").map(c => Number(c.dataset.node)); }

function countPicked() {
  const n = picked().length;
  $("#picked").textContent = String(n);
  $("#accept-picked").disabled = n === 0;
}

// acceptPicked accepts every selected node at its full points in one
// batch: all are recorded or none.
async function acceptPicked() {
  const ids = new Set(picked());
  const items = q.nodes.filter(n => ids.has(n.id)).map(n => ({ node: n.id, verdict: "accept", points: n.points, version: n.version }));
  try {
    const done = await api("POST", `/plans/${session.year}/reviews/batch`, { items });
    await load();
    show(message("ok", `已按满分通过${done.length}个节点。`));
  } catch (e) {
    if (e.status === 401) throw e;
    const lines = (e.details || []).map(v => {
      const m = /^items\[(\d+)\]/.exec(v.path);
      const n = m && q.nodes.find(x => x.id === items[Number(m[1])].node);
      return `<li>${n ? esc(`${session.units[n.unit] || n.unit} ${n.indicator} ${n.work}`) + "：" : ""}${esc(v.message)}</li>`;
    }).join("");
    toast("error", `<strong>${esc(e.message)}</strong>${lines ? `<ul>${lines}</ul>` : ""}`);
  }
}

// confirms: accepting a selection says how many nodes and points.
export const confirms = {
  "accept-picked": () => {
    const ids = new Set(picked());
    const ns = q.nodes.filter(n => ids.has(n.id));
    const total = ns.reduce((s, n) => s + Math.round(n.points * 100), 0) / 100;
    const byUnit = {};
    for (const n of ns) byUnit[n.unit] = (byUnit[n.unit] || 0) + 1;
    return { title: `按满分通过所选的${ns.length}个节点？`, ok: "全部通过",
      body: `<p>每个节点给满分，共${total}分；要么全部通过，要么一个也不保存。</p><ul>${Object.entries(byUnit).map(([u, c]) => `<li>${esc(session.units[u] || u)}：${c}个节点</li>`).join("")}</ul>` };
  },
};

async function zip() {
  const ps = new URLSearchParams();
  if (filter.unit) ps.set("unit", filter.unit);
  if (filter.checkpoint) ps.set("checkpoint", filter.checkpoint);
  const name = await saveFile(`/plans/${session.year}/evidence.zip?${ps}`, `${session.year}年度佐证材料.zip`);
  show(message("ok", `已下载“${esc(name)}”。`));
}

async function review(form, submitter) {
  const r = await sendReview(form, submitter);
  if (!r) return;
  const row = document.querySelector(`#queue tr[data-node="${r.node.id}"]`);
  if (row) {
    row.dataset.state = r.node.state;
    row.querySelector(".review-cell").innerHTML = message("ok", esc(r.text));
    const pick = row.querySelector("input.pick");
    if (pick) { pick.checked = false; pick.disabled = true; countPicked(); }
  }
  toast("ok", esc(r.text));
  q.done++;
  const left = document.querySelector("#queue-left");
  if (left) left.textContent = String(q.nodes.length - q.done);
}

export const actions = { download, preview: showPreview, "close-preview": closePreview, "accept-picked": acceptPicked, zip };

export const forms = { review };

export function change(el) {
  if (el.id === "pick-all") {
    for (const c of $$("#queue input.pick:not(:disabled)")) c.checked = el.checked;
    return countPicked();
  }
  if (el.matches("input.pick")) return countPicked();
  if (!el.matches("[data-queue]")) return;
  filter[el.dataset.queue] = el.value;
  return load();
}
