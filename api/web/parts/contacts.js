// A table of supervision contacts (督查工作联系人), editable or not, used on
// a unit's tables page and in the office's new-unit form. Each input says
// its contact (data-contact) and field (data-field); the page owns the list.

import { esc } from "../dom.js";
import { label } from "../labels.js";

export const contactFields = ["name", "duty", "position", "phone", "mobile", "email"];

// emptyContact is a new row for list: the department's head (负责人) first,
// its staff (工作人员) after, as the notice asks for both.
export function emptyContact(list = []) {
  const duty = list.some(c => c.duty === "head") ? "staff" : "head";
  return { name: "", duty, position: "", phone: "", mobile: "", email: "" };
}

function dutyControl(c, i, editable) {
  if (!editable) return `<span class="ro">${esc(label("duties", c.duty) || "未注明")}</span>`;
  const opt = (v, text) => `<option value="${v}"${c.duty === v ? " selected" : ""}>${text}</option>`;
  return `<select data-contact="${i}" data-field="duty" aria-label="分工">${c.duty ? "" : opt("", "请选择")}${opt("head", "负责人")}${opt("staff", "工作人员")}</select>`;
}

// contactRows shows list; prefix is the path of the list in violations.
export function contactRows(list, prefix, editable) {
  let html = `<table class="list contacts"><thead><tr><th>姓名</th><th>分工</th><th>职务</th><th>办公电话</th><th>手机</th><th>电子邮箱（接收提醒，可不填）</th>${editable ? "<th></th>" : ""}</tr></thead><tbody>`;
  list.forEach((c, i) => {
    html += `<tr>` + contactFields.map(f => {
      const path = `${prefix}[${i}].${f}`;
      const ctl = f === "duty" ? dutyControl(c, i, editable) : editable
        ? `<input data-contact="${i}" data-field="${f}" value="${esc(c[f] || "")}" aria-label="${esc(label("fields", f))}">`
        : `<span class="ro">${esc(c[f] || "")}</span>`;
      return `<td><div class="f" data-path="${esc(path)}">${ctl}</div></td>`;
    }).join("") + (editable ? `<td class="op"><button type="button" class="mini" data-action="del-contact" data-index="${i}">删除</button></td>` : "") + `</tr>`;
  });
  if (!list.length) html += `<tr><td colspan="7" class="empty">尚无联系人</td></tr>`;
  return html + `</tbody></table>`;
}

// editContact applies the input el to list.
export function editContact(list, el) {
  list[Number(el.dataset.contact)][el.dataset.field] = el.value;
}
