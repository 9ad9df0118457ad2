// Units and accounts (#/admin, the office): the units with their contacts,
// a new unit with its contacts, the accounts and a new account, and the
// office's own group robots and calendar feed.

import { api } from "../api.js";
import { $, app, esc, fmtTime, message } from "../dom.js";
import { markForm, show } from "../feedback.js";
import { label } from "../labels.js";
import { session, setUnits } from "../session.js";
import { channelActions, channelChange, channelConfirms, channelForms, channelsSection, loadChannels } from "../parts/channels.js";
import { contactFields, contactRows, editContact, emptyContact } from "../parts/contacts.js";

// newContacts are the contacts typed into the new-unit form; they survive
// a refused creation.
let newContacts = [];

export async function open() {
  const [units, users] = await Promise.all([api("GET", "/units"), api("GET", "/users"), loadChannels("")]);
  setUnits(units);
  if (!newContacts.length) newContacts = [emptyContact()];
  let html = `<h2>单位与账号</h2>
  <section class="annex" id="units-section"><h3>单位（${units.length}个）</h3><table class="list" id="units"><thead><tr><th>序号</th><th>名称</th><th>督查工作联系人</th><th></th></tr></thead><tbody>`;
  units.forEach((u, i) => { html += `<tr data-unit="${esc(u.code)}"><td>${i + 1}</td><td>${esc(u.name)}</td><td>${(u.contacts || []).map(c => `${esc(c.name)} &lt;${esc(c.email)}&gt;`).join("<br>")}</td><td><a href="#/units/${encodeURIComponent(u.code)}">指标表与联系人</a></td></tr>`; });
  html += `</tbody></table>
  <form id="unit-form" class="card" data-form="create-unit"><h4>新建单位</h4>
    <div class="row"><label>单位代码 <span class="f" data-path="code"><input name="code" id="unit-code" placeholder="如 gjz" required></span></label>
    <label>单位名称 <span class="f" data-path="name"><input name="name" id="unit-name" placeholder="如 甘井子区总工会" required></span></label></div>
    <p class="hint">可同时录入督查工作联系人，提醒邮件在单位报送前即可送达。</p>
    <div id="new-contacts">${contactRows(newContacts, "contacts", true)}</div>
    <button type="button" id="add-new-contact" data-action="add-contact" class="mini">＋ 添加联系人</button>
    <div class="actions"><button type="submit" class="primary" id="create-unit">新建单位</button></div><div id="unit-result"></div></form></section>
  <section class="annex" id="users-section"><h3>账号（${users.length}个）</h3><table class="list" id="users"><thead><tr><th>用户名</th><th>角色</th><th>所属单位</th><th>创建时间</th></tr></thead><tbody>`;
  for (const u of users) html += `<tr data-user="${esc(u.username)}"><td>${esc(u.username)}</td><td>${esc(label("roles", u.role))}</td><td>${esc(u.unit_code ? (session.units[u.unit_code] || u.unit_code) : "")}</td><td>${esc(fmtTime(u.created_at))}</td></tr>`;
  html += `</tbody></table>
  <form id="user-form" class="card" data-form="create-user"><h4>新建账号</h4><div class="row">
    <label>用户名 <span class="f" data-path="username"><input name="username" id="user-name" required></span></label>
    <label>初始密码 <span class="f" data-path="password"><input name="password" id="user-password" type="password" autocomplete="new-password" required minlength="8"></span></label>
    <label>角色 <span class="f" data-path="role"><select name="role" id="user-role"><option value="unit">${esc(label("roles", "unit"))}（填报本单位）</option><option value="office">${esc(label("roles", "office"))}</option><option value="viewer">${esc(label("roles", "viewer"))}</option></select></span></label>
    <label>所属单位 <span class="f" data-path="unit_code"><select name="unit_code" id="user-unit">${units.map(u => `<option value="${esc(u.code)}">${esc(u.name)}</option>`).join("")}</select></span></label></div>
    <div class="actions"><button type="submit" class="primary" id="create-user">新建账号</button></div><div id="user-result"></div></form>
  <form id="reset-form" class="card" data-form="reset-password" novalidate><h4>重置账号密码</h4><div class="row">
    <label>账号 <span class="f" data-path="username"><select name="username" id="reset-user">${users.map(u => `<option value="${esc(u.username)}">${esc(u.username)}（${esc(u.unit_code ? (session.units[u.unit_code] || u.unit_code) : label("roles", u.role))}）</option>`).join("")}</select></span></label>
    <label>新密码 <span class="f" data-path="password"><input name="password" id="reset-password" type="password" autocomplete="new-password" minlength="8" required></span></label></div>
    <p class="hint">用于使用人忘记密码时：重置后请将新密码告知使用人，并提醒其登录后在“修改密码”中改为自己的密码。</p>
    <div class="actions"><button type="submit" class="primary" id="reset-button">重置密码</button></div><div id="reset-result"></div></form></section>`;
  app().innerHTML = html + channelsSection();
}

function drawContacts() { $("#new-contacts").innerHTML = contactRows(newContacts, "contacts", true); }

async function createUnit(form) {
  const body = { code: form.code.value.trim(), name: form.name.value.trim(), contacts: newContacts.filter(c => contactFields.some(f => c[f].trim())) };
  try {
    const u = await api("POST", "/units", body);
    newContacts = [];
    await open();
    show(message("ok", `已新建单位：${esc(u.name)}。请再为它新建“区总工会”账号。`));
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    $("#unit-result").innerHTML = message("error", esc(e.message));
  }
}

async function createUser(form) {
  const role = form.role.value;
  const body = { username: form.username.value.trim(), password: form.password.value, role, unit_code: role === "unit" ? form.unit_code.value : "" };
  try {
    const u = await api("POST", "/users", body);
    await open();
    show(message("ok", `已新建账号：${esc(u.username)}（${esc(label("roles", u.role))}）。请将用户名和初始密码告知使用人。`));
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    $("#user-result").innerHTML = message("error", esc(e.message));
  }
}

async function resetPassword(form) {
  const name = form.username.value;
  try {
    await api("PUT", `/users/${encodeURIComponent(name)}/password`, { password: form.password.value });
    form.password.value = "";
    markForm(form, { details: [] });
    show(message("ok", `已重置账号“${esc(name)}”的密码，该账号在其他设备上的登录已失效。`));
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    show(message("error", esc(e.message)));
  }
}

export const actions = {
  ...channelActions,
  "add-contact": () => { newContacts.push(emptyContact(newContacts)); drawContacts(); },
  "del-contact": btn => { newContacts.splice(Number(btn.dataset.index), 1); drawContacts(); },
};

export const forms = { ...channelForms, "create-unit": createUnit, "create-user": createUser, "reset-password": resetPassword };

export function input(el) {
  if (el.matches("#new-contacts [data-contact]")) editContact(newContacts, el);
}

export const confirms = channelConfirms;

export function change(el) {
  if (channelChange(el)) return;
  if (el.id === "user-role") $("#user-unit").disabled = el.value !== "unit";
}
