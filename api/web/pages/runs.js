// Year-end scoring (#/scoring): the office's trial runs and their
// publication; leaders read the published ranking here.

import { api } from "../api.js";
import { app, esc, fmtTime, message } from "../dom.js";
import { session } from "../session.js";
import { runScoring, runsPath } from "../parts/scoring.js";
import { actions as runActions, showRun } from "./run.js";

export async function open() {
  if (session.me.role === "unit") { location.hash = "#/result"; return; }
  const runs = await api("GET", runsPath());
  const published = runs.find(r => r.published);
  if (session.me.role !== "office") {
    // Leaders read the published ranking.
    if (published) return showRun(published.id, "");
    app().innerHTML = `<h2>${session.year}年度考核结果</h2>` + message("info", `<span id="not-published">${session.year}年度考核结果尚未公布。</span>`);
    return;
  }
  let html = `<h2>${session.year}年度考核计分</h2>
  <p class="hint">“试算”按当前数据计算各单位得分并保存为一次计分结果，可随时试算、比较；审核完全部已报送的节点后，将确认无误的一次计分“发布”为本年度考核结果。发布后各单位可查看本单位的得分明细，结果不能再更改。扣分事项中的人工扣分在<a href="#/deductions">人工扣分</a>页录入。</p>
  ${published ? message("ok", `已发布第${published.id}次计分为本年度考核结果（${esc(fmtTime(published.published_at))}）。<a href="#/scoring/${published.id}">查看</a>`) : ""}
  <div class="actions"><button type="button" id="run-scoring" data-action="run-scoring" class="primary">试算</button>${published ? ' <span class="hint">发布后再试算的结果仅供比较，不能发布。</span>' : ""}</div><div id="result"></div>
  <table class="list" id="runs"><thead><tr><th>计分</th><th>计算时间</th><th>计算人</th><th>单位数</th><th>状态</th><th></th></tr></thead><tbody>`;
  for (const r of runs) {
    html += `<tr data-run="${r.id}" data-published="${r.published}"><td>第${r.id}次</td><td>${esc(fmtTime(r.created_at))}</td><td>${esc(r.created_by)}</td><td class="num">${r.units}</td>
      <td>${r.published ? `<span class="ok-tag">已发布</span> ${esc(fmtTime(r.published_at))}` : "试算"}</td>
      <td><a class="button" href="#/scoring/${r.id}">查看排名</a></td></tr>`;
  }
  if (!runs.length) html += `<tr><td colspan="6" class="empty">还没有计分。点击“试算”计算各单位得分。</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}

// A leader's #/scoring shows the published run, with the run page's
// actions.
export const actions = Object.assign({}, runActions, { "run-scoring": runScoring });
