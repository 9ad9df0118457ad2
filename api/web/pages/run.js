// One scoring run (#/scoring/{run}, #/scoring/{run}/{unit}): the ranking,
// a unit's breakdown, the ranking files, and the office's publication after
// a confirmation.

import { api, saveFile } from "../api.js";
import { $, app, enc, esc, fmtTime, message, points2 } from "../dom.js";
import { errorBox } from "../feedback.js";
import { session, unitName } from "../session.js";
import { breakdown, runScoring, runsPath } from "../parts/scoring.js";

// s is the run shown, every run of the year (to know the published one),
// and the unit whose breakdown is open.
let s = null;

export function open({ run, unit }) { return showRun(Number(run), unit); }

// showRun shows run id with unit's breakdown ("" for none).
export async function showRun(id, unit) {
  // A run never changes but for its publication, after which s is reset:
  // a click on a unit of the ranking shown reuses it.
  const keep = s && s.run.id === id && $("#ranking") ? s : null;
  const [run, runs] = keep ? [keep.run, keep.runs] : await Promise.all([api("GET", `${runsPath()}/${id}`), api("GET", runsPath())]);
  s = { run, runs, unit };
  render();
  if (unit) { const b = $("#breakdown"); if (b) b.scrollIntoView({ block: "start" }); }
}

function render(notice) {
  const { run, runs } = s;
  const office = session.me.role === "office";
  const published = runs.find(r => r.published);
  let html = `<h2>${session.year}年度考核结果 · 第${run.id}次计分</h2>
  <p id="run-meta" data-published="${run.published}">${run.published ? `<span class="ok-tag">已发布</span>（${esc(fmtTime(run.published_at))}）` : `<span class="state state-submitted">试算结果，未发布</span>`}
    计算于 ${esc(fmtTime(run.created_at))}，计算人 ${esc(run.created_by)}${run.published ? "" : "；试算只计入计算时已到期的时间节点和月份"}</p>
  <div class="actions" id="run-actions"><button type="button" id="download-xlsx" data-action="download-xlsx">下载排名（Excel）</button><button type="button" id="download-csv" data-action="download-csv">下载排名（CSV）</button>`;
  if (office && !run.published && !published) html += `<button type="button" id="publish-run" data-action="publish-run" class="primary">发布此结果</button>`;
  if (office) html += `<a class="button" href="#/scoring">全部计分</a>`;
  html += `</div>`;
  if (office && !run.published && published) html += message("info", `本年度已发布第${published.id}次计分的结果，本次计分仅供比较。`);
  html += `<div id="result">${notice || ""}</div>
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

async function publish() {
  const run = s.run;
  const box = () => $("#result");
  try {
    await api("POST", `${runsPath()}/${run.id}/publish`);
  } catch (e) {
    if (e.status === 401) throw e;
    render(publishError(e));
    box().scrollIntoView({ block: "nearest" });
    return;
  }
  s = null;
  await showRun(run.id, "");
  box().innerHTML = message("ok", `已发布第${run.id}次计分为${session.year}年度考核结果。各单位现在可以查看本单位的得分明细。`);
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

// confirms: publishing says what it locks.
export const confirms = {
  "publish-run": () => ({ title: `发布第${s.run.id}次计分为${session.year}年度考核结果？`, ok: "确认发布",
    body: `<p>发布后结果锁定，不能再更改，也不能再录入或删除扣分；执行中的指标表将变为“已计分”；各单位可查看本单位的得分明细。</p>` }),
};
