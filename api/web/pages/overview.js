// The tables (#/tables): every unit's tables with their state, submission
// time and 迟报, in the notice's order; the office releases the certified
// tables from here, after a dialog that names the units not certified.

import { api } from "../api.js";
import { app, enc, esc, fmtTime, message } from "../dom.js";
import { show } from "../feedback.js";
import { label, stateBadge } from "../labels.js";
import { session, unitName } from "../session.js";
import { failedMailBanner } from "./notify.js";

const counted = ["none", "draft", "submitted", "returned", "certified", "executing"];

export async function open() {
  const p = session.plan, me = session.me;
  const [list, banner] = await Promise.all([api("GET", `/plans/${session.year}/submissions`), failedMailBanner()]);
  subs = list;
  const count = st => subs.filter(s => s.state === st).length;
  const late = subs.filter(s => s.late).length;
  let html = `<h2>${esc(p.title || session.year + "年度实绩考核")}</h2>
  ${banner}<p class="deadline">指标表报送截止：<strong>${esc(p.deadline.due ? fmtTime(p.deadline.due.at) : p.deadline.date)}</strong>${p.deadline.due && p.deadline.due.moved ? `（${esc(p.deadline.due.label)}）` : ""}；时间节点：<span id="checkpoint-dues">${p.checkpoints.map(c => esc(c.due ? c.due.label : c.name)).join("、")}</span></p>`;
  if (me.role !== "unit") {
    html += `<ul class="stats" id="stats"><li>单位 <b>${subs.length}</b></li>` +
      counted.map(st => `<li>${esc(label("states", st))} <b>${count(st)}</b></li>`).join("") +
      `<li class="${late ? "late" : ""}">迟报 <b>${late}</b></li></ul>`;
  }
  html += `<table id="overview" class="list"><thead><tr><th>序号</th><th>单位</th><th>状态</th><th>修改次数</th><th>报送时间</th><th>迟报</th><th></th></tr></thead><tbody>`;
  subs.forEach((s, i) => {
    const fill = me.role === "unit" && ["none", "draft", "returned"].includes(s.state);
    const exec = s.state === "executing" || s.state === "scored";
    html += `<tr data-unit="${esc(s.unit)}" data-state="${esc(s.state)}"><td>${i + 1}</td><td><a href="#/units/${enc(s.unit)}">${esc(s.name)}</a>${s.unreachable && me.role === "office" ? ' <span class="unreachable" title="该单位的联系人都没有电子邮箱，提醒邮件无法送达，请电话通知">无邮箱</span>' : ""}</td>
      <td>${stateBadge(s.state)}</td><td>${s.version || ""}</td><td>${esc(fmtTime(s.submitted_at))}</td><td>${s.late ? '<span class="late">迟报</span>' : ""}</td>
      <td><a class="button" href="#/units/${enc(s.unit)}">${fill ? "填报" : "查看"}</a>${exec ? ` <a class="button" href="#/exec/${enc(s.unit)}">执行情况</a>` : ""}</td></tr>`;
  });
  if (!subs.length) html += `<tr><td colspan="7" class="empty">还没有单位。${me.role === "office" ? '请到<a href="#/admin">单位与账号</a>新建。' : ""}</td></tr>`;
  html += "</tbody></table>";
  if (me.role === "office") {
    const n = count("certified");
    html += `<div class="actions"><button type="button" id="release" data-action="release" class="primary" ${n ? "" : "disabled"}>将已认定的${n}份指标表返各单位执行</button></div>`;
  }
  app().innerHTML = html + `<div id="result"></div>`;
}

// subs are the tables as last shown, for the release dialog.
let subs = [];

async function release() {
  const r = await api("POST", `/plans/${session.year}/release`);
  await open();
  show(message("ok", `已返各单位执行：${esc(r.released.map(unitName).join("、"))}`));
}

export const actions = { release };

// confirms: releasing says which tables go out and which units are left
// behind, and why.
export const confirms = {
  release: () => {
    const ready = subs.filter(s => s.state === "certified");
    const behind = subs.filter(s => !["certified", "executing", "scored"].includes(s.state));
    return { title: `将${ready.length}份已认定的指标表返各单位执行？`, ok: "返各单位执行",
      body: `<p>返回后以下单位开始执行，按时间节点报送佐证材料：${esc(ready.map(s => s.name).join("、"))}。</p>` +
        (behind.length ? `<p class="late">还有${behind.length}个单位的指标表未经认定，这次不会下发：</p><ul id="not-certified">${behind.map(s => `<li>${esc(s.name)}（${esc(label("states", s.state))}）</li>`).join("")}</ul><p>它们认定后可再次返各单位执行。</p>` : "<p>所有单位的指标表均已认定。</p>") };
  },
};
