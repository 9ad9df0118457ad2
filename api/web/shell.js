// The frame around the pages: the sign-in page, the navigation bar, and
// route(), which shows the page of the location's hash once the session is
// loaded.

import { api, onSignedOut, token } from "./api.js";
import { $, $$, app, esc, message } from "./dom.js";
import { errorBox } from "./feedback.js";
import { label } from "./labels.js";
import { Router } from "./router.js";
import { routes } from "./routes.js";
import { clear, load, session } from "./session.js";

const router = new Router(routes);

// signInPage is the sign-in page, shown whenever there is no session.
const signInPage = {
  forms: { login },
};

// idle stands for the page while the next one loads: it handles nothing.
const idle = {};

let current = idle;
let routing = 0;

// currentPage is the page module on screen, whose handlers the events go
// to.
export const currentPage = () => current;

// actions and forms are the frame's own handlers, for every page (the
// sign-in form belongs to the sign-in page).
export const actions = { logout, menu };

// menu opens and closes the navigation on a narrow screen.
function menu() {
  const h = $("header");
  const open = h.classList.toggle("open");
  $("#menu-toggle").setAttribute("aria-expanded", String(open));
}
export const forms = {};

function signIn(msg) {
  current = signInPage;
  $("#nav").innerHTML = "";
  app().innerHTML = `<section class="login-wrap"><h2>登录</h2>${msg ? message("error", esc(msg)) : ""}
  <form class="login" id="login-form" data-form="login">
    <label>用户名 <input name="username" id="username" autocomplete="username" required autofocus></label>
    <label>密码 <input name="password" id="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" id="login-button" class="primary">登录</button>
  </form><p class="hint">账号由市总工会办公室分配。忘记密码请联系办公室重置。</p></section>`;
}

async function login(form) {
  try {
    const r = await api("POST", "/login", { username: form.username.value.trim(), password: form.password.value });
    token.set(r.token);
    clear();
    if (location.hash === "" || location.hash === "#/" || location.hash === "#/login") location.hash = "#/";
    await route();
  } catch (e) { signIn(e.message); }
}

async function logout() {
  try { await api("POST", "/logout"); } catch { /* the session is gone either way */ }
  token.clear();
  clear();
  location.hash = "#/login";
  signIn();
}

function navLinks(me) {
  let html = "";
  for (const { path, nav } of routes) {
    if (!nav) continue;
    const text = typeof nav.label === "string" ? nav.label : nav.label[me.role];
    if (!text || (nav.roles && !nav.roles.includes(me.role))) continue;
    const href = nav.href ? nav.href(me) : "#" + path.replace(/\/:.*$/, "");
    html += `<a href="${esc(href)}">${esc(text)}</a>`;
  }
  return html;
}

function renderNav() {
  const me = session.me;
  let who = label("roles", me.role);
  if (me.role === "unit") who = session.units[me.unit_code] || `${label("roles", "unit")}（${me.unit_code}）`;
  renderFooter();
  $("#nav").innerHTML = `${navLinks(me)}<span id="whoami" data-role="${esc(me.role)}"><a href="#/password" title="修改密码">${esc(me.username)}</a><small>${esc(who)}</small></span><button type="button" id="logout" data-action="logout">退出登录</button>`;
  if (!$("#menu-toggle")) $("header").insertAdjacentHTML("beforeend", `<button type="button" id="menu-toggle" data-action="menu" aria-controls="nav" aria-expanded="false">菜单</button>`);
}

// renderFooter names the office's contacts under every page of a unit's
// account, as the notice does under its own text: whom a unit calls with a
// question. The office and leaders need no such line.
function renderFooter() {
  const cs = (session.me.role === "unit" && session.plan && session.plan.office_contacts) || [];
  $("#office-contacts").innerHTML = cs.length ? `如有疑问，请联系市总工会办公室：${cs.map(c =>
    `${esc(c.name)}${c.phone ? ` <a href="tel:${esc(c.phone.replace(/[^0-9+]/g, ""))}">${esc(c.phone)}</a>` : ""}${c.email ? ` <a href="mailto:${esc(c.email)}">${esc(c.email)}</a>` : ""}`).join("；")}` : "";
}

// route shows the page of location.hash: the sign-in page without a token,
// else the page its route names (the overview for an unknown hash).
//
// Routes run one at a time: a page still opening when the hash changes
// finishes drawing before the next page opens (a page draws into #app
// after its requests, and would otherwise draw over the newer page); a
// route overtaken by a newer one before it starts is skipped.
export function route() {
  const seq = ++routing;
  queue = queue.then(() => (seq === routing ? show(seq) : undefined)).catch(() => {});
  return queue;
}

let queue = Promise.resolve();

async function show(seq) {
  const hash = location.hash || "#/";
  leave();
  current = idle;
  try {
    if (!token.get()) return signIn();
    if (!session.me) await load();
    if (seq !== routing) return;
    renderNav();
    if (hash === "#/login") { location.hash = "#/"; return; }
    if (!session.plan) { app().innerHTML = message("error", "还没有载入任何考核方案。"); return; }
    const { route: r, params } = router.match(hash);
    markCurrent(hash);
    current = r.page;
    await loading(seq, hash, () => r.page.open(params));
  } catch (e) {
    if (e.status === 401) return;
    app().innerHTML = errorBox(e, `<p><a href="#/">返回工作台</a></p>`);
  }
}

// loading runs a page's open and, when it takes more than a moment, says
// so: a bar at the top and the old page dimmed (body.loading), so that a
// slow page never looks like a dead click.
// #app's data-shown names the hash whose page it shows once drawn.
async function loading(seq, hash, open) {
  const timer = setTimeout(() => { if (seq === routing) document.body.classList.add("loading"); }, 150);
  app().setAttribute("aria-busy", "true");
  delete app().dataset.shown;
  try {
    await open();
  } finally {
    clearTimeout(timer);
    if (seq === routing) {
      document.body.classList.remove("loading");
      app().removeAttribute("aria-busy");
      app().dataset.shown = hash;
    }
  }
}

// markCurrent marks the navigation link of the page shown and closes the
// menu of a narrow screen.
function markCurrent(hash) {
  $("header").classList.remove("open");
  for (const a of $$("#nav a")) {
    const href = a.getAttribute("href");
    const on = href === "#/" ? hash === "#/" : hash === href || hash.startsWith(href + "/");
    if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

// leave lets the page on screen keep what must survive it (unsaved edits).
function leave() {
  if (current.leave) current.leave();
}

// start shows the first page and follows the hash from then on.
export function start() {
  onSignedOut(e => { clear(); signIn(e.message); });
  window.addEventListener("hashchange", () => route());
  // A reload or a closed tab right after typing still keeps the edit.
  window.addEventListener("pagehide", leave);
  route();
}
