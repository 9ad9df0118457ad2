// Manual deductions (#/deductions, #/deductions/{unit}): the office records
// and deletes them by unit until the year's result is published.

import { api } from "../api.js";
import { $, app, enc, esc, fmtTime, halfWidth, message, points2 } from "../dom.js";
import { markForm } from "../feedback.js";
import { session } from "../session.js";
import { runsPath } from "../parts/scoring.js";

// code is the unit shown.
let code = "";

export async function open({ unit }) {
  const codes = Object.keys(session.units).sort();
  code = unit || codes[0];
  if (!code) { app().innerHTML = message("info", "还没有单位。"); return; }
  const [list, runs] = await Promise.all([api("GET", `/plans/${session.year}/units/${enc(code)}/deductions`), api("GET", runsPath())]);
  const published = runs.find(r => r.published);
  const office = session.me.role === "office" && !published;
  const rules = (session.plan.deductions && session.plan.deductions.manual_rules) || [];
  const total = list.reduce((s, d) => s + Math.round(d.points * 100), 0);
  let html = `<h2>人工扣分</h2>
  <p class="hint">对瞒报、漏报、质量不高等问题，按问题性质录入扣分并写明原因；计分时列入该单位的扣分明细。迟报、节点逾期或未报送、月度数量未报送或迟报由系统按考核方案自动扣分，不在此录入。</p>
  ${published ? message("info", `本年度考核结果已发布（第${published.id}次计分），扣分不能再修改。`) : ""}
  <nav class="tabs" id="unit-tabs">${codes.map(c => `<a href="#/deductions/${enc(c)}" class="${c === code ? "current" : ""}" data-unit="${esc(c)}">${esc(session.units[c])}</a>`).join("")}</nav>
  <h3>${esc(session.units[code] || code)}：${list.length}项，共扣${points2(total / 100)}分</h3>
  <table class="list" id="deductions"><thead><tr><th>编号</th><th>扣分事项</th><th>扣分</th><th>原因</th><th>录入人</th><th>录入时间</th>${office ? "<th></th>" : ""}</tr></thead><tbody>`;
  for (const d of list) {
    html += `<tr data-deduction="${d.id}"><td>${d.id}</td><td>${esc(d.rule)}</td><td class="num">${points2(d.points)}</td><td class="reason">${esc(d.reason)}</td><td>${esc(d.actor)}</td><td>${esc(fmtTime(d.created_at))}</td>
      ${office ? `<td class="nowrap"><button type="button" class="mini danger" data-action="del-deduction" data-confirm="删除这项扣分？" data-confirm-body="删除后这项扣分不再计入该单位的考核计分（操作日志中保留记录）。" data-confirm-ok="删除" data-id="${d.id}">删除</button></td>` : ""}</tr>`;
  }
  if (!list.length) html += `<tr><td colspan="7" class="empty">没有人工扣分</td></tr>`;
  html += `</tbody></table><div id="result"></div>`;
  if (office) {
    html += `<form class="card" id="deduction-form" data-form="deduction" data-unit="${esc(code)}" novalidate><h4>录入扣分</h4><div class="row">
      <label>扣分事项 <span class="f" data-path="rule"><select name="rule"><option value="">请选择</option>${rules.map(r => `<option value="${esc(r)}">${esc(r)}</option>`).join("")}</select></span></label>
      <label>扣分 <span class="f" data-path="points"><input name="points" inputmode="decimal" placeholder="如 2 或 0.5" size="8"></span></label>
      <label class="grow">原因（写明事实） <span class="f" data-path="reason"><textarea name="reason" rows="1" placeholder="如：B5完成标准不严，未按要求整改"></textarea></span></label></div>
      <div class="actions"><button type="submit" class="primary">录入扣分</button></div><div class="form-result"></div></form>`;
  }
  app().innerHTML = html;
}

async function add(form) {
  const res = form.querySelector(".form-result");
  const raw = halfWidth(form.points.value.trim());
  markForm(form, { details: [] });
  res.innerHTML = "";
  if (raw !== "" && !/^\d+(\.\d{1,2})?$/.test(raw)) {
    markForm(form, { details: [{ path: "points", message: "扣分应为数字，最多两位小数，例如 2 或 0.5" }] });
    return;
  }
  const body = { rule: form.rule.value, points: raw === "" ? 0 : Number(raw), reason: form.reason.value.trim() };
  const unit = form.dataset.unit;
  try {
    const d = await api("POST", `/plans/${session.year}/units/${enc(unit)}/deductions`, body);
    await open({ unit });
    $("#result").innerHTML = message("ok", `已录入：${esc(d.rule)} 扣${points2(d.points)}分。重新试算后计入计分结果。`);
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    res.innerHTML = message("error", esc(e.message) + ((e.details || []).length ? "，请按标出的位置修改。" : ""));
  }
}

async function remove(btn) {
  const id = btn.dataset.id;
  const unit = code;
  await api("DELETE", `/plans/${session.year}/units/${enc(unit)}/deductions/${enc(id)}`);
  await open({ unit });
  $("#result").innerHTML = message("ok", `已删除第${esc(id)}号扣分。`);
}

export const actions = { "del-deduction": remove };

export const forms = { deduction: add };
