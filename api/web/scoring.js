// 工会实绩考核 — the year-end scoring pages (issue 5): the office's manual
// deductions, scoring runs (试算), the ranking with each unit's breakdown,
// publication and the ranking files; a unit's own published result; the
// leaders' read-only view of the published ranking; and, on a unit's
// submission page, the tables exported to and imported from Excel.
// Loaded after app.js and exec.js and built on their helpers (api, esc, S,
// enc, markForm, …); like them it uses only the JSON API with the bearer
// token.
"use strict";

const ruleNames = {
  late_submission: "指标表迟报", late_node: "节点逾期报送", missing_node: "节点年底未报送",
  monthly_missing: "月度数量未报送", monthly_late: "月度数量迟报",
};
const autoRules = Object.keys(ruleNames);
Object.assign(actionNames, { "deduction.add": "录入扣分", "deduction.delete": "删除扣分", "scoring.run": "计分（试算）", "scoring.publish": "发布考核结果" });

// sp is the state of the scoring page being shown (null elsewhere).
let sp = null;

// ---------------------------------------------------------------- helpers

// score shows points as the ranking files do: two decimals.
function score(v) { return Number(v || 0).toFixed(2); }
function ruleLabel(rule) { return autoRules.includes(rule) ? ruleNames[rule] : `人工扣分：${rule}`; }
function runsPath() { return `/plans/${S.year}/scoring-runs`; }

// refLink names the record behind a deduction and links to it where the
// signed-in user can see it.
function refLink(ref, unit) {
  const role = S.me.role;
  let m;
  if ((m = ref.match(/^submission:\d+\/(.+)$/))) return `<a href="#/units/${enc(m[1])}">指标表报送记录</a>`;
  if ((m = ref.match(/^monthly:(\d{4}-\d{2})$/))) return `<a href="#/monthly${role === "unit" ? "" : "/" + m[1]}">${esc(monthLabel(m[1]))}数量报送记录</a>`;
  if ((m = ref.match(/^deduction:(\d+)$/))) return role === "office" ? `<a href="#/deductions/${enc(unit)}">扣分记录第${m[1]}号</a>` : `扣分记录第${m[1]}号`;
  if (/^(party|business|innovation)\[/.test(ref)) return `<a href="#/exec/${enc(unit)}" title="${esc(ref)}">节点审核记录</a>`;
  return esc(ref);
}

// fetchFile fetches a file with the bearer token and saves it under the
// (Chinese) name the server gives in filename*, else fallback.
async function fetchFile(path, fallback) {
  let resp;
  try { resp = await fetch("/api/v1" + path, { headers: { Authorization: "Bearer " + token() } }); } catch (e) { throw Object.assign(new Error("无法连接服务器，请检查网络后重试"), { status: 0 }); }
  if (!resp.ok) {
    let err = {};
    try { err = (await resp.json()).error || {}; } catch (e) { /* not JSON */ }
    if (resp.status === 401) { localStorage.removeItem("kaohe_token"); S.me = null; }
    throw Object.assign(new Error(err.message || "下载失败"), { status: resp.status, code: err.code, details: err.details || [] });
  }
  let name = fallback;
  const m = (resp.headers.get("Content-Disposition") || "").match(/filename\*=UTF-8''([^;]+)/i);
  if (m) { try { name = decodeURIComponent(m[1]); } catch (e) { /* keep fallback */ } }
  const url = URL.createObjectURL(await resp.blob());
  const a = document.createElement("a");
  a.href = url; a.download = name; a.hidden = true;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

// ---------------------------------------------------------------- a unit's breakdown

function scoreCards(r) {
  return `<ul class="stats score-cards" data-unit="${esc(r.unit)}"><li>党建指标 <b data-score="party">${score(r.party)}</b></li><li>业务指标 <b data-score="business">${score(r.business)}</b></li>
    <li>创新指标 <b data-score="innovation">${score(r.innovation)}</b></li><li>扣分 <b data-score="deductions" class="${r.deduction_total > 0 ? "late" : ""}">${score(r.deduction_total)}</b></li>
    <li class="total-card">总分 <b data-score="total">${score(r.total)}</b></li><li>名次 <b data-score="rank">${r.rank}</b></li><li>等次 <b data-score="grade">${esc(r.grade)}</b></li></ul>`;
}

// breakdown shows where every point of a result comes from: each
// indicator's awarded against its points, each innovation item, and every
// deduction with its rule, the fact behind it and the record.
function breakdown(r) {
  let html = `<section class="annex breakdown" id="breakdown" data-unit="${esc(r.unit)}"><h3>${esc(r.name)} 得分明细</h3>${scoreCards(r)}`;
  if (r.reason) return html + message("info", `<span id="not-scored">${esc(r.reason)}</span>`) + `</section>`;
  html += `<p class="hint">总分 = 党建指标 + 业务指标 + 创新指标 − 扣分。各指标得分为市总工会办公室审核通过的节点得分之和；未报送的节点不得分。</p>`;
  for (const cat of ["party", "business"]) {
    const lines = r.indicators.filter(l => l.category === cat);
    const sumP = lines.reduce((s, l) => s + Math.round(l.points * 100), 0), sumA = lines.reduce((s, l) => s + Math.round(l.awarded * 100), 0);
    html += `<h4>${esc(catNames[cat])}</h4><table class="list scores" data-category="${cat}"><thead><tr><th>指标</th><th>节点</th><th>已通过</th><th>未报送</th><th>迟报</th><th>分值</th><th>得分</th></tr></thead><tbody>`;
    for (const l of lines) {
      html += `<tr data-indicator="${esc(l.code)}"><td><b>${esc(l.code)}</b> ${esc(l.name)}</td><td class="num">${l.nodes}</td><td class="num">${l.accepted}</td>
        <td class="num${l.missing ? " late" : ""}">${l.missing || ""}</td><td class="num${l.late ? " late" : ""}">${l.late || ""}</td><td class="num">${score(l.points)}</td><td class="num awarded"><b>${score(l.awarded)}</b></td></tr>`;
    }
    html += `</tbody><tfoot><tr><th>合计</th><th colspan="4"></th><th class="num">${score(sumP / 100)}</th><th class="num">${score(sumA / 100)}</th></tr></tfoot></table>`;
  }
  html += `<h4>创新指标</h4><table class="list scores" id="innovation-items"><thead><tr><th>序号</th><th>创新工作</th><th>申报分值</th><th>认定</th><th>完成</th><th>计分</th><th>说明</th></tr></thead><tbody>`;
  for (const it of r.innovation_items) {
    html += `<tr data-item="${esc(it.code)}"><td>${esc(it.code)}</td><td>${esc(it.title)}</td><td class="num">${score(it.declared)}</td>
      <td>${it.certified ? '<span class="ok-tag">已认定</span>' : '<span class="no-tag">未认定</span>'}</td><td>${it.completed ? '<span class="ok-tag">已完成</span>' : it.certified ? '<span class="no-tag">未完成</span>' : ""}</td>
      <td class="num awarded"><b>${score(it.points)}</b></td><td>${esc(it.note)}</td></tr>`;
  }
  if (!r.innovation_items.length) html += `<tr><td colspan="7" class="empty">未申报创新工作</td></tr>`;
  html += `</tbody></table><h4>扣分（${r.deductions.length}项，共${score(r.deduction_total)}分）</h4>
    <table class="list scores" id="deduction-items"><thead><tr><th>序号</th><th>扣分事项</th><th>扣分</th><th>事实与原因</th><th>依据</th></tr></thead><tbody>`;
  r.deductions.forEach((d, i) => {
    html += `<tr data-rule="${esc(d.rule)}" data-ref="${esc(d.ref)}"><td>${i + 1}</td><td>${esc(ruleLabel(d.rule))}</td><td class="num late">${score(d.points)}</td><td class="reason">${esc(d.reason)}</td><td>${refLink(d.ref, r.unit)}</td></tr>`;
  });
  if (!r.deductions.length) html += `<tr><td colspan="5" class="empty">无扣分</td></tr>`;
  return html + `</tbody></table></section>`;
}

// ---------------------------------------------------------------- runs

async function runsPage() {
  if (S.me.role === "unit") { location.hash = "#/result"; return; }
  const runs = await api("GET", runsPath());
  const published = runs.find(r => r.published);
  if (S.me.role !== "office") {
    // Leaders read the published ranking.
    if (published) return runPage(published.id);
    app().innerHTML = `<h2>${S.year}年度考核结果</h2>` + message("info", `<span id="not-published">${S.year}年度考核结果尚未公布。</span>`);
    return;
  }
  sp = { kind: "runs", runs };
  let html = `<h2>${S.year}年度考核计分</h2>
  <p class="hint">“试算”按当前数据计算各单位得分并保存为一次计分结果，可随时试算、比较；审核完全部已报送的节点后，将确认无误的一次计分“发布”为本年度考核结果。发布后各单位可查看本单位的得分明细，结果不能再更改。扣分事项中的人工扣分在<a href="#/deductions">人工扣分</a>页录入。</p>
  ${published ? message("ok", `已发布第${published.id}次计分为本年度考核结果（${esc(fmtTime(published.published_at))}）。<a href="#/scoring/${published.id}">查看</a>`) : ""}
  <div class="actions"><button type="button" id="run-scoring" class="primary">试算</button>${published ? ' <span class="hint">发布后再试算的结果仅供比较，不能发布。</span>' : ""}</div><div id="result"></div>
  <table class="list" id="runs"><thead><tr><th>计分</th><th>计算时间</th><th>计算人</th><th>单位数</th><th>数据摘要</th><th>状态</th><th></th></tr></thead><tbody>`;
  for (const r of runs) {
    html += `<tr data-run="${r.id}" data-published="${r.published}"><td>第${r.id}次</td><td>${esc(fmtTime(r.created_at))}</td><td>${esc(r.created_by)}</td><td class="num">${r.units}</td>
      <td><code title="${esc(r.inputs_digest)}">${esc(r.inputs_digest.slice(0, 12))}</code></td><td>${r.published ? `<span class="ok-tag">已发布</span> ${esc(fmtTime(r.published_at))}` : "试算"}</td>
      <td><a class="button" href="#/scoring/${r.id}">查看排名</a></td></tr>`;
  }
  if (!runs.length) html += `<tr><td colspan="7" class="empty">还没有计分。点击“试算”计算各单位得分。</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}

async function runScoring() {
  const run = await api("POST", runsPath());
  location.hash = `#/scoring/${run.id}`;
}

async function runPage(id, unit) {
  // A run never changes but for its publication, after which sp is reset:
  // a click on a unit of the ranking shown reuses it.
  const keep = sp && sp.kind === "run" && sp.run.id === id && $("#ranking") ? sp : null;
  const [run, runs] = keep ? [keep.run, keep.runs] : await Promise.all([api("GET", `${runsPath()}/${id}`), api("GET", runsPath())]);
  sp = { kind: "run", run, runs, unit: unit || "", confirming: false };
  renderRun();
  if (unit) { const b = $("#breakdown"); if (b) b.scrollIntoView({ block: "start" }); }
}

function renderRun(notice) {
  const { run, runs } = sp;
  const office = S.me.role === "office";
  const published = runs.find(r => r.published);
  let html = `<h2>${S.year}年度考核结果 · 第${run.id}次计分</h2>
  <p id="run-meta" data-published="${run.published}">${run.published ? `<span class="ok-tag">已发布</span>（${esc(fmtTime(run.published_at))}）` : `<span class="state state-submitted">试算结果，未发布</span>`}
    计算于 ${esc(fmtTime(run.created_at))}，计算人 ${esc(run.created_by)}；数据摘要 <code title="${esc(run.inputs_digest)}">${esc(run.inputs_digest.slice(0, 12))}</code></p>
  <div class="actions" id="run-actions"><button type="button" id="download-xlsx">下载排名（Excel）</button><button type="button" id="download-csv">下载排名（CSV）</button>`;
  if (office && !run.published && !published) html += `<button type="button" id="publish-run" class="primary">发布此结果</button>`;
  if (office) html += `<a class="button" href="#/scoring">全部计分</a>`;
  html += `</div>`;
  if (office && !run.published && published) html += message("info", `本年度已发布第${published.id}次计分的结果，本次计分仅供比较。`);
  if (sp.confirming) {
    html += `<div class="review-panel" id="publish-confirm"><p><b>确认发布第${run.id}次计分为${S.year}年度考核结果？</b></p>
      <p>发布后结果锁定，不能再更改，也不能再录入或删除扣分；执行中的指标表将变为“已计分”；各单位可查看本单位的得分明细。</p>
      <button type="button" id="confirm-publish" class="primary">确认发布</button> <button type="button" id="cancel-publish">取消</button></div>`;
  }
  html += `<div id="result">${notice || ""}</div>
  <table class="list ranking" id="ranking"><thead><tr><th>名次</th><th>单位</th><th>党建指标</th><th>业务指标</th><th>创新指标</th><th>扣分</th><th>总分</th><th>等次</th><th>说明</th></tr></thead><tbody>`;
  for (const r of run.results) {
    html += `<tr data-unit="${esc(r.unit)}" data-scored="${!r.reason}" class="${r.unit === sp.unit ? "current" : ""}${r.reason ? " not-scored" : ""}"><td class="num" data-col="rank">${r.rank}</td>
      <td><a href="#/scoring/${run.id}/${enc(r.unit)}">${esc(r.name)}</a></td><td class="num" data-col="party">${score(r.party)}</td><td class="num" data-col="business">${score(r.business)}</td>
      <td class="num" data-col="innovation">${score(r.innovation)}</td><td class="num" data-col="deductions">${score(r.deduction_total)}</td><td class="num total" data-col="total"><b>${score(r.total)}</b></td>
      <td data-col="grade">${esc(r.grade)}</td><td class="reason">${esc(r.reason || "")}</td></tr>`;
  }
  if (!run.results.length) html += `<tr><td colspan="9" class="empty">没有单位</td></tr>`;
  html += `</tbody></table><p class="hint">点击单位名称查看得分明细。同分同名次，按单位代码排列；指标表未下发执行的单位列在最后，不参加计分。</p>`;
  const r = sp.unit && run.results.find(x => x.unit === sp.unit);
  if (r) html += breakdown(r);
  app().innerHTML = html;
}

async function publishRun() {
  const run = sp.run;
  const box = () => $("#result");
  try {
    await api("POST", `${runsPath()}/${run.id}/publish`);
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    sp.confirming = false;
    renderRun();
    box().innerHTML = publishError(e);
    box().scrollIntoView({ block: "nearest" });
    return;
  }
  sp = null;
  await runPage(run.id);
  box().innerHTML = message("ok", `已发布第${run.id}次计分为${S.year}年度考核结果。各单位现在可以查看本单位的得分明细。`);
}

// publishError explains a refused publication and what to do next.
function publishError(e) {
  if (e.status === 409 && e.details && e.details.some(d => d.rule === "node.unreviewed")) {
    const byUnit = {};
    for (const d of e.details) { const u = d.path.split(":")[0]; (byUnit[u] = byUnit[u] || []).push(d); }
    let html = `<strong>未发布：${esc(e.message)}</strong><p>以下节点已报送但尚未审核。请在<a href="#/reviews">审核佐证材料</a>中审核完毕后重新试算，再发布新的计分结果。</p><ul id="unreviewed">`;
    for (const u of Object.keys(byUnit)) {
      html += `<li data-unit="${esc(u)}"><b>${esc(S.units[u] || u)}</b>（${byUnit[u].length}个）：<a href="#/reviews/${enc(u)}" class="queue-link">去审核</a><ul>` +
        byUnit[u].map(d => `<li data-path="${esc(d.path)}">${esc(d.message)}</li>`).join("") + `</ul></li>`;
    }
    return message("error", html + `</ul>`);
  }
  if (e.code === "stale_version") return message("error", `<strong>未发布：${esc(e.message)}</strong><p><button type="button" id="run-scoring" class="primary">重新试算</button></p>`);
  return errorBox(e);
}

// ---------------------------------------------------------------- a unit's result

async function resultPage(code) {
  code = code || S.me.unit_code;
  if (!code) { location.hash = "#/scoring"; return; }
  sp = { kind: "result", code };
  const name = S.units[code] || code;
  let r;
  try { r = await api("GET", `/plans/${S.year}/units/${enc(code)}/result`); } catch (e) {
    if (e.status !== 404) throw e;
    // 404: not published yet, or not a unit this account may see.
    if (S.me.role === "unit" && code !== S.me.unit_code) throw e;
    app().innerHTML = `<h2>${esc(name)} ${S.year}年度考核结果</h2>` + message("info", `<span id="not-published">${S.year}年度考核结果尚未公布。</span>市总工会办公室发布后，这里显示本单位的得分、名次、等次和每一项扣分的原因。`);
    return;
  }
  app().innerHTML = `<h2>${esc(r.name)} ${S.year}年度考核结果</h2>` + breakdown(r);
}

// ---------------------------------------------------------------- manual deductions

async function deductionsPage(code) {
  const codes = Object.keys(S.units).sort();
  code = code || codes[0];
  if (!code) { app().innerHTML = message("info", "还没有单位。"); return; }
  const [list, runs] = await Promise.all([api("GET", `/plans/${S.year}/units/${enc(code)}/deductions`), api("GET", runsPath())]);
  const published = runs.find(r => r.published);
  const office = S.me.role === "office" && !published;
  sp = { kind: "deductions", code, list };
  const rules = (S.plan.deductions && S.plan.deductions.manual_rules) || [];
  const total = list.reduce((s, d) => s + Math.round(d.points * 100), 0);
  let html = `<h2>人工扣分</h2>
  <p class="hint">对瞒报、漏报、质量不高等问题，按问题性质录入扣分并写明原因；计分时列入该单位的扣分明细。迟报、节点逾期或未报送、月度数量未报送或迟报由系统按考核方案自动扣分，不在此录入。</p>
  ${published ? message("info", `本年度考核结果已发布（第${published.id}次计分），扣分不能再修改。`) : ""}
  <nav class="tabs" id="unit-tabs">${codes.map(c => `<a href="#/deductions/${enc(c)}" class="${c === code ? "current" : ""}" data-unit="${esc(c)}">${esc(S.units[c])}</a>`).join("")}</nav>
  <h3>${esc(S.units[code] || code)}：${list.length}项，共扣${score(total / 100)}分</h3>
  <table class="list" id="deductions"><thead><tr><th>编号</th><th>扣分事项</th><th>扣分</th><th>原因</th><th>录入人</th><th>录入时间</th>${office ? "<th></th>" : ""}</tr></thead><tbody>`;
  for (const d of list) {
    html += `<tr data-deduction="${d.id}"><td>${d.id}</td><td>${esc(d.rule)}</td><td class="num">${score(d.points)}</td><td class="reason">${esc(d.reason)}</td><td>${esc(d.actor)}</td><td>${esc(fmtTime(d.created_at))}</td>
      ${office ? `<td class="nowrap"><button type="button" class="mini danger" data-s="del-deduction" data-id="${d.id}">删除</button></td>` : ""}</tr>`;
  }
  if (!list.length) html += `<tr><td colspan="7" class="empty">没有人工扣分</td></tr>`;
  html += `</tbody></table><div id="result"></div>`;
  if (office) {
    html += `<form class="card" id="deduction-form" data-sform="deduction" data-unit="${esc(code)}" novalidate><h4>录入扣分</h4><div class="row">
      <label>扣分事项 <span class="f" data-path="rule"><select name="rule"><option value="">请选择</option>${rules.map(r => `<option value="${esc(r)}">${esc(r)}</option>`).join("")}</select></span></label>
      <label>扣分 <span class="f" data-path="points"><input name="points" inputmode="decimal" placeholder="如 2 或 0.5" size="8"></span></label>
      <label class="grow">原因（写明事实） <span class="f" data-path="reason"><textarea name="reason" rows="1" placeholder="如：B5完成标准不严，未按要求整改"></textarea></span></label></div>
      <div class="actions"><button type="submit" class="primary">录入扣分</button></div><div class="form-result"></div></form>`;
  }
  app().innerHTML = html;
}

async function addDeduction(form) {
  const res = form.querySelector(".form-result");
  const raw = form.points.value.trim().replace(/[０-９．]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
  markForm(form, { details: [] });
  res.innerHTML = "";
  if (raw !== "" && !/^\d+(\.\d{1,2})?$/.test(raw)) {
    markForm(form, { details: [{ path: "points", message: "扣分应为数字，最多两位小数，例如 2 或 0.5" }] });
    return;
  }
  const body = { rule: form.rule.value, points: raw === "" ? 0 : raw, reason: form.reason.value.trim() };
  try {
    const d = await api("POST", `/plans/${S.year}/units/${enc(form.dataset.unit)}/deductions`, body);
    await deductionsPage(form.dataset.unit);
    $("#result").innerHTML = message("ok", `已录入：${esc(d.rule)} 扣${score(d.points)}分。重新试算后计入计分结果。`);
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    markForm(form, e);
    res.innerHTML = message("error", esc(e.message) + ((e.details || []).length ? "，请按标出的位置修改。" : ""));
  }
}

// deleteDeduction asks once more on the button itself, then deletes.
async function deleteDeduction(btn) {
  if (!btn.dataset.armed) {
    btn.dataset.armed = "1";
    btn.textContent = "确认删除";
    btn.title = "再点一次删除这项扣分";
    return;
  }
  const id = btn.dataset.id;
  await api("DELETE", `/plans/${S.year}/units/${enc(sp.code)}/deductions/${enc(id)}`);
  await deductionsPage(sp.code);
  $("#result").innerHTML = message("ok", `已删除第${esc(id)}号扣分。`);
}

// ---------------------------------------------------------------- submission page: Excel

// excelTools is added to a unit's submission page (app.js unitTools): the
// tables as a workbook in the layout of annexes 1–3, and, while the unit
// may edit, an import into the draft of such a workbook or of the annexes
// as the unit filled them in Word (.docx) or Excel.
function excelTools(p) {
  let html = "";
  if (p.sub) html += `<div class="excel-row"><button type="button" id="export-xlsx">导出Excel</button><span class="hint">按附件1–3的格式导出本单位指标表（${esc(stateNames[p.sub.state] || p.sub.state)}，版本${p.sub.version}）。</span></div>`;
  if (p.editable && (S.me.role === "unit" || S.me.role === "office")) {
    html += `<form id="xlsx-import-form" data-sform="xlsx-import" novalidate><div class="excel-row"><input type="file" name="file" accept=".xlsx,.docx" aria-label="选择要导入的.docx或.xlsx文件">
      <button type="submit" id="xlsx-import">从Word或Excel导入</button>
      <span class="hint">导入按通知附件1–3格式填写的Word（.docx）或Excel（.xlsx）指标表，或由本系统导出的.xlsx文件，替换当前${p.sub ? "草稿" : "内容"}；文件中任何一行有误则不导入，并列出各行的问题。WPS或旧版Word文件请先另存为.docx。</span></div>
      <div class="form-result" id="xlsx-result"></div></form>`;
  }
  return html && `<div class="card excel" id="excel-tools">${html}</div>`;
}

async function exportSubmission() {
  const name = await fetchFile(`${page.base}/export.xlsx`, `${S.year}年度实绩考核指标表-${page.unit.name}.xlsx`);
  show(message("ok", `已导出“${esc(name)}”。`));
}

// importSubmission uploads the workbook as the draft's next version; with
// unsaved edits on the page it asks once more first.
async function importSubmission(form) {
  const res = form.querySelector(".form-result");
  const input = form.file;
  if (!input.files.length) { res.innerHTML = message("error", "请先选择要导入的.docx或.xlsx文件"); return; }
  const btn = form.querySelector('button[type="submit"]');
  if (page.dirty && !btn.dataset.armed) {
    btn.dataset.armed = "1";
    btn.textContent = "确认导入";
    res.innerHTML = message("info", "页面上有未保存的修改，导入将用文件内容替换它们。确认请再点“确认导入”。");
    return;
  }
  const file = input.files[0];
  const fd = new FormData();
  fd.append("file", file, file.name);
  const code = page.code;
  try {
    const v = await sendForm(`${page.base}/import?version=${page.version}`, fd);
    clearTimeout(backupTimer);
    localStorage.removeItem(backupKey(code));
    await unitPage(code);
    const proposed = (v.business || []).some(ind => (ind.works || []).some(w => w.covers_proposed));
    $("#xlsx-result").innerHTML = message("ok", `已从“${esc(file.name)}”导入指标表（版本${v.version}），表格已更新。${proposed ? "文件中没有“须包括”栏，业务指标各项工作涵盖的须包括事项是按工作内容推测的，请逐项核对后勾选或点“确认”。" : ""}请“检查”无误后报送。`);
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    delete btn.dataset.armed;
    btn.textContent = "从Word或Excel导入";
    res.innerHTML = importError(e);
  }
}

// importError lists a refused workbook's errors, each with its sheet, row
// and cell.
function importError(e) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.code === "stale_version") html += `<p>指标表已被修改。<button type="button" id="reload-latest">载入最新内容</button>后再导入。</p>`;
  const ds = e.details || [];
  if (ds.length) {
    html += `<ol class="import-errors">` + ds.map(d => {
      const m = String(d.path).match(/^(.+)!([A-Z]+)(\d+)$/);
      return `<li data-path="${esc(d.path)}">${esc(d.message)}${m ? ` <small>（单元格 ${esc(m[2] + m[3])}）</small>` : ""}</li>`;
    }).join("") + `</ol><p>文件中的内容都没有导入，指标表保持不变。请改正后重新导入。</p>`;
  }
  return message("error", html);
}

// ---------------------------------------------------------------- wiring

routes.push(
  { re: /^#\/scoring$/, fn: () => runsPage() },
  { re: /^#\/scoring\/(\d+)(?:\/([^/]+))?$/, fn: m => runPage(Number(m[1]), m[2] ? decodeURIComponent(m[2]) : "") },
  { re: /^#\/result(?:\/([^/]+))?$/, fn: m => resultPage(m[1] ? decodeURIComponent(m[1]) : "") },
  { re: /^#\/deductions(?:\/([^/]+))?$/, fn: m => deductionsPage(m[1] ? decodeURIComponent(m[1]) : "") },
  // The review queue of one unit (exec.js keeps its filter in xp).
  { re: /^#\/reviews\/([^/]+)$/, fn: m => { xp = { kind: "queue", state: "reported", unit: decodeURIComponent(m[1]) }; return queuePage(); } },
);
navLinks.push(m => {
  if (m.role === "unit") return `<a href="#/result">考核结果</a>`;
  if (m.role === "office") return `<a href="#/deductions">人工扣分</a><a href="#/scoring">考核计分</a>`;
  return `<a href="#/scoring">考核结果</a>`;
});
unitTools.push(excelTools);

async function sAct(t) {
  const act = t.dataset.s || t.id;
  if (act === "run-scoring") return runScoring();
  if (act === "publish-run") { sp.confirming = true; renderRun(); return; }
  if (act === "cancel-publish") { sp.confirming = false; renderRun(); return; }
  if (act === "confirm-publish") return publishRun();
  if (act === "download-xlsx") return fetchFile(`${runsPath()}/${sp.run.id}/export.xlsx`, `${S.year}年度实绩考核结果.xlsx`);
  if (act === "download-csv") return fetchFile(`${runsPath()}/${sp.run.id}/export.csv`, `${S.year}年度实绩考核结果.csv`);
  if (act === "del-deduction") return deleteDeduction(t);
  if (act === "export-xlsx") return exportSubmission();
}
const sActs = new Set(["run-scoring", "publish-run", "cancel-publish", "confirm-publish", "download-xlsx", "download-csv", "export-xlsx"]);

document.addEventListener("click", ev => {
  const t = ev.target.closest("button");
  if (!t || t.disabled || !(t.dataset.s || sActs.has(t.id))) return;
  t.disabled = true;
  sAct(t).catch(e => {
    if (e.status === 401) return loginPage(e.message);
    const box = document.querySelector("#result") || app();
    if (box === app()) app().insertAdjacentHTML("afterbegin", errorBox(e)); else box.innerHTML = errorBox(e);
  }).finally(() => { if (document.body.contains(t)) t.disabled = false; });
});

document.addEventListener("submit", ev => {
  const f = ev.target;
  const kind = f.dataset && f.dataset.sform;
  if (!kind) return;
  ev.preventDefault();
  const job = kind === "deduction" ? addDeduction(f) : kind === "xlsx-import" ? importSubmission(f) : null;
  if (!job) return;
  const btns = [...f.querySelectorAll("button")];
  btns.forEach(b => { b.disabled = true; });
  job.catch(fail).finally(() => { btns.forEach(b => { if (document.body.contains(b)) b.disabled = false; }); });
});
