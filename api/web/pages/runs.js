// Year-end scoring (#/scoring): the office's trial runs and their
// publication (the first opens the objection period, a later one
// publishes corrections); leaders read the published ranking here.

import { api } from "../api.js";
import { actor, app, esc, fmtDue, fmtTime, message } from "../dom.js";
import { serverNow, session, syncClock } from "../session.js";
import { runScoring, runsPath } from "../parts/scoring.js";
import { actions as runActions, showRun } from "./run.js";

export async function open() {
  if (session.me.role === "unit") { location.hash = "#/result"; return; }
  await syncClock();
  const runs = await api("GET", runsPath());
  const published = runs.find(r => r.published);
  if (session.me.role !== "office") {
    // Leaders read the published ranking.
    if (published) return showRun(published.id, "");
    app().innerHTML = `<h2>${session.year}年度考核结果</h2>` + message("info", `<span id="not-published">${session.year}年度考核结果尚未公布。</span>`);
    return;
  }
  const open = published ? await api("GET", `/plans/${session.year}/objections?state=open`) : [];
  let html = `<h2>${session.year}年度考核计分</h2>
  <p class="hint">“试算”按当前数据计算各单位得分并保存为一次计分结果，可随时试算、比较；审核完全部已报送的节点后，将确认无误的一次计分“发布”为本年度考核结果。发布后进入公示期，各单位可查看本单位的得分明细并对任何一项提出异议；异议答复并更正后，重新试算，核对与已发布结果的差异，再发布为更正结果（公示期截止时间不变）。人工扣分、扣分减免和指标表实际收到时间在<a href="#/deductions">扣分与减免</a>页录入，须在首次发布前完成。</p>
  ${published ? publishedBox(published, open.length) : ""}
  <div class="actions"><button type="button" id="run-scoring" data-action="run-scoring" class="primary">试算</button></div><div id="result"></div>
  <table class="list" id="runs"><thead><tr><th>计分</th><th>计算时间</th><th>计算人</th><th>单位数</th><th>状态</th><th></th></tr></thead><tbody>`;
  for (const r of runs) {
    html += `<tr data-run="${r.id}" data-published="${r.published}"${r.publication ? ` data-publication="${r.publication}"` : ""}><td>第${r.id}次</td><td>${esc(fmtTime(r.created_at))}</td><td>${esc(actor(r.created_by))}</td><td class="num">${r.units}</td>
      <td>${r.published ? `<span class="ok-tag">${r.publication > 1 ? `已发布（第${r.publication}次发布，更正结果）` : "已发布"}</span> ${esc(fmtTime(r.published_at))}` : published && r.id > published.id ? "试算（可作为更正结果发布）" : "试算"}</td>
      <td><a class="button" href="#/scoring/${r.id}">查看排名</a></td></tr>`;
  }
  if (!runs.length) html += `<tr><td colspan="6" class="empty">还没有计分。点击“试算”计算各单位得分。</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}

// publishedBox says which run is the year's result, until when units may
// object, and how many objections wait for an answer.
function publishedBox(p, waiting) {
  const ends = p.objection_period_ends;
  const running = ends && Date.parse(ends) > serverNow();
  return message("ok", `<span id="published-run">已发布第${p.id}次计分为本年度考核结果${p.publication > 1 ? `（第${p.publication}次发布，更正结果）` : ""}（${esc(fmtTime(p.published_at))}）。</span><a href="#/scoring/${p.id}">查看</a>
    ${ends ? `<br><span id="period">公示期${running ? "至" : "已于"} <b>${esc(fmtDue(ends))}</b>${running ? "" : "结束"}。</span>` : ""}
    <a href="#/objections" id="objections-link">${waiting ? `<b>${waiting}</b>项异议待答复` : "查看各单位的异议"}</a>`);
}

// A leader's #/scoring shows the published run, with the run page's
// actions.
export const actions = Object.assign({}, runActions, { "run-scoring": runScoring });
