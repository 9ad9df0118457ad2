// 工会实绩考核 — the execution pages (issue 3): a unit's nodes by checkpoint
// with their evidence, uploads and the office's reviews; the office's review
// queue; progress with 红黄绿灯; monthly member real-name counts and their
// import. Loaded after app.js and built on its helpers (api, esc, S, …);
// like app.js it uses only the JSON API with the bearer token.
"use strict";

const nodeStateNames = { pending: "待报送", reported: "已报送", accepted: "已通过", rejected: "已退回", overdue: "已逾期", missing: "未报送" };
const nodeStateOrder = ["pending", "reported", "accepted", "rejected", "overdue", "missing"];
const colourNames = { red: "红灯", yellow: "黄灯", green: "绿灯" };
const sourceNames = { api: "页面填报", import: "文件导入" };

// xp is the state of the execution page being shown (null elsewhere).
let xp = null;

// ---------------------------------------------------------------- server time

// The pages judge "not begun" and "overdue" by the server's clock (GET
// /me returns it), not the browser's, which may be wrong.
const clock = { offset: 0 };
async function syncClock() {
  const me = await api("GET", "/me");
  if (me && me.now) clock.offset = Date.parse(me.now) - Date.now();
}
// today is the server's date in the plan's zone, "YYYY-MM-DD".
function today() {
  const f = new Intl.DateTimeFormat("en-CA", { timeZone: S.plan.zone || "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
  return f.format(new Date(Date.now() + clock.offset));
}

// ---------------------------------------------------------------- small helpers

const enc = encodeURIComponent;
function light(c) {
  if (!c) return `<span class="light light-none" title="无节点">—</span>`;
  return `<span class="light light-${esc(c)}" data-colour="${esc(c)}" role="img" title="${esc(colourNames[c] || c)}" aria-label="${esc(colourNames[c] || c)}"></span>`;
}
function nodeState(s) { return `<span class="nstate nstate-${esc(s)}">${esc(nodeStateNames[s] || s)}</span>`; }
function pts(v) { return v == null ? "" : String(v); }
function cents(v) { return Math.round(Number(v || 0) * 100); }
function fromCents(c) { return String(c / 100); }
function fmtSize(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}
function monthLabel(m) { const [y, mo] = m.split("-"); return `${y}年${Number(mo)}月`; }
function planMonths() {
  const mc = S.plan.monthly;
  if (!mc || !mc.from) return [];
  const out = [];
  let [y, m] = mc.from.split("-").map(Number);
  const [ty, tm] = mc.to.split("-").map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (++m > 12) { m = 1; y++; }
  }
  return out;
}
// monthDue is the day a month's count is due by: the plan's due day of the
// next month, or the working day it moved to when that is a day off
// (plan.monthly.dues); monthDueLabel writes both dates.
function monthDue(month) {
  const d = (S.plan.monthly.dues || []).find(x => x.month === month);
  if (d) return d.due.ends_on;
  let [y, m] = month.split("-").map(Number);
  if (++m > 12) { m = 1; y++; }
  return `${y}-${String(m).padStart(2, "0")}-${String(S.plan.monthly.due_day).padStart(2, "0")}`;
}
function monthDueLabel(month) {
  const d = (S.plan.monthly.dues || []).find(x => x.month === month);
  return d ? d.due.label : monthDue(month);
}
// checkpointDue writes a checkpoint's deadline: 6月30日前（遇休息日顺延至7月1日）.
function checkpointDue(date) {
  const c = S.plan.checkpoints.find(x => x.date === date);
  return c && c.due ? c.due.label : date;
}
function indicatorName(n) {
  if (n.category === "innovation") return "创新工作";
  return itemName(n.category, n.indicator);
}

// pool runs fn on every item, at most k at a time.
async function pool(items, k, fn) {
  let i = 0;
  const worker = async () => { while (i < items.length) { const it = items[i++]; await fn(it); } };
  await Promise.all(Array.from({ length: Math.min(k, items.length) }, worker));
}

// errorText is what a failed request says, with what to do for the
// statuses a user can meet here.
function errorText(e) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.status === 413) html = `<strong>文件过大，未上传：</strong>${esc(e.message)}`;
  if (e.status === 415) html = `<strong>文件类型不支持，未上传：</strong>${esc(e.message)}`;
  // Row errors of an import already name their line.
  if (e.details && e.details.length) html += "<ul>" + e.details.map(v => `<li>${/^第\d+行/.test(v.message) ? "" : esc(detailLabel(v.path)) + "："}${esc(v.message)}</li>`).join("") + "</ul>";
  return html;
}
function detailLabel(path) {
  const m = String(path).match(/^rows\[(\d+)\]\.?(.*)$/);
  if (m) return `第${m[1]}行${m[2] === "unit" ? "（单位）" : m[2] === "count" ? "（数量）" : ""}`;
  return { points: "得分", comment: "意见", count: "数量", note: "说明", files: "文件" }[path] || path;
}

// sendForm posts a multipart form with XMLHttpRequest (fetch cannot report
// upload progress) and decodes the answer as api() does.
function sendForm(path, fd, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", "/api/v1" + path);
    x.setRequestHeader("Accept", "application/json");
    if (token()) x.setRequestHeader("Authorization", "Bearer " + token());
    if (onProgress) x.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let data = null;
      try { data = x.responseText ? JSON.parse(x.responseText) : null; } catch (e) { data = null; }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      if (x.status === 401) { localStorage.removeItem("kaohe_token"); S.me = null; }
      const err = (data && data.error) || {};
      reject(Object.assign(new Error(err.message || x.statusText || "请求失败"), { status: x.status, code: err.code, details: err.details || [] }));
    };
    x.onerror = () => reject(Object.assign(new Error("上传中断：网络连接失败，或文件超过服务器允许的大小，请检查后重试"), { status: 0, details: [] }));
    x.send(fd);
  });
}

// download fetches a file with the bearer token and saves it under its
// original (Chinese) name: the RFC 5987 name the server sends, else name.
async function download(id, name) {
  let resp;
  try { resp = await fetch(`/api/v1/evidence/${enc(id)}`, { headers: { Authorization: "Bearer " + token() } }); } catch (e) { throw Object.assign(new Error("无法连接服务器，请检查网络后重试"), { status: 0 }); }
  if (!resp.ok) {
    let err = {};
    try { err = (await resp.json()).error || {}; } catch (e) { /* not JSON */ }
    throw Object.assign(new Error(err.message || "下载失败"), { status: resp.status });
  }
  const cd = resp.headers.get("Content-Disposition") || "";
  const m = cd.match(/filename\*=UTF-8''([^;]+)/i);
  if (m) { try { name = decodeURIComponent(m[1]); } catch (e) { /* keep name */ } }
  const url = URL.createObjectURL(await resp.blob());
  const a = document.createElement("a");
  a.href = url; a.download = name; a.hidden = true;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function fileLinks(files) {
  if (!files.length) return `<span class="empty">无文件</span>`;
  return `<ul class="files">${files.map(f => `<li><a href="#" data-x="download" data-id="${f.id}" data-name="${esc(f.name)}">${esc(f.name)}</a> <small>${fmtSize(f.size)}</small></li>`).join("")}</ul>`;
}

// ---------------------------------------------------------------- a unit's nodes

async function execPage(code) {
  await syncClock();
  const [unit, nodes] = await Promise.all([api("GET", `/units/${enc(code)}`), api("GET", `/plans/${S.year}/units/${enc(code)}/nodes`)]);
  const keep = xp && xp.kind === "exec" && xp.code === code ? xp : null;
  xp = { kind: "exec", code, unit, nodes, filter: keep ? keep.filter : { state: "", colour: "" }, open: keep ? keep.open : new Set(), details: {} };
  // The office's comment on a node sent back is shown in its row.
  const withReviews = nodes.filter(n => n.state === "rejected" || (["overdue", "missing"].includes(n.state) && n.version > 1) || xp.open.has(n.id));
  await pool(withReviews, 4, async n => { xp.details[n.id] = await api("GET", `/nodes/${n.id}`); });
  renderExec();
}

function lastRejection(d) {
  const r = d && d.reviews && d.reviews.filter(x => x.verdict === "reject").pop();
  return r && d.reviews[d.reviews.length - 1] === r ? r : null;
}

function renderExec(keepScroll) {
  const y = window.scrollY;
  const p = xp, role = S.me.role;
  const ns = p.nodes;
  let html = `<h2>${esc(p.unit.name)} ${S.year}年度工作执行情况</h2>`;
  if (!ns.length) {
    app().innerHTML = html + message("info", `指标表经认定并返各单位执行后，这里按时间节点列出每项工作及其佐证材料。<a href="#/units/${enc(p.code)}">查看指标表</a>`);
    return;
  }
  const count = st => ns.filter(n => n.state === st).length;
  const total = ns.reduce((s, n) => s + cents(n.points), 0);
  const awarded = ns.reduce((s, n) => s + cents(n.awarded), 0);
  const colours = { red: 0, yellow: 0, green: 0 };
  ns.forEach(n => { colours[n.colour]++; });
  html += `<ul class="stats" id="exec-stats"><li>节点 <b>${ns.length}</b></li>` +
    nodeStateOrder.map(st => `<li class="st-${st}">${nodeStateNames[st]} <b>${count(st)}</b></li>`).join("") +
    `<li>迟报 <b class="${ns.some(n => n.late) ? "late" : ""}">${ns.filter(n => n.late).length}</b></li>
    <li>已得分 <b id="exec-awarded">${fromCents(awarded)}</b> / ${fromCents(total)}</li>
    <li>${light("red")} <b>${colours.red}</b> ${light("yellow")} <b>${colours.yellow}</b> ${light("green")} <b>${colours.green}</b></li></ul>`;
  if (role === "unit") html += `<p class="hint">每个节点在时间节点前上传佐证材料即为报送；市总工会办公室审核通过后给分，退回的请按意见补充后重新报送。红灯：已逾期未报送；黄灯：临近时间节点（默认7天内）尚未报送。</p>`;
  html += `<form class="filters row" id="exec-filter"><label>状态 <select data-filter="state"><option value="">全部</option>${nodeStateOrder.map(s => `<option value="${s}"${p.filter.state === s ? " selected" : ""}>${nodeStateNames[s]}</option>`).join("")}</select></label>
    <label>灯 <select data-filter="colour"><option value="">全部</option>${["red", "yellow", "green"].map(c => `<option value="${c}"${p.filter.colour === c ? " selected" : ""}>${colourNames[c]}</option>`).join("")}</select></label></form>`;
  const shown = ns.filter(n => (!p.filter.state || n.state === p.filter.state) && (!p.filter.colour || n.colour === p.filter.colour));
  const dues = S.plan.checkpoints.map(c => c.date);
  for (const n of ns) if (!dues.includes(n.due)) dues.push(n.due);
  for (const due of dues) {
    const all = ns.filter(n => n.due === due);
    if (!all.length) continue;
    const list = shown.filter(n => n.due === due);
    const done = all.filter(n => n.state === "accepted").length;
    html += `<section class="annex checkpoint" data-checkpoint="${esc(due)}"><h3>${esc(checkpointName(due))}<span class="count">截止：${esc(checkpointDue(due))}；${all.length}个节点，已通过${done}个，已报送待审核${all.filter(n => n.state === "reported").length}个${all.some(n => n.colour === "red") ? `，<span class="late">${all.filter(n => n.colour === "red").length}个逾期</span>` : ""}</span></h3>`;
    html += list.length ? nodeTable(list) : `<p class="empty">没有符合筛选条件的节点</p>`;
    html += `</section>`;
  }
  app().innerHTML = html;
  if (keepScroll) window.scrollTo(0, y);
}

// nodeTable lists nodes of one checkpoint, the indicator and work cells
// spanning their nodes, each node followed by its detail row when open.
function nodeTable(list) {
  const role = S.me.role;
  let html = `<div class="sheet-wrap"><table class="sheet nodes"><colgroup><col class="c-light"><col class="c-nind"><col class="c-nwork"><col class="c-ntext"><col class="c-pts"><col class="c-ntext"><col class="c-ntext"><col class="c-nstate"><col class="c-pts"><col class="c-nfiles"></colgroup>
    <thead><tr><th>灯</th><th>指标</th><th>具体工作</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料要求</th><th>状态</th><th>得分</th><th>佐证材料</th></tr></thead>`;
  const key = n => `${n.category}/${n.item_index}`;
  let i = 0;
  while (i < list.length) {
    let j = i;
    while (j < list.length && key(list[j]) === key(list[i])) j++;
    const group = list.slice(i, j);
    const open = group.filter(n => xp.open.has(n.id)).length;
    html += `<tbody class="ind" data-ind="${esc(group[0].indicator)}">`;
    group.forEach((n, k) => {
      html += `<tr class="node-row" data-node="${n.id}" data-state="${esc(n.state)}" data-colour="${esc(n.colour)}">`;
      html += `<td class="light-cell">${light(n.colour)}</td>`;
      if (k === 0) html += `<td rowspan="${group.length + open}" class="ind-cell"><b>${esc(n.indicator)}</b> ${esc(indicatorName(n))}</td>`;
      const sameWork = k > 0 && group[k - 1].work_index === n.work_index;
      if (!sameWork) {
        let span = 1;
        while (k + span < group.length && group[k + span].work_index === n.work_index) span++;
        const spanOpen = group.slice(k, k + span).filter(x => xp.open.has(x.id)).length;
        html += `<td rowspan="${span + spanOpen}" class="work-cell">${esc(n.work)}</td>`;
      }
      const rej = lastRejection(xp.details[n.id]);
      html += `<td>${esc(n.target)}</td><td class="num">${pts(n.points)}</td><td>${esc(n.standard)}</td><td>${esc(n.evidence_required)}</td>
        <td class="state-cell">${nodeState(n.state)}${n.late ? ' <span class="late">迟报</span>' : ""}${n.reported_at ? `<div class="when">报送 ${esc(fmtTime(n.reported_at))}</div>` : ""}
        ${rej && ["rejected", "overdue", "missing"].includes(n.state) ? `<div class="comment rejection"><b>退回意见：</b>${esc(rej.comment)}</div>` : ""}</td>
        <td class="num awarded">${n.awarded == null ? "" : `<b>${pts(n.awarded)}</b>`}</td>
        <td class="files-cell"><button type="button" class="mini${role === "unit" && canReport(n) && n.state !== "reported" ? " primary" : ""}" data-x="toggle-node" data-id="${n.id}" aria-expanded="${xp.open.has(n.id)}">${xp.open.has(n.id) ? "收起" : role === "unit" && canReport(n) && !n.evidence_count ? "上传材料" : `材料（${n.evidence_count}）`}</button></td></tr>`;
      // The indicator and work cells span the detail row too.
      if (xp.open.has(n.id)) html += `<tr class="detail" data-detail="${n.id}"><td></td><td colspan="7">${xp.details[n.id] ? nodeDetail(xp.details[n.id]) : '<p class="loading">正在加载…</p>'}</td></tr>`;
    });
    html += `</tbody>`;
    i = j;
  }
  return html + `</table></div>`;
}

// canReport: the unit may still upload for n (the server decides in the end).
function canReport(n) { return n.state !== "accepted" && n.state !== "missing"; }

function nodeDetail(d) {
  const role = S.me.role;
  const mine = role === "unit" && S.me.unit_code === d.unit;
  const canWithdraw = mine && ["reported", "rejected", "overdue"].includes(d.state);
  let html = `<div class="node-detail" data-node-detail="${d.id}"><div class="cols"><div class="col"><h4>佐证材料（${d.evidence.length}个文件）</h4>`;
  if (d.note) html += `<p class="note-line"><b>报送说明：</b>${esc(d.note)}</p>`;
  if (d.evidence.length) {
    html += `<table class="list files"><thead><tr><th>文件名</th><th>大小</th><th>上传时间</th><th>上传人</th><th>说明</th>${canWithdraw ? "<th></th>" : ""}</tr></thead><tbody>`;
    for (const f of d.evidence) {
      html += `<tr data-evidence="${f.id}"><td><a href="#" data-x="download" data-id="${f.id}" data-name="${esc(f.name)}">${esc(f.name)}</a></td><td class="num">${fmtSize(f.size)}</td><td class="nowrap">${esc(fmtTime(f.uploaded_at))}</td><td class="nowrap">${esc(f.uploaded_by)}</td><td>${esc(f.note || "")}</td>
        ${canWithdraw ? `<td class="nowrap"><button type="button" class="mini danger" data-x="withdraw" data-id="${f.id}" data-node="${d.id}" data-name="${esc(f.name)}">撤回</button></td>` : ""}</tr>`;
    }
    html += `</tbody></table>`;
  } else html += `<p class="empty">尚未上传佐证材料</p>`;
  html += `</div><div class="col"><h4>审核记录</h4>`;
  if (d.reviews.length) {
    html += `<ol class="reviews">${d.reviews.map(r => `<li class="review-${esc(r.verdict)}"><b>${r.verdict === "accept" ? `通过，得${pts(r.points)}分` : "退回重报"}</b>${r.comment ? `：${esc(r.comment)}` : ""} <small>${esc(r.by)} ${esc(fmtTime(r.at))}</small></li>`).join("")}</ol>`;
  } else html += `<p class="empty">尚无审核记录</p>`;
  html += `</div></div>`;
  if (mine && canReport(d)) html += uploadForm(d);
  if (role === "office" && d.state === "reported") html += reviewForm(d);
  html += `<div class="detail-result" data-result="${d.id}"></div></div>`;
  return html;
}

function uploadForm(d) {
  const label = d.state === "reported" ? "补充上传" : d.reviews.length ? "重新报送" : "上传并报送";
  return `<form class="upload card" data-form="upload" data-node="${d.id}" novalidate><h4>${label}佐证材料</h4>
    <div class="row"><label>选择文件（可多选）<input type="file" name="files" multiple accept=".pdf,.ofd,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx,.wps,.et,.zip"></label>
    <label class="grow">说明（可不填）<textarea name="note" rows="1" placeholder="如：动员会通知、签到表及会议照片"></textarea></label></div>
    <ul class="chosen"></ul>
    <p class="hint">支持PDF、OFD、JPG/PNG图片、Word、Excel、WPS、ZIP，按文件内容识别类型；单个文件大小和每个节点的文件数有上限。${d.due ? `时间节点：${esc(d.due_label || checkpointName(d.due))}，之后报送记为迟报。` : ""}</p>
    <button type="submit" class="primary">${label}</button> <progress max="100" value="0" hidden></progress> <span class="pct"></span>
    <div class="form-result"></div></form>`;
}

function reviewForm(d) {
  return `<form class="review-form" data-form="review" data-node="${d.id}" data-version="${d.version}" novalidate>
    <div class="row"><label>得分 <span class="f" data-path="points"><input type="number" name="points" min="0" max="${pts(d.points)}" step="0.5" inputmode="decimal" placeholder="0–${pts(d.points)}"></span></label>
    <label class="grow">意见 <span class="f" data-path="comment"><textarea name="comment" rows="1" placeholder="退回时必填"></textarea></span></label></div>
    <div class="actions"><button type="submit" value="accept" class="primary">通过并给分</button><button type="submit" value="reject" class="danger">退回重报</button></div>
    <div class="form-result"></div></form>`;
}

// applyNode puts a node as the server returned it into the page's list.
function applyNode(d) {
  if (!xp || !xp.nodes) return;
  const i = xp.nodes.findIndex(n => n.id === d.id);
  if (i >= 0) { const v = Object.assign({}, d); delete v.evidence; delete v.reviews; xp.nodes[i] = v; }
  xp.details[d.id] = d;
}

function detailMessage(id, html) {
  const box = document.querySelector(`[data-result="${id}"]`);
  if (box) { box.innerHTML = html; box.scrollIntoView({ block: "nearest" }); }
}

async function toggleNode(id) {
  if (xp.open.has(id)) { xp.open.delete(id); renderExec(true); return; }
  xp.open.add(id);
  renderExec(true);
  xp.details[id] = await api("GET", `/nodes/${id}`);
  applyNode(xp.details[id]);
  renderExec(true);
}

async function uploadEvidence(form) {
  const id = Number(form.dataset.node);
  const input = form.querySelector('input[type="file"]');
  const result = form.querySelector(".form-result");
  if (!input.files.length) { result.innerHTML = message("error", "请先选择要上传的文件"); return; }
  const fd = new FormData();
  for (const f of input.files) fd.append("files", f, f.name);
  fd.append("note", form.note.value.trim());
  const bar = form.querySelector("progress"), pct = form.querySelector(".pct"), btn = form.querySelector('button[type="submit"]');
  bar.hidden = false; bar.value = 0; btn.disabled = true; result.innerHTML = "";
  try {
    const d = await sendForm(`/nodes/${id}/evidence`, fd, f => { bar.value = Math.round(f * 100); pct.textContent = `已上传 ${Math.round(f * 100)}%`; });
    applyNode(d);
    if (xp.kind === "exec") {
      renderExec(true);
      detailMessage(id, message("ok", `已报送，上传${fd.getAll("files").length}个文件${d.late ? "；<b>已超过时间节点，记为迟报</b>" : ""}。等待市总工会办公室审核。`));
    }
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    bar.hidden = true; pct.textContent = ""; btn.disabled = false;
    result.innerHTML = message("error", errorText(e) + (e.status === 413 || e.status === 415 ? "<p>本次选择的文件都没有保存，请处理后重新选择上传。</p>" : ""));
  }
}

// withdraw asks once more on the button itself (a second click), then
// withdraws the file.
async function withdraw(btn) {
  const id = Number(btn.dataset.node);
  if (!btn.dataset.armed) {
    btn.dataset.armed = "1";
    btn.textContent = "确认撤回";
    btn.title = `撤回后市总工会办公室将看不到“${btn.dataset.name}”`;
    return;
  }
  await api("DELETE", `/evidence/${enc(btn.dataset.id)}`);
  const d = await api("GET", `/nodes/${id}`);
  applyNode(d);
  renderExec(true);
  detailMessage(id, message("ok", `已撤回“${esc(btn.dataset.name)}”${d.state === "pending" ? "；该节点已没有材料，恢复为待报送" : ""}。`));
}

async function reviewNode(form, verdict) {
  const id = Number(form.dataset.node);
  const result = form.querySelector(".form-result");
  const raw = form.points.value.trim().replace(/[０-９．]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
  const body = { verdict, comment: form.comment.value.trim(), version: Number(form.dataset.version) };
  if (verdict === "accept") body.points = raw === "" ? null : raw;
  markForm(form, { details: [] });
  try {
    const d = await api("POST", `/nodes/${id}/review`, body);
    const text = verdict === "accept" ? `已通过，得${pts(d.awarded)}分` : "已退回，单位可按意见重新报送";
    if (xp && xp.kind === "queue") {
      const row = document.querySelector(`#queue tr[data-node="${id}"]`);
      if (row) { row.dataset.state = d.state; row.querySelector(".review-cell").innerHTML = message("ok", esc(text)); }
      xp.done++;
      const left = document.querySelector("#queue-left");
      if (left) left.textContent = String(xp.nodes.length - xp.done);
    } else {
      applyNode(d);
      renderExec(true);
      detailMessage(id, message("ok", esc(text)));
    }
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    markForm(form, e);
    result.innerHTML = message("error", esc(e.message) + (e.code === "stale_version" || e.code === "wrong_state" ? "。该节点已有变化，请刷新页面后再审核。" : ""));
  }
}

// ---------------------------------------------------------------- review queue

async function queuePage() {
  const state = (xp && xp.kind === "queue" && xp.state) || "reported";
  const unit = (xp && xp.kind === "queue" && xp.unit) || "";
  const nodes = await api("GET", `/plans/${S.year}/reviews?state=${enc(state)}`);
  xp = { kind: "queue", state, unit, nodes: nodes.filter(n => !unit || n.unit === unit), details: {}, done: 0 };
  const office = S.me.role === "office";
  const units = Object.keys(S.units);
  let html = `<h2>佐证材料审核</h2>
  <form class="filters row" id="queue-filter"><label>状态 <select data-queue="state">${["reported", "rejected", "accepted", "overdue"].map(s => `<option value="${s}"${s === state ? " selected" : ""}>${nodeStateNames[s]}</option>`).join("")}</select></label>
    <label>单位 <select data-queue="unit"><option value="">全部单位</option>${units.map(c => `<option value="${esc(c)}"${c === unit ? " selected" : ""}>${esc(S.units[c])}</option>`).join("")}</select></label></form>
  <p id="queue-summary">${state === "reported" ? `待审核 <b id="queue-left">${xp.nodes.length}</b> 个节点，按报送时间先后排列。${office ? "通过时给分（0至节点分值，以0.5分为单位）；退回须写明意见。" : ""}` : `${nodeStateNames[state]} ${xp.nodes.length} 个节点。`}</p>
  <table class="list queue" id="queue"><thead><tr><th>单位</th><th>时间节点</th><th>指标 · 具体工作</th><th>工作目标与完成标准</th><th>佐证材料要求</th><th>分值</th><th>报送</th><th>材料</th><th>${office && state === "reported" ? "审核" : "结果"}</th></tr></thead><tbody>`;
  for (const n of xp.nodes) {
    html += `<tr data-node="${n.id}" data-unit="${esc(n.unit)}" data-state="${esc(n.state)}"><td><a href="#/exec/${enc(n.unit)}">${esc(S.units[n.unit] || n.unit)}</a></td><td>${esc(checkpointName(n.due))}</td>
      <td><b>${esc(n.indicator)}</b> ${esc(indicatorName(n))}<div class="work">${esc(n.work)}</div></td>
      <td><div>${esc(n.target)}</div><div class="standard">${esc(n.standard)}</div></td><td>${esc(n.evidence_required)}</td><td class="num">${pts(n.points)}</td>
      <td>${esc(fmtTime(n.reported_at))}${n.late ? ' <span class="late">迟报</span>' : ""}${n.note ? `<div class="note-line">${esc(n.note)}</div>` : ""}</td>
      <td class="files-cell" data-files="${n.id}"><span class="loading">…</span></td>
      <td class="review-cell">${office && n.state === "reported" ? reviewForm(n) : n.awarded != null ? `得${pts(n.awarded)}分` : ""}</td></tr>`;
  }
  if (!xp.nodes.length) html += `<tr><td colspan="9" class="empty">${state === "reported" ? "没有待审核的节点" : "没有记录"}</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
  const mine = xp;
  await pool(xp.nodes, 4, async n => {
    const d = await api("GET", `/nodes/${n.id}`);
    if (xp !== mine) return;
    mine.details[n.id] = d;
    const cell = document.querySelector(`[data-files="${n.id}"]`);
    if (cell) cell.innerHTML = fileLinks(d.evidence);
  });
}

// ---------------------------------------------------------------- progress

async function progressPage() {
  await syncClock();
  const rows = await api("GET", `/plans/${S.year}/progress`);
  xp = { kind: "progress" };
  const sum = f => rows.reduce((s, r) => s + f(r), 0);
  let html = `<h2>${S.year}年度执行进度</h2>
  <p class="hint">按服务器时间 ${esc(today())} 计算。红灯：有节点过了时间节点仍未报送；黄灯：有节点临近时间节点（默认7天内）且未报送；绿灯：其余。点击单位名称查看各节点。</p>
  <ul class="stats" id="progress-stats"><li>单位 <b>${rows.length}</b></li><li>${light("red")} <b>${rows.filter(r => r.nodes && r.colour === "red").length}</b></li><li>${light("yellow")} <b>${rows.filter(r => r.nodes && r.colour === "yellow").length}</b></li><li>${light("green")} <b>${rows.filter(r => r.nodes && r.colour === "green").length}</b></li>
  <li>待审核 <b>${sum(r => r.states.reported || 0)}</b></li><li>逾期未报 <b class="late">${sum(r => r.missing)}</b></li></ul>
  <div class="sheet-wrap"><table class="list progress" id="progress"><thead>
    <tr><th rowspan="2">灯</th><th rowspan="2">单位</th><th rowspan="2">指标表</th><th rowspan="2">节点</th><th colspan="6">节点状态</th><th colspan="3">红黄绿灯</th><th rowspan="2">迟报</th><th rowspan="2">缺报</th><th colspan="3">已得分</th><th rowspan="2">得分合计 / 节点分值</th></tr>
    <tr>${nodeStateOrder.map(s => `<th>${nodeStateNames[s]}</th>`).join("")}<th>红</th><th>黄</th><th>绿</th><th>党建</th><th>业务</th><th>创新</th></tr></thead><tbody>`;
  for (const r of rows) {
    const has = r.nodes > 0;
    html += `<tr data-unit="${esc(r.unit)}" data-colour="${has ? esc(r.colour) : ""}"><td class="light-cell">${light(has ? r.colour : "")}</td>
      <td><a href="#/exec/${enc(r.unit)}">${esc(r.name)}</a></td><td>${stateLabel(r.submission_state)}</td><td class="num">${r.nodes}</td>
      ${nodeStateOrder.map(s => `<td class="num${r.states[s] && ["overdue", "missing"].includes(s) ? " late" : ""}" data-count="${s}">${r.states[s] || ""}</td>`).join("")}
      ${["red", "yellow", "green"].map(c => `<td class="num c-${c}">${r.colours[c] || ""}</td>`).join("")}
      <td class="num${r.late ? " late" : ""}" data-count="late">${r.late || ""}</td><td class="num${r.missing ? " late" : ""}" data-count="missing">${r.missing || ""}</td>
      ${["party", "business", "innovation"].map(c => `<td class="num">${has ? pts(r.awarded_by_category[c]) : ""}</td>`).join("")}
      <td class="num awarded"><b>${has ? pts(r.awarded) : ""}</b>${has ? ` / ${pts(r.points)}` : ""}</td></tr>`;
  }
  if (!rows.length) html += `<tr><td colspan="20" class="empty">还没有单位</td></tr>`;
  app().innerHTML = html + `</tbody></table></div>`;
}

// ---------------------------------------------------------------- monthly counts

async function monthlyPage(month) {
  await syncClock();
  if (S.me.role === "unit") return unitMonthlyPage();
  const months = planMonths();
  if (!month) {
    // The month to chase: the latest whose due day has passed, else the
    // latest begun.
    const t = today();
    month = months.filter(m => monthDue(m) < t).pop() || months.filter(m => m + "-01" <= t).pop() || months[0];
  }
  const ov = await api("GET", `/plans/${S.year}/monthly/${enc(month)}`);
  xp = { kind: "monthly", month, ov };
  const office = S.me.role === "office";
  const begun = month + "-01" <= today();
  const reported = ov.units.filter(u => u.reported).length;
  let html = `<h2>会员实名制信息采集数量</h2>
  <nav class="tabs" id="month-tabs">${months.map(m => `<a href="#/monthly/${m}" class="${m === month ? "current" : ""}" data-month="${m}">${esc(monthLabel(m))}</a>`).join("")}</nav>
  <p id="monthly-summary">${esc(monthLabel(month))}：报送截止 <b>${esc(ov.due_label || ov.due)}</b>${ov.overdue ? "（已过截止日）" : ""}；已报送 <b>${reported}</b> / ${ov.units.length} 个单位。
  ${ov.not_reported.length ? `<span class="${ov.overdue ? "late" : ""}" id="not-reported">未报送：${ov.not_reported.map(c => esc(S.units[c] || c)).join("、")}</span>` : `<span class="ok-tag">全部单位已报送</span>`}</p>
  <table class="list monthly" id="monthly"><thead><tr><th>序号</th><th>单位</th><th>数量</th><th>报送时间</th><th>报送人</th><th>来源</th><th>迟报</th><th>更正次数</th>${office ? "<th>代为填报或更正</th>" : ""}</tr></thead><tbody>`;
  ov.units.forEach((u, i) => {
    html += `<tr data-unit="${esc(u.unit)}" data-reported="${u.reported}" class="${u.reported ? "" : ov.overdue ? "missing" : "waiting"}"><td>${i + 1}</td><td>${esc(u.name)}</td>
      <td class="num count">${u.reported ? esc(u.count.toLocaleString("zh-CN")) : `<span class="${ov.overdue ? "late" : "empty"}">${ov.overdue ? "逾期未报" : "未报送"}</span>`}</td>
      <td>${esc(fmtTime(u.reported_at))}</td><td>${esc(u.by || "")}</td><td>${esc(sourceNames[u.source] || u.source || "")}</td>
      <td>${u.late ? '<span class="late">迟报</span>' : ""}</td><td class="num">${u.corrections || ""}</td>
      ${office ? `<td>${begun ? countForm(month, u.unit, u.count) : ""}</td>` : ""}</tr>`;
  });
  html += `</tbody></table>`;
  if (office) {
    html += `<form class="card" data-form="import" data-month="${esc(month)}" id="import-form" novalidate><h4>导入${esc(monthLabel(month))}数量</h4>
      <p class="hint">从会员信息管理系统导出的CSV或XLSX文件：第一列为单位（代码或名称），第二列为数量，或由表头“单位”“数量”指明。任何一行有误则整个文件都不导入，并列出各行的问题。</p>
      <input type="file" name="file" accept=".csv,.xlsx"> <button type="submit" class="primary"${begun ? "" : " disabled"}>导入</button>${begun ? "" : ' <span class="hint">该月尚未开始</span>'}
      <div class="form-result" id="import-result"></div></form>`;
  }
  app().innerHTML = html;
}

function countForm(month, unit, count) {
  return `<form class="count-form" data-form="monthly" data-month="${esc(month)}" data-unit="${esc(unit)}" novalidate><span class="f" data-path="count"><input name="count" inputmode="numeric" value="${count == null ? "" : esc(count)}" aria-label="${esc(monthLabel(month))}数量"></span>
    <button type="submit" class="mini">${count == null ? "报送" : "更正"}</button><span class="form-result"></span></form>`;
}

async function unitMonthlyPage() {
  const code = S.me.unit_code;
  const months = planMonths();
  const hist = {};
  await Promise.all(months.map(async m => { hist[m] = await api("GET", `/plans/${S.year}/units/${enc(code)}/monthly/${m}`); }));
  xp = { kind: "monthly-unit", hist };
  const t = today();
  let html = `<h2>${esc(S.units[code] || code)} 会员实名制信息采集数量</h2>
  <p class="hint">考核方案业务指标${esc(S.plan.monthly.indicator)}要求每月报送会员实名制信息采集数量：${esc(monthLabel(months[0] || ""))}至${esc(monthLabel(months[months.length - 1] || ""))}，每月数量于次月${S.plan.monthly.due_day}日前报送${S.plan.due_on_day_off === "as_is" ? "" : "（遇休息日顺延至下一个工作日）"}，逾期记为迟报。报错了可以更正，原数值保留在记录中。</p>
  <table class="list monthly" id="monthly"><thead><tr><th>月份</th><th>报送截止</th><th>当前数量</th><th>报送时间</th><th>报送人</th><th>迟报</th><th>报送或更正</th><th>更正记录</th></tr></thead><tbody>`;
  for (const m of months) {
    const h = hist[m];
    const cur = h.length ? h[h.length - 1] : null;
    const due = monthDue(m);
    const begun = m + "-01" <= t;
    const overdue = !cur && t > due;
    html += `<tr data-month="${m}" data-reported="${!!cur}" class="${overdue ? "missing" : ""}"><td>${esc(monthLabel(m))}</td><td>${esc(monthDueLabel(m))}</td>
      <td class="num count">${cur ? esc(cur.count.toLocaleString("zh-CN")) : overdue ? '<span class="late">逾期未报</span>' : ""}</td>
      <td>${cur ? esc(fmtTime(cur.reported_at)) : ""}</td><td>${cur ? esc(cur.by) : ""}</td><td>${cur && cur.late ? '<span class="late">迟报</span>' : ""}</td>
      <td>${begun ? countForm(m, code, cur ? cur.count : null) : '<span class="empty">未到报送时间</span>'}</td>
      <td class="history">${h.length > 1 ? `<ol>${h.slice(0, -1).map(r => `<li>${esc(r.count.toLocaleString("zh-CN"))} <small>${esc(fmtTime(r.reported_at))} ${esc(r.by)}</small></li>`).join("")}</ol>` : ""}</td></tr>`;
  }
  if (!months.length) html += `<tr><td colspan="8" class="empty">本年度考核方案没有按月报送的数量</td></tr>`;
  app().innerHTML = html + `</tbody></table><div id="result"></div>`;
}

async function putCount(form) {
  const month = form.dataset.month, unit = form.dataset.unit;
  const raw = form.count.value.trim().replace(/[０-９]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/[,，\s]/g, "");
  markForm(form, { details: [] });
  const res = form.querySelector(".form-result");
  try {
    const r = await api("PUT", `/plans/${S.year}/units/${enc(unit)}/monthly/${enc(month)}`, { count: /^\d+$/.test(raw) ? Number(raw) : raw });
    if (S.me.role === "unit") await unitMonthlyPage(); else await monthlyPage(month);
    const row = document.querySelector(S.me.role === "unit" ? `#monthly tr[data-month="${month}"] .form-result` : `#monthly tr[data-unit="${unit}"] .form-result`);
    if (row) row.innerHTML = `<span class="ok-tag">已保存${r.late ? "（迟报）" : ""}</span>`;
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    markForm(form, e);
    if (!(e.details || []).length) res.innerHTML = `<span class="vmsg err">${esc(e.message)}</span>`;
  }
}

async function importCounts(form) {
  const res = form.querySelector(".form-result");
  const input = form.file;
  if (!input.files.length) { res.innerHTML = message("error", "请先选择要导入的CSV或XLSX文件"); return; }
  const fd = new FormData();
  fd.append("file", input.files[0], input.files[0].name);
  const btn = form.querySelector('button[type="submit"]');
  btn.disabled = true;
  try {
    const r = await sendForm(`/plans/${S.year}/monthly/${enc(form.dataset.month)}/import`, fd);
    await monthlyPage(form.dataset.month);
    document.querySelector("#import-result").innerHTML = message("ok", `已从“${esc(input.files[0].name)}”导入${r.imported}个单位的数量：${esc(r.units.map(c => S.units[c] || c).join("、"))}`);
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    btn.disabled = false;
    res.innerHTML = message("error", errorText(e) + (e.details && e.details.length ? "<p>文件中的数量都没有导入，请改正后重新导入。</p>" : ""));
  }
}

// ---------------------------------------------------------------- wiring

routes.push(
  { re: /^#\/exec\/([^/]+)$/, fn: m => execPage(decodeURIComponent(m[1])) },
  { re: /^#\/reviews$/, fn: () => queuePage() },
  { re: /^#\/progress$/, fn: () => progressPage() },
  { re: /^#\/monthly(?:\/(\d{4}-\d{2}))?$/, fn: m => monthlyPage(m[1]) },
);
navLinks.push(m => {
  if (m.role === "unit") return `<a href="#/exec/${enc(m.unit_code)}">执行与佐证材料</a><a href="#/monthly">会员实名制数量</a>`;
  let s = `<a href="#/progress">执行进度</a>`;
  if (m.role === "office") s += `<a href="#/reviews">审核佐证材料</a>`;
  return s + `<a href="#/monthly">会员实名制数量</a>`;
});

function fail(e) {
  if (e.status === 401) return loginPage(e.message);
  const box = document.querySelector("#result") || app();
  if (box === app()) app().insertAdjacentHTML("afterbegin", errorBox(e)); else box.innerHTML = errorBox(e);
}

document.addEventListener("submit", ev => {
  const f = ev.target;
  const kind = f.dataset && f.dataset.form;
  if (!kind) return;
  ev.preventDefault();
  let job;
  if (kind === "upload") job = uploadEvidence(f);
  else if (kind === "review") job = reviewNode(f, (ev.submitter && ev.submitter.value) || "accept");
  else if (kind === "monthly") job = putCount(f);
  else if (kind === "import") job = importCounts(f);
  if (!job) return;
  const btns = [...f.querySelectorAll("button")];
  btns.forEach(b => { b.disabled = true; });
  job.catch(fail).finally(() => { btns.forEach(b => { if (document.body.contains(b)) b.disabled = false; }); });
});

document.addEventListener("click", ev => {
  const t = ev.target.closest("[data-x]");
  if (!t) return;
  ev.preventDefault();
  if (t.disabled) return;
  const id = Number(t.dataset.id);
  let job;
  if (t.dataset.x === "toggle-node") job = toggleNode(id);
  else if (t.dataset.x === "download") job = download(id, t.dataset.name);
  else if (t.dataset.x === "withdraw") job = withdraw(t);
  if (job) job.catch(e => {
    const node = t.closest("[data-node-detail]");
    if (node && e.status !== 401) detailMessage(node.dataset.nodeDetail, message("error", errorText(e)));
    else fail(e);
  });
});

document.addEventListener("change", ev => {
  const t = ev.target;
  if (t.matches("[data-filter]") && xp && xp.kind === "exec") {
    xp.filter[t.dataset.filter] = t.value;
    renderExec();
  } else if (t.matches("[data-queue]") && xp && xp.kind === "queue") {
    xp[t.dataset.queue] = t.value;
    queuePage().catch(fail);
  } else if (t.matches('form[data-form="upload"] input[type="file"]')) {
    const list = t.closest("form").querySelector(".chosen");
    list.innerHTML = [...t.files].map(f => `<li>${esc(f.name)} <small>${fmtSize(f.size)}</small></li>`).join("");
  }
});
