// What the scoring pages share: the runs' address, a trial run, and a
// unit's breakdown, which shows where every point of its result comes from.

import { api } from "../api.js";
import { enc, esc, fmtTime, message, monthLabel, points2 } from "../dom.js";
import { label } from "../labels.js";
import { session } from "../session.js";
import { waiverNote } from "./contest.js";

export function runsPath() { return `/plans/${session.year}/scoring-runs`; }

// runScoring scores every unit now and shows the run.
export async function runScoring() {
  const run = await api("POST", runsPath());
  location.hash = `#/scoring/${run.id}`;
}

// ruleLabel names a deduction's rule: an automatic one by its label, a
// manual one by the plan's name for it.
export function ruleLabel(rule) {
  const name = session.labels.deduction_rules && session.labels.deduction_rules[rule];
  return name || `人工扣分：${rule}`;
}

// refLink names the record behind a deduction and links to it where the
// signed-in user can see it.
function refLink(ref, unit) {
  const role = session.me.role;
  let m;
  if ((m = ref.match(/^submission:\d+\/(.+)$/))) return `<a href="#/units/${enc(m[1])}">指标表报送记录</a>`;
  if ((m = ref.match(/^monthly:(\d{4}-\d{2})$/))) return `<a href="#/monthly${role === "unit" ? "" : "/" + m[1]}">${esc(monthLabel(m[1]))}数量报送记录</a>`;
  if ((m = ref.match(/^deduction:(\d+)$/))) return role === "office" ? `<a href="#/deductions/${enc(unit)}">扣分记录第${m[1]}号</a>` : `扣分记录第${m[1]}号`;
  if (/^(party|business|innovation)\[/.test(ref)) return `<a href="#/exec/${enc(unit)}" title="${esc(ref)}">节点审核记录</a>`;
  return esc(ref);
}

// scoreCards shows a result's subtotals, total, rank and grade.
export function scoreCards(r) {
  const cat = c => esc(label("categories", c));
  return `<ul class="stats score-cards" data-unit="${esc(r.unit)}"><li>${cat("party")} <b data-score="party">${points2(r.party)}</b></li><li>${cat("business")} <b data-score="business">${points2(r.business)}</b></li>
    <li>${cat("innovation")} <b data-score="innovation">${points2(r.innovation)}</b></li><li>扣分 <b data-score="deductions" class="${r.deduction_total > 0 ? "late" : ""}">${points2(r.deduction_total)}</b></li>
    <li class="total-card">总分 <b data-score="total">${points2(r.total)}</b></li><li>名次 <b data-score="rank">${r.rank || "不参加排名"}</b></li><li>等次 <b data-score="grade">${esc(r.grade)}</b></li></ul>`;
}

function indicatorTable(r, cat) {
  const lines = r.indicators.filter(l => l.category === cat);
  const sumP = lines.reduce((s, l) => s + Math.round(l.points * 100), 0), sumA = lines.reduce((s, l) => s + Math.round(l.awarded * 100), 0);
  let html = `<h4>${esc(label("categories", cat))}</h4><table class="list scores" data-category="${cat}"><thead><tr><th>指标</th><th>节点</th><th>已通过</th><th>未报送</th><th>迟报</th><th>分值</th><th>得分</th></tr></thead><tbody>`;
  for (const l of lines) {
    html += `<tr data-indicator="${esc(l.code)}"><td><b>${esc(l.code)}</b> ${esc(l.name)}</td><td class="num">${l.nodes}</td><td class="num">${l.accepted}</td>
      <td class="num${l.missing ? " late" : ""}">${l.missing || ""}</td><td class="num${l.late ? " late" : ""}">${l.late || ""}</td><td class="num">${points2(l.points)}</td><td class="num awarded"><b>${points2(l.awarded)}</b></td></tr>`;
  }
  return html + `</tbody><tfoot><tr><th>合计</th><th colspan="4"></th><th class="num">${points2(sumP / 100)}</th><th class="num">${points2(sumA / 100)}</th></tr></tfoot></table>`;
}

// receivedNote shows the office's record of when a unit's tables arrived
// by other means, from which their lateness is decided; "" for none.
export function receivedNote(rc) {
  if (!rc) return "";
  return `<p class="received-note" id="received-note"><b>指标表实际收到时间：</b>${esc(fmtTime(rc.at))}（${esc(rc.reason)}）。迟报按此时间判定。<small>市总工会办公室登记于${esc(fmtTime(rc.recorded_at))}</small></p>`;
}

// breakdown shows where every point of a result comes from: each
// indicator's awarded against its points, each innovation item, and every
// deduction with its rule, the fact behind it and the record.
export function breakdown(r) {
  let html = `<section class="annex breakdown" id="breakdown" data-unit="${esc(r.unit)}"><h3>${esc(r.name)} 得分明细</h3>${scoreCards(r)}`;
  if (r.reason) return html + message("info", `<span id="not-scored">${esc(r.reason)}</span>`) + `</section>`;
  html += `<p class="hint">总分 = 党建指标 + 业务指标 + 创新指标 − 扣分。各指标得分为市总工会办公室审核通过的节点得分之和；未报送的节点不得分。</p>`;
  html += receivedNote(r.received);
  html += indicatorTable(r, "party") + indicatorTable(r, "business");
  html += `<h4>${esc(label("categories", "innovation"))}</h4><table class="list scores" id="innovation-items"><thead><tr><th>序号</th><th>创新工作</th><th>申报分值</th><th>认定</th><th>完成</th><th>计分</th><th>说明</th></tr></thead><tbody>`;
  for (const it of r.innovation_items) {
    html += `<tr data-item="${esc(it.code)}"><td>${esc(it.code)}</td><td>${esc(it.title)}</td><td class="num">${points2(it.declared)}</td>
      <td>${it.certified ? '<span class="ok-tag">已认定</span>' : '<span class="no-tag">未认定</span>'}</td><td>${it.completed ? '<span class="ok-tag">已完成</span>' : it.certified ? '<span class="no-tag">未完成</span>' : ""}</td>
      <td class="num awarded"><b>${points2(it.points)}</b></td><td>${esc(it.note)}</td></tr>`;
  }
  if (!r.innovation_items.length) html += `<tr><td colspan="7" class="empty">未申报创新工作</td></tr>`;
  html += `</tbody></table><h4>扣分（${r.deductions.length}项，共${points2(r.deduction_total)}分）</h4>
    <table class="list scores" id="deduction-items"><thead><tr><th>序号</th><th>扣分事项</th><th>扣分</th><th>事实与原因</th><th>依据</th></tr></thead><tbody>`;
  r.deductions.forEach((d, i) => {
    html += `<tr data-rule="${esc(d.rule)}" data-ref="${esc(d.ref)}"${d.waiver ? ` data-waiver="${d.waiver.id}"` : ""}><td>${i + 1}</td><td>${esc(ruleLabel(d.rule))}</td><td class="num late">${points2(d.points)}</td><td class="reason">${esc(d.reason)}${d.waiver ? waiverNote(d.waiver, d.original) : ""}</td><td>${refLink(d.ref, r.unit)}</td></tr>`;
  });
  if (!r.deductions.length) html += `<tr><td colspan="5" class="empty">无扣分</td></tr>`;
  return html + `</tbody></table></section>`;
}
