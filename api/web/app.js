// 工会实绩考核 — the pages for district units, the office and leaders.
// Plain JavaScript on the JSON API (/api/v1) with the bearer token; no
// framework and no build step. The forms are built from the plan the server
// sends (GET /api/v1/plans/{year}), so a new year's plan needs no change here.
"use strict";

// ---------------------------------------------------------------- basics

const stateNames = { none: "未填报", draft: "草稿", submitted: "已报送", returned: "已退回", certified: "已认定", executing: "执行中", scored: "已计分" };
const roleNames = { office: "市总工会办公室", unit: "区总工会", viewer: "领导（只读）" };
const actionNames = {
  save: "修改", submit: "报送", return: "退回", certify: "认定", release: "返各单位执行", score: "计分",
  login: "登录", logout: "退出", "unit.create": "新建单位", "user.create": "新建账号", "contacts.set": "修改联系人",
  "user.password": "修改密码", "submission.save": "保存指标表", "submission.submit": "报送指标表", "submission.return": "退回指标表",
  "submission.certify": "认定指标表", "submission.release": "返各单位执行", "submission.score": "计分",
};
const fieldNames = {
  points: "分值", title: "名称", due: "时间节点", target: "工作目标", standard: "完成标准", evidence: "佐证材料",
  content: "核心内容", effect: "预期成效", code: "代码", covers: "须包括事项", works: "具体工作", nodes: "序时进度",
  name: "姓名", position: "职务", phone: "电话", mobile: "手机", email: "电子邮箱", username: "用户名", password: "密码",
  role: "角色", unit_code: "所属单位", comment: "退回意见",
};
const catNames = { party: "党建指标", business: "业务指标", innovation: "创新指标", contacts: "督查工作联系人" };

const S = { me: null, plans: [], plan: null, year: 0, units: {} }; // session-wide state
// routes and navLinks let the later scripts (exec.js) add pages: a route is
// {re, fn(match)}; a nav link function returns HTML for the signed-in user.
const routes = [];
const navLinks = [];
// unitTools add to a unit's submission page: each returns HTML for the
// page state (scoring.js: Excel export and import).
const unitTools = [];
// overviewBanners add notices at the top of the overview: each is an async
// function returning HTML for the signed-in user (notify.js: failed mail).
const overviewBanners = [];
let page = null; // the state of the submission page while it is shown

function token() { return localStorage.getItem("kaohe_token"); }

// api calls the JSON API and returns the decoded body; a failure throws an
// Error with status, code and the error body of the SPEC shape.
async function api(method, path, body) {
  const opts = { method, headers: { Accept: "application/json" } };
  if (token()) opts.headers.Authorization = "Bearer " + token();
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let resp;
  try { resp = await fetch("/api/v1" + path, opts); } catch (e) { throw Object.assign(new Error("无法连接服务器，请检查网络后重试"), { status: 0 }); }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (resp.status === 401 && path !== "/login") {
    localStorage.removeItem("kaohe_token");
    S.me = null;
  }
  if (!resp.ok) {
    const err = (data && data.error) || {};
    const e = new Error(err.message || resp.statusText || "请求失败");
    e.status = resp.status; e.code = err.code; e.details = err.details || []; e.warnings = err.warnings || [];
    throw e;
  }
  return data;
}

function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
function fmtTime(t) { return t ? new Date(t).toLocaleString("zh-CN", { timeZone: (S.plan && S.plan.zone) || "Asia/Shanghai", hour12: false }) : ""; }
function stateLabel(s) { return `<span class="state state-${esc(s)}">${esc(stateNames[s] || s)}</span>`; }
const $ = sel => document.querySelector(sel);
const $$ = (sel, root) => [...(root || document).querySelectorAll(sel)];
const app = () => $("#app");

function message(kind, html) { return `<div class="${kind}" role="${kind === "error" ? "alert" : "status"}">${html}</div>`; }
function errorBox(e, extra) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.details && e.details.length) html += "<ul>" + e.details.map(v => `<li>${esc(pathLabel(v.path))}：${esc(v.message)}</li>`).join("") + "</ul>";
  return message("error", html + (extra || ""));
}
function show(html) { const r = $("#result"); if (r) { r.innerHTML = html; r.scrollIntoView({ block: "nearest" }); } }

// ---------------------------------------------------------------- points

// Points are exact to the hundredth: sums are done in integer hundredths.
function toCents(v) {
  const n = parsePoints(v);
  return n === null ? NaN : Math.round(n * 100);
}
function parsePoints(v) {
  if (typeof v === "number") return v;
  const s = String(v == null ? "" : v).trim().replace(/[０-９．]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
  if (s === "") return 0;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}
function fmtCents(c) { return Number.isNaN(c) ? "?" : String(c / 100); }

// ---------------------------------------------------------------- paths

// tokens splits "business[2].works[0].due" into ["business", 2, "works", 0, "due"].
function tokens(path) {
  const out = [];
  String(path).replace(/([^.[\]]+)|\[(\d+)\]/g, (m, name, idx) => { out.push(idx !== undefined ? Number(idx) : name); return m; });
  return out;
}
function getPath(obj, path) {
  let v = obj;
  for (const t of tokens(path)) { if (v == null) return undefined; v = v[t]; }
  return v;
}
function setPath(obj, path, value) {
  const ts = tokens(path);
  let v = obj;
  for (const t of ts.slice(0, -1)) v = v[t];
  v[ts[ts.length - 1]] = value;
}
function parentPath(path) {
  const m = String(path).match(/^(.*?)(\.[^.[\]]+|\[\d+\])$/);
  return m ? m[1] : "";
}

// pathLabel turns a violation path into words a person can find on the page.
function pathLabel(path) {
  const ts = tokens(path);
  const out = [];
  const doc = page && page.model;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const next = ts[i + 1];
    if (catNames[t] && i === 0) {
      if ((t === "party" || t === "business") && typeof next === "number") {
        const ind = doc && doc[t][next];
        const code = ind ? ind.code : "";
        out.push(`${catNames[t]}${code} ${itemName(t, code)}`.trim()); i++;
      } else if (t === "innovation" && typeof next === "number") { out.push(`创新指标第${next + 1}项`); i++; }
      else if (t === "contacts" && typeof next === "number") { out.push(`联系人第${next + 1}人`); i++; }
      else out.push(catNames[t]);
    } else if (t === "works" && typeof next === "number") { out.push(`第${next + 1}项具体工作`); i++; }
    else if (t === "nodes" && typeof next === "number") { out.push(`第${next + 1}个节点`); i++; }
    else if (t === "covers" && typeof next === "number") { out.push("须包括事项"); i++; }
    else if (typeof t === "number") out.push(`第${t + 1}人`);
    else out.push(fieldNames[t] || t);
  }
  return out.join(" · ") || "整体";
}

// ---------------------------------------------------------------- plan

function itemName(cat, code) {
  const c = S.plan && S.plan[cat];
  const it = c && c.items && c.items.find(i => i.code === code);
  return it ? it.name : "";
}
function planItem(cat, code) {
  const c = S.plan && S.plan[cat];
  return (c && c.items && c.items.find(i => i.code === code)) || { code, name: "", required: [] };
}
function checkpointName(date) {
  const c = S.plan.checkpoints.find(x => x.date === date);
  return c ? c.name : date;
}
function emptyNode() { return { due: "", target: "", points: "", standard: "", evidence: "" }; }
function emptyWork(cat) { const w = { title: "", points: "", nodes: [emptyNode()] }; if (cat === "business") w.covers = []; return w; }

// modelFrom returns the editable copy of a document, with the indicators in
// the plan's order: every indicator of the plan has its row, and an
// indicator the plan does not know is kept at the end so nothing is lost.
function modelFrom(doc) {
  doc = JSON.parse(JSON.stringify(doc || {}));
  const m = { party: [], business: [], innovation: doc.innovation || [] };
  for (const cat of ["party", "business"]) {
    const given = doc[cat] || [];
    const used = new Set();
    for (const it of S.plan[cat].items) {
      const k = given.findIndex((ind, i) => !used.has(i) && ind.code === it.code);
      if (k >= 0) { used.add(k); m[cat].push(given[k]); } else m[cat].push({ code: it.code, points: "", works: [emptyWork(cat)] });
    }
    given.forEach((ind, i) => { if (!used.has(i)) m[cat].push(ind); });
    for (const ind of m[cat]) {
      ind.works = ind.works || [];
      for (const w of ind.works) { w.nodes = w.nodes || []; if (cat === "business") w.covers = w.covers || []; }
    }
  }
  for (const it of m.innovation) it.nodes = it.nodes || [];
  return m;
}

// docOf converts the model to the request document: points become JSON
// numbers; bad lists the paths whose points are not numbers.
function docOf(model) {
  const bad = [];
  const pts = (v, path) => { const n = parsePoints(v); if (n === null) { bad.push(path); return 0; } return n; };
  const nodes = (list, p) => list.map((n, k) => ({ due: n.due, target: n.target, points: pts(n.points, `${p}.nodes[${k}].points`), standard: n.standard, evidence: n.evidence }));
  const doc = {};
  for (const cat of ["party", "business"]) {
    doc[cat] = model[cat].map((ind, i) => ({
      code: ind.code, points: pts(ind.points, `${cat}[${i}].points`),
      works: ind.works.map((w, j) => {
        const p = `${cat}[${i}].works[${j}]`;
        const out = { title: w.title, points: pts(w.points, p + ".points"), nodes: nodes(w.nodes, p) };
        if (cat === "business") out.covers = w.covers || [];
        if (cat === "business" && w.covers_proposed) out.covers_proposed = true;
        return out;
      }),
    }));
  }
  doc.innovation = model.innovation.map((it, i) => ({
    title: it.title, content: it.content, effect: it.effect, points: pts(it.points, `innovation[${i}].points`), nodes: nodes(it.nodes, `innovation[${i}]`),
  }));
  return { doc, bad };
}

// ---------------------------------------------------------------- shell

function renderNav() {
  const nav = $("#nav");
  if (!S.me) { nav.innerHTML = ""; return; }
  const m = S.me;
  let who = roleNames[m.role] || m.role;
  if (m.role === "unit") who = S.units[m.unit_code] ? S.units[m.unit_code] : `${roleNames.unit}（${m.unit_code}）`;
  let links = `<a href="#/">概览</a>`;
  if (m.role === "unit") links += `<a href="#/units/${encodeURIComponent(m.unit_code)}">本单位指标表</a>`;
  links += navLinks.map(f => f(m)).join("");
  if (m.role === "office") links += `<a href="#/admin">单位与账号</a><a href="#/audit">操作日志</a>`;
  nav.innerHTML = `${links}<span id="whoami" data-role="${esc(m.role)}">${esc(m.username)}<small>${esc(who)}</small></span><button type="button" id="logout">退出登录</button>`;
}

function loginPage(msg) {
  $("#nav").innerHTML = "";
  app().innerHTML = `<section class="login-wrap"><h2>登录</h2>${msg ? message("error", esc(msg)) : ""}
  <form class="login" id="login-form">
    <label>用户名 <input name="username" id="username" autocomplete="username" required autofocus></label>
    <label>密码 <input name="password" id="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" id="login-button" class="primary">登录</button>
  </form><p class="hint">账号由市总工会办公室分配。忘记密码请联系办公室重置。</p></section>`;
}

async function login(form) {
  try {
    const r = await api("POST", "/login", { username: form.username.value.trim(), password: form.password.value });
    localStorage.setItem("kaohe_token", r.token);
    S.me = null;
    if (location.hash === "" || location.hash === "#/" || location.hash === "#/login") { location.hash = "#/"; await route(); } else await route();
  } catch (e) { loginPage(e.message); }
}

async function logout() {
  try { await api("POST", "/logout"); } catch (e) { /* the session is gone either way */ }
  localStorage.removeItem("kaohe_token");
  S.me = null; page = null;
  location.hash = "#/login";
  loginPage();
}

async function loadSession() {
  S.me = await api("GET", "/me");
  S.plans = await api("GET", "/plans");
  S.plans.sort((a, b) => b.year - a.year);
  S.plan = S.plans[0] || null;
  S.year = S.plan ? S.plan.year : 0;
  S.units = {};
  const us = await api("GET", "/units");
  for (const u of us) S.units[u.code] = u.name;
}

let routing = 0;
async function route() {
  const seq = ++routing;
  const h = location.hash || "#/";
  page = null;
  try {
    if (!token()) return loginPage();
    if (!S.me) await loadSession();
    if (seq !== routing) return;
    renderNav();
    if (h === "#/login") { location.hash = "#/"; return; }
    if (!S.plan) { app().innerHTML = message("error", "还没有载入任何考核方案。"); return; }
    let m;
    if ((m = h.match(/^#\/units\/([^/]+)$/))) return await unitPage(decodeURIComponent(m[1]));
    for (const r of routes) { const rm = h.match(r.re); if (rm) return await r.fn(rm); }
    if (h === "#/admin") return await adminPage();
    if (h === "#/audit") return await auditPage();
    return await overviewPage();
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    app().innerHTML = errorBox(e, `<p><a href="#/">返回概览</a></p>`);
  }
}

// ---------------------------------------------------------------- overview

async function overviewPage() {
  const p = S.plan;
  const [subs, banners] = await Promise.all([api("GET", `/plans/${S.year}/submissions`), Promise.all(overviewBanners.map(f => f()))]);
  const count = st => subs.filter(s => s.state === st).length;
  const late = subs.filter(s => s.late).length;
  let html = `<h2>${esc(p.title || S.year + "年度实绩考核")}</h2>
  ${banners.join("")}<p class="deadline">指标表报送截止：<strong>${esc(p.deadline.date)} ${esc(p.deadline.time)}</strong>${p.deadline.due && p.deadline.due.moved ? `（${esc(p.deadline.due.label)}）` : ""}（${esc(p.zone)}）；时间节点：<span id="checkpoint-dues">${p.checkpoints.map(c => esc(c.due ? c.due.label : c.name)).join("、")}</span></p>`;
  if (S.me.role !== "unit") {
    html += `<ul class="stats" id="stats"><li>单位 <b>${subs.length}</b></li><li>未填报 <b>${count("none")}</b></li><li>草稿 <b>${count("draft")}</b></li>
      <li>已报送 <b>${count("submitted")}</b></li><li>已退回 <b>${count("returned")}</b></li><li>已认定 <b>${count("certified")}</b></li>
      <li>执行中 <b>${count("executing")}</b></li><li class="${late ? "late" : ""}">迟报 <b>${late}</b></li></ul>`;
  }
  html += `<table id="overview" class="list"><thead><tr><th>序号</th><th>单位</th><th>状态</th><th>版本</th><th>报送时间</th><th>迟报</th><th></th></tr></thead><tbody>`;
  subs.forEach((s, i) => {
    html += `<tr data-unit="${esc(s.unit)}" data-state="${esc(s.state)}"><td>${i + 1}</td><td><a href="#/units/${encodeURIComponent(s.unit)}">${esc(s.name)}</a></td>
      <td>${stateLabel(s.state)}</td><td>${s.version || ""}</td><td>${esc(fmtTime(s.submitted_at))}</td><td>${s.late ? '<span class="late">迟报</span>' : ""}</td>
      <td><a class="button" href="#/units/${encodeURIComponent(s.unit)}">${S.me.role === "unit" && ["none", "draft", "returned"].includes(s.state) ? "填报" : "查看"}</a>${s.state === "executing" || s.state === "scored" ? ` <a class="button" href="#/exec/${encodeURIComponent(s.unit)}">执行情况</a>` : ""}</td></tr>`;
  });
  if (!subs.length) html += `<tr><td colspan="7" class="empty">还没有单位。${S.me.role === "office" ? '请到<a href="#/admin">单位与账号</a>新建。' : ""}</td></tr>`;
  html += "</tbody></table>";
  if (S.me.role === "office") {
    const n = count("certified");
    html += `<div class="actions"><button type="button" id="release" class="primary" ${n ? "" : "disabled"}>将已认定的${n}份指标表返各单位执行</button></div>`;
  }
  html += `<div id="result"></div>`;
  app().innerHTML = html;
}

async function release() {
  try {
    const r = await api("POST", `/plans/${S.year}/release`);
    await overviewPage();
    show(message("ok", `已返各单位执行：${esc(r.released.map(c => S.units[c] || c).join("、"))}`));
  } catch (e) { show(errorBox(e)); }
}

// ---------------------------------------------------------------- submission page

function backupKey(unit) { return `kaohe_backup_${S.year}_${unit}_${S.me.username}`; }

async function unitPage(code) {
  const base = `/plans/${S.year}/units/${encodeURIComponent(code)}/submission`;
  const unit = await api("GET", `/units/${encodeURIComponent(code)}`);
  let sub = null;
  try { sub = await api("GET", base); } catch (e) { if (e.status !== 404) throw e; }
  let history = [];
  if (sub) history = await api("GET", base + "/history");
  const role = S.me.role;
  const editable = (role === "unit" || role === "office") && (!sub || sub.state === "draft" || sub.state === "returned");
  page = {
    code, base, unit, sub, history, editable,
    review: role === "office" && sub && sub.state === "submitted",
    model: modelFrom(sub), version: sub ? sub.version : 0, dirty: false,
    violations: [], warnings: [], undo: null, restored: null,
    contacts: JSON.parse(JSON.stringify(unit.contacts || [])),
  };
  if (editable) {
    const saved = localStorage.getItem(backupKey(code));
    if (saved) {
      try {
        const b = JSON.parse(saved);
        if (JSON.stringify(docOf(b.model).doc) !== JSON.stringify(docOf(page.model).doc)) {
          page.model = b.model; page.version = b.version; page.dirty = true; page.restored = b;
        } else localStorage.removeItem(backupKey(code));
      } catch (e) { localStorage.removeItem(backupKey(code)); }
    }
  } else localStorage.removeItem(backupKey(code));
  renderUnitPage();
}

function renderUnitPage(keepScroll) {
  const y = window.scrollY;
  const p = page, sub = p.sub, role = S.me.role;
  const st = sub ? sub.state : "none";
  let html = `<h2>${esc(p.unit.name)} ${S.year}年度实绩考核指标表</h2>
  <p id="sub-state" data-state="${esc(st)}">状态：${stateLabel(st)}`;
  if (sub) html += ` · 版本 <span id="sub-version">${sub.version}</span>`;
  if (sub && sub.submitted_at) html += ` · 报送时间 ${esc(fmtTime(sub.submitted_at))}`;
  if (sub && sub.late) html += ` <span class="late">迟报</span>`;
  if (sub) html += ` · 最后修改 ${esc(fmtTime(sub.updated_at))}`;
  html += `</p>`;
  if (!sub && p.editable) html += message("info", `尚未填报。请按考核方案填写下面三张表，随时可以“保存”，填好后“检查”无误再“报送”。报送截止：${esc(S.plan.deadline.date)} ${esc(S.plan.deadline.time)}。`);
  if (sub && sub.comment) html += `<div class="comment-box" id="return-comment"><b>市总工会办公室退回意见：</b>${esc(sub.comment)}</div>`;
  if (sub && sub.comments && Object.keys(sub.comments).length) html += `<p class="hint">各指标的退回意见显示在对应指标旁。</p>`;
  if (p.review) html += message("info", `请逐项审阅。需要修改的指标，在该指标旁填写意见；页面底部可<a href="#review">退回修改或认定</a>。`);
  if (p.restored) html += message("info", `已恢复您上次未保存的修改（基于版本${p.restored.version}，${esc(fmtTime(p.restored.at))}）。请保存，或 <button type="button" id="discard">放弃这些修改</button>`);
  if (p.editable) {
    html += `<div class="toolbar" id="toolbar"><button type="button" id="save">保存</button><button type="button" id="validate">检查</button>
      <button type="button" id="submit" class="primary">报送市总工会办公室</button><span id="dirty" class="dirty">${p.dirty ? "有未保存的修改" : ""}</span></div>`;
  }
  html += unitTools.map(f => f(p)).join("");
  html += `<div id="result"></div><div id="violations"></div>`;
  html += `<div id="tables">${renderDoc(p.model, { editable: p.editable, comments: sub && sub.comments, review: p.review, certified: sub && sub.innovation_certified })}</div>`;
  if (p.review) {
    html += `<section class="review-panel" id="review"><h3>审核</h3>
      <label class="field">总体退回意见 <textarea id="return-overall" rows="2" placeholder="退回时填写；也可只在各指标旁填写意见"></textarea></label>
      <button type="button" id="return" class="danger">退回修改</button>
      <p class="hint">认定：请在创新指标表中勾选予以认定的创新工作，未勾选的不予认定。</p>
      <button type="button" id="certify" class="primary">认定指标表</button></section>`;
  }
  html += renderContacts();
  html += renderHistory();
  app().innerHTML = html;
  autosizeAll();
  updateSums();
  applyMarks();
  if (keepScroll) window.scrollTo(0, y);
}

// renderDoc renders the three annexes. opts: editable, comments (the
// office's comments while returned), review (office comment boxes),
// certified (decisions), compare (an older document: changed cells marked).
function renderDoc(doc, opts) {
  return renderCategory("party", doc, opts) + renderCategory("business", doc, opts) + renderInnovation(doc, opts);
}

function field(path, kind, value, opts, extra) {
  let ctl;
  const v = value == null ? "" : value;
  const changed = opts.compare && String(getPath(opts.compare, path) ?? "") !== String(v);
  if (!opts.editable) {
    ctl = kind === "due" ? `<span class="ro">${esc(v ? checkpointName(v) : "")}</span>` : `<span class="ro">${esc(v)}</span>`;
  } else if (kind === "area") {
    ctl = `<textarea data-bind rows="1" aria-label="${esc(pathLabel(path))}">${esc(v)}</textarea>`;
  } else if (kind === "points") {
    ctl = `<input data-bind class="pts" inputmode="decimal" value="${esc(v)}" aria-label="${esc(pathLabel(path))}"${extra || ""}>`;
  } else if (kind === "due") {
    const cps = S.plan.checkpoints;
    let o = `<option value="">请选择</option>` + cps.map(c => `<option value="${esc(c.date)}"${c.date === v ? " selected" : ""} title="${esc(c.date)}">${esc(c.name || c.date)}</option>`).join("");
    if (v && !cps.some(c => c.date === v)) o += `<option value="${esc(v)}" selected>${esc(v)}</option>`;
    ctl = `<select data-bind aria-label="${esc(pathLabel(path))}">${o}</select>`;
  } else {
    ctl = `<input data-bind value="${esc(v)}" aria-label="${esc(pathLabel(path))}">`;
  }
  return `<div class="f${changed ? " changed" : ""}" data-path="${esc(path)}">${ctl}</div>`;
}

function slot(path) { return `<div class="slot" data-path="${esc(path)}"></div>`; }
function actBtn(act, at, label, disabled) { return `<button type="button" class="mini" data-act="${act}" data-at="${esc(at)}"${disabled ? " disabled" : ""}>${label}</button>`; }

function renderCategory(cat, doc, opts) {
  const c = S.plan[cat];
  const biz = cat === "business";
  const inds = doc[cat];
  let html = `<section class="annex" id="annex-${cat}"><h3>附件${c.annex} ${esc(c.name)}<span class="total" data-total="${cat}"></span></h3>
    <p class="note">${esc(c.note)}</p>${slot(cat)}
    <div class="sheet-wrap"><table class="sheet ${cat}"><colgroup><col class="c-ind"><col class="c-work">${biz ? '<col class="c-cover">' : ""}<col class="c-due"><col class="c-text"><col class="c-pts"><col class="c-text"><col class="c-text">${opts.editable ? '<col class="c-op">' : ""}</colgroup>
    <thead><tr><th>指标名称及分值</th><th>具体工作及分值</th>${biz ? "<th>须包括</th>" : ""}<th>时间节点</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料</th>${opts.editable ? "<th></th>" : ""}</tr></thead>`;
  inds.forEach((ind, i) => {
    const ip = `${cat}[${i}]`;
    const item = planItem(cat, ind.code);
    const works = ind.works.length ? ind.works : [null];
    const rows = works.reduce((n, w) => n + (w && w.nodes.length ? w.nodes.length : 1), 0);
    html += `<tbody class="ind" data-ind="${esc(ind.code)}">`;
    let first = true;
    works.forEach((w, j) => {
      const wp = `${ip}.works[${j}]`;
      const nodes = w && w.nodes.length ? w.nodes : [null];
      nodes.forEach((n, k) => {
        const np = `${wp}.nodes[${k}]`;
        html += "<tr>";
        if (first) {
          first = false;
          html += `<td rowspan="${rows}" class="ind-cell"><div class="ind-name"><b>${esc(ind.code)}</b> ${esc(item.name || "（方案中没有此指标）")}</div>
            <div class="pts-line">${field(ip + ".points", "points", ind.points, opts)}<span class="unit">分</span><span class="range">（${c.min}–${c.max}分）</span></div>
            <div class="sum" data-sum-ind="${ip}"></div>${slot(ip + ".code")}${slot(ip + ".works")}`;
          if (biz && item.required && item.required.length) {
            html += `<ul class="req" data-req="${ip}">${item.required.map(r => `<li data-code="${esc(r.code)}" title="${esc(r.text)}"><span class="mark"></span>${esc(r.code)} ${esc(r.text)}</li>`).join("")}</ul>`;
          }
          if (opts.comments && opts.comments[ind.code]) html += `<div class="comment" data-comment-for="${esc(ind.code)}"><b>退回意见：</b>${esc(opts.comments[ind.code])}</div>`;
          if (opts.review) html += `<textarea class="review" data-comment-key="${esc(ind.code)}" rows="2" placeholder="对${esc(ind.code)}的意见（退回时填写）"></textarea>`;
          if (opts.editable) html += actBtn("add-work", ip, "＋ 添加具体工作");
          html += `</td>`;
        }
        if (k === 0) {
          html += `<td rowspan="${nodes.length}" class="work-cell">`;
          if (w) {
            html += `${field(wp + ".title", "area", w.title, opts)}<div class="pts-line">${field(wp + ".points", "points", w.points, opts)}<span class="unit">分</span></div>
              <div class="sum" data-sum-work="${wp}"></div>${slot(wp + ".nodes")}`;
            if (opts.editable) html += `<div class="ops">${actBtn("add-node", wp, "＋ 节点", w.nodes.length >= S.plan.nodes.max)}${actBtn("del-work", wp, "删除此项工作")}</div>`;
          } else html += `<span class="empty">尚无具体工作</span>`;
          html += `</td>`;
          if (biz) {
            html += `<td rowspan="${nodes.length}" class="cover-cell">`;
            if (w) {
              html += `<div class="f covers" data-path="${esc(wp)}.covers">` + (item.required || []).map(r => {
                const on = (w.covers || []).includes(r.code);
                return opts.editable
                  ? `<label title="${esc(r.text)}"><input type="checkbox" data-cover="${esc(wp)}" value="${esc(r.code)}"${on ? " checked" : ""}>${esc(r.code)}</label>`
                  : (on ? `<span class="tag" title="${esc(r.text)}">${esc(r.code)}</span>` : "");
              }).join("") + ((w.covers || []).filter(x => !(item.required || []).some(r => r.code === x)).map(x => `<span class="tag bad">${esc(x)}</span>`).join("")) + `</div>`;
              // Covers an import proposed from the work's text wait for the
              // unit: ticking a box, or 确认, confirms them.
              if (w.covers_proposed) html += `<div class="proposed" data-proposed="${esc(wp)}">导入时按工作内容推测，请核对${opts.editable ? " " + actBtn("confirm-covers", wp, "确认") : ""}</div>`;
            }
            html += `</td>`;
          }
        }
        if (n) {
          html += `<td>${field(np + ".due", "due", n.due, opts)}</td><td>${field(np + ".target", "area", n.target, opts)}</td><td>${field(np + ".points", "points", n.points, opts)}</td>
            <td>${field(np + ".standard", "area", n.standard, opts)}</td><td>${field(np + ".evidence", "area", n.evidence, opts)}</td>`;
          if (opts.editable) html += `<td class="op">${actBtn("del-node", np, "删除", w.nodes.length <= 1)}</td>`;
        } else {
          html += `<td colspan="5" class="empty">${w ? "尚无时间节点" : ""}</td>`;
          if (opts.editable) html += `<td></td>`;
        }
        html += "</tr>";
      });
    });
    html += `</tbody>`;
  });
  html += `</table></div></section>`;
  return html;
}

function renderInnovation(doc, opts) {
  const r = S.plan.innovation;
  const items = doc.innovation;
  let html = `<section class="annex" id="annex-innovation"><h3>附件${r.annex} ${esc(r.name)}<span class="count">（${items.length}/${r.max_items}项）</span></h3>
    <p class="note">${esc(r.note)}</p>${slot("innovation")}`;
  if (opts.comments && opts.comments.innovation) html += `<div class="comment" data-comment-for="innovation"><b>退回意见：</b>${esc(opts.comments.innovation)}</div>`;
  if (opts.review) html += `<textarea class="review" data-comment-key="innovation" rows="2" placeholder="对创新指标的意见（退回时填写）"></textarea>`;
  html += `<div class="sheet-wrap"><table class="sheet innovation"><thead><tr>${opts.review || opts.certified ? "<th>认定</th>" : ""}<th>创新工作名称及分值</th><th>核心内容</th><th>预期成效</th><th>时间节点</th><th>工作目标</th><th>分值</th><th>完成标准</th><th>佐证材料</th>${opts.editable ? "<th></th>" : ""}</tr></thead>`;
  items.forEach((it, i) => {
    const ip = `innovation[${i}]`;
    const nodes = it.nodes.length ? it.nodes : [null];
    html += `<tbody class="ind" data-ind="innovation-${i}">`;
    nodes.forEach((n, k) => {
      const np = `${ip}.nodes[${k}]`;
      html += "<tr>";
      if (k === 0) {
        const rs = `rowspan="${nodes.length}"`;
        if (opts.review) html += `<td ${rs} class="cert-cell"><label><input type="checkbox" class="cert" data-index="${i}"> 予以认定</label></td>`;
        else if (opts.certified) html += `<td ${rs} class="cert-cell">${opts.certified[i] ? '<span class="ok-tag">已认定</span>' : '<span class="no-tag">未认定</span>'}</td>`;
        html += `<td ${rs} class="work-cell">${field(ip + ".title", "area", it.title, opts)}<div class="pts-line">${field(ip + ".points", "points", it.points, opts)}<span class="unit">分</span><span class="range">（≤${r.max_points}分，步长${r.step}）</span></div>
          <div class="sum" data-sum-work="${ip}"></div>${slot(ip + ".nodes")}`;
        if (opts.editable) html += `<div class="ops">${actBtn("add-node", ip, "＋ 节点", it.nodes.length >= S.plan.nodes.max)}${actBtn("del-inno", ip, "删除此项创新工作")}</div>`;
        html += `</td><td ${rs}>${field(ip + ".content", "area", it.content, opts)}</td><td ${rs}>${field(ip + ".effect", "area", it.effect, opts)}</td>`;
      }
      if (n) {
        html += `<td>${field(np + ".due", "due", n.due, opts)}</td><td>${field(np + ".target", "area", n.target, opts)}</td><td>${field(np + ".points", "points", n.points, opts)}</td>
          <td>${field(np + ".standard", "area", n.standard, opts)}</td><td>${field(np + ".evidence", "area", n.evidence, opts)}</td>`;
        if (opts.editable) html += `<td class="op">${actBtn("del-node", np, "删除", it.nodes.length <= 1)}</td>`;
      } else {
        html += `<td colspan="5" class="empty">尚无时间节点</td>`;
        if (opts.editable) html += `<td></td>`;
      }
      html += "</tr>";
    });
    html += `</tbody>`;
  });
  if (!items.length) html += `<tbody><tr><td colspan="10" class="empty">未申报创新工作（创新指标不是必填项）</td></tr></tbody>`;
  html += `</table></div>`;
  if (opts.editable) html += actBtn("add-inno", "innovation", "＋ 添加创新工作", items.length >= r.max_items);
  return html + `</section>`;
}

// updateSums refreshes the running totals beside the tables after an edit.
function updateSums() {
  if (!page) return;
  const m = page.model;
  const mark = (el, ok, text) => { if (el) { el.textContent = text; el.classList.toggle("off", !ok); el.classList.toggle("on", ok); } };
  for (const cat of ["party", "business"]) {
    const c = S.plan[cat];
    let total = 0;
    m[cat].forEach((ind, i) => {
      const ip = `${cat}[${i}]`;
      const ic = toCents(ind.points);
      total += ic;
      let ws = 0;
      ind.works.forEach((w, j) => {
        const wc = toCents(w.points);
        ws += wc;
        const ns = w.nodes.reduce((s, n) => s + toCents(n.points), 0);
        mark($(`#tables [data-sum-work="${ip}.works[${j}]"]`), ns === wc, `节点合计 ${fmtCents(ns)} 分`);
      });
      mark($(`#tables [data-sum-ind="${ip}"]`), ws === ic && ind.works.length > 0, `具体工作合计 ${fmtCents(ws)} 分`);
      const req = $(`#tables [data-req="${ip}"]`);
      if (req) {
        const covered = new Set(ind.works.flatMap(w => w.covers || []));
        for (const li of $$("li", req)) li.classList.toggle("covered", covered.has(li.dataset.code));
      }
    });
    mark($(`#tables [data-total="${cat}"]`), total === toCents(c.total), `合计 ${fmtCents(total)} 分 / 应为 ${c.total} 分`);
  }
  m.innovation.forEach((it, i) => {
    const ns = it.nodes.reduce((s, n) => s + toCents(n.points), 0);
    mark($(`#tables [data-sum-work="innovation[${i}]"]`), ns === toCents(it.points), `节点合计 ${fmtCents(ns)} 分`);
  });
  const d = $("#dirty");
  if (d) d.textContent = page.dirty ? "有未保存的修改" : "";
}

// applyMarks shows each violation and warning beside its field: the
// element whose data-path is the violation's path, or the nearest enclosing
// one; all of them are also listed at the top with a link to the field.
function applyMarks() {
  for (const el of $$("#app .vmsg")) el.remove();
  for (const el of $$("#app .bad, #app .warned")) el.classList.remove("bad", "warned");
  if (!page) return;
  const scope = $("#tables");
  const find = path => {
    for (let p = path; p; p = parentPath(p)) {
      const root = p.startsWith("contacts") ? $("#contacts-section") : scope;
      const el = root && root.querySelector(`[data-path="${CSS.escape(p)}"]`);
      if (el) return el;
    }
    return null;
  };
  const put = (v, cls) => {
    const el = find(v.path);
    if (!el) return;
    el.classList.add(cls === "err" ? "bad" : "warned");
    const d = document.createElement("div");
    d.className = "vmsg " + cls;
    d.dataset.rule = v.rule || "";
    d.textContent = (cls === "warn" ? "提示：" : "") + v.message;
    el.appendChild(d);
  };
  page.violations.forEach(v => put(v, "err"));
  page.warnings.forEach(v => put(v, "warn"));
  const box = $("#violations");
  if (!box) return;
  const vs = page.violations, ws = page.warnings;
  if (!vs.length && !ws.length) { box.innerHTML = ""; return; }
  const li = (v, i, kind) => `<li class="${kind}"><a href="#" data-goto="${esc(v.path)}">${esc(pathLabel(v.path))}</a>：${esc(v.message)}</li>`;
  box.innerHTML = `<div class="vlist">${vs.length ? `<p class="err-title">有 ${vs.length} 处不符合考核方案要求，已在对应位置标出：</p><ol>${vs.map((v, i) => li(v, i, "err")).join("")}</ol>` : ""}
    ${ws.length ? `<p class="warn-title">${ws.length} 条提示（不影响报送）：</p><ol>${ws.map((v, i) => li(v, i, "warn")).join("")}</ol>` : ""}</div>`;
}

// Textareas grow with their text: by CSS where the browser has
// field-sizing, else by script (all heights read first, then all written,
// so that a page of several hundred cells lays out once).
const cssSizing = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
function autosize(t) { if (cssSizing) return; t.style.height = "auto"; t.style.height = t.scrollHeight + 2 + "px"; }
function autosizeAll() {
  if (cssSizing) return;
  const ts = $$("#app textarea");
  const hs = ts.map(t => t.scrollHeight);
  ts.forEach((t, i) => { t.style.height = hs[i] + 2 + "px"; });
}

// markDirty notes an unsaved edit and keeps a copy of the model in
// localStorage (at most every 300 ms), so a reload or a closed tab does not
// lose it.
let backupTimer = 0;
function markDirty() {
  page.dirty = true;
  clearTimeout(backupTimer);
  const p = page;
  backupTimer = setTimeout(() => backup(p), 300);
  updateSums();
}
function backup(p) {
  if (!p.dirty) return;
  try { localStorage.setItem(backupKey(p.code), JSON.stringify({ version: p.version, at: new Date().toISOString(), model: p.model })); } catch (e) { /* storage full: edits stay on the page */ }
}

// structural applies an add or remove to the model and re-renders; the
// previous model is kept for one undo.
function structural(fn, label) {
  page.undo = { model: JSON.parse(JSON.stringify(page.model)), label };
  fn(page.model);
  page.violations = []; page.warnings = [];
  markDirty();
  renderUnitPage(true);
  if (label) show(message("info", `${esc(label)}。<button type="button" id="undo">撤销</button>`));
}

function onAct(btn) {
  const at = btn.dataset.at, act = btn.dataset.act;
  const cat = tokens(at)[0];
  switch (act) {
    case "add-work": return structural(m => getPath(m, at).works.push(emptyWork(cat)));
    case "del-work": return structural(m => { const ts = tokens(at); getPath(m, parentPath(at)).splice(ts[ts.length - 1], 1); }, "已删除一项具体工作");
    case "add-node": return structural(m => getPath(m, at).nodes.push(emptyNode()));
    case "del-node": return structural(m => { const ts = tokens(at); getPath(m, parentPath(at)).splice(ts[ts.length - 1], 1); }, "已删除一个时间节点");
    case "add-inno": return structural(m => m.innovation.push({ title: "", content: "", effect: "", points: "", nodes: [emptyNode()] }));
    case "del-inno": return structural(m => m.innovation.splice(tokens(at)[1], 1), "已删除一项创新工作");
    case "confirm-covers": return structural(m => { delete getPath(m, at).covers_proposed; });
  }
}

function requestDoc() {
  const { doc, bad } = docOf(page.model);
  if (bad.length) {
    page.violations = bad.map(p => ({ path: p, rule: "points.number", message: "分值应为数字，例如 8 或 2.5" }));
    page.warnings = [];
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
    const v = await api("PUT", page.base, Object.assign({ version: page.version }, doc));
    afterSave(v);
    show(message("ok", `已保存（版本${v.version}）`));
    return true;
  } catch (e) {
    if (e.code === "stale_version") {
      show(message("error", `<strong id="conflict">保存未成功：${esc(e.message)}</strong><p>可能是同事在另一台电脑上修改了本单位的指标表。您在本页填写的内容<b>没有丢失</b>，仍在下面的表格里。</p>
        <button type="button" id="overwrite" class="primary">用我的内容覆盖最新版本</button> <button type="button" id="reload-latest">放弃我的修改，载入最新版本</button>`));
    } else if (e.code === "wrong_state") {
      show(errorBox(e, `<p>指标表状态已变化。<button type="button" id="reload-latest">载入最新内容</button></p>`));
    } else show(errorBox(e));
    return false;
  }
}

function afterSave(v) {
  clearTimeout(backupTimer);
  page.sub = v; page.version = v.version; page.dirty = false; page.restored = null;
  localStorage.removeItem(backupKey(page.code));
  page.model = modelFrom(v);
  renderUnitPage(true);
}

async function overwrite() {
  try {
    const latest = await api("GET", page.base);
    page.version = latest.version;
    await save();
  } catch (e) { show(errorBox(e)); }
}

async function validate() {
  const doc = requestDoc();
  if (!doc) return;
  try {
    const r = await api("POST", page.base + "/validate", doc);
    page.violations = []; page.warnings = r.warnings || [];
    applyMarks();
    show(message("ok", `<span id="valid">检查通过</span>，符合考核方案要求${page.warnings.length ? `；有${page.warnings.length}条提示，请酌情修改` : ""}。${page.dirty ? "请记得保存。" : ""}`));
  } catch (e) {
    if (e.code === "validation_failed") {
      page.violations = e.details; page.warnings = e.warnings;
      applyMarks();
      show(message("error", `检查未通过：${esc(e.message)}。请按标出的位置修改。`));
    } else show(errorBox(e));
  }
}

async function submit() {
  if (page.dirty || !page.sub) { if (!(await save())) return; }
  try {
    const v = await api("POST", page.base + "/submit", { version: page.version });
    await unitPage(page.code);
    show(message("ok", `已报送市总工会办公室（${esc(fmtTime(v.submitted_at))}）${v.late ? "，<b>超过截止时间，记为迟报</b>" : ""}。`));
  } catch (e) {
    if (e.code === "validation_failed") {
      page.violations = e.details; page.warnings = e.warnings;
      applyMarks();
      show(message("error", `报送未成功：${esc(e.message)}。请按标出的位置修改后再报送。`));
    } else show(errorBox(e));
  }
}

async function returnSub() {
  const comments = {};
  for (const t of $$("textarea.review")) if (t.value.trim()) comments[t.dataset.commentKey] = t.value.trim();
  const comment = $("#return-overall").value.trim();
  try {
    await api("POST", page.base + "/return", { version: page.version, comment, comments });
    await unitPage(page.code);
    show(message("ok", "已退回，单位可按意见修改后重新报送。"));
  } catch (e) { show(errorBox(e)); }
}

async function certify() {
  const innovation = $$(".cert").map(c => ({ index: Number(c.dataset.index), certified: c.checked }));
  try {
    await api("POST", page.base + "/certify", { version: page.version, innovation });
    await unitPage(page.code);
    show(message("ok", "已认定。全部单位认定后，请在概览页将已认定的指标表返各单位执行。"));
  } catch (e) { show(errorBox(e)); }
}

// ---------------------------------------------------------------- contacts

const contactFields = ["name", "position", "phone", "mobile", "email"];

function contactRows(list, prefix, editable) {
  let html = `<table class="list contacts"><thead><tr><th>姓名</th><th>职务</th><th>办公电话</th><th>手机</th><th>电子邮箱（接收提醒）</th>${editable ? "<th></th>" : ""}</tr></thead><tbody>`;
  list.forEach((c, i) => {
    html += `<tr>` + contactFields.map(f => {
      const path = `${prefix}[${i}].${f}`;
      return `<td><div class="f" data-path="${esc(path)}">${editable ? `<input data-contact="${i}" data-field="${f}" value="${esc(c[f])}" aria-label="${esc(fieldNames[f])}">` : `<span class="ro">${esc(c[f])}</span>`}</div></td>`;
    }).join("") + (editable ? `<td class="op"><button type="button" class="mini" data-del-contact="${i}">删除</button></td>` : "") + `</tr>`;
  });
  if (!list.length) html += `<tr><td colspan="6" class="empty">尚无联系人</td></tr>`;
  return html + `</tbody></table>`;
}

function renderContacts() {
  const p = page;
  const editable = S.me.role === "unit" || S.me.role === "office";
  return `<section id="contacts-section" class="annex"><h3>督查工作联系人</h3>
    <p class="note">报送指标表须同时提交本单位督查工作部门负责人、工作人员情况；提醒邮件发往所填电子邮箱。</p>${slot("contacts")}
    <div id="contacts">${contactRows(p.contacts, "contacts", editable)}</div>
    ${editable ? `<div class="actions"><button type="button" id="add-contact" class="mini">＋ 添加联系人</button> <button type="button" id="save-contacts">保存联系人</button></div><div id="contacts-result"></div>` : ""}</section>`;
}

async function saveContacts() {
  const box = $("#contacts-result");
  try {
    const cs = await api("PUT", `/units/${encodeURIComponent(page.code)}/contacts`, page.contacts);
    page.contacts = cs; page.unit.contacts = cs;
    $("#contacts").innerHTML = contactRows(cs, "contacts", true);
    box.innerHTML = message("ok", `联系人已保存（${cs.length}人）`);
  } catch (e) {
    for (const el of $$("#contacts .vmsg")) el.remove();
    for (const v of e.details || []) {
      const el = $(`#contacts [data-path="${CSS.escape("contacts" + v.path)}"]`);
      if (el) { el.classList.add("bad"); const d = document.createElement("div"); d.className = "vmsg err"; d.textContent = v.message; el.appendChild(d); }
    }
    box.innerHTML = message("error", esc(e.message) + "，请按标出的位置修改。");
  }
}

// ---------------------------------------------------------------- history

function renderHistory() {
  const h = page.history;
  if (!h.length) return "";
  let html = `<section class="annex" id="history"><h3>报送记录</h3><table class="list"><thead><tr><th>时间</th><th>操作</th><th>操作人</th><th>之后状态</th><th>版本</th><th>意见与内容</th></tr></thead><tbody>`;
  h.forEach((e, i) => {
    let detail = "";
    if (e.comment) detail += `<div><b>总体意见：</b>${esc(e.comment)}</div>`;
    if (e.comments) detail += Object.keys(e.comments).sort().map(k => `<div><b>${esc(k)} ${esc(itemName("party", k) || itemName("business", k))}：</b>${esc(e.comments[k])}</div>`).join("");
    if (e.innovation_certified) detail += `<div>创新工作：${e.innovation_certified.map((c, k) => `第${k + 1}项${c ? "予以认定" : "不予认定"}`).join("，") || "无"}</div>`;
    if (e.document) detail += `<button type="button" class="mini" data-history="${i}">查看报送的内容</button>`;
    html += `<tr data-history-row="${i}" data-action="${esc(e.action)}"><td>${esc(fmtTime(e.at))}</td><td>${esc(actionNames[e.action] || e.action)}</td><td>${esc(e.actor)}</td>
      <td>${stateLabel(e.state)}</td><td>${e.version}</td><td>${detail}</td></tr>`;
  });
  return html + `</tbody></table><div id="history-doc"></div></section>`;
}

function showHistoryDoc(i) {
  const e = page.history[i];
  const box = $("#history-doc");
  box.innerHTML = `<h4>${esc(fmtTime(e.at))} ${esc(actionNames[e.action] || e.action)}的内容（版本${e.version}）<button type="button" class="mini" id="close-history">收起</button></h4>
    <p class="hint">与当前内容不同的单元格以黄色标出。</p>` + renderDoc(modelFrom(e.document), { editable: false, compare: docOf(page.model).doc });
  box.scrollIntoView();
}

// ---------------------------------------------------------------- admin

async function adminPage() {
  const [units, users] = await Promise.all([api("GET", "/units"), api("GET", "/users")]);
  for (const u of units) S.units[u.code] = u.name;
  newUnitContacts = newUnitContacts.length ? newUnitContacts : [{ name: "", position: "", phone: "", mobile: "", email: "" }];
  let html = `<h2>单位与账号</h2>
  <section class="annex" id="units-section"><h3>单位（${units.length}个）</h3><table class="list" id="units"><thead><tr><th>代码</th><th>名称</th><th>督查工作联系人</th><th></th></tr></thead><tbody>`;
  for (const u of units) html += `<tr data-unit="${esc(u.code)}"><td>${esc(u.code)}</td><td>${esc(u.name)}</td><td>${(u.contacts || []).map(c => `${esc(c.name)} &lt;${esc(c.email)}&gt;`).join("<br>")}</td><td><a href="#/units/${encodeURIComponent(u.code)}">指标表与联系人</a></td></tr>`;
  html += `</tbody></table>
  <form id="unit-form" class="card"><h4>新建单位</h4>
    <div class="row"><label>单位代码 <span class="f" data-path="code"><input name="code" id="unit-code" placeholder="如 gjz" required></span></label>
    <label>单位名称 <span class="f" data-path="name"><input name="name" id="unit-name" placeholder="如 甘井子区总工会" required></span></label></div>
    <p class="hint">可同时录入督查工作联系人，提醒邮件在单位报送前即可送达。</p>
    <div id="new-contacts">${contactRows(newUnitContacts, "contacts", true)}</div>
    <button type="button" id="add-new-contact" class="mini">＋ 添加联系人</button>
    <div class="actions"><button type="submit" class="primary" id="create-unit">新建单位</button></div><div id="unit-result"></div></form></section>
  <section class="annex" id="users-section"><h3>账号（${users.length}个）</h3><table class="list" id="users"><thead><tr><th>用户名</th><th>角色</th><th>所属单位</th><th>创建时间</th></tr></thead><tbody>`;
  for (const u of users) html += `<tr data-user="${esc(u.username)}"><td>${esc(u.username)}</td><td>${esc(roleNames[u.role] || u.role)}</td><td>${esc(u.unit_code ? (S.units[u.unit_code] || u.unit_code) : "")}</td><td>${esc(fmtTime(u.created_at))}</td></tr>`;
  html += `</tbody></table>
  <form id="user-form" class="card"><h4>新建账号</h4><div class="row">
    <label>用户名 <span class="f" data-path="username"><input name="username" id="user-name" required></span></label>
    <label>初始密码 <span class="f" data-path="password"><input name="password" id="user-password" type="password" autocomplete="new-password" required minlength="8"></span></label>
    <label>角色 <span class="f" data-path="role"><select name="role" id="user-role"><option value="unit">区总工会（填报本单位）</option><option value="office">市总工会办公室</option><option value="viewer">领导（只读）</option></select></span></label>
    <label>所属单位 <span class="f" data-path="unit_code"><select name="unit_code" id="user-unit">${units.map(u => `<option value="${esc(u.code)}">${esc(u.name)}</option>`).join("")}</select></span></label></div>
    <div class="actions"><button type="submit" class="primary" id="create-user">新建账号</button></div><div id="user-result"></div></form></section>`;
  app().innerHTML = html;
}

let newUnitContacts = [];

function markForm(form, e) {
  for (const el of $$(".vmsg", form)) el.remove();
  for (const el of $$(".bad", form)) el.classList.remove("bad");
  for (const v of e.details || []) {
    let el = null;
    for (let p = v.path; p && !el; p = parentPath(p)) el = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (el) { el.classList.add("bad"); const d = document.createElement("div"); d.className = "vmsg err"; d.textContent = v.message; el.appendChild(d); }
  }
}

async function createUnit(form) {
  const body = { code: form.code.value.trim(), name: form.name.value.trim(), contacts: newUnitContacts.filter(c => contactFields.some(f => c[f].trim())) };
  try {
    const u = await api("POST", "/units", body);
    newUnitContacts = [];
    await adminPage();
    $("#unit-result").innerHTML = message("ok", `已新建单位：${esc(u.name)}（${esc(u.code)}）。请再为它新建“区总工会”账号。`);
  } catch (e) { markForm(form, e); $("#unit-result").innerHTML = message("error", esc(e.message)); }
}

async function createUser(form) {
  const role = form.role.value;
  const body = { username: form.username.value.trim(), password: form.password.value, role, unit_code: role === "unit" ? form.unit_code.value : "" };
  try {
    const u = await api("POST", "/users", body);
    await adminPage();
    $("#user-result").innerHTML = message("ok", `已新建账号：${esc(u.username)}（${esc(roleNames[u.role])}）。请将用户名和初始密码告知使用人。`);
  } catch (e) { markForm(form, e); $("#user-result").innerHTML = message("error", esc(e.message)); }
}

// ---------------------------------------------------------------- audit

async function auditPage() {
  const unit = auditFilter.unit;
  const entries = await api("GET", "/audit?" + new URLSearchParams(Object.assign({ limit: String(auditFilter.limit) }, unit ? { unit } : {})));
  let html = `<h2>操作日志</h2><form id="audit-form" class="card row"><label>单位 <select id="audit-unit"><option value="">全部单位</option>` +
    Object.keys(S.units).sort().map(c => `<option value="${esc(c)}"${c === unit ? " selected" : ""}>${esc(S.units[c])}</option>`).join("") +
    `</select></label><label>条数 <select id="audit-limit">${[50, 200, 1000].map(n => `<option${n === auditFilter.limit ? " selected" : ""}>${n}</option>`).join("")}</select></label></form>
    <table class="list" id="audit"><thead><tr><th>时间</th><th>操作人</th><th>角色</th><th>单位</th><th>操作</th><th>对象</th><th>说明</th></tr></thead><tbody>`;
  for (const a of entries) html += `<tr data-unit="${esc(a.unit || "")}"><td>${esc(fmtTime(a.at))}</td><td>${esc(a.actor)}</td><td>${esc(roleNames[a.role] || a.role)}</td><td>${esc(a.unit ? (S.units[a.unit] || a.unit) : "")}</td>
    <td>${esc(actionNames[a.action] || a.action)}</td><td>${esc(a.target)}</td><td>${esc(a.detail || "")}</td></tr>`;
  if (!entries.length) html += `<tr><td colspan="7" class="empty">没有记录</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}
const auditFilter = { unit: "", limit: 200 };

// ---------------------------------------------------------------- events

document.addEventListener("submit", ev => {
  const f = ev.target;
  if (f.id === "login-form") { ev.preventDefault(); login(f); }
  else if (f.id === "unit-form") { ev.preventDefault(); createUnit(f); }
  else if (f.id === "user-form") { ev.preventDefault(); createUser(f); }
  else if (f.id === "audit-form") ev.preventDefault();
});

document.addEventListener("input", ev => {
  const t = ev.target;
  if (t.tagName === "TEXTAREA") autosize(t);
  if (t.matches("[data-bind]") && page && page.editable) {
    const path = t.closest(".f").dataset.path;
    setPath(page.model, path, t.value);
    markDirty();
  } else if (t.matches("[data-contact]")) {
    const list = page && t.closest("#contacts") ? page.contacts : newUnitContacts;
    list[Number(t.dataset.contact)][t.dataset.field] = t.value;
  }
});

document.addEventListener("change", ev => {
  const t = ev.target;
  if (t.matches("[data-cover]") && page && page.editable) {
    const wp = t.dataset.cover;
    const boxes = $$(`input[data-cover="${CSS.escape(wp)}"]`);
    const w = getPath(page.model, wp);
    const unknown = (w.covers || []).filter(c => !boxes.some(b => b.value === c));
    w.covers = boxes.filter(b => b.checked).map(b => b.value).concat(unknown);
    delete w.covers_proposed;
    markDirty();
  } else if (t.matches("select[data-bind]") && page && page.editable) {
    setPath(page.model, t.closest(".f").dataset.path, t.value);
    markDirty();
  } else if (t.id === "audit-unit" || t.id === "audit-limit") {
    auditFilter.unit = $("#audit-unit").value; auditFilter.limit = Number($("#audit-limit").value);
    auditPage().catch(e => { app().innerHTML = errorBox(e); });
  } else if (t.id === "user-role") {
    $("#user-unit").disabled = t.value !== "unit";
  }
});

const clicks = {
  logout, release, save, validate, submit, overwrite, certify, return: returnSub,
  "reload-latest": () => { clearTimeout(backupTimer); localStorage.removeItem(backupKey(page.code)); return unitPage(page.code); },
  discard: () => { clearTimeout(backupTimer); localStorage.removeItem(backupKey(page.code)); return unitPage(page.code); },
  undo: () => { if (page.undo) { page.model = page.undo.model; page.undo = null; markDirty(); renderUnitPage(true); show(message("info", "已撤销")); } },
  "add-contact": () => { page.contacts.push({ name: "", position: "", phone: "", mobile: "", email: "" }); $("#contacts").innerHTML = contactRows(page.contacts, "contacts", true); },
  "save-contacts": saveContacts,
  "add-new-contact": () => { newUnitContacts.push({ name: "", position: "", phone: "", mobile: "", email: "" }); $("#new-contacts").innerHTML = contactRows(newUnitContacts, "contacts", true); },
  "close-history": () => { $("#history-doc").innerHTML = ""; },
};

document.addEventListener("click", async ev => {
  const t = ev.target.closest("button, a[data-goto]");
  if (!t) return;
  if (t.dataset.goto !== undefined) {
    ev.preventDefault();
    let el = null;
    for (let p = t.dataset.goto; p && !el; p = parentPath(p)) el = $(`#tables [data-path="${CSS.escape(p)}"], #contacts-section [data-path="${CSS.escape(p)}"]`);
    if (el) { el.scrollIntoView({ block: "center" }); const c = el.querySelector("input, textarea, select"); if (c) c.focus(); }
    return;
  }
  if (t.disabled) return;
  try {
    if (t.dataset.act) return onAct(t);
    if (t.dataset.history !== undefined) return showHistoryDoc(Number(t.dataset.history));
    if (t.dataset.delContact !== undefined) {
      const inPage = page && t.closest("#contacts");
      const list = inPage ? page.contacts : newUnitContacts;
      list.splice(Number(t.dataset.delContact), 1);
      (inPage ? $("#contacts") : $("#new-contacts")).innerHTML = contactRows(list, "contacts", true);
      return;
    }
    const fn = clicks[t.id];
    if (fn) {
      t.disabled = true;
      try { await fn(); } finally { if (document.body.contains(t)) t.disabled = false; }
    }
  } catch (e) {
    if (e.status === 401) return loginPage(e.message);
    show(errorBox(e));
  }
});

window.addEventListener("hashchange", () => { if (page && page.dirty) { clearTimeout(backupTimer); backup(page); } route(); });
// A reload or a closed tab right after typing still keeps the edit.
window.addEventListener("pagehide", () => { if (page && page.dirty) { clearTimeout(backupTimer); backup(page); } });
// The first route runs once every script (exec.js too) has registered.
document.addEventListener("DOMContentLoaded", () => route());
