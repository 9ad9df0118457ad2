// A unit's tables (#/units/{unit}): the three annexes to fill, check and
// submit; the office's review (comments, return, certify); the contacts
// with the unit's group robots and calendar feed; the history with each
// submitted version; Excel export and import.
// Unsaved edits are kept in localStorage, so that a reload or a closed tab
// does not lose them.

import { api, saveFile, sendForm } from "../../api.js";
import { $, $$, app, autosizeAll, enc, esc, fmtTime, message } from "../../dom.js";
import { errorBox, putMark, show } from "../../feedback.js";
import { label, stateBadge } from "../../labels.js";
import { getPath, parentPath, pathLabel, setPath, tokens } from "../../paths.js";
import { itemName } from "../../plan.js";
import { session, unitName } from "../../session.js";
import { channelActions, channelChange, channelConfirms, channelForms, channelsSection, loadChannels } from "../../parts/channels.js";
import { contactRows, editContact, emptyContact } from "../../parts/contacts.js";
import { gotoField, markFields, markList } from "../../parts/marks.js";
import { receivedNote } from "../../parts/scoring.js";
import { excelTools, exportName, importError } from "./excel.js";
import { docOf, emptyInnovation, emptyNode, emptyWork, modelFrom } from "./model.js";
import { drawSums, renderDoc, slot } from "./tables.js";

// p is the state of the page shown: the unit, its submission and history,
// the model being edited (and whether it differs from the stored version),
// the violations and warnings marked, one undo, the contacts.
let p = null;
let backupTimer = 0;

function backupKey(unit) { return `kaohe_backup_${session.year}_${unit}_${session.me.username}`; }

export async function open({ unit: code }) {
  const base = `/plans/${session.year}/units/${enc(code)}/submission`;
  const unit = await api("GET", `/units/${enc(code)}`);
  let sub = null;
  const channels = loadChannels(code);
  try { sub = await api("GET", base); } catch (e) { if (e.status !== 404) throw e; }
  await channels;
  const history = sub ? await api("GET", base + "/history") : [];
  const role = session.me.role;
  const editable = (role === "unit" || role === "office") && (!sub || sub.state === "draft" || sub.state === "returned");
  p = {
    code, base, unit, sub, history, editable,
    review: role === "office" && sub && sub.state === "submitted",
    model: modelFrom(sub), version: sub ? sub.version : 0, dirty: false,
    violations: [], warnings: [], undo: null, restored: null,
    contacts: JSON.parse(JSON.stringify(unit.contacts || [])),
  };
  if (editable) restoreBackup(); else localStorage.removeItem(backupKey(code));
  render();
}

// restoreBackup puts back the unsaved edits of an earlier visit.
function restoreBackup() {
  const key = backupKey(p.code);
  const saved = localStorage.getItem(key);
  if (!saved) return;
  try {
    const b = JSON.parse(saved);
    if (JSON.stringify(docOf(b.model).doc) !== JSON.stringify(docOf(p.model).doc)) {
      p.model = b.model; p.version = b.version; p.dirty = true; p.restored = b;
    } else localStorage.removeItem(key);
  } catch { localStorage.removeItem(key); }
}

function render(keepScroll) {
  const y = window.scrollY;
  const sub = p.sub;
  const st = sub ? sub.state : "none";
  let html = `<h2>${esc(p.unit.name)} ${session.year}年度实绩考核指标表</h2>
  <p id="sub-state" data-state="${esc(st)}">状态：${stateBadge(st)}`;
  if (sub) html += ` · 版本 <span id="sub-version">${sub.version}</span>`;
  if (sub && sub.submitted_at) html += ` · 报送时间 ${esc(fmtTime(sub.submitted_at))}`;
  if (sub && sub.late) html += ` <span class="late">迟报</span>`;
  if (sub) html += ` · 最后修改 ${esc(fmtTime(sub.updated_at))}`;
  html += `</p>`;
  if (sub && sub.received) html += receivedNote(sub.received) + (session.me.role === "office" ? `<p class="hint"><a href="#/deductions/${enc(p.code)}">在“扣分与减免”页修改实际收到时间</a></p>` : "");
  const d = session.plan.deadline;
  if (!sub && p.editable) html += message("info", `尚未填报。请按考核方案填写下面三张表，随时可以“保存”，填好后“检查”无误再“报送”。报送截止：${esc(d.date)} ${esc(d.time)}。`);
  if (sub && sub.comment) html += `<div class="comment-box" id="return-comment"><b>市总工会办公室退回意见：</b>${esc(sub.comment)}</div>`;
  if (sub && sub.comments && Object.keys(sub.comments).length) html += `<p class="hint">各指标的退回意见显示在对应指标旁。</p>`;
  if (p.review) html += message("info", `请逐项审阅。需要修改的指标，在该指标旁填写意见；页面底部可<a href="#review">退回修改或认定</a>。`);
  if (p.restored) html += message("info", `已恢复您上次未保存的修改（基于版本${p.restored.version}，${esc(fmtTime(p.restored.at))}）。请保存，或 <button type="button" id="discard" data-action="discard">放弃这些修改</button>`);
  if (p.editable) {
    html += `<div class="toolbar" id="toolbar"><button type="button" id="save" data-action="save">保存</button><button type="button" id="validate" data-action="validate">检查</button>
      <button type="button" id="submit" data-action="submit" class="primary">报送市总工会办公室</button><span id="dirty" class="dirty">${p.dirty ? "有未保存的修改" : ""}</span></div>`;
  }
  html += excelTools(p);
  html += `<div id="result"></div><div id="violations"></div>`;
  html += `<p class="print-only" id="print-unit">填报单位：${esc(unitName(p.code))}</p>`;
  html += `<div id="tables">${renderDoc(p.model, { editable: p.editable, comments: sub && sub.comments, review: p.review, certified: sub && sub.innovation_certified })}</div>`;
  html += `<div class="print-only print-sign" id="print-sign"><span>填报单位（盖章）：</span><span>负责人签字：</span><span>日期：　　年　　月　　日</span></div>`;
  if (p.review) {
    html += `<section class="review-panel" id="review"><h3>审核</h3>
      <label class="field">总体退回意见 <textarea id="return-overall" rows="2" placeholder="退回时填写；也可只在各指标旁填写意见"></textarea></label>
      <button type="button" id="return" data-action="return" class="danger">退回修改</button>
      <p class="hint">认定：请在创新指标表中勾选予以认定的创新工作，未勾选的不予认定。</p>
      <button type="button" id="certify" data-action="certify" class="primary">认定指标表</button></section>`;
  }
  html += renderContacts() + channelsSection() + renderHistory();
  app().innerHTML = html;
  autosizeAll(app());
  refresh();
  applyMarks();
  if (keepScroll) window.scrollTo(0, y);
}

// refresh shows the running totals and whether there are unsaved edits.
function refresh() {
  drawSums(p.model);
  const d = $("#dirty");
  if (d) d.textContent = p.dirty ? "有未保存的修改" : "";
}

// applyMarks shows each violation and warning beside its field: the
// element whose data-path is the violation's path, or the nearest enclosing
// one; all of them are also listed at the top with a link to the field.
function applyMarks() {
  markFields("#app", fieldOf, p.violations, p.warnings);
  const box = $("#violations");
  if (!box) return;
  box.innerHTML = markList(p.violations, p.warnings, {
    where: path => pathLabel(path, p.model),
    problemsTitle: n => `有 ${n} 处不符合考核方案要求，已在对应位置标出：`,
    warningsTitle: n => `${n} 条提示（不影响报送）：`,
  });
}

// fieldOf is the element of the tables or the contacts for path, or for
// the nearest enclosing path.
function fieldOf(path) {
  for (let q = path; q; q = parentPath(q)) {
    const root = q.startsWith("contacts") ? $("#contacts-section") : $("#tables");
    const el = root && root.querySelector(`[data-path="${CSS.escape(q)}"]`);
    if (el) return el;
  }
  return null;
}

// markDirty notes an unsaved edit and keeps a copy of the model in
// localStorage (at most every 300 ms).
function markDirty() {
  p.dirty = true;
  clearTimeout(backupTimer);
  const q = p;
  backupTimer = setTimeout(() => backup(q), 300);
  refresh();
}

function backup(q) {
  if (!q.dirty) return;
  try { localStorage.setItem(backupKey(q.code), JSON.stringify({ version: q.version, at: new Date().toISOString(), model: q.model })); } catch { /* storage full: edits stay on the page */ }
}

function dropBackup() {
  clearTimeout(backupTimer);
  localStorage.removeItem(backupKey(p.code));
}

// leave keeps unsaved edits when another page is shown or the tab closes.
export function leave() {
  if (p && p.dirty) { clearTimeout(backupTimer); backup(p); }
}

// structural applies an add or remove to the model and draws the tables
// again; the previous model is kept for one undo.
function structural(fn, done) {
  p.undo = { model: JSON.parse(JSON.stringify(p.model)) };
  fn(p.model);
  p.violations = []; p.warnings = [];
  markDirty();
  render(true);
  if (done) show(message("info", `${esc(done)}。<button type="button" id="undo" data-action="undo">撤销</button>`));
}

// removeAt removes the list element at path from the model.
function removeAt(m, path) {
  const ts = tokens(path);
  getPath(m, parentPath(path)).splice(ts[ts.length - 1], 1);
}

function requestDoc() {
  const { doc, bad } = docOf(p.model);
  if (bad.length) {
    p.violations = bad.map(path => ({ path, rule: "points.number", message: "分值应为数字，例如 8 或 2.5" }));
    p.warnings = [];
    applyMarks();
    show(message("error", "有分值不是数字，请按标出的位置修改后再试。"));
    return null;
  }
  return doc;
}

async function save() {
  const doc = requestDoc();
  if (!doc) return false;
  try {
    const v = await api("PUT", p.base, Object.assign({ version: p.version }, doc));
    afterSave(v);
    show(message("ok", `已保存（版本${v.version}）`));
    return true;
  } catch (e) {
    if (e.status === 401) throw e;
    if (e.code === "stale_version") {
      show(message("error", `<strong id="conflict">保存未成功：${esc(e.message)}</strong><p>可能是同事在另一台电脑上修改了本单位的指标表。您在本页填写的内容<b>没有丢失</b>，仍在下面的表格里。</p>
        <button type="button" id="overwrite" data-action="overwrite" class="primary">用我的内容覆盖最新版本</button> <button type="button" id="reload-latest" data-action="reload-latest">放弃我的修改，载入最新版本</button>`));
    } else if (e.code === "wrong_state") {
      show(errorBox(e, `<p>指标表状态已变化。<button type="button" id="reload-latest" data-action="reload-latest">载入最新内容</button></p>`, p.model));
    } else show(errorBox(e, "", p.model));
    return false;
  }
}

function afterSave(v) {
  dropBackup();
  p.sub = v; p.version = v.version; p.dirty = false; p.restored = null;
  p.model = modelFrom(v);
  render(true);
}

async function overwrite() {
  const latest = await api("GET", p.base);
  p.version = latest.version;
  await save();
}

// checkFailed marks the violations of a refused check or submission; any
// other error goes on to the page's fail.
function checkFailed(e, head, tail) {
  if (e.code !== "validation_failed") throw e;
  p.violations = e.details; p.warnings = e.warnings;
  applyMarks();
  show(message("error", `${head}：${esc(e.message)}。请按标出的位置修改${tail}。`));
}

async function validate() {
  const doc = requestDoc();
  if (!doc) return;
  let r;
  try { r = await api("POST", p.base + "/validate", doc); } catch (e) { return checkFailed(e, "检查未通过", ""); }
  p.violations = []; p.warnings = r.warnings || [];
  applyMarks();
  show(message("ok", `<span id="valid">检查通过</span>，符合考核方案要求${p.warnings.length ? `；有${p.warnings.length}条提示，请酌情修改` : ""}。${p.dirty ? "请记得保存。" : ""}`));
}

async function submit() {
  if (p.dirty || !p.sub) { if (!(await save())) return; }
  let v;
  try { v = await api("POST", p.base + "/submit", { version: p.version }); } catch (e) { return checkFailed(e, "报送未成功", "后再报送"); }
  await open({ unit: p.code });
  show(message("ok", `已报送市总工会办公室（${esc(fmtTime(v.submitted_at))}）${v.late ? "，<b>超过截止时间，记为迟报</b>" : ""}。`));
}

async function returnSubmission() {
  const comments = {};
  for (const t of $$("textarea.review")) if (t.value.trim()) comments[t.dataset.commentKey] = t.value.trim();
  const comment = $("#return-overall").value.trim();
  await api("POST", p.base + "/return", { version: p.version, comment, comments });
  await open({ unit: p.code });
  show(message("ok", "已退回，单位可按意见修改后重新报送。"));
}

async function certify() {
  const innovation = $$(".cert").map(c => ({ index: Number(c.dataset.index), certified: c.checked }));
  await api("POST", p.base + "/certify", { version: p.version, innovation });
  await open({ unit: p.code });
  show(message("ok", "已认定。全部单位认定后，请在“指标表”页将已认定的指标表返各单位执行。"));
}

// confirms: certifying and returning say what will happen to the unit's
// tables before they do.
export const confirms = {
  ...channelConfirms,
  certify: () => {
    const cs = $$(".cert");
    const yes = cs.filter(c => c.checked).length;
    return { title: `认定${unitName(p.code)}的指标表？`, ok: "认定",
      body: `<p>认定后指标表不能再修改，等待返各单位执行。</p>${cs.length ? `<p>创新工作${cs.length}项：予以认定${yes}项，不予认定${cs.length - yes}项（不予认定的不计分，也不扣分）。</p>` : ""}` };
  },
  return: () => {
    const n = $$("textarea.review").filter(t => t.value.trim()).length;
    const overall = $("#return-overall").value.trim();
    return { title: `退回${unitName(p.code)}的指标表？`, ok: "退回修改", danger: true,
      body: `<p>单位将看到${overall ? "总体意见和" : ""}${n}条逐项意见，修改后重新报送。</p>${!overall && !n ? `<p class="late">还没有填写任何意见。</p>` : ""}` };
  },
};

// ---------------------------------------------------------------- contacts

function renderContacts() {
  const editable = session.me.role === "unit" || session.me.role === "office";
  return `<section id="contacts-section" class="annex"><h3>督查工作联系人</h3>
    <p class="note">报送指标表须同时提交本单位督查工作部门负责人、工作人员情况；提醒邮件发往所填电子邮箱。</p>${slot("contacts")}
    <div id="contacts">${contactRows(p.contacts, "contacts", editable)}</div>
    ${editable ? `<div class="actions"><button type="button" id="add-contact" data-action="add-contact" class="mini">＋ 添加联系人</button> <button type="button" id="save-contacts" data-action="save-contacts">保存联系人</button></div><div id="contacts-result"></div>` : ""}</section>`;
}

function drawContacts() { $("#contacts").innerHTML = contactRows(p.contacts, "contacts", true); }

async function saveContacts() {
  const box = $("#contacts-result");
  try {
    const cs = await api("PUT", `/units/${enc(p.code)}/contacts`, p.contacts);
    p.contacts = cs; p.unit.contacts = cs;
    drawContacts();
    box.innerHTML = message("ok", `联系人已保存（${cs.length}人）`);
  } catch (e) {
    if (e.status === 401) throw e;
    for (const el of $$("#contacts .vmsg")) el.remove();
    for (const v of e.details || []) {
      // The contacts are sent as a list: the paths start at its index.
      const el = $(`#contacts [data-path="${CSS.escape("contacts" + v.path)}"]`);
      if (el) putMark(el, v.message);
    }
    box.innerHTML = message("error", esc(e.message) + "，请按标出的位置修改。");
  }
}

// ---------------------------------------------------------------- history

function renderHistory() {
  const h = p.history;
  if (!h.length) return "";
  let html = `<section class="annex" id="history"><h3>报送记录</h3><table class="list"><thead><tr><th>时间</th><th>操作</th><th>操作人</th><th>之后状态</th><th>版本</th><th>意见与内容</th></tr></thead><tbody>`;
  h.forEach((e, i) => {
    let detail = "";
    if (e.comment) detail += `<div><b>总体意见：</b>${esc(e.comment)}</div>`;
    if (e.comments) detail += Object.keys(e.comments).sort().map(k => `<div><b>${esc(k)} ${esc(itemName("party", k) || itemName("business", k))}：</b>${esc(e.comments[k])}</div>`).join("");
    if (e.innovation_certified) detail += `<div>创新工作：${e.innovation_certified.map((c, k) => `第${k + 1}项${c ? "予以认定" : "不予认定"}`).join("，") || "无"}</div>`;
    if (e.document) detail += `<button type="button" class="mini" data-action="history-doc" data-history="${i}">查看报送的内容</button>`;
    // The row's data-action is the entry's action, not a handler: only
    // links and buttons act (events.js).
    html += `<tr data-history-row="${i}" data-action="${esc(e.action)}"><td>${esc(fmtTime(e.at))}</td><td>${esc(label("actions", e.action))}</td><td>${esc(["return", "certify", "release", "score"].includes(e.action) ? `市总工会办公室（${e.actor}）` : e.actor)}</td>
      <td>${stateBadge(e.state)}</td><td>${e.version}</td><td>${detail}</td></tr>`;
  });
  return html + `</tbody></table><div id="history-doc"></div></section>`;
}

function showHistoryDoc(btn) {
  const e = p.history[Number(btn.dataset.history)];
  const box = $("#history-doc");
  box.innerHTML = `<h4>${esc(fmtTime(e.at))} ${esc(label("actions", e.action))}的内容（版本${e.version}）<button type="button" class="mini" id="close-history" data-action="close-history">收起</button></h4>
    <p class="hint">与当前内容不同的单元格以黄色标出。</p>` + renderDoc(modelFrom(e.document), { editable: false, compare: docOf(p.model).doc });
  box.scrollIntoView();
}

// ---------------------------------------------------------------- Excel

async function exportXlsx() {
  const name = await saveFile(`${p.base}/export.xlsx`, exportName(p));
  show(message("ok", `已导出“${esc(name)}”。`));
}

// importXlsx uploads the workbook as the draft's next version; with unsaved
// edits on the page it asks once more first.
async function importXlsx(form) {
  const res = form.querySelector(".form-result");
  const input = form.file;
  if (!input.files.length) { res.innerHTML = message("error", "请先选择要导入的.docx或.xlsx文件"); return; }
  const btn = form.querySelector('button[type="submit"]');
  if (p.dirty && !btn.dataset.armed) {
    btn.dataset.armed = "1";
    btn.textContent = "确认导入";
    res.innerHTML = message("info", "页面上有未保存的修改，导入将用文件内容替换它们。确认请再点“确认导入”。");
    return;
  }
  const file = input.files[0];
  const fd = new FormData();
  fd.append("file", file, file.name);
  try {
    const v = await sendForm(`${p.base}/import?version=${p.version}`, fd);
    dropBackup();
    await open({ unit: p.code });
    const proposed = (v.business || []).some(ind => (ind.works || []).some(w => w.covers_proposed));
    $("#xlsx-result").innerHTML = message("ok", `已从“${esc(file.name)}”导入指标表（版本${v.version}），表格已更新。${proposed ? "文件中没有“须包括”栏，业务指标各项工作涵盖的须包括事项是按工作内容推测的，请逐项核对后勾选或点“确认”。" : ""}请“检查”无误后报送。`);
  } catch (e) {
    if (e.status === 401) throw e;
    delete btn.dataset.armed;
    btn.textContent = "从Word或Excel导入";
    res.innerHTML = importError(e);
  }
}

// ---------------------------------------------------------------- events

function reload() {
  dropBackup();
  return open({ unit: p.code });
}

export const actions = {
  ...channelActions,
  save, validate, submit, overwrite, certify,
  return: returnSubmission,
  "reload-latest": reload,
  discard: reload,
  undo: () => {
    if (!p.undo) return;
    p.model = p.undo.model; p.undo = null;
    markDirty();
    render(true);
    show(message("info", "已撤销"));
  },
  "goto-field": a => gotoField(fieldOf, a),
  "add-work": btn => structural(m => getPath(m, btn.dataset.at).works.push(emptyWork(tokens(btn.dataset.at)[0]))),
  "del-work": btn => structural(m => removeAt(m, btn.dataset.at), "已删除一项具体工作"),
  "add-node": btn => structural(m => getPath(m, btn.dataset.at).nodes.push(emptyNode())),
  "del-node": btn => structural(m => removeAt(m, btn.dataset.at), "已删除一个时间节点"),
  "add-inno": () => structural(m => m.innovation.push(emptyInnovation())),
  "del-inno": btn => structural(m => m.innovation.splice(tokens(btn.dataset.at)[1], 1), "已删除一项创新工作"),
  "confirm-covers": btn => structural(m => { delete getPath(m, btn.dataset.at).covers_proposed; }),
  "add-contact": () => { p.contacts.push(emptyContact(p.contacts)); drawContacts(); },
  "del-contact": btn => { p.contacts.splice(Number(btn.dataset.index), 1); drawContacts(); },
  "save-contacts": saveContacts,
  "history-doc": showHistoryDoc,
  "close-history": () => { $("#history-doc").innerHTML = ""; },
  "export-xlsx": exportXlsx,
};

export const forms = { ...channelForms, "xlsx-import": importXlsx };

export function input(el) {
  if (!p) return;
  if (el.matches("[data-bind]") && p.editable) {
    setPath(p.model, el.closest(".f").dataset.path, el.value);
    markDirty();
  } else if (el.matches("#contacts [data-contact]")) editContact(p.contacts, el);
}

export function change(el) {
  if (channelChange(el) || !p || !p.editable) return;
  if (el.matches("[data-cover]")) {
    const wp = el.dataset.cover;
    const boxes = $$(`input[data-cover="${CSS.escape(wp)}"]`);
    const w = getPath(p.model, wp);
    const unknown = (w.covers || []).filter(c => !boxes.some(b => b.value === c));
    w.covers = boxes.filter(b => b.checked).map(b => b.value).concat(unknown);
    delete w.covers_proposed;
    markDirty();
  } else if (el.matches("select[data-bind]")) {
    setPath(p.model, el.closest(".f").dataset.path, el.value);
    markDirty();
  }
}

// fail shows an action's error with the violations' fields named from the
// tables being edited.
export function fail(e) {
  if (e.status !== 401) show(errorBox(e, "", p && p.model));
  return true;
}
