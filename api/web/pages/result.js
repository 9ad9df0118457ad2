// A unit's published result (#/result, #/result/{unit}): where the
// publication stands (公示中 until the objection period has ended and
// every objection is answered and corrected, then 已确定), the scores,
// and every line of the breakdown in order (indicators with their nodes,
// innovation items with theirs, deductions), each with its points, what
// was scored, the fact, its waiver or review, and the objections raised
// against it with their answers. During the period the unit objects to
// any line (提出异议) with its reasons and files. Before publication the
// page says so.

import { api, sendForm } from "../api.js";
import { $, app, enc, esc, fmtDue, fmtSize, fmtTime, message, points, points2 } from "../dom.js";
import { markForm, show, toast } from "../feedback.js";
import { label, nodeStateBadge } from "../labels.js";
import { serverNow, session, syncClock, unitName } from "../session.js";
import { downloadObjectionFile, fileTypes, objectionBlock, waiverNote } from "../parts/contest.js";
import { receivedNote, scoreCards } from "../parts/scoring.js";
import { errorText } from "../parts/evidence.js";

// r is the result shown, code its unit, objecting the index of the line
// whose objection form is open (-1: none).
let r = null;
let code = "";
let objecting = -1;

export async function open({ unit }) {
  code = unit || session.me.unit_code;
  if (!code) { location.hash = "#/scoring"; return; }
  objecting = -1;
  await syncClock();
  try { r = await api("GET", `/plans/${session.year}/units/${enc(code)}/result`); } catch (e) {
    if (e.status !== 404) throw e;
    // 404: not published yet, or not a unit this account may see.
    if (session.me.role === "unit" && code !== session.me.unit_code) throw e;
    r = null;
    app().innerHTML = `<h2>${esc(unitName(code))} ${session.year}年度考核结果</h2>` + message("info", `<span id="not-published">${session.year}年度考核结果尚未公布。</span>市总工会办公室发布后，这里显示本单位的得分、名次、等次和每一项得分、扣分的依据；公示期内可以对任何一项提出异议。`);
    return;
  }
  render();
}

// stateBox says where the publication stands and what the unit may do.
function stateBox() {
  const ends = r.objection_period_ends;
  const open = r.can_object || (ends && Date.parse(ends) > serverNow());
  let html = `<div class="result-state result-${esc(r.result_state)}" id="result-state" data-state="${esc(r.result_state)}">
    <span class="badge">${esc(r.result_state_label || label("result_states", r.result_state))}</span>`;
  if (r.result_state === "final") html += ` 考核结果已确定${ends ? `（公示期已于${esc(fmtDue(ends))}结束，异议均已答复）` : ""}。`;
  else if (open) html += ` 公示期至 <b id="period-ends">${esc(fmtDue(ends))}</b>。${r.can_object ? "对下面任何一项有异议的，请点该项的“提出异议”，写明理由并可上传证明材料；市总工会办公室将逐项答复。" : ""}`;
  else if (ends) html += ` 公示期已于<b id="period-ends">${esc(fmtDue(ends))}</b>结束，${r.objections_open ? `还有${r.objections_open}项异议待答复` : "异议的更正结果待发布"}。`;
  html += `<small>${r.publication > 1 ? `第${r.publication}次发布（更正结果）` : "发布"}于${esc(fmtTime(r.published_at))}</small></div>`;
  return html;
}

// summary counts the unit's objections by answer.
function summary() {
  const os = r.objections || [];
  if (!os.length) return "";
  const n = v => os.filter(o => (o.verdict || "") === v).length;
  return `<p id="objection-summary">已提出${os.length}项异议：${[["", "待答复"], ["accept", "成立"], ["reject", "不成立"]].filter(([v]) => n(v)).map(([v, t]) => `${t}${n(v)}项`).join("，")}。各项的答复显示在该项下面。</p>`;
}

function render() {
  const mine = session.me.role === "unit";
  let html = `<h2>${esc(r.name)} ${session.year}年度考核结果</h2>${stateBox()}<div id="result"></div>${scoreCards(r)}`;
  if (r.reason) { app().innerHTML = html + message("info", `<span id="not-scored">${esc(r.reason)}</span>`); return; }
  html += receivedNote(r.received) + summary();
  html += `<p class="hint">总分 = 党建指标 + 业务指标 + 创新指标 − 扣分。下表依次列出每项指标及其各节点的得分、每项创新工作及其节点、每项扣分，以及每一项的依据。</p>`;
  const cols = r.can_object ? 6 : 5;
  html += `<table class="list result-lines" id="result-lines"><thead><tr><th>项目</th><th>分值</th><th>得分</th><th>说明</th><th>减免与审核</th>${r.can_object ? "<th></th>" : ""}</tr></thead><tbody>`;
  r.lines.forEach((l, i) => {
    html += `<tr class="line line-${esc(l.kind)}" data-line="${i}" data-kind="${esc(l.kind)}" data-ref="${esc(l.ref)}">
      <td class="line-label">${l.kind === "deduction" ? `<span class="kind">${esc(label("line_kinds", "deduction"))}</span>` : ""}${esc(l.label)}${l.kind === "node" && l.state ? ` ${nodeStateBadge(l.state)}` : ""}</td>
      <td class="num">${pointsCell(l)}</td><td class="num scored">${scoredCell(l)}</td>
      <td class="note">${esc(l.note || "")}</td><td class="trace">${trace(l)}</td>
      ${r.can_object ? `<td class="op"><button type="button" class="mini" data-action="object" data-line="${i}"${objecting === i ? " disabled" : ""}>提出异议</button></td>` : ""}</tr>`;
    if (l.objections.length || objecting === i) {
      html += `<tr class="line-objections" data-objections-for="${i}"><td colspan="${cols}">${l.objections.map(o => objectionBlock(o, r.lines, mine)).join("")}${objecting === i ? objectionForm(l, i) : ""}</td></tr>`;
    }
  });
  if (!r.lines.length) html += `<tr><td colspan="${cols}" class="empty">没有得分明细</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}

function pointsCell(l) {
  if (l.kind === "deduction") return `扣${points2(l.original != null ? l.original : l.points)}`;
  if (l.kind === "innovation") return `申报${points2(l.points)}`;
  return points2(l.points);
}

function scoredCell(l) {
  if (l.scored == null) return `<span class="empty">—</span>`;
  if (l.kind === "deduction") return `<b class="${Number(l.scored) > 0 ? "late" : ""}">−${points2(l.scored)}</b>`;
  return `<b>${points2(l.scored)}</b>`;
}

// trace is what a line's figure rests on besides its fact: a
// deduction's waiver, a node's latest review.
function trace(l) {
  if (l.waiver) return waiverNote(l.waiver, l.original);
  const v = l.review;
  if (!v) return "";
  return `<div class="review-note">${v.verdict === "accept" ? `审核通过，得${esc(points(v.points))}分` : "审核退回"}${v.comment ? `：${esc(v.comment)}` : ""} <small>${esc(fmtTime(v.at))}</small></div>`;
}

function objectionForm(l, i) {
  const lim = session.me.limits || {};
  return `<form class="objection-form card" data-form="object" data-line="${i}" novalidate><h4>对“${esc(l.label)}”提出异议</h4>
    <div class="row"><label class="grow">异议理由 <span class="f" data-path="text"><textarea name="text" rows="3" maxlength="2000" placeholder="写明认为哪里有误、事实是什么，如：该节点已于6月28日完成，见会议纪要"></textarea></span></label>
    <label>证明材料（可多选，可不上传）<span class="f" data-path="files"><input type="file" name="files" multiple accept="${fileTypes}"></span></label></div>
    <ul class="chosen"></ul>
    <p class="upload-limit">可上传PDF、OFD、JPG/PNG图片、Word、Excel、WPS文档和ZIP压缩包（按文件内容识别类型）${lim.max_file_bytes ? `；每个文件不超过${fmtSize(lim.max_file_bytes)}，每项异议最多${lim.max_files}个文件` : ""}。</p>
    <div class="actions"><button type="submit" class="primary">提交异议</button><button type="button" data-action="cancel-object">取消</button> <progress max="100" value="0" hidden></progress> <span class="pct"></span></div>
    <div class="form-result"></div></form>`;
}

async function object(form) {
  const l = r.lines[Number(form.dataset.line)];
  const res = form.querySelector(".form-result");
  markForm(form, { details: [] });
  res.innerHTML = "";
  const text = form.text.value.trim();
  if (!text) { markForm(form, { details: [{ path: "text", message: "请写明异议的理由" }] }); return; }
  const fd = new FormData();
  fd.append("ref", l.ref);
  fd.append("text", text);
  for (const f of form.files.files) fd.append("files", f, f.name);
  const bar = form.querySelector("progress"), pct = form.querySelector(".pct");
  bar.hidden = false; bar.value = 0;
  let o;
  try {
    o = await sendForm(`/plans/${session.year}/units/${enc(code)}/objections`, fd, f => { bar.value = Math.round(f * 100); pct.textContent = `已上传 ${Math.round(f * 100)}%`; });
  } catch (e) {
    if (e.status === 401) throw e;
    bar.hidden = true; pct.textContent = "";
    markForm(form, e);
    const html = errorText(e) + (e.status === 413 || e.status === 415 ? "<p>异议没有提交，选择的文件都没有保存，请处理后重新提交。</p>" : "");
    res.innerHTML = message("error", html);
    toast("error", html);
    return;
  }
  await open({ unit: code });
  show(message("ok", `已提出异议第${o.id}号（${esc(l.label)}）${o.files.length ? `，附${o.files.length}个文件` : ""}。市总工会办公室答复后，答复显示在该项下面，并通知本单位联系人。`));
  const row = $(`[data-objection="${o.id}"]`);
  if (row) row.scrollIntoView({ block: "center" });
}

export const actions = {
  object: btn => { objecting = Number(btn.dataset.line); render(); const f = $("form.objection-form textarea"); if (f) { f.scrollIntoView({ block: "center" }); f.focus(); } },
  "cancel-object": () => { objecting = -1; render(); },
  "objection-file": downloadObjectionFile,
};

export const forms = { object };

// input clears a field's refusal once the unit types into it.
export function input(el) {
  const f = el.closest(".objection-form .f.bad");
  if (!f) return;
  f.classList.remove("bad");
  for (const m of f.querySelectorAll(".vmsg")) m.remove();
}

export function change(el) {
  if (el.matches('form.objection-form input[type="file"]')) {
    el.closest("form").querySelector(".chosen").innerHTML = [...el.files].map(f => `<li>${esc(f.name)} <small>${fmtSize(f.size)}</small></li>`).join("");
  }
}
