// Monthly member real-name counts (#/monthly, #/monthly/{yyyy-mm}): a unit
// reports and corrects its months; the office and leaders see a month of
// every unit with both figures, the unit's own and the member information
// system's, their difference and the months where the unit's exceeds the
// system's by more than the plan allows (flagged), and the year's flagged
// months; the office reports for a unit, imports a month's file from the
// system, and records a 瞒报 deduction from a flagged month.

import { api, sendForm } from "../api.js";
import { $, app, enc, esc, fmtTime, halfWidth, message, monthLabel, fmtSize, points, points2 } from "../dom.js";
import { markForm, show } from "../feedback.js";
import { monthDue, monthDueLabel, planMonths } from "../plan.js";
import { session, syncClock, today, unitName } from "../session.js";
import { errorText } from "../parts/evidence.js";
import { runsPath } from "../parts/scoring.js";

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

// signed writes a difference with its sign: +1,000 or −1,000.
const signed = n => (n > 0 ? "+" : n < 0 ? "−" : "") + count(Math.abs(n));

// percentText writes the difference in percent of the system's figure;
// "" when that figure is 0.
const percentText = p => (p == null ? "" : `${Number(p) > 0 ? "+" : Number(p) < 0 ? "−" : ""}${points2(Math.abs(p))}%`);

// shown is the month on screen, so that a deduction drawn from the
// year's flags redraws it.
let shown = "";

async function monthOfUnits(month) {
  const months = planMonths();
  month = month || chase(months);
  shown = month;
  const [ov, flags, runs] = await Promise.all([api("GET", `/plans/${session.year}/monthly/${enc(month)}`), api("GET", `/plans/${session.year}/monthly?flagged=true`), api("GET", runsPath())]);
  const office = session.me.role === "office";
  const begun = month + "-01" <= today();
  const reported = ov.units.filter(u => u.reported).length;
  let html = `<h2>会员实名制信息采集数量</h2>
  <nav class="tabs" id="month-tabs">${months.map(m => `<a href="#/monthly/${m}" class="${m === month ? "current" : ""}" data-month="${m}">${esc(monthLabel(m))}</a>`).join("")}</nav>
  <p id="monthly-summary">${esc(monthLabel(month))}：报送截止 <b>${esc(ov.due_label || ov.due)}</b>${ov.overdue ? "（已过截止日）" : ""}；已报送 <b>${reported}</b> / ${ov.units.length} 个单位。
  ${ov.not_reported.length ? `<span class="${ov.overdue ? "late" : ""}" id="not-reported">未报送：${ov.not_reported.map(c => esc(unitName(c))).join("、")}</span>` : `<span class="ok-tag">全部单位已报送</span>`}</p>
  <p class="hint">每个单位有两个数：单位自己报送的数量，和从会员信息管理系统导入的数量，两者并存、互不替代；有任何一个即视为已报送。单位报送数超出会员系统数${esc(points(flags.threshold_percent))}%以上的，标为“数量不符”，可据此录入瞒报扣分。</p>
  <table class="list monthly" id="monthly"><thead><tr><th>序号</th><th>单位</th><th>单位报送数量</th><th>报送时间</th><th>迟报</th><th>更正次数</th><th>会员系统数量</th><th>差额</th><th>差异比例</th><th>核对</th>${office ? "<th>代为填报或更正单位报送数</th>" : ""}</tr></thead><tbody>`;
  ov.units.forEach((u, i) => {
    const own = u.unit_report, sys = u.system, cmp = u.comparison;
    const missing = ov.overdue ? "逾期未报" : "未报送";
    html += `<tr data-unit="${esc(u.unit)}" data-reported="${u.reported}" data-flagged="${!!u.flagged}" class="${u.reported ? "" : ov.overdue ? "missing" : "waiting"}${u.flagged ? " flagged" : ""}"><td>${i + 1}</td><td>${esc(u.name)}</td>
      <td class="num count">${own ? count(own.count) : `<span class="${ov.overdue && !u.reported ? "late" : "empty"}">${u.reported ? "未报送" : missing}</span>`}</td>
      <td>${own ? `${esc(fmtTime(own.reported_at))}${u.by_name && u.source !== "import" ? ` <small>${esc(u.by_name)}</small>` : ""}` : ""}</td>
      <td>${u.late ? '<span class="late">迟报</span>' : ""}</td><td class="num">${own && own.corrections ? own.corrections : ""}</td>
      <td class="num system-count">${sys ? `${count(sys.count)}<br><small>${esc(fmtTime(sys.reported_at))}导入</small>` : '<span class="empty">未导入</span>'}</td>
      <td class="num difference">${cmp ? signed(cmp.difference) : ""}</td><td class="num percent">${cmp ? percentText(cmp.percent) : ""}</td>
      <td class="flag-cell">${u.flagged ? `<span class="flag">数量不符</span>` : cmp ? '<span class="ok-tag">相符</span>' : ""}</td>
      ${office ? `<td>${begun ? countForm(month, u.unit, own ? own.count : null) : ""}</td>` : ""}</tr>`;
  });
  html += `</tbody></table>`;
  if (office) {
    html += `<form class="card" data-form="import" data-month="${esc(month)}" id="import-form" novalidate><h4>导入${esc(monthLabel(month))}数量</h4>
      <p class="hint">从会员信息管理系统导出的CSV或XLSX文件：第一列为单位（代码或名称），第二列为数量，或由表头“单位”“数量”指明。任何一行有误则整个文件都不导入，并列出各行的问题。<span class="upload-limit">文件不超过${fmtSize((session.me.limits || {}).max_import_bytes || 10485760)}。</span></p>
      <input type="file" name="file" accept=".csv,.xlsx"> <button type="submit" class="primary"${begun ? "" : " disabled"}>导入</button>${begun ? "" : ' <span class="hint">该月尚未开始</span>'}
      <div class="form-result" id="import-result"></div></form>`;
  }
  app().innerHTML = html + flagSection(flags, office && !runs.some(r => r.published));
}

// flagSection lists the year's months where a unit's figure exceeds the
// system's by more than the plan allows, each with the deductions that
// cite it and, for the office before publication, a 瞒报 deduction form.
function flagSection(flags, deduct) {
  const rule = ((session.plan.deductions && session.plan.deductions.manual_rules) || []).find(r => r === "瞒报");
  let html = `<section class="annex" id="flags-section"><h3>${session.year}年度数量不符的月份 <span class="count">${flags.flagged}个</span></h3>
    <p class="hint">单位报送数超出会员信息管理系统数${esc(points(flags.threshold_percent))}%以上的单位和月份。核实确属瞒报的，录入瞒报扣分，扣分原因中会写明该月的两个数字。</p>
    <table class="list flags" id="flags"><thead><tr><th>单位</th><th>月份</th><th>单位报送数量</th><th>会员系统数量</th><th>差额</th><th>差异比例</th><th>扣分</th></tr></thead><tbody>`;
  for (const l of flags.lines) {
    const key = `${l.unit}/${l.month}`;
    html += `<tr data-flag="${esc(key)}" data-unit="${esc(l.unit)}" data-month="${esc(l.month)}"><td>${esc(l.name || unitName(l.unit))}</td><td>${esc(monthLabel(l.month))}</td>
      <td class="num">${count(l.unit_count)}</td><td class="num">${count(l.system_count)}</td><td class="num">${signed(l.difference)}</td><td class="num">${percentText(l.percent)}</td>
      <td>${l.deductions.length ? `<span class="ok-tag">已扣分</span> ${l.deductions.map(id => session.me.role === "office" ? `<a href="#/deductions/${enc(l.unit)}">第${id}号</a>` : `第${id}号`).join("、")}` : ""}
        ${deduct && rule && !l.deductions.length ? kanbaoForm(l, rule) : ""}</td></tr>`;
  }
  if (!flags.lines.length) html += `<tr><td colspan="7" class="empty">没有数量不符的月份</td></tr>`;
  return html + `</tbody></table></section>`;
}

function kanbaoForm(l, rule) {
  const reason = `${monthLabel(l.month)}会员实名制数量单位报送${l.unit_count}人，会员信息管理系统${l.system_count}人，多报${l.difference}人`;
  return `<form class="kanbao-form" data-form="kanbao" data-unit="${esc(l.unit)}" data-month="${esc(l.month)}" data-rule="${esc(rule)}" novalidate>
    <div class="row"><label>瞒报扣分 <span class="f" data-path="points"><input name="points" inputmode="decimal" placeholder="如 1" size="6"></span></label>
    <label class="grow">原因 <span class="f" data-path="reason"><textarea name="reason" rows="1">${esc(reason)}</textarea></span></label></div>
    <span class="f" data-path="month"></span><button type="submit" class="mini danger">录入瞒报扣分</button><div class="form-result"></div></form>`;
}

async function kanbao(form) {
  const res = form.querySelector(".form-result");
  markForm(form, { details: [] });
  res.innerHTML = "";
  const raw = halfWidth(form.points.value.trim());
  if (!/^\d+(\.\d{1,2})?$/.test(raw)) { markForm(form, { details: [{ path: "points", message: "扣分应为数字，最多两位小数，例如 1 或 0.5" }] }); return; }
  const unit = form.dataset.unit, month = form.dataset.month;
  let x;
  try {
    x = await api("POST", `/plans/${session.year}/units/${enc(unit)}/deductions`, { rule: form.dataset.rule, points: Number(raw), reason: form.reason.value.trim(), month });
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    res.innerHTML = `<span class="vmsg err">${esc(e.message)}</span>`;
    return;
  }
  await monthOfUnits(shown);
  show(message("ok", `已录入${esc(unitName(unit))}${esc(monthLabel(month))}的瞒报扣分第${x.id}号：扣${points2(x.points)}分。重新试算后计入计分结果。`));
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
  <p class="hint">考核方案业务指标${esc(mc.indicator)}要求每月报送会员实名制信息采集数量：${esc(monthLabel(months[0] || ""))}至${esc(monthLabel(months[months.length - 1] || ""))}，每月数量于次月${mc.due_day}日前报送${session.plan.due_on_day_off === "as_is" ? "" : "（遇休息日顺延至下一个工作日）"}，逾期记为迟报。报错了可以更正，原数值保留在记录中。市总工会办公室还会从会员信息管理系统导入每月的数量，与本单位报送的数量并列核对。</p>
  <table class="list monthly" id="monthly"><thead><tr><th>月份</th><th>报送截止</th><th>当前数量</th><th>报送时间</th><th>报送人</th><th>迟报</th><th>报送或更正</th><th>更正记录</th><th>会员系统数量</th></tr></thead><tbody>`;
  for (const m of months) {
    // The unit's own figures and the system's imports are listed
    // together, oldest first; each is shown in its own column.
    const h = hist[m].filter(r => r.source !== "import");
    const sys = hist[m].filter(r => r.source === "import").pop();
    const cur = h.length ? h[h.length - 1] : null;
    const due = monthDue(m);
    const begun = m + "-01" <= t;
    const overdue = !cur && t > due;
    html += `<tr data-month="${m}" data-reported="${!!cur}" class="${overdue ? "missing" : ""}"><td>${esc(monthLabel(m))}</td><td>${esc(monthDueLabel(m))}</td>
      <td class="num count">${cur ? count(cur.count) : overdue ? '<span class="late">逾期未报</span>' : ""}</td>
      <td>${cur ? esc(fmtTime(cur.reported_at)) : ""}</td><td>${cur ? esc(cur.by_name || "") : ""}</td><td>${cur && cur.late ? '<span class="late">迟报</span>' : ""}</td>
      <td>${begun ? countForm(m, code, cur ? cur.count : null) : '<span class="empty">未到报送时间</span>'}</td>
      <td class="history">${h.length > 1 ? `<ol>${h.slice(0, -1).map(r => `<li>${count(r.count)} <small>${esc(fmtTime(r.reported_at))} ${esc(r.by_name || "")}</small></li>`).join("")}</ol>` : ""}</td>
      <td class="num system-count">${sys ? count(sys.count) : ""}</td></tr>`;
  }
  if (!months.length) html += `<tr><td colspan="9" class="empty">本年度考核方案没有按月报送的数量</td></tr>`;
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
    const flagged = r.flagged || [];
    $("#import-result").innerHTML = message("ok", `已从“${esc(file.name)}”导入${r.imported}个单位的会员系统数量：${esc(r.units.map(unitName).join("、"))}${flagged.length ? `。其中${esc(flagged.map(l => unitName(l.unit)).join("、"))}的单位报送数超出会员系统数，标为“数量不符”` : ""}。`);
  } catch (e) {
    if (e.status === 401) throw e;
    res.innerHTML = message("error", errorText(e) + (e.details && e.details.length ? "<p>文件中的数量都没有导入，请改正后重新导入。</p>" : ""));
  }
}

export const forms = { count: putCount, import: importCounts, kanbao };
