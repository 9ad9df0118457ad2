// 工作台 (#/): the first page everyone sees. It says what the signed-in
// person must do next (GET /api/v1/todo), how many, by when, and where:
// the unit's returned comments in full, the office's tables, reviews and
// failed mail, the leader's units at risk; and the next deadlines counted
// down.

import { api } from "../api.js";
import { app, countdown, enc, esc, fmtDue, message } from "../dom.js";
import { label } from "../labels.js";
import { planDeadlines } from "../plan.js";
import { serverNow, session, syncClock, unitName } from "../session.js";
import { failedMailBanner } from "./notify.js";

// next is how many coming deadlines the page counts down.
const next = 4;

export async function open() {
  await syncClock();
  const me = session.me;
  const [items, banner] = await Promise.all([api("GET", `/todo?year=${session.year}`), me.role === "office" ? failedMailBanner() : ""]);
  const now = serverNow();
  const who = me.role === "unit" ? unitName(me.unit_code) : label("roles", me.role);
  let html = `<h2>工作台 <small class="sub">${esc(who)} · ${session.year}年度</small></h2>${banner}`;
  html += items.length
    ? `<ul class="todo" id="todo">${items.map(it => todoItem(it, now)).join("")}</ul>`
    : message("ok", "目前没有待办事项。");
  if (items.some(it => it.kind === "returned_tables")) html += await returnedComments(me.unit_code);
  const coming = planDeadlines().filter(d => Date.parse(d.at) > now).slice(0, next);
  if (coming.length) {
    html += `<section class="annex" id="deadlines"><h3>即将到来的截止时间</h3><ul class="deadlines">${coming.map(d =>
      `<li data-kind="${esc(d.kind)}"><span class="when">${esc(countdown(d.at, now))}</span><span class="what">${esc(d.what)}</span><span class="label">${esc(d.label)}（${esc(fmtDue(d.at))}截止）</span></li>`).join("")}</ul></section>`;
  }
  app().innerHTML = html;
}

// todoItem is one line of the list: the count, what it is, its deadline
// and a link to where it is done.
function todoItem(it, now) {
  const due = it.due_at ? `<span class="due${Date.parse(it.due_at) < now ? " late" : ""}">${esc(fmtDue(it.due_at))}前 · ${esc(countdown(it.due_at, now))}</span>` : "";
  const urgent = ["overdue_nodes", "rejected_nodes", "returned_tables", "monthly_overdue", "failed_mail", "units_at_risk"].includes(it.kind);
  return `<li class="todo-item${urgent ? " urgent" : ""}" data-kind="${esc(it.kind)}"><a href="${esc(it.link)}">
    <b class="count">${it.count}</b><span class="title">${esc(it.title)}</span>${due}<span class="go">去处理 ›</span></a></li>`;
}

// returnedComments shows the office's comments on returned tables in one
// place: the overall comment and each indicator's.
async function returnedComments(unit) {
  const s = await api("GET", `/plans/${session.year}/units/${enc(unit)}/submission`);
  const rows = Object.entries(s.comments || {}).map(([code, text]) => `<li><b>${esc(code)}</b> ${esc(text)}</li>`).join("");
  return `<section class="annex comment-box" id="returned-comments"><h3>市总工会办公室的退回意见</h3>
    ${s.comment ? `<p>${esc(s.comment)}</p>` : ""}${rows ? `<ul>${rows}</ul>` : ""}<p><a class="button" href="#/units/${enc(unit)}">去修改指标表</a></p></section>`;
}
