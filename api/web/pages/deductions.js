// Deductions and waivers (#/deductions, #/deductions/{unit}): by unit, until
// the year's result is first published, the office records and deletes
// manual deductions, waives or reduces automatic deductions its own delay
// caused (the deduction chosen from the unit's latest run, never typed),
// withdraws waivers, and records when the unit's tables actually arrived
// by other means. Afterwards the page shows them; corrections then come
// from answered objections.

import { api } from "../api.js";
import { app, enc, esc, fmtTime, fromZoneInput, halfWidth, message, monthLabel, points, points2, zoneInput } from "../dom.js";
import { markForm, show } from "../feedback.js";
import { session, unitName } from "../session.js";
import { waiverText } from "../parts/contest.js";
import { ruleLabel, runsPath } from "../parts/scoring.js";

// d is the page shown: the unit, its manual deductions, its waivers, its
// submission (null without tables), the deductions of its latest run (null
// without a run) and whether the year's result is published.
let d = null;

export async function open({ unit }) {
  const codes = Object.keys(session.units).sort();
  const code = unit || codes[0];
  if (!code) { app().innerHTML = message("info", "还没有单位。"); return; }
  const base = `/plans/${session.year}/units/${enc(code)}`;
  const [list, waivers, runs, sub] = await Promise.all([api("GET", `${base}/deductions`), api("GET", `${base}/waivers`), api("GET", runsPath()),
    api("GET", `${base}/submission`).catch(e => { if (e.status === 404) return null; throw e; })]);
  const latest = runs[0] ? await api("GET", `${runsPath()}/${runs[0].id}`) : null;
  const result = latest && latest.results.find(r => r.unit === code);
  d = { code, base, list, waivers, sub, latest, lines: result ? result.deductions : null, published: runs.find(r => r.published) };
  render();
}

function render() {
  const { code, list, published } = d;
  const office = session.me.role === "office" && !published;
  const codes = Object.keys(session.units).sort();
  const rules = (session.plan.deductions && session.plan.deductions.manual_rules) || [];
  const total = list.reduce((s, x) => s + Math.round(x.points * 100), 0);
  let html = `<h2>扣分与减免</h2>
  <p class="hint">迟报、节点逾期或未报送、月度数量未报送或迟报由系统按考核方案自动扣分；因办公室原因造成的（如材料按时送达但延误录入），可在此减免，并可登记指标表实际收到的时间。对瞒报、漏报、质量不高等问题，按问题性质录入人工扣分并写明原因。以上均在首次发布考核结果前办理，重新试算后计入结果。</p>
  ${published ? message("info", `本年度考核结果已发布（第${published.id}次计分），扣分、减免和收到时间不能再修改；对结果的更正通过答复<a href="#/objections">单位的异议</a>作出。`) : ""}
  <nav class="tabs" id="unit-tabs">${codes.map(c => `<a href="#/deductions/${enc(c)}" class="${c === code ? "current" : ""}" data-unit="${esc(c)}">${esc(session.units[c])}</a>`).join("")}</nav>
  <div id="result"></div>
  <section class="annex" id="manual-section"><h3>${esc(unitName(code))} 人工扣分：${list.length}项，共扣${points2(total / 100)}分</h3>
  <table class="list" id="deductions"><thead><tr><th>编号</th><th>扣分事项</th><th>扣分</th><th>原因</th><th>录入人</th><th>录入时间</th>${office ? "<th></th>" : ""}</tr></thead><tbody>`;
  for (const x of list) {
    html += `<tr data-deduction="${x.id}"><td>${x.id}</td><td>${esc(x.rule)}</td><td class="num">${points2(x.points)}</td><td class="reason">${esc(x.reason)}${x.month ? `<div class="note-line">依据：${esc(monthLabel(x.month))}单位报送${esc(count(x.unit_count))}人，会员系统${esc(count(x.system_count))}人</div>` : ""}</td><td>${esc(x.actor)}</td><td>${esc(fmtTime(x.created_at))}</td>
      ${office ? `<td class="nowrap"><button type="button" class="mini danger" data-action="del-deduction" data-confirm="删除这项扣分？" data-confirm-body="删除后这项扣分不再计入该单位的考核计分（操作日志中保留记录）。" data-confirm-ok="删除" data-id="${x.id}">删除</button></td>` : ""}</tr>`;
  }
  if (!list.length) html += `<tr><td colspan="7" class="empty">没有人工扣分</td></tr>`;
  html += `</tbody></table>`;
  if (office) {
    html += `<form class="card" id="deduction-form" data-form="deduction" data-unit="${esc(code)}" novalidate><h4>录入扣分</h4><div class="row">
      <label>扣分事项 <span class="f" data-path="rule"><select name="rule"><option value="">请选择</option>${rules.map(r => `<option value="${esc(r)}">${esc(r)}</option>`).join("")}</select></span></label>
      <label>扣分 <span class="f" data-path="points"><input name="points" inputmode="decimal" placeholder="如 2 或 0.5" size="8"></span></label>
      <label class="grow">原因（写明事实） <span class="f" data-path="reason"><textarea name="reason" rows="1" placeholder="如：B5完成标准不严，未按要求整改"></textarea></span></label></div>
      <p class="hint">瞒报会员实名制数量的扣分，请在<a href="#/monthly">会员实名制数量</a>页从单位数超出会员系统数的月份录入，扣分中会写明两个数字。</p>
      <div class="actions"><button type="submit" class="primary">录入扣分</button></div><div class="form-result"></div></form>`;
  }
  html += `</section>` + waiverSection(office) + receivedSection(office);
  app().innerHTML = html;
}

const count = n => (n == null ? "—" : Number(n).toLocaleString("zh-CN"));

// lineLabel names the deduction ref of the latest run in words.
function lineLabel(ref) {
  const x = (d.lines || []).find(l => l.ref === ref);
  return x ? `${ruleLabel(x.rule)}：${x.reason}` : "（最近一次计分中已没有这项扣分）";
}

function waiverSection(office) {
  const inForce = d.waivers.filter(w => !w.withdrawn_at);
  let html = `<section class="annex" id="waiver-section"><h3>扣分减免 <span class="count">${inForce.length}项有效</span></h3>
    <table class="list" id="waivers"><thead><tr><th>扣分事项</th><th>减免</th><th>理由</th><th>办理</th><th>状态</th>${office ? "<th></th>" : ""}</tr></thead><tbody>`;
  for (const w of d.waivers) {
    const x = (d.lines || []).find(l => l.ref === w.ref);
    html += `<tr data-waiver="${w.id}" data-state="${w.withdrawn_at ? "withdrawn" : "in-force"}"><td>${esc(lineLabel(w.ref))}</td><td>${esc(waiverText(w, x ? (x.original != null ? x.original : x.points) : null))}</td>
      <td class="reason">${esc(w.reason)}${w.objection ? `<div class="note-line">因<a href="#/objections/answered">异议第${w.objection}号</a>成立</div>` : ""}</td><td>${esc(w.by)} <small>${esc(fmtTime(w.at))}</small></td>
      <td>${w.withdrawn_at ? `<span class="no-tag">已撤回</span> <small>${esc(w.withdrawn_by)} ${esc(fmtTime(w.withdrawn_at))}</small>` : `<span class="ok-tag">有效</span>`}</td>
      ${office ? `<td class="nowrap">${w.withdrawn_at ? "" : `<button type="button" class="mini danger" data-action="withdraw-waiver" data-id="${w.id}" data-confirm="撤回这项减免？" data-confirm-body="撤回后这项扣分恢复原扣分，重新试算后计入结果；撤回的减免保留在列表和操作日志中。" data-confirm-ok="撤回">撤回</button>`}</td>` : ""}</tr>`;
  }
  if (!d.waivers.length) html += `<tr><td colspan="6" class="empty">没有减免</td></tr>`;
  html += `</tbody></table>`;
  if (office) html += waiverForm(inForce);
  return html + `</section>`;
}

// waiverForm offers the automatic and manual deductions of the unit's
// latest run that have no waiver in force.
function waiverForm(inForce) {
  if (!d.latest) return message("info", `还没有计分。请先在<a href="#/scoring">考核计分</a>页试算，再从试算结果的扣分中选择要减免的一项。`);
  const taken = new Set(inForce.map(w => w.ref));
  const open = (d.lines || []).filter(l => !taken.has(l.ref));
  if (!open.length) return `<p class="hint" id="no-waivable">第${d.latest.id}次计分中，${esc(unitName(d.code))}没有可减免的扣分。扣分有变化时请重新试算。</p>`;
  const opts = open.map(l => `<option value="${esc(l.ref)}">${esc(ruleLabel(l.rule))}：扣${esc(points(l.original != null ? l.original : l.points))}分，${esc(l.reason.length > 40 ? l.reason.slice(0, 40) + "…" : l.reason)}</option>`).join("");
  return `<form class="card" id="waiver-form" data-form="waiver" novalidate><h4>减免扣分</h4>
    <p class="hint">从第${d.latest.id}次计分（${esc(fmtTime(d.latest.created_at))}）的扣分中选择；之后出现的扣分请重新试算后再办理。</p>
    <div class="row"><label class="grow">扣分事项 <span class="f" data-path="ref"><select name="ref"><option value="">请选择</option>${opts}</select></span></label>
    <label>减免后扣分 <span class="f" data-path="points"><input name="points" inputmode="decimal" placeholder="0为全部免除" size="10"></span></label>
    <label class="grow">理由（写明事实） <span class="f" data-path="reason"><textarea name="reason" rows="1" placeholder="如：材料按时送达，系统维护延误录入"></textarea></span></label></div>
    <div class="actions"><button type="submit" class="primary">减免</button></div><div class="form-result"></div></form>`;
}

function receivedSection(office) {
  const sub = d.sub;
  let html = `<section class="annex" id="received-section"><h3>指标表实际收到时间</h3>`;
  if (!sub) return html + `<p class="empty">${esc(unitName(d.code))}还没有指标表。</p></section>`;
  const rc = sub.received;
  html += `<p id="received-state">首次报送：${sub.submitted_at ? esc(fmtTime(sub.first_submitted_at || sub.submitted_at)) : "尚未报送"}${sub.late ? ' <span class="late">迟报</span>' : sub.submitted_at ? ' <span class="ok-tag">按时</span>' : ""}。
    ${rc ? `办公室登记的实际收到时间：<b>${esc(fmtTime(rc.at))}</b>（${esc(rc.reason)}；${esc(rc.by)}登记于${esc(fmtTime(rc.recorded_at))}），迟报按此时间判定。` : "没有登记实际收到时间，迟报按首次报送时间判定。"}</p>`;
  if (office && sub.submitted_at) {
    html += `<form class="card" id="received-form" data-form="received" novalidate><h4>${rc ? "修改" : "登记"}实际收到时间</h4>
      <p class="hint">单位在截止前已通过电子邮件、纸质材料等方式报送、稍后才录入系统的，登记实际收到的时间（早于首次报送），迟报和迟报扣分按此判定。</p>
      <div class="row"><label>收到时间 <span class="f" data-path="at"><input type="datetime-local" name="at" value="${esc(zoneInput(rc && rc.at))}"></span></label>
      <label class="grow">方式与依据 <span class="f" data-path="reason"><textarea name="reason" rows="1" placeholder="如：6月13日16:00通过电子邮件报送，次日录入系统">${esc(rc ? rc.reason : "")}</textarea></span></label></div>
      <div class="actions"><button type="submit" class="primary">${rc ? "保存修改" : "登记"}</button>${rc ? `<button type="button" class="danger" data-action="clear-received" data-confirm="删除登记的实际收到时间？" data-confirm-body="删除后迟报按首次报送时间判定，重新试算后计入结果（操作日志中保留记录）。" data-confirm-ok="删除">删除登记</button>` : ""}</div>
      <div class="form-result"></div></form>`;
  }
  return html + `</section>`;
}

// readPoints reads the points of form's field name: a number, or null
// after marking the field.
function readPoints(form, name, what) {
  const raw = halfWidth(form[name].value.trim());
  if (raw !== "" && !/^\d+(\.\d{1,2})?$/.test(raw)) {
    markForm(form, { details: [{ path: name, message: `${what}应为数字，最多两位小数，例如 2 或 0.5` }] });
    return null;
  }
  return raw === "" ? undefined : Number(raw);
}

// send posts body to path from form and draws the page again; a refusal
// is marked at the form's fields. It returns the answer, or null.
async function send(form, method, path, body) {
  const res = form.querySelector(".form-result");
  try {
    const out = await api(method, path, body);
    await open({ unit: d.code });
    return out;
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    res.innerHTML = message("error", esc(e.message) + ((e.details || []).length ? "，请按标出的位置修改。" : ""));
    return null;
  }
}

async function add(form) {
  markForm(form, { details: [] });
  form.querySelector(".form-result").innerHTML = "";
  const pts = readPoints(form, "points", "扣分");
  if (pts === null) return;
  const x = await send(form, "POST", `${d.base}/deductions`, { rule: form.rule.value, points: pts === undefined ? 0 : pts, reason: form.reason.value.trim() });
  if (x) show(message("ok", `已录入：${esc(x.rule)} 扣${points2(x.points)}分。重新试算后计入计分结果。`));
}

async function waive(form) {
  markForm(form, { details: [] });
  form.querySelector(".form-result").innerHTML = "";
  const pts = readPoints(form, "points", "减免后扣分");
  if (pts === null) return;
  const label = form.ref.value ? lineLabel(form.ref.value) : "";
  const w = await send(form, "POST", `${d.base}/waivers`, { ref: form.ref.value, points: pts === undefined ? null : pts, reason: form.reason.value.trim() });
  if (w) show(message("ok", `已减免：${esc(label)}，${Number(w.points) === 0 ? "全部免除" : `减为扣${esc(points(w.points))}分`}。重新试算后计入计分结果。`));
}

async function received(form) {
  markForm(form, { details: [] });
  form.querySelector(".form-result").innerHTML = "";
  const at = fromZoneInput(form.at.value);
  const rc = await send(form, "POST", `${d.base}/submission/received`, { at, reason: form.reason.value.trim() });
  if (rc) show(message("ok", `已登记${esc(unitName(d.code))}指标表的实际收到时间：${esc(fmtTime(rc.at))}。重新试算后按此判定迟报。`));
}

async function remove(btn) {
  const id = btn.dataset.id;
  await api("DELETE", `${d.base}/deductions/${enc(id)}`);
  await open({ unit: d.code });
  show(message("ok", `已删除第${esc(id)}号扣分。`));
}

async function withdraw(btn) {
  const w = d.waivers.find(x => String(x.id) === btn.dataset.id);
  await api("DELETE", `${d.base}/waivers/${enc(btn.dataset.id)}`);
  await open({ unit: d.code });
  show(message("ok", `已撤回减免：${esc(lineLabel(w.ref))}。重新试算后按原扣分计入。`));
}

async function clearReceived() {
  await api("DELETE", `${d.base}/submission/received`);
  await open({ unit: d.code });
  show(message("ok", "已删除登记的实际收到时间，迟报按首次报送时间判定。"));
}

export const actions = { "del-deduction": remove, "withdraw-waiver": withdraw, "clear-received": clearReceived };

export const forms = { deduction: add, waiver: waive, received };
