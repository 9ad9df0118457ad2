// Monthly member real-name counts (#/monthly, #/monthly/{yyyy-mm}): a unit
// reports and corrects its months; the office and leaders see a month of
// every unit, and the office reports for a unit or imports a month's file.

import { api, sendForm } from "../api.js";
import { $, app, enc, esc, fmtTime, halfWidth, message, monthLabel, fmtSize } from "../dom.js";
import { markForm } from "../feedback.js";
import { label } from "../labels.js";
import { monthDue, monthDueLabel, planMonths } from "../plan.js";
import { session, syncClock, today, unitName } from "../session.js";
import { errorText } from "../parts/evidence.js";

export async function open({ month }) {
  await syncClock();
  if (session.me.role === "unit") return unitMonths();
  return monthOfUnits(month);
}

// chase is the month to look at first: the latest whose due day has
// passed, else the latest begun.
function chase(months) {
  const t = today();
  return months.filter(m => monthDue(m) < t).pop() || months.filter(m => m + "-01" <= t).pop() || months[0];
}

const count = n => esc(n.toLocaleString("zh-CN"));

async function monthOfUnits(month) {
  const months = planMonths();
  month = month || chase(months);
  const ov = await api("GET", `/plans/${session.year}/monthly/${enc(month)}`);
  const office = session.me.role === "office";
  const begun = month + "-01" <= today();
  const reported = ov.units.filter(u => u.reported).length;
  let html = `<h2>会员实名制信息采集数量</h2>
  <nav class="tabs" id="month-tabs">${months.map(m => `<a href="#/monthly/${m}" class="${m === month ? "current" : ""}" data-month="${m}">${esc(monthLabel(m))}</a>`).join("")}</nav>
  <p id="monthly-summary">${esc(monthLabel(month))}：报送截止 <b>${esc(ov.due_label || ov.due)}</b>${ov.overdue ? "（已过截止日）" : ""}；已报送 <b>${reported}</b> / ${ov.units.length} 个单位。
  ${ov.not_reported.length ? `<span class="${ov.overdue ? "late" : ""}" id="not-reported">未报送：${ov.not_reported.map(c => esc(unitName(c))).join("、")}</span>` : `<span class="ok-tag">全部单位已报送</span>`}</p>
  <table class="list monthly" id="monthly"><thead><tr><th>序号</th><th>单位</th><th>数量</th><th>报送时间</th><th>报送人</th><th>来源</th><th>迟报</th><th>更正次数</th>${office ? "<th>代为填报或更正</th>" : ""}</tr></thead><tbody>`;
  ov.units.forEach((u, i) => {
    html += `<tr data-unit="${esc(u.unit)}" data-reported="${u.reported}" class="${u.reported ? "" : ov.overdue ? "missing" : "waiting"}"><td>${i + 1}</td><td>${esc(u.name)}</td>
      <td class="num count">${u.reported ? count(u.count) : `<span class="${ov.overdue ? "late" : "empty"}">${ov.overdue ? "逾期未报" : "未报送"}</span>`}</td>
      <td>${esc(fmtTime(u.reported_at))}</td><td>${esc(u.by_name || "")}</td><td>${esc(u.source ? label("monthly_sources", u.source) : "")}</td>
      <td>${u.late ? '<span class="late">迟报</span>' : ""}</td><td class="num">${u.corrections || ""}</td>
      ${office ? `<td>${begun ? countForm(month, u.unit, u.count) : ""}</td>` : ""}</tr>`;
  });
  html += `</tbody></table>`;
  if (office) {
    html += `<form class="card" data-form="import" data-month="${esc(month)}" id="import-form" novalidate><h4>导入${esc(monthLabel(month))}数量</h4>
      <p class="hint">从会员信息管理系统导出的CSV或XLSX文件：第一列为单位（代码或名称），第二列为数量，或由表头“单位”“数量”指明。任何一行有误则整个文件都不导入，并列出各行的问题。<span class="upload-limit">文件不超过${fmtSize((session.me.limits || {}).max_import_bytes || 10485760)}。</span></p>
      <input type="file" name="file" accept=".csv,.xlsx"> <button type="submit" class="primary"${begun ? "" : " disabled"}>导入</button>${begun ? "" : ' <span class="hint">该月尚未开始</span>'}
      <div class="form-result" id="import-result"></div></form>`;
  }
  app().innerHTML = html;
}

function countForm(month, unit, n) {
  return `<form class="count-form" data-form="count" data-month="${esc(month)}" data-unit="${esc(unit)}" novalidate><span class="f" data-path="count"><input name="count" inputmode="numeric" value="${n == null ? "" : esc(n)}" aria-label="${esc(monthLabel(month))}数量"></span>
    <button type="submit" class="mini">${n == null ? "报送" : "更正"}</button><span class="form-result"></span></form>`;
}

async function unitMonths() {
  const code = session.me.unit_code;
  const months = planMonths();
  const hist = {};
  await Promise.all(months.map(async m => { hist[m] = await api("GET", `/plans/${session.year}/units/${enc(code)}/monthly/${m}`); }));
  const t = today();
  const mc = session.plan.monthly;
  let html = `<h2>${esc(unitName(code))} 会员实名制信息采集数量</h2>
  <p class="hint">考核方案业务指标${esc(mc.indicator)}要求每月报送会员实名制信息采集数量：${esc(monthLabel(months[0] || ""))}至${esc(monthLabel(months[months.length - 1] || ""))}，每月数量于次月${mc.due_day}日前报送${session.plan.due_on_day_off === "as_is" ? "" : "（遇休息日顺延至下一个工作日）"}，逾期记为迟报。报错了可以更正，原数值保留在记录中。</p>
  <table class="list monthly" id="monthly"><thead><tr><th>月份</th><th>报送截止</th><th>当前数量</th><th>报送时间</th><th>报送人</th><th>迟报</th><th>报送或更正</th><th>更正记录</th></tr></thead><tbody>`;
  for (const m of months) {
    const h = hist[m];
    const cur = h.length ? h[h.length - 1] : null;
    const due = monthDue(m);
    const begun = m + "-01" <= t;
    const overdue = !cur && t > due;
    html += `<tr data-month="${m}" data-reported="${!!cur}" class="${overdue ? "missing" : ""}"><td>${esc(monthLabel(m))}</td><td>${esc(monthDueLabel(m))}</td>
      <td class="num count">${cur ? count(cur.count) : overdue ? '<span class="late">逾期未报</span>' : ""}</td>
      <td>${cur ? esc(fmtTime(cur.reported_at)) : ""}</td><td>${cur ? esc(cur.by_name || "") : ""}</td><td>${cur && cur.late ? '<span class="late">迟报</span>' : ""}</td>
      <td>${begun ? countForm(m, code, cur ? cur.count : null) : '<span class="empty">未到报送时间</span>'}</td>
      <td class="history">${h.length > 1 ? `<ol>${h.slice(0, -1).map(r => `<li>${count(r.count)} <small>${esc(fmtTime(r.reported_at))} ${esc(r.by_name || "")}</small></li>`).join("")}</ol>` : ""}</td></tr>`;
  }
  if (!months.length) html += `<tr><td colspan="8" class="empty">本年度考核方案没有按月报送的数量</td></tr>`;
  app().innerHTML = html + `</tbody></table><div id="result"></div>`;
}

async function putCount(form) {
  const month = form.dataset.month, unit = form.dataset.unit;
  const raw = halfWidth(form.count.value.trim()).replace(/[,，\s]/g, "");
  markForm(form, { details: [] });
  try {
    const r = await api("PUT", `/plans/${session.year}/units/${enc(unit)}/monthly/${enc(month)}`, { count: /^\d+$/.test(raw) ? Number(raw) : raw });
    const byUnit = session.me.role === "unit";
    if (byUnit) await unitMonths(); else await monthOfUnits(month);
    const res = $(byUnit ? `#monthly tr[data-month="${month}"] .form-result` : `#monthly tr[data-unit="${unit}"] .form-result`);
    if (res) res.innerHTML = `<span class="ok-tag">已保存${r.late ? "（迟报）" : ""}</span>`;
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    if (!(e.details || []).length) form.querySelector(".form-result").innerHTML = `<span class="vmsg err">${esc(e.message)}</span>`;
  }
}

async function importCounts(form) {
  const res = form.querySelector(".form-result");
  const input = form.file;
  if (!input.files.length) { res.innerHTML = message("error", "请先选择要导入的CSV或XLSX文件"); return; }
  const file = input.files[0];
  const fd = new FormData();
  fd.append("file", file, file.name);
  try {
    const r = await sendForm(`/plans/${session.year}/monthly/${enc(form.dataset.month)}/import`, fd);
    await monthOfUnits(form.dataset.month);
    $("#import-result").innerHTML = message("ok", `已从“${esc(file.name)}”导入${r.imported}个单位的数量：${esc(r.units.map(unitName).join("、"))}`);
  } catch (e) {
    if (e.status === 401) throw e;
    res.innerHTML = message("error", errorText(e) + (e.details && e.details.length ? "<p>文件中的数量都没有导入，请改正后重新导入。</p>" : ""));
  }
}

export const forms = { count: putCount, import: importCounts };
