// The office's mail page (#/notify): the outbox of reminders, overdue
// notices and digests by state, the failed messages first with a resend
// button, filters by state and unit; and the banner on the overview while
// messages have failed. The API answers 403 to other roles, which the page
// shows as its error.

import { api } from "../api.js";
import { $, $$, app, esc, fmtTime, dateLabel, monthLabel, message } from "../dom.js";
import { show } from "../feedback.js";
import { label, mailStateBadge } from "../labels.js";
import { session } from "../session.js";

// The order of the count cards and filters: what needs the office first.
const mailStates = ["failed", "pending", "sent", "expired"];

// filter is what the page shows; counts the latest counts read.
const filter = { state: "", unit: "", limit: 200 };
let drawing = 0;

// deadlineLabel names what a message is about (plain text) from its
// deadline key: submission:DATE, checkpoint:DATE or monthly:YYYY-MM.
function deadlineLabel(key) {
  const [kind, rest] = String(key).split(/:(.*)/s);
  if (kind === "submission") return `指标表报送（${dateLabel(rest)}截止）`;
  if (kind === "checkpoint") {
    const c = session.plan && session.plan.checkpoints.find(x => x.date === rest);
    return `序时进度节点（${c ? c.name + "，" : ""}${dateLabel(rest)}）`;
  }
  if (kind === "monthly" && /^\d{4}-\d{2}$/.test(rest)) return `${monthLabel(rest)}会员实名制数量`;
  return String(key);
}

function unitLabel(m) { return m.unit ? esc(session.units[m.unit] || m.unit) : `<span class="no-tag">（办公室汇总）</span>`; }

// whenLabel is the time that matters in the message's state.
function whenLabel(m) {
  if (m.state === "sent") return `发送于 ${esc(fmtTime(m.sent_at))}`;
  if (m.state === "failed") return `失败于 ${esc(fmtTime(m.last_attempt_at || m.next_attempt_at))}`;
  if (m.state === "expired") return `已过截止时间 ${esc(fmtTime(m.expires_at || m.next_attempt_at))}`;
  return `计划 ${esc(fmtTime(m.next_attempt_at))}`;
}

function mailRow(m) {
  // An expired reminder is not offered again: its deadline has passed and
  // the overdue notice tells the unit instead (the API would allow it).
  const resend = m.state === "failed";
  return `<tr data-id="${m.id}" data-state="${esc(m.state)}" data-unit="${esc(m.unit)}">
    <td>${unitLabel(m)}</td>
    <td class="recipient">${m.name ? esc(m.name) + "<br>" : ""}<small>${esc(m.recipient)}</small></td>
    <td>${esc(label("notice_kinds", m.kind))}</td>
    <td title="${esc(m.subject)}">${esc(deadlineLabel(m.deadline))}</td>
    <td class="num">${m.kind === "reminder" ? `${m.lead}天` : "—"}</td>
    <td class="num" data-attempts>${m.attempts}</td>
    <td class="mail-error">${m.last_error && m.state === "pending" && !m.attempts ? "重新发送前：" : ""}${esc(m.last_error || "")}</td>
    <td class="when">${whenLabel(m)}</td>
    <td data-mstate>${mailStateBadge(m.state)}</td>
    <td class="op">${resend ? `<button type="button" class="mini" data-action="resend" data-id="${m.id}">重新发送</button>` : ""}</td></tr>`;
}

function mailTable(id, list, empty) {
  let html = `<table class="list mail" id="${id}"><thead><tr><th>单位</th><th>收件人</th><th>类别</th><th>事项</th><th>提前天数</th><th>尝试次数</th><th>最后错误</th><th>时间</th><th>状态</th><th></th></tr></thead><tbody>`;
  html += list.map(mailRow).join("");
  if (!list.length) html += `<tr><td colspan="10" class="empty">${empty}</td></tr>`;
  return html + `</tbody></table>`;
}

function countCards(c) {
  const total = mailStates.reduce((n, s) => n + c[s], 0);
  const card = (s, text, n) => `<button type="button" class="link" data-action="state" data-state="${s}"${filter.state === s ? ' aria-pressed="true"' : ""}>${esc(text)} <b data-count="${s || "all"}">${n}</b></button>`;
  return `<ul class="stats mail-counts" id="mail-counts">` +
    mailStates.map(s => `<li class="${s === "failed" && c.failed ? "alarm" : ""}">${card(s, label("outbox_states", s), c[s])}</li>`).join("") +
    `<li>${card("", "全部", total)}</li></ul>`;
}

const query = extra => "?" + new URLSearchParams(Object.assign(filter.unit ? { unit: filter.unit } : {}, extra));

export async function open() {
  // Filters draw the page again; when they change quickly, only the last
  // request may draw, whatever order the answers arrive in.
  const seq = ++drawing;
  // The counts first: for a unit or a viewer they are the API's 403, shown
  // as the page's error.
  const counts = await api("GET", "/notifications/counts" + query({}));
  const [failed, list] = await Promise.all([
    api("GET", "/notifications" + query({ state: "failed", limit: "1000" })),
    filter.state === "failed" ? Promise.resolve(null) : api("GET", "/notifications" + query(Object.assign({ limit: String(filter.limit) }, filter.state ? { state: filter.state } : {}))),
  ]);
  if (seq !== drawing) return;
  const unitOpts = Object.keys(session.units).sort().map(c => `<option value="${esc(c)}"${c === filter.unit ? " selected" : ""}>${esc(session.units[c])}</option>`).join("");
  let html = `<h2>邮件提醒</h2>
  <p class="hint">提醒、逾期通知和汇总邮件都先进入发送队列，再由系统发出；邮件服务器拒收的会按间隔重试，重试用完仍未发出的为“发送失败”。请核对收件人的电子邮箱（在单位的督查工作联系人中修改）后重新发送。已发送的邮件不会重复发送。</p>
  ${countCards(counts)}
  <form id="mail-filter" class="card row"><label>状态 <select data-nfilter="state"><option value="">全部</option>${mailStates.map(s => `<option value="${s}"${s === filter.state ? " selected" : ""}>${esc(label("outbox_states", s))}</option>`).join("")}</select></label>
    <label>单位 <select data-nfilter="unit"><option value="">全部单位</option>${unitOpts}</select></label>
    <label>条数 <select data-nfilter="limit">${[50, 200, 1000].map(n => `<option${n === filter.limit ? " selected" : ""}>${n}</option>`).join("")}</select></label>
    <span class="filler"></span><button type="button" data-action="refresh">刷新</button></form>
  <div id="result"></div>`;
  const shownFailed = failed.length < counts.failed ? `（显示最近${failed.length}封）` : "";
  html += `<section class="annex failed-mail${counts.failed ? " alarm" : ""}" id="failed-section"><h3>发送失败的邮件 <span class="count" id="failed-count">${counts.failed}封${shownFailed}</span></h3>`;
  html += counts.failed || failed.length ? mailTable("failed-mail", failed, "") : `<p class="ok" id="no-failed">没有发送失败的邮件。</p>`;
  html += `</section>`;
  if (list) {
    const total = filter.state ? counts[filter.state] : mailStates.reduce((n, s) => n + counts[s], 0);
    const title = filter.state ? label("outbox_states", filter.state) + "的邮件" : "全部邮件";
    html += `<section class="annex" id="mail-section"><h3>${esc(title)} <span class="count">${total}封${list.length < total ? `，显示最近${list.length}封` : ""}</span></h3>
      ${mailTable("mail-list", list, "没有邮件")}</section>`;
  }
  app().innerHTML = html;
}

async function resend(btn) {
  const id = Number(btn.dataset.id);
  const m = await api("POST", `/notifications/${id}/resend`);
  let c;
  let stale = "";
  try { c = await api("GET", "/notifications/counts" + (filter.unit ? query({}) : "")); } catch (e) {
    if (e.status === 401) throw e;
    stale = message("error", `邮件计数未能更新（${esc(e.message)}），请点“刷新”。`);
  }
  // Every row of the message (it may be in both lists) shows it pending.
  for (const tr of $$(`tr[data-id="${id}"]`)) tr.outerHTML = mailRow(m);
  show(message("ok", `已将发给${esc(m.recipient)}的邮件重新放入发送队列，系统将立即发送。`) + stale);
  if (!c) return;
  $("#mail-counts").outerHTML = countCards(c);
  $("#failed-count").textContent = `${c.failed}封`;
  if (!c.failed) $("#failed-section").classList.remove("alarm");
}

export const actions = {
  resend,
  state: btn => { filter.state = btn.dataset.state; return open(); },
  refresh: open,
};

export function change(el) {
  const k = el.dataset.nfilter;
  if (!k) return;
  filter[k] = k === "limit" ? Number(el.value) : el.value;
  return open();
}

// failedMailBanner warns the office on the overview while messages have
// failed; "" for other roles and when none has.
export async function failedMailBanner() {
  if (session.me.role !== "office") return "";
  try {
    const c = await api("GET", "/notifications/counts");
    if (!c.failed) return "";
    return `<div class="alarm-banner" id="mail-banner" role="alert">有<b>${c.failed}</b>封邮件（提醒、逾期通知或汇总）发送失败，收件人可能没有收到。<a href="#/notify">查看并重新发送</a></div>`;
  } catch (e) {
    if (e.status === 401) throw e;
    return `<p class="hint" id="mail-banner-error">邮件发送情况暂时无法读取：${esc(e.message)}</p>`;
  }
}
