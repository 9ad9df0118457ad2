// The audit log (#/audit, the office), by unit.

import { api } from "../api.js";
import { actor, app, esc, fmtTime } from "../dom.js";
import { label } from "../labels.js";
import { session } from "../session.js";

const filter = { unit: "", limit: 200 };

export async function open() {
  const unit = filter.unit;
  const entries = await api("GET", "/audit?" + new URLSearchParams(Object.assign({ limit: String(filter.limit) }, unit ? { unit } : {})));
  const units = session.units;
  let html = `<h2>操作日志</h2><form id="audit-form" class="card row"><label>单位 <select id="audit-unit"><option value="">全部单位</option>` +
    Object.keys(units).map(c => `<option value="${esc(c)}"${c === unit ? " selected" : ""}>${esc(units[c])}</option>`).join("") +
    `</select></label><label>条数 <select id="audit-limit">${[50, 200, 1000].map(n => `<option${n === filter.limit ? " selected" : ""}>${n}</option>`).join("")}</select></label></form>
    <table class="list" id="audit"><thead><tr><th>时间</th><th>操作人</th><th>角色</th><th>单位</th><th>操作</th><th>对象</th><th>说明</th></tr></thead><tbody>`;
  for (const a of entries) {
    html += `<tr data-unit="${esc(a.unit || "")}"><td>${esc(fmtTime(a.at))}</td><td>${esc(actor(a.actor))}</td><td>${esc(label("roles", a.role))}</td><td>${esc(a.unit_name || "")}</td>
    <td>${esc(label("audit_actions", a.action))}</td><td class="target">${esc(a.target_label)}</td><td>${esc(a.detail_label)}</td></tr>`;
  }
  if (!entries.length) html += `<tr><td colspan="7" class="empty">没有记录</td></tr>`;
  app().innerHTML = html + `</tbody></table>`;
}

export function change(el) {
  if (el.id !== "audit-unit" && el.id !== "audit-limit") return;
  filter.unit = document.querySelector("#audit-unit").value;
  filter.limit = Number(document.querySelector("#audit-limit").value);
  return open();
}
