// A year's plan (#/plan, #/plan/{year}). The office starts a year from an
// earlier one, edits every part as a form, saves it as a new version,
// checks it (each problem and warning beside its field and in a list),
// publishes it after a confirmation (and a second one naming the units
// whose stored tables it breaks), reads the versions and downloads each as
// a plan file. Everyone downloads the blank annexes and reads the plan in
// force. Unsaved edits are kept in localStorage, as a unit's tables are.

import { api, saveFile } from "../../api.js";
import { $, $$, actor, app, autosizeAll, esc, fmtTime, halfWidth, message } from "../../dom.js";
import { ask, show } from "../../feedback.js";
import { label } from "../../labels.js";
import { getPath, parentPath, setPath, tokens } from "../../paths.js";
import { knownYear, reloadYears, session, setYear } from "../../session.js";
import { entries, parsePasted, rowNote, rowOfIndex, rowsOf } from "./calendar.js";
import { gotoField, markFields, markList } from "../../parts/marks.js";
import { planForm } from "./form.js";

// withoutPlan: the page opens for a year whose plan is not in force yet
// (shell.js), for that is where it is made.
export const withoutPlan = true;

// s is the page shown: the year, the versions, the version shown (view),
// its plan being edited (model, with the calendar as rows in cal), the
// latest version the next save names (base), what was typed that cannot
// be read (raw, path → message), the problems and warnings marked.
let s = null;
let backupTimer = 0;

const backupKey = year => `kaohe_plan_${year}_${session.me.username}`;

export async function open({ year }) {
  const y = Number(year) || session.year;
  if (year && y !== session.year && knownYear(y)) setYear(y);
  if (session.me.role !== "office") return openReader(y);
  if (!session.years.years.some(v => v.year === y)) return drawCreate(y);
  const [versions, view] = await Promise.all([api("GET", `/plans/${y}/versions`), api("GET", `/plans/${y}/versions/latest`)]);
  s = fromView(y, view, versions);
  restoreBackup();
  render();
}

// fromView is the page's state for version view of year.
function fromView(year, view, versions) {
  return {
    year, versions, view, office: true, viewing: !view.latest,
    model: JSON.parse(JSON.stringify(view.plan)), cal: { holidays: rowsOf(view.plan.calendar.holidays), workdays: rowsOf(view.plan.calendar.workdays) },
    base: versions[0].version, raw: {}, dirty: false, restored: null,
    problems: view.problems, warnings: view.warnings,
  };
}

function openReader(y) {
  const plan = session.plans[y];
  if (!plan) {
    s = null;
    app().innerHTML = `<h2>${y}年度考核方案</h2>` + message("info", `${y}年度的考核方案尚未发布。`);
    return;
  }
  s = { year: y, office: false, model: plan, cal: { holidays: rowsOf(plan.calendar.holidays), workdays: rowsOf(plan.calendar.workdays) }, raw: {}, problems: [], warnings: [] };
  render();
}

// editable: the office edits the latest version.
const editable = () => s.office && !s.viewing;

function render(keepScroll) {
  const y = window.scrollY;
  const { model: m } = s;
  let html = `<h2>${s.year}年度考核方案 <small class="sub">${esc(m.title)}</small></h2>`;
  if (s.office) {
    const v = s.view;
    html += `<p id="plan-state" data-state="${esc(v.state)}" data-version="${v.version}">第${v.version}版 · <span class="pstate pstate-${esc(v.state)}">${esc(label("plan_states", v.state))}</span>
      · ${esc(v.note)} · ${esc(actor(v.created_by))} 保存于 ${esc(fmtTime(v.created_at))}${v.published_at ? ` · 发布于 ${esc(fmtTime(v.published_at))}` : ""}</p>`;
    if (s.viewing) html += message("info", `正在查看第${v.version}版（只读）。<button type="button" id="back-to-latest" data-action="plan-latest">回到最新版本</button>`);
    if (s.restored) html += message("info", `已恢复您上次未保存的修改（基于第${s.restored.base}版，${esc(fmtTime(s.restored.at))}）。请保存，或 <button type="button" id="plan-discard" data-action="plan-discard">放弃这些修改</button>`);
  } else {
    html += `<p class="hint">${s.year}年度现行的考核方案，由市总工会办公室制定。各单位按它填报指标表；空白的附件1-3可下载后传阅。</p>`;
  }
  html += `<div id="calendar-banner">${calendarBanner()}</div>`;
  if (editable()) {
    html += `<div class="toolbar" id="plan-toolbar"><button type="button" id="save-plan" data-action="save-plan">保存为新版本</button>
      <button type="button" id="check-plan" data-action="check-plan">检查</button><span id="publish-slot"></span>
      <input id="plan-note" maxlength="200" placeholder="修改说明（可不填）" aria-label="修改说明"><span id="plan-dirty" class="dirty"></span></div>`;
  }
  html += downloads();
  html += `<div id="result"></div><div id="plan-problems"></div>`;
  html += `<div id="plan-form" class="plan-form">${planForm(m, s.cal, { edit: editable(), raw: s.raw })}</div>`;
  if (s.office) html += versionsTable() + createCard(false);
  app().innerHTML = html;
  autosizeAll(app());
  refresh();
  applyMarks();
  if (keepScroll) window.scrollTo(0, y);
}

// calendarBanner says, while the plan has no day off, that the calendar
// is still to be filled: nothing is due on the right day until it is.
function calendarBanner() {
  if (entries(s.cal.holidays).length) return "";
  return `<div class="alarm-banner" id="calendar-empty" role="alert">${s.year}年的节假日安排还没有填写。提醒、逾期和截止日期顺延都按工作日计算，请按国务院办公厅的节假日安排<a href="#" data-action="goto-field" data-goto="calendar.holidays">填写放假日期和调休上班日期</a>；填写之前方案不能发布。</div>`;
}

function downloads() {
  const y = s.year;
  let html = `<div class="actions plan-downloads" id="plan-downloads">`;
  if (session.plans[y]) html += `<button type="button" id="annexes-xlsx" data-action="download-annexes" data-format="xlsx">下载空白附件1-3（Excel）</button><button type="button" id="annexes-docx" data-action="download-annexes" data-format="docx">下载空白附件1-3（Word）</button>`;
  else html += `<span class="hint">发布后可下载空白附件1-3（Excel、Word）供各单位填报。</span>`;
  if (s.office) html += `<button type="button" id="download-yaml" data-action="download-yaml" data-version="${s.view.version}">下载第${s.view.version}版方案文件</button>`;
  return html + `</div>`;
}

// refresh shows whether there are unsaved edits and whether the version
// can be published, and why not.
function refresh() {
  const d = $("#plan-dirty");
  if (d) d.textContent = s.dirty ? "有未保存的修改" : "";
  const slot = $("#publish-slot");
  if (!slot) return;
  const v = s.view;
  if (v.state !== "draft") { slot.innerHTML = `<span class="hint" id="publish-why">第${v.version}版已发布。修改后保存为新版本，再发布即可更正。</span>`; return; }
  const why = s.dirty ? "请先保存修改" : s.problems.length ? `还有${s.problems.length}处问题，修改并保存后才能发布` : "";
  slot.innerHTML = `<button type="button" id="publish-plan" data-action="publish-plan" class="primary"${why ? " disabled" : ""}>发布第${v.version}版</button>${why ? `<span class="hint" id="publish-why">${esc(why)}</span>` : ""}`;
}

// ------------------------------------------------------------ marks

// fieldOf is the element of the form for path, or for the nearest
// enclosing path; a calendar entry's path (an index into every date)
// leads to its row.
function fieldOf(path) {
  const cal = /^calendar\.(holidays|workdays)\[(\d+)\]/.exec(path);
  if (cal && s) {
    const row = rowOfIndex(s.cal[cal[1]], Number(cal[2]));
    const el = row === undefined ? null : $(`#plan-form [data-cal-row="${cal[1]}:${row}"]`);
    if (el) return el;
  }
  for (let q = path; q; q = parentPath(q)) {
    const el = $(`#plan-form [data-path="${CSS.escape(q)}"]`);
    if (el) return el;
  }
  return null;
}

// where names path in words: the label of its field, else its part.
function where(path) {
  const el = fieldOf(path);
  if (el && el.dataset.label) return el.dataset.label;
  const first = tokens(path)[0];
  const name = typeof first === "string" ? label("fields", first) : "";
  return name && name !== first ? name : "方案";
}

function applyMarks() {
  markFields("#plan-form", fieldOf, s.problems, s.warnings);
  const box = $("#plan-problems");
  if (!box) return;
  box.innerHTML = markList(s.problems, s.warnings, {
    where, lists: { problems: "problem-list", warnings: "warning-list" },
    problemsTitle: n => `有 ${n} 处问题，发布前须修改（已在对应位置标出）：`,
    warningsTitle: n => `${n} 条提示（合规但可能不妥，不影响发布）：`,
  });
}

// ------------------------------------------------------------ editing

function markDirty() {
  s.dirty = true;
  clearTimeout(backupTimer);
  const q = s;
  backupTimer = setTimeout(() => backup(q), 300);
  refresh();
}

function backup(q) {
  if (!q || !q.dirty || !q.office) return;
  try { localStorage.setItem(backupKey(q.year), JSON.stringify({ base: q.base, at: new Date().toISOString(), model: q.model, cal: q.cal, raw: q.raw })); } catch { /* storage full: edits stay on the page */ }
}

function dropBackup(year) {
  clearTimeout(backupTimer);
  localStorage.removeItem(backupKey(year));
}

// restoreBackup puts back the unsaved edits of an earlier visit.
function restoreBackup() {
  if (s.viewing) return;
  const saved = localStorage.getItem(backupKey(s.year));
  if (!saved) return;
  try {
    const b = JSON.parse(saved);
    s.model = b.model; s.cal = b.cal; s.raw = b.raw || {}; s.base = b.base;
    s.dirty = true; s.restored = b; s.problems = []; s.warnings = [];
  } catch { dropBackup(s.year); }
}

// leave keeps unsaved edits when another page is shown or the tab closes.
export function leave() {
  if (s && s.dirty) { clearTimeout(backupTimer); backup(s); }
}

// structural applies an added or removed row and draws the form again;
// the marks, whose paths may no longer fit, are cleared.
function structural(fn, listPath) {
  fn();
  if (listPath) for (const k of Object.keys(s.raw)) if (k.startsWith(listPath + "[")) delete s.raw[k];
  s.problems = []; s.warnings = [];
  markDirty();
  render(true);
}

// emptyOf is a new row of the list at path.
function emptyOf(path) {
  switch (tokens(path).pop()) {
    case "checkpoints": return { date: "", name: "" };
    case "items": return { code: "", name: "", required: [] };
    case "required": return { code: "", text: "" };
    case "grades": return { name: "", min: 0 };
    case "office_contacts": return { name: "", phone: "", email: "" };
    default: return ""; // forbidden phrases, manual deduction rules
  }
}

// readValue reads a field as the plan document holds it: {value} or
// {error} for what cannot be read, {drop} for an optional time left empty.
function readValue(kind, text) {
  const v = halfWidth(text).trim();
  switch (kind) {
    case "int": return /^\d+$/.test(v) ? { value: Number(v) } : { error: "应填写不小于0的整数" };
    case "points": return /^\d+(\.\d{1,2})?$/.test(v) ? { value: Number(v) } : { error: "应填写分数，最多两位小数，如 2 或 0.5" };
    case "time": return /^\d{2}:\d{2}$/.test(v) ? { value: v } : { error: "请填写时刻，如 17:30" };
    case "opttime": return v === "" ? { drop: true } : /^\d{2}:\d{2}$/.test(v) ? { value: v } : { error: "时刻应为 HH:MM，如 17:30" };
    default: return { value: text };
  }
}

function bind(el) {
  const f = el.closest(".f");
  if (!f) return;
  const path = f.dataset.path;
  if (el.dataset.bind === "check") {
    const boxes = $$('input[data-bind="check"]', f);
    setPath(s.model, path, boxes.filter(b => b.checked).map(b => b.value));
  } else {
    const r = readValue(el.dataset.bind, el.value);
    if (r.error) s.raw[path] = el.value;
    else {
      delete s.raw[path];
      if (r.drop) { const ts = tokens(path); delete getPath(s.model, parentPath(path))[ts[ts.length - 1]]; } else setPath(s.model, path, r.value);
    }
  }
  markDirty();
}

function bindCal(el) {
  const r = s.cal[el.dataset.cal][Number(el.dataset.row)];
  r[el.dataset.end] = el.value.trim();
  markDirty();
  const note = el.closest(".cal-row").querySelector(".cal-note");
  if (note) note.textContent = rowNote(r);
  const count = el.closest(".cal-part").querySelector("h4 .count");
  if (count) count.textContent = `${entries(s.cal[el.dataset.cal]).length}段`;
  const banner = $("#calendar-banner");
  if (banner) banner.innerHTML = calendarBanner();
}

export function input(el) {
  if (!s || !editable()) return;
  if (el.matches("[data-cal]")) bindCal(el);
  else if (el.matches("[data-bind]") && el.dataset.bind !== "check" && el.dataset.bind !== "select") bind(el);
}

export function change(el) {
  if (!s || !editable()) return;
  if (el.matches('[data-bind="check"], [data-bind="select"]')) {
    bind(el);
    // The monthly count's required contents are those of its indicator.
    if (el.closest('[data-path="monthly.indicator"]')) { setPath(s.model, "monthly.required", ""); render(true); }
  }
}

// localProblems are the fields whose text cannot be read, as problems.
function localProblems() {
  return Object.keys(s.raw).map(path => {
    const kind = (fieldOf(path) || document.body).querySelector("[data-bind]");
    const r = readValue(kind ? kind.dataset.bind : "", s.raw[path]);
    return { path, rule: "plan.field.unreadable", message: r.error || "无法识别" };
  });
}

// requestDoc is the plan document to send, or null (the unreadable fields
// marked) when a field cannot be read.
function requestDoc() {
  const bad = localProblems();
  if (bad.length) {
    s.problems = bad; s.warnings = [];
    applyMarks(); refresh();
    show(message("error", "有数字或时刻填写不正确，请按标出的位置修改后再试。"));
    return null;
  }
  const d = JSON.parse(JSON.stringify(s.model));
  d.calendar = { holidays: entries(s.cal.holidays), workdays: entries(s.cal.workdays) };
  // What the server works out for clients is never sent back.
  delete d.deadline.due;
  for (const c of d.checkpoints || []) delete c.due;
  if (d.monthly) delete d.monthly.dues;
  return d;
}

// ------------------------------------------------------------ save, check, publish

async function save() {
  const plan = requestDoc();
  if (!plan) return false;
  const note = $("#plan-note") ? $("#plan-note").value.trim() : "";
  let v;
  try {
    v = await api("PUT", `/plans/${s.year}/draft`, { version: s.base, plan, note });
  } catch (e) {
    if (e.status === 401) throw e;
    if (e.code === "stale_version") {
      show(message("error", `<strong id="plan-conflict">保存未成功：${esc(e.message)}</strong><p>可能是同事在另一台电脑上保存了新版本。您在本页的修改<b>没有丢失</b>，仍在下面的表单里。</p>
        <button type="button" id="plan-overwrite" data-action="plan-overwrite" class="primary">把我的修改保存为更新的版本</button> <button type="button" id="plan-reload" data-action="plan-reload">放弃我的修改，载入最新版本</button>`));
      return false;
    }
    s.problems = e.details || []; s.warnings = [];
    applyMarks();
    show(message("error", `保存未成功：${esc(e.message)}`));
    return false;
  }
  dropBackup(s.year);
  const [versions] = await Promise.all([api("GET", `/plans/${s.year}/versions`), reloadYears()]);
  s = fromView(s.year, v, versions);
  render(true);
  show(message(v.problems.length ? "info" : "ok", `已保存为第${v.version}版（${esc(label("plan_states", v.state))}）。` +
    (v.problems.length ? `还有${v.problems.length}处问题，已在对应位置标出，修改后才能发布。` : `没有问题，可以发布${v.warnings.length ? `；有${v.warnings.length}条提示，请看一下` : ""}。`)));
  return true;
}

async function overwrite() {
  const versions = await api("GET", `/plans/${s.year}/versions`);
  s.base = versions[0].version;
  s.versions = versions;
  await save();
}

async function reload() {
  dropBackup(s.year);
  await open({ year: String(s.year) });
}

async function check() {
  const plan = requestDoc();
  if (!plan) return;
  let r;
  try {
    r = await api("POST", `/plans/${s.year}/check`, { plan });
  } catch (e) {
    if (e.code !== "validation_failed") throw e;
    s.problems = e.details; s.warnings = e.warnings;
    applyMarks(); refresh();
    show(message("error", `检查发现${e.details.length}处问题，已在对应位置标出。`));
    return;
  }
  s.problems = []; s.warnings = r.warnings || [];
  applyMarks(); refresh();
  show(message("ok", `<span id="plan-valid">检查通过</span>，没有问题${s.warnings.length ? `；有${s.warnings.length}条提示，请看一下是否需要修改` : ""}。${s.dirty ? "请记得保存为新版本后再发布。" : ""}`));
}

async function publish() {
  const { year, view: v } = s;
  const path = `/plans/${year}/versions/${v.version}/publish`;
  try {
    await api("POST", path, {});
  } catch (e) {
    if (e.status === 401) throw e;
    if (e.code === "conflict" && e.details.some(d => d.rule === "plan.publish.breaks_tables")) {
      if (!(await ask(breaksDialog(e, v.version)))) { show(message("info", `未发布第${v.version}版。${year}年度现行方案不变。`)); return; }
      await api("POST", path, { confirm: true });
    } else if (e.code === "validation_failed") {
      s.problems = e.details; s.warnings = e.warnings;
      applyMarks(); refresh();
      show(message("error", `未发布：${esc(e.message)}，已在对应位置标出。`));
      return;
    } else if (e.code === "stale_version") {
      show(message("error", `未发布：${esc(e.message)} <button type="button" id="plan-reload" data-action="plan-reload">载入最新版本</button>`));
      return;
    } else throw e;
  }
  dropBackup(year);
  await reloadYears();
  if (session.year !== year) setYear(year);
  await open({ year: String(year) });
  show(message("ok", `已发布第${v.version}版，现为${year}年度的考核方案。各单位按它填报指标表；提醒、逾期和计分都按它计算。`));
}

// breaksDialog asks again, naming the units whose stored tables the
// version breaks (the 409's details, one a unit).
function breaksDialog(e, version) {
  const units = e.details.filter(d => d.rule === "plan.publish.breaks_tables");
  return {
    title: `第${version}版会使${units.length}个单位已填报的指标表不再符合方案，仍然发布？`, ok: "仍然发布", danger: true,
    body: `<ul id="broken-units">${units.map(d => `<li data-unit="${esc(d.path.replace(/^units\./, ""))}">${esc(d.message)}</li>`).join("")}</ul>
      <p>发布后，这些单位的指标表按新方案检查，上面的问题须由单位修改（已报送的须退回后修改）。请通知这些单位。</p>`,
  };
}

// ------------------------------------------------------------ versions and downloads

function versionsTable() {
  let html = `<section class="annex" id="plan-versions"><h3>版本记录</h3><p class="hint">每次保存都是一个新版本，旧版本不会被覆盖；发布过的版本不能再改，更正须保存为新版本再发布。</p>
    <table class="list" id="versions"><thead><tr><th>版本</th><th>状态</th><th>说明</th><th>保存人</th><th>保存时间</th><th>发布时间</th><th></th></tr></thead><tbody>`;
  for (const v of s.versions) {
    html += `<tr data-version="${v.version}" data-state="${esc(v.state)}"${v.version === s.view.version ? ' class="current"' : ""}><td>第${v.version}版</td><td><span class="pstate pstate-${esc(v.state)}">${esc(label("plan_states", v.state))}</span></td>
      <td>${esc(v.note)}</td><td>${esc(actor(v.created_by))}</td><td>${esc(fmtTime(v.created_at))}</td><td>${esc(fmtTime(v.published_at))}</td>
      <td class="nowrap">${v.version === s.view.version ? "" : `<button type="button" class="mini" data-action="view-version" data-version="${v.version}">查看</button>`}<button type="button" class="mini" data-action="download-yaml" data-version="${v.version}">下载方案文件</button></td></tr>`;
  }
  return html + `</tbody></table></section>`;
}

async function viewVersion(btn) {
  const n = Number(btn.dataset.version);
  if (s.dirty && !s.viewing) backup(s);
  const [versions, view] = await Promise.all([api("GET", `/plans/${s.year}/versions`), api("GET", `/plans/${s.year}/versions/${n}`)]);
  s = fromView(s.year, view, versions);
  render();
  window.scrollTo(0, 0);
}

async function downloadYAML(btn) {
  const n = btn.dataset.version;
  const name = await saveFile(`/plans/${s.year}/versions/${n}/plan.yaml`, `${s.year}年度考核方案-第${n}版.yaml`);
  show(message("ok", `已下载“${esc(name)}”。它可用于命令行检查或导入（kaohe plan check、kaohe plan import）。`));
}

async function downloadAnnexes(btn) {
  const f = btn.dataset.format;
  const name = await saveFile(`/plans/${s.year}/annexes.${f}`, `${s.year}年度实绩考核指标表（附件1-3）.${f}`);
  show(message("ok", `已下载“${esc(name)}”。`));
}

// ------------------------------------------------------------ a new year

// createCard is the office's form for a new year's plan; open when the
// year shown has none.
function createCard(open, year) {
  const inForce = Object.keys(session.plans).map(Number).sort((a, b) => b - a);
  const ys = session.years;
  const known = new Set(ys.years.map(v => v.year));
  let y = year;
  if (!y) { y = Math.max(ys.current, ...known) + (known.has(ys.current) ? 1 : 0); while (known.has(y)) y++; }
  const from = inForce.find(x => x < y) || inForce[0];
  if (!inForce.length) return message("info", "还没有任何已发布的考核方案可作为基础。可用命令行 kaohe plan import 导入方案文件。");
  const form = `<form class="card" id="create-plan" data-form="create-plan" novalidate><h4>新建年度考核方案</h4><div class="row">
      <label>年度 <span class="f" data-path="year"><input name="year" id="new-plan-year" inputmode="numeric" value="${y}" size="6"></span></label>
      <label>以哪一年度的方案为基础 <span class="f" data-path="from"><select name="from" id="new-plan-from">${inForce.map(x => `<option value="${x}"${x === from ? " selected" : ""}>${x}年度</option>`).join("")}</select></span></label></div>
    <p class="hint">新方案沿用所选年度的全部指标和规则；标题、附件备注中的年份和各个日期顺延到新的年度（报送截止日逢周末提前到周五）；节假日安排留空，须按国务院办公厅当年的节假日安排重新填写。新建后是草稿，检查无误并发布后各单位才能按它填报。</p>
    <div class="actions"><button type="submit" class="primary" id="create-plan-button">新建</button></div><div class="form-result"></div></form>`;
  return open ? form : `<details class="new-plan" id="new-plan"><summary>新建其他年度的考核方案</summary>${form}</details>`;
}

function drawCreate(y) {
  s = null;
  app().innerHTML = `<h2>${y}年度考核方案</h2>` + message("info", `<span id="no-plan">${y}年度还没有考核方案。</span>`) + createCard(true, y) + `<div id="result"></div>`;
}

async function create(form) {
  const res = form.querySelector(".form-result");
  const year = Number(halfWidth(form.year.value).trim());
  const from = Number(form.from.value);
  let v;
  try {
    v = await api("POST", "/plans", { year, from });
  } catch (e) {
    if (e.status === 401) throw e;
    res.innerHTML = message("error", esc(e.message));
    return;
  }
  dropBackup(v.year);
  await reloadYears();
  setYear(v.year);
  await open({ year: String(v.year) });
  show(message("ok", `已从${from}年度方案新建${v.year}年度考核方案（第${v.version}版，${esc(label("plan_states", v.state))}）。请填写${v.year}年的节假日安排，核对各个日期，检查无误后发布。`));
}

// ------------------------------------------------------------ events

function calAdd(btn) {
  structural(() => s.cal[btn.dataset.cal].push({ from: "", to: "" }));
  const rows = $$(`#plan-form [data-cal-row^="${btn.dataset.cal}:"] input`);
  if (rows.length) rows[rows.length - 2 >= 0 ? rows.length - 2 : 0].focus();
}

function calPaste(btn) {
  const kind = btn.dataset.cal;
  const box = $(`#paste-${kind}`);
  const { rows, refused } = parsePasted(box.value, s.year);
  if (!rows.length && !refused.length) { show(message("error", "请先在框中填写或粘贴日期。")); return; }
  const have = new Set(entries(s.cal[kind]));
  const fresh = rows.filter(r => !have.has(r.to ? `${r.from}..${r.to}` : r.from));
  structural(() => { s.cal[kind] = s.cal[kind].filter(r => r.from || r.to || r.raw).concat(fresh); });
  const name = kind === "holidays" ? "放假日期" : "调休上班日期";
  show(message(refused.length ? "error" : "ok", `已添加${fresh.length}段${name}。` + (refused.length ? `以下内容无法识别为日期，未添加：${refused.map(esc).join("；")}` : "")));
  if (refused.length) $(`#paste-${kind}`).value = refused.join("\n");
}

export const actions = {
  "save-plan": save,
  "check-plan": check,
  "publish-plan": publish,
  "plan-overwrite": overwrite,
  "plan-reload": reload,
  "plan-discard": reload,
  "plan-latest": () => open({ year: String(s.year) }),
  "view-version": viewVersion,
  "download-yaml": downloadYAML,
  "download-annexes": downloadAnnexes,
  "goto-field": a => gotoField(fieldOf, a),
  "plan-add": btn => structural(() => getPath(s.model, btn.dataset.list).push(emptyOf(btn.dataset.list)), btn.dataset.list),
  "plan-del": btn => structural(() => { const ts = tokens(btn.dataset.at); getPath(s.model, parentPath(btn.dataset.at)).splice(ts[ts.length - 1], 1); }, parentPath(btn.dataset.at)),
  "cal-add": calAdd,
  "cal-del": btn => structural(() => s.cal[btn.dataset.cal].splice(Number(btn.dataset.row), 1)),
  "cal-paste": calPaste,
};

export const forms = { "create-plan": create };

// confirms: publishing says what it does.
export const confirms = {
  "publish-plan": () => {
    const v = s.view, cur = session.plans[s.year];
    return {
      title: `发布${s.year}年度考核方案第${v.version}版？`, ok: "发布",
      body: `<p>发布后它成为${s.year}年度的现行考核方案${cur ? "，代替现在的方案" : ""}：各单位按它填报指标表，提醒、逾期和计分都按它计算。已发布的版本不能再改，以后的修改须保存为新版本再发布。</p>` +
        (cur ? `<p>发布前将按新方案重新检查各单位已填报的指标表，如有不再符合的，会列出单位请您再次确认。</p>` : "") +
        (s.warnings.length ? `<p>还有${s.warnings.length}条提示（不影响发布）。</p>` : ""),
    };
  },
};

// fail shows an action's error with the fields named in words.
export function fail(e) {
  if (e.status === 401) return true;
  const list = (e.details || []).map(v => `<li>${esc(where(v.path))}：${esc(v.message)}</li>`).join("");
  show(message("error", `<strong>${esc(e.message)}</strong>${list ? `<ul>${list}</ul>` : ""}`));
  return true;
}
