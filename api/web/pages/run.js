// One scoring run (#/scoring/{run}, #/scoring/{run}/{unit}): the ranking,
// a unit's breakdown, the ranking files, how the run differs from the
// published result (a correction's, or a published correction's from the
// publication before it), and the office's publication after a
// confirmation: the first opens the objection period, a later one
// publishes corrections.

import { api, saveFile } from "../api.js";
import { $, actor, app, enc, esc, fmtDue, fmtTime, message, points2 } from "../dom.js";
import { errorBox } from "../feedback.js";
import { label } from "../labels.js";
import { session, unitName } from "../session.js";
import { correctionText } from "../parts/contest.js";
import { breakdown, ruleLabel, runScoring, runsPath } from "../parts/scoring.js";

// s is the run shown, every run of the year (to know the published one),
// its difference from the published result (null when there is nothing
// to compare with), and the unit whose breakdown is open.
let s = null;

export function open({ run, unit }) { return showRun(Number(run), unit); }

// showRun shows run id with unit's breakdown ("" for none).
export async function showRun(id, unit) {
  // A run never changes but for its publication, after which s is reset:
  // a click on a unit of the ranking shown reuses it.
  const keep = s && s.run.id === id && $("#ranking") ? s : null;
  const [run, runs] = keep ? [keep.run, keep.runs] : await Promise.all([api("GET", `${runsPath()}/${id}`), api("GET", runsPath())]);
  const diff = keep ? keep.diff : await runDiff(run, runs);
  s = { run, runs, diff, unit };
  render();
  if (unit) { const b = $("#breakdown"); if (b) b.scrollIntoView({ block: "start" }); }
}

// runDiff reads how run differs from the result it would replace (an
// unpublished run computed after the published one) or replaced (a
// published correction); null when there is none.
async function runDiff(run, runs) {
  const published = runs.find(r => r.published);
  const after = published && (run.published ? run.publication > 1 : run.id > published.id);
  if (!after || session.me.role === "unit") return null;
  const [diff, answered] = await Promise.all([api("GET", `${runsPath()}/${run.id}/diff`),
    api("GET", `/plans/${session.year}/objections?state=answered`)]);
  // The basis of the correction: the objections accepted with a
  // correction after the run compared with was computed and before this
  // one was.
  const from = runs.find(r => r.id === diff.from);
  const since = from ? Date.parse(from.created_at) : -Infinity, until = Date.parse(run.created_at);
  diff.basis = answered.filter(o => o.verdict === "accept" && o.correction && o.answered_at &&
    Date.parse(o.answered_at) > since && Date.parse(o.answered_at) <= until);
  return diff;
}

// correction says whether run may be published as a correction: computed
// after the latest published run (the API decides whether an accepted
// objection leaves anything to correct).
function correction(run, published) { return !run.published && published && run.id > published.id; }

function render(notice) {
  const { run, runs } = s;
  const office = session.me.role === "office";
  const published = runs.find(r => r.published);
  const ends = run.objection_period_ends;
  let html = `<h2>${session.year}年度考核结果 · 第${run.id}次计分</h2>
  <p id="run-meta" data-published="${run.published}"${run.publication ? ` data-publication="${run.publication}"` : ""}>${run.published ? `<span class="ok-tag">已发布${run.publication > 1 ? `（第${run.publication}次发布，更正结果）` : ""}</span>（${esc(fmtTime(run.published_at))}）` : `<span class="state state-submitted">试算结果，未发布</span>`}
    计算于 ${esc(fmtTime(run.created_at))}，计算人 ${esc(actor(run.created_by))}${run.published ? "" : "；试算只计入计算时已到期的时间节点和月份"}${ends ? `；公示期至 <b id="run-period-ends">${esc(fmtDue(ends))}</b>（<a href="#/objections">各单位的异议</a>）` : ""}</p>
  <div class="actions" id="run-actions"><button type="button" id="download-xlsx" data-action="download-xlsx">下载排名（Excel）</button><button type="button" id="download-csv" data-action="download-csv">下载排名（CSV）</button>`;
  if (office && !run.published && (!published || correction(run, published))) html += `<button type="button" id="publish-run" data-action="publish-run" class="primary">${published ? "发布为更正结果" : "发布此结果"}</button>`;
  if (office) html += `<a class="button" href="#/scoring">全部计分</a>`;
  html += `</div>`;
  if (office && !run.published && published) {
    html += message("info", correction(run, published)
      ? `本年度已发布第${published.id}次计分的结果${published.objection_period_ends ? `（公示期至${esc(fmtDue(published.objection_period_ends))}）` : ""}。有异议成立并已更正的，核对下面与已发布结果的差异后，可将本次计分发布为更正结果。`
      : `本年度已发布第${published.id}次计分的结果，本次计分早于已发布的结果，仅供比较。`);
  }
  html += `<div id="result">${notice || ""}</div>${diffSection()}
  <table class="list ranking" id="ranking"><thead><tr><th>名次</th><th>单位</th><th>党建指标</th><th>业务指标</th><th>创新指标</th><th>扣分</th><th>总分</th><th>等次</th><th>说明</th></tr></thead><tbody>`;
  const scored = run.results.filter(r => r.rank > 0), apart = run.results.filter(r => !(r.rank > 0));
  for (const r of scored) {
    html += `<tr data-unit="${esc(r.unit)}" data-scored="true" class="${r.unit === s.unit ? "current" : ""}"><td class="num" data-col="rank">${r.rank}</td>
      <td><a href="#/scoring/${run.id}/${enc(r.unit)}">${esc(r.name)}</a></td><td class="num" data-col="party">${points2(r.party)}</td><td class="num" data-col="business">${points2(r.business)}</td>
      <td class="num" data-col="innovation">${points2(r.innovation)}</td><td class="num" data-col="deductions">${points2(r.deduction_total)}</td><td class="num total" data-col="total"><b>${points2(r.total)}</b></td>
      <td data-col="grade">${esc(r.grade)}</td><td class="reason">${esc(r.reason || "")}</td></tr>`;
  }
  if (!run.results.length) html += `<tr><td colspan="9" class="empty">没有单位</td></tr>`;
  html += `</tbody>`;
  if (apart.length) {
    // Units that took no part are listed apart, without rank, scores or
    // grade.
    html += `<tbody id="not-scored"><tr class="apart-head"><th colspan="9">以下单位指标表未下发执行，不参加计分和排名</th></tr>`;
    for (const r of apart) {
      html += `<tr data-unit="${esc(r.unit)}" data-scored="false" class="not-scored${r.unit === s.unit ? " current" : ""}"><td class="num" data-col="rank"></td>
        <td>${esc(r.name)}</td><td class="num" data-col="party"></td><td class="num" data-col="business"></td><td class="num" data-col="innovation"></td>
        <td class="num" data-col="deductions"></td><td class="num total" data-col="total"></td><td data-col="grade"></td><td class="reason">${esc(r.reason || "")}</td></tr>`;
    }
    html += `</tbody>`;
  }
  html += `</table><p class="hint">点击单位名称查看得分明细。同分同名次；总分不低于0分。</p>`;
  const r = s.unit && run.results.find(v => v.unit === s.unit);
  if (r) html += breakdown(r);
  app().innerHTML = html;
}

// diffSection shows how the run differs from the publication it would
// replace, or replaced, unit by unit and line by line.
function diffSection() {
  const d = s.diff;
  if (!d) return "";
  const what = s.run.published ? `与第${d.from}次计分（上一次发布的结果）相比` : `与已发布的第${d.from}次计分相比`;
  let html = `<section class="annex run-diff" id="run-diff" data-from="${d.from}"><h3>${esc(what)}的差异 <span class="count">${d.units.length}个单位有变化</span></h3>`;
  if (!d.units.length) return html + `<p class="empty" id="no-diff">各单位的得分、名次和等次都没有变化。</p></section>`;
  for (const u of d.units) {
    const rank = u.rank_before === u.rank_after ? `名次 ${u.rank_after || "—"}` : `名次 ${u.rank_before || "—"} → <b>${u.rank_after || "—"}</b>`;
    const grade = u.grade_before === u.grade_after ? `等次 ${esc(u.grade_after || "—")}` : `等次 ${esc(u.grade_before || "—")} → <b>${esc(u.grade_after || "—")}</b>`;
    html += `<div class="diff-unit" data-unit="${esc(u.unit)}"><h4>${esc(u.name || unitName(u.unit))}：总分 ${points2(u.total_before)} → <b>${points2(u.total_after)}</b>；${rank}；${grade}</h4>
      <table class="list diff-lines"><thead><tr><th>项目</th><th>变化</th><th>之前</th><th>之后</th><th>说明</th></tr></thead><tbody>`;
    for (const l of u.lines) {
      const name = l.kind === "deduction" ? `${label("line_kinds", "deduction")}：${ruleLabel(l.label)}` : l.label;
      const why = l.reason_after || l.reason_before || "";
      html += `<tr data-ref="${esc(l.ref)}" data-change="${esc(l.change)}" data-kind="${esc(l.kind)}" class="${l.kind === "score" ? "subtotal" : ""}"><td>${esc(name)}</td><td>${esc(changeLabel[l.change] || l.change)}</td>
        <td class="num">${l.before == null ? "—" : points2(l.before)}</td><td class="num"><b>${l.after == null ? "—" : points2(l.after)}</b></td><td class="reason">${esc(why)}</td></tr>`;
    }
    html += `</tbody></table>${basisOf(d.basis, u.unit)}</div>`;
  }
  return html + `</section>`;
}

// basisOf lists the accepted objections of unit that the correction
// takes in: each with its line, what it corrected and the answer.
function basisOf(basis, unit) {
  const mine = (basis || []).filter(o => o.unit === unit);
  if (!mine.length) return "";
  return `<ul class="diff-basis">${mine.map(o => `<li data-objection="${o.id}">更正依据：<a href="#/objections/answered">异议第${o.id}号</a>成立，${esc(correctionText(o.correction, o.ref, null))}。异议事项：${esc(o.line)}。答复：${esc(o.answer)}</li>`).join("")}</ul>`;
}

const changeLabel = { added: "新增", removed: "取消", changed: "变化" };

async function publish() {
  const run = s.run;
  const box = () => $("#result");
  let pub;
  try {
    pub = await api("POST", `${runsPath()}/${run.id}/publish`);
  } catch (e) {
    if (e.status === 401) throw e;
    render(publishError(e));
    box().scrollIntoView({ block: "nearest" });
    return;
  }
  s = null;
  await showRun(run.id, "");
  const ends = pub.objection_period_ends ? `公示期至${esc(fmtDue(pub.objection_period_ends))}` : "";
  box().innerHTML = message("ok", pub.publication > 1
    ? `已发布第${run.id}次计分为更正结果（第${pub.publication}次发布）。${ends ? ends + "，" : ""}各单位的得分明细已更新，并显示各项异议的答复。`
    : `已发布第${run.id}次计分为${session.year}年度考核结果。各单位现在可以查看本单位的得分明细${ends ? `，${ends}，公示期内可提出异议` : ""}。`);
}

// publishError explains a refused publication and what to do next.
function publishError(e) {
  if (e.status === 409 && e.details && e.details.some(d => d.rule === "node.unreviewed")) {
    const byUnit = {};
    for (const d of e.details) { const u = d.path.split(":")[0]; (byUnit[u] = byUnit[u] || []).push(d); }
    let html = `<strong>未发布：${esc(e.message)}</strong><p>以下节点已报送但尚未审核。请在<a href="#/reviews">审核佐证材料</a>中审核完毕后重新试算，再发布新的计分结果。</p><ul id="unreviewed">`;
    for (const u of Object.keys(byUnit)) {
      html += `<li data-unit="${esc(u)}"><b>${esc(unitName(u))}</b>（${byUnit[u].length}个）：<a href="#/reviews/${enc(u)}" class="queue-link">去审核</a><ul>` +
        byUnit[u].map(d => `<li data-path="${esc(d.path)}">${esc(d.message)}</li>`).join("") + `</ul></li>`;
    }
    return message("error", html + `</ul>`);
  }
  if (e.code === "stale_version") return message("error", `<strong>未发布：${esc(e.message)}</strong><p><button type="button" id="run-scoring" data-action="run-scoring" class="primary">重新试算</button></p>`);
  return errorBox(e);
}

const rankingFile = ext => saveFile(`${runsPath()}/${s.run.id}/export.${ext}`, `${session.year}年度实绩考核结果.${ext}`);

export const actions = {
  "run-scoring": runScoring,
  "publish-run": publish,
  "download-xlsx": () => rankingFile("xlsx"),
  "download-csv": () => rankingFile("csv"),
};

// confirms: publishing says what it locks, and a correction what it
// changes.
export const confirms = {
  "publish-run": () => {
    const published = s.runs.find(r => r.published);
    if (!published) {
      return { title: `发布第${s.run.id}次计分为${session.year}年度考核结果？`, ok: "确认发布",
        body: `<p>发布后结果锁定，不能再更改，也不能再录入或删除扣分、减免扣分；执行中的指标表将变为“已计分”。</p><p>发布即进入公示期：各单位可查看本单位的得分明细，并在公示期内对任何一项提出异议。</p>` };
    }
    const n = s.diff ? s.diff.units.length : 0;
    return { title: `发布第${s.run.id}次计分为更正结果？`, ok: "确认发布",
      body: `<p>更正结果替换第${published.id}次计分成为本年度考核结果，公示期截止时间不变${published.objection_period_ends ? `（${esc(fmtDue(published.objection_period_ends))}）` : ""}；之前发布的结果保留备查。</p><p>与已发布的结果相比，${n ? `${n}个单位的结果有变化：${esc(s.diff.units.map(u => u.name || unitName(u.unit)).join("、"))}` : "各单位的结果没有变化"}。</p>` };
  },
};
