// Changing one's own password (#/password): the current session stays;
// other sessions of the account end (PUT /api/v1/me/password).

import { api } from "../api.js";
import { $, app, esc, message } from "../dom.js";
import { markForm, show } from "../feedback.js";
import { session } from "../session.js";

export function open() {
  app().innerHTML = `<h2>修改密码</h2>
  <form class="card narrow" id="password-form" data-form="password" novalidate>
    <p>账号：<b>${esc(session.me.username)}</b></p>
    <label>新密码 <span class="f" data-path="password"><input type="password" name="password" id="new-password" autocomplete="new-password" minlength="8" required></span></label>
    <label>再输入一次 <span class="f" data-path="again"><input type="password" name="again" id="new-password-again" autocomplete="new-password" required></span></label>
    <p class="hint">至少8个字符。忘记密码时请联系市总工会办公室重置。</p>
    <div class="actions"><button type="submit" class="primary" id="change-password">修改密码</button></div>
  </form><div id="result"></div>`;
}

async function change(form) {
  if (form.password.value !== form.again.value) {
    markForm(form, { details: [{ path: "again", message: "两次输入的密码不一致" }] });
    return;
  }
  try {
    await api("PUT", "/me/password", { password: form.password.value });
    form.reset();
    markForm(form, { details: [] });
    show(message("ok", "密码已修改，下次登录请使用新密码。"));
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    show(message("error", esc(e.message)));
  }
}

export const forms = { password: change };

export function input(el) { if (el.form && el.form.id === "password-form") $("#result").innerHTML = ""; }
