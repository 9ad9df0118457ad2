// 工会实绩考核 — pages for units and the office, on the JSON API.
"use strict";

const stateNames = { none: "未填报", draft: "草稿", submitted: "已报送", returned: "已退回", certified: "已认定", executing: "执行中", scored: "已计分" };
const roleNames = { office: "市总工会办公室", unit: "单位", viewer: "领导（只读）" };
const year = 2019;
let me = null;
let plan = null;

function token() { return localStorage.getItem("kaohe_token"); }

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (token()) opts.headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const resp = await fetch("/api/v1" + path, opts);
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (resp.status === 401 && path !== "/login") { localStorage.removeItem("kaohe_token"); location.hash = "#/login"; }
  if (!resp.ok) { const e = new Error((data && data.error && data.error.message) || resp.statusText); e.status = resp.status; e.body = data; throw e; }
  return data;
}

function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
function fmtTime(t) { return t ? new Date(t).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : ""; }
function stateLabel(s) { return `<span class="state state-${esc(s)}">${esc(stateNames[s] || s)}</span>`; }
const app = () => document.getElementById("app");

function errorBox(e) {
  let html = `<div class="error" role="alert"><strong>${esc(e.message)}</strong>`;
  const d = e.body && e.body.error && e.body.error.details;
  if (d && d.length) html += "<ul>" + d.map(v => `<li><code>${esc(v.path)}</code>：${esc(v.message)}</li>`).join("") + "</ul>";
  return html + "</div>";
}

function renderNav() {
  const nav = document.getElementById("nav");
  if (!me) { nav.innerHTML = ""; return; }
  nav.innerHTML = `<span id="whoami">${esc(me.username)}（${esc(roleNames[me.role] || me.role)}）</span>
    <a href="#/">首页</a> <button id="logout">退出</button>`;
  document.getElementById("logout").onclick = async () => {
    try { await api("POST", "/logout"); } catch (e) { /* already signed out */ }
    localStorage.removeItem("kaohe_token"); me = null; location.hash = "#/login"; route();
  };
}

function loginPage(msg) {
  app().innerHTML = `<h2>登录</h2>${msg ? errorBox({ message: msg }) : ""}
  <form class="login" id="login-form">
    <label>用户名 <input name="username" id="username" autocomplete="username" required></label>
    <label>密码 <input name="password" id="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" id="login-button">登录</button>
  </form>`;
  document.getElementById("login-form").onsubmit = async ev => {
    ev.preventDefault();
    try {
      const r = await api("POST", "/login", { username: ev.target.username.value, password: ev.target.password.value });
      localStorage.setItem("kaohe_token", r.token);
      location.hash = "#/"; await route();
    } catch (e) { loginPage(e.message); }
  };
}

async function overviewPage() {
  if (me.role === "unit") { location.hash = "#/units/" + encodeURIComponent(me.unit_code); return route(); }
  const subs = await api("GET", `/plans/${year}/submissions`);
  let html = `<h2>${year}年度指标表报送情况</h2><table id="overview"><thead><tr><th>单位</th><th>状态</th><th>版本</th><th>报送时间</th><th>迟报</th></tr></thead><tbody>`;
  for (const s of subs) {
    html += `<tr data-unit="${esc(s.unit)}"><td><a href="#/units/${encodeURIComponent(s.unit)}">${esc(s.name)}</a></td><td>${stateLabel(s.state)}</td>
      <td>${s.version || ""}</td><td>${esc(fmtTime(s.submitted_at))}</td><td>${s.late ? '<span class="late">迟报</span>' : ""}</td></tr>`;
  }
  html += "</tbody></table>";
  if (me.role === "office") html += `<div class="actions"><button id="release">将已认定的指标表返各单位执行</button></div><div id="result"></div>`;
  app().innerHTML = html;
  const rel = document.getElementById("release");
  if (rel) rel.onclick = async () => {
    try { const r = await api("POST", `/plans/${year}/release`); document.getElementById("result").innerHTML = `<div class="ok">已下发执行：${esc(r.released.join("、"))}</div>`; setTimeout(route, 800); }
    catch (e) { document.getElementById("result").innerHTML = errorBox(e); }
  };
}

function itemName(cat, code) {
  const c = plan && plan[cat];
  const it = c && c.items.find(i => i.code === code);
  return it ? it.name : code;
}

function tableHTML(title, cat, inds, comments) {
  let html = `<h3>${esc(title)}</h3><table class="annex"><thead><tr><th>指标</th><th>具体工作</th><th>序时进度</th><th>完成标准</th><th>佐证材料</th></tr></thead><tbody>`;
  for (const ind of inds) {
    const rows = Math.max(1, ind.works.reduce((n, w) => n + Math.max(1, w.nodes.length), 0));
    let first = true;
    for (const w of ind.works.length ? ind.works : [{ title: "", points: 0, nodes: [] }]) {
      const wn = Math.max(1, w.nodes.length);
      (w.nodes.length ? w.nodes : [{}]).forEach((n, k) => {
        html += "<tr>";
        if (first) {
          const c = comments && comments[ind.code] ? `<div class="error">退回意见：${esc(comments[ind.code])}</div>` : "";
          html += `<td rowspan="${rows}">${esc(ind.code)} ${esc(itemName(cat, ind.code))}（${ind.points}分）${c}</td>`; first = false;
        }
        if (k === 0) html += `<td rowspan="${wn}">${esc(w.title)}（${w.points}分）</td>`;
        html += n.due ? `<td>${esc(n.due)}：${esc(n.target)}（${n.points}分）</td><td>${esc(n.standard)}</td><td>${esc(n.evidence)}</td>` : "<td></td><td></td><td></td>";
        html += "</tr>";
      });
    }
  }
  return html + "</tbody></table>";
}

async function unitPage(code) {
  let sub = null, err = null;
  try { sub = await api("GET", `/plans/${year}/units/${encodeURIComponent(code)}/submission`); } catch (e) { if (e.status !== 404) throw e; err = e; }
  const unit = await api("GET", `/units/${encodeURIComponent(code)}`);
  let html = `<h2>${esc(unit.name)} ${year}年度实绩考核指标表</h2>`;
  if (!sub) {
    html += `<p id="sub-state">${stateLabel("none")} 尚未填报。</p>`;
  } else {
    html += `<p id="sub-state">状态：${stateLabel(sub.state)} 版本 ${sub.version}${sub.submitted_at ? "，报送时间 " + esc(fmtTime(sub.submitted_at)) : ""}${sub.late ? ' <span class="late">迟报</span>' : ""}</p>`;
    if (sub.comment) html += `<div class="error" id="return-comment">退回意见：${esc(sub.comment)}</div>`;
  }
  html += `<div id="result"></div><div class="actions">`;
  const canEdit = (me.role === "unit" || me.role === "office") && (!sub || sub.state === "draft" || sub.state === "returned");
  if (sub && canEdit) html += `<button id="validate">检查</button><button id="submit">报送市总工会办公室</button>`;
  if (me.role === "office" && sub && sub.state === "submitted") {
    html += `<label class="field">退回意见 <textarea id="return-text" rows="2"></textarea></label><button id="return">退回修改</button>`;
    sub.innovation.forEach((it, i) => { html += `<label class="field"><input type="checkbox" class="cert" data-index="${i}"> 认定创新工作：${esc(it.title)}（${it.points}分）</label>`; });
    html += `<button id="certify">认定</button>`;
  }
  html += `</div>`;
  if (sub) {
    html += tableHTML("党建指标（附件1）", "party", sub.party, sub.comments);
    html += tableHTML("业务指标（附件2）", "business", sub.business, sub.comments);
    html += `<h3>创新指标（附件3）</h3><table><thead><tr><th>指标名称</th><th>核心内容</th><th>预期成效</th><th>序时进度</th></tr></thead><tbody>`;
    for (const it of sub.innovation) html += `<tr><td>${esc(it.title)}（${it.points}分）</td><td>${esc(it.content)}</td><td>${esc(it.effect)}</td><td>${it.nodes.map(n => esc(n.due + "：" + n.target + "（" + n.points + "分）")).join("<br>")}</td></tr>`;
    html += `</tbody></table>`;
  }
  if (canEdit) html += `<details id="editor"><summary>编辑指标表（JSON）</summary><textarea id="doc" rows="16"></textarea><button id="save">保存草稿</button></details>`;
  html += `<h3>督查工作联系人</h3><table id="contacts"><thead><tr><th>姓名</th><th>职务</th><th>电话</th><th>手机</th><th>电子邮箱</th></tr></thead><tbody>` +
    unit.contacts.map(c => `<tr><td>${esc(c.name)}</td><td>${esc(c.position)}</td><td>${esc(c.phone)}</td><td>${esc(c.mobile)}</td><td>${esc(c.email)}</td></tr>`).join("") + "</tbody></table>";
  app().innerHTML = html;

  const base = `/plans/${year}/units/${encodeURIComponent(code)}/submission`;
  const show = (ok, msg, e) => { document.getElementById("result").innerHTML = ok ? `<div class="ok">${esc(msg)}</div>` : errorBox(e); };
  const on = (id, fn) => { const el = document.getElementById(id); if (el) el.onclick = async () => { try { await fn(); } catch (e) { show(false, "", e); } }; };
  if (canEdit) {
    const doc = sub ? { version: sub.version, party: sub.party, business: sub.business, innovation: sub.innovation } : { version: 0, party: [], business: [], innovation: [] };
    document.getElementById("doc").value = JSON.stringify(doc, null, 2);
  }
  on("save", async () => { await api("PUT", base, JSON.parse(document.getElementById("doc").value)); await unitPage(code); show(true, "草稿已保存"); });
  on("validate", async () => { const r = await api("POST", base + "/validate"); show(true, r.warnings.length ? `检查通过，有${r.warnings.length}条提示` : "检查通过"); });
  on("submit", async () => { await api("POST", base + "/submit", { version: sub.version }); await unitPage(code); show(true, "已报送"); });
  on("return", async () => { await api("POST", base + "/return", { version: sub.version, comment: document.getElementById("return-text").value }); await unitPage(code); show(true, "已退回"); });
  on("certify", async () => {
    const innovation = [...document.querySelectorAll(".cert")].map(c => ({ index: Number(c.dataset.index), certified: c.checked }));
    await api("POST", base + "/certify", { version: sub.version, innovation }); await unitPage(code); show(true, "已认定");
  });
}

async function route() {
  const h = location.hash || "#/";
  try {
    if (!token()) { me = null; renderNav(); return loginPage(); }
    if (!me) { me = await api("GET", "/me"); plan = await api("GET", `/plans/${year}`); }
    renderNav();
    if (h === "#/login") return loginPage();
    const m = h.match(/^#\/units\/([^/]+)$/);
    if (m) return await unitPage(decodeURIComponent(m[1]));
    return await overviewPage();
  } catch (e) {
    if (e.status === 401) return loginPage();
    app().innerHTML = errorBox(e);
  }
}

window.addEventListener("hashchange", route);
route();
