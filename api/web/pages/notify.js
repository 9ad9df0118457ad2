// The office's message page (#/notify): the outbox of reminders, overdue
// notices, digests and the notices of a published result, by email and to
// group robots, by state; the failed messages first with a resend button,
// filters by state, channel and unit; and the banner on the workplace
// while messages have failed. The API answers 403 to other roles, which
// the page shows as its error.

import { api } from "../api.js";
import { $, $$, app, esc, fmtTime, dateLabel, monthLabel, message } from "../dom.js";
import { show } from "../feedback.js";
import { label, mailStateBadge } from "../labels.js";
import { session } from "../session.js";

// The order of the count cards and filters: what needs the office first.
const mailStates = ["failed", "pending", "sent", "expired"];

// channels are the ways a message goes out, in the filter's order.
const channels = ["email", "wecom", "dingtalk"];

// filter is what the page shows; counts the latest counts read.
const filter = { state: "", channel: "", unit: "", limit: 200 };
let drawing = 0;

// deadlineLabel names what a message is about (plain text) from its
// deadline key: submission:DATE, checkpoint:DATE, monthly:YYYY-MM, and for
// a published result result:YEAR, objection:ID or objections:YEAR/DATE.
function deadlineLabel(key) {
  const [kind, rest] = String(key).split(/:(.*)/s);
  if (kind === "submission") return `指标表报送（${dateLabel(rest)}截止）`;
  if (kind === "checkpoint") {
    const c = session.plan && session.plan.checkpoints.find(x => x.date === rest);
    return `序时进度节点（${c ? c.name + "，" : ""}${dateLabel(rest)}）`;
  }
  if (kind === "monthly" && /^\d{4}-\d{2}$/.test(rest)) return `${monthLabel(rest)}会员实名制数量`;
  if (kind === "result") return `${rest}年度考核结果公示`;
  if (kind === "objection") return `异议第${rest}号的答复`;
  if (kind === "objections") return `待答复的异议（${dateLabel(rest.split("/")[1] || "")}）`;
  return String(key);
}

function unitLabel(m) { return m.unit ? esc(session.units[m.unit] || m.unit) : `<span class="no-tag">（办公室汇总）</span>`; }

const channelOf = m => m.channel || "email";

// recipientLabel is who receives a message: a contact's name and address,
// or a group robot's name (its recipient is an internal reference).
function recipientLabel(m) {
  if (channelOf(m) !== "email") return `${esc(m.name || label("channels", channelOf(m)))}<br><small>群机器人</small>`;
  return `${m.name ? esc(m.name) + "<br>" : ""}<small>${esc(m.recipient)}</small>`;
}

// whom names a message's recipient in a sentence.
function whom(m) { return channelOf(m) === "email" ? `发给${esc(m.recipient)}的邮件` : `发往群机器人“${esc(m.name || label("channels", channelOf(m)))}”的消息`; }

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
  return `<tr data-id="${m.id}" data-state="${esc(m.state)}" data-unit="${esc(m.unit)}" data-channel="${esc(channelOf(m))}">
    <td>${unitLabel(m)}</td>
    <td class="channel">${esc(label("channels", channelOf(m)))}</td>
    <td class="recipient">${recipientLabel(m)}</td>
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
  let html = `<table class="list mail" id="${id}"><thead><tr><th>单位</th><th>渠道</th><th>收件人</th><th>类别</th><th>事项</th><th>提前天数</th><th>尝试次数</th><th>最后错误</th><th>时间</th><th>状态</th><th></th></tr></thead><tbody>`;
  html += list.map(mailRow).join("");
  if (!list.length) html += `<tr><td colspan="11" class="empty">${empty}</td></tr>`;
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
// listQuery adds the channel, which the counts do not take.
const listQuery = extra => query(Object.assign(filter.channel ? { channel: filter.channel } : {}, extra));

export async function open() {
  // Filters draw the page again; when they change quickly, only the last
  // request may draw, whatever order the answers arrive in.
  const seq = ++drawing;
  // The counts first: for a unit or a viewer they are the API's 403, shown
  // as the page's error.
  const counts = await api("GET", "/notifications/counts" + query({}));
  const [failed, list] = await Promise.all([
    api("GET", "/notifications" + listQuery({ state: "failed", limit: "1000" })),
    filter.state === "failed" ? Promise.resolve(null) : api("GET", "/notifications" + listQuery(Object.assign({ limit: String(filter.limit) }, filter.state ? { state: filter.state } : {}))),
  ]);
  if (seq !== drawing) return;
  const unitOpts = Object.keys(session.units).sort().map(c => `<option value="${esc(c)}"${c === filter.unit ? " selected" : ""}>${esc(session.units[c])}</option>`).join("");
  let html = `<h2>消息提醒</h2>
  <p class="hint">提醒、逾期通知、汇总和考核结果的公示、异议答复，都先进入发送队列，再由系统发往联系人的电子邮箱和登记的企业微信群、钉钉群；被拒收的会按间隔重试，重试用完仍未发出的为“发送失败”。请核对收件人的电子邮箱（在单位的督查工作联系人中修改）或群机器人（在单位的指标表页联系人下方，办公室的在<a href="#/admin">单位与账号</a>页）后重新发送。已发送的消息不会重复发送。</p>
  ${countCards(counts)}
  <form id="mail-filter" class="card row"><label>状态 <select data-nfilter="state"><option value="">全部</option>${mailStates.map(s => `<option value="${s}"${s === filter.state ? " selected" : ""}>${esc(label("outbox_states", s))}</option>`).join("")}</select></label>
    <label>渠道 <select data-nfilter="channel"><option value="">全部渠道</option>${channels.map(c => `<option value="${c}"${c === filter.channel ? " selected" : ""}>${esc(label("channels", c))}</option>`).join("")}</select></label>
    <label>单位 <select data-nfilter="unit"><option value="">全部单位</option>${unitOpts}</select></label>
    <label>条数 <select data-nfilter="limit">${[50, 200, 1000].map(n => `<option${n === filter.limit ? " selected" : ""}>${n}</option>`).join("")}</select></label>
    <span class="filler"></span><button type="button" data-action="refresh">刷新</button></form>
  <div id="result"></div>`;
  // The counts are of every channel: with a channel chosen, the lists say
  // how many they show.
  const of = filter.channel ? label("channels", filter.channel) + "的" : "";
  const nFailed = filter.channel ? failed.length : counts.failed;
  const shownFailed = failed.length < nFailed ? `（显示最近${failed.length}条）` : "";
  html += `<section class="annex failed-mail${nFailed ? " alarm" : ""}" id="failed-section"><h3>发送失败的${esc(of)}消息 <span class="count" id="failed-count">${nFailed}条${shownFailed}</span></h3>`;
  html += nFailed || failed.length ? mailTable("failed-mail", failed, "") : `<p class="ok" id="no-failed">没有发送失败的${esc(of)}消息。</p>`;
  html += `</section>`;
  if (list) {
    const total = filter.channel ? list.length : filter.state ? counts[filter.state] : mailStates.reduce((n, s) => n + counts[s], 0);
    const title = (filter.state ? label("outbox_states", filter.state) + "的" : "全部") + (of || "") + "消息";
    html += `<section class="annex" id="mail-section"><h3>${esc(title)} <span class="count">${filter.channel && list.length >= filter.limit ? `显示最近${list.length}条` : `${total}条${list.length < total ? `，显示最近${list.length}条` : ""}`}</span></h3>
      ${mailTable("mail-list", list, "没有消息")}</section>`;
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
    stale = message("error", `消息计数未能更新（${esc(e.message)}），请点“刷新”。`);
  }
  // Every row of the message (it may be in both lists) shows it pending.
  for (const tr of $$(`tr[data-id="${id}"]`)) tr.outerHTML = mailRow(m);
  show(message("ok", `已将${whom(m)}重新放入发送队列，系统将立即发送。`) + stale);
  if (!c) return;
  $("#mail-counts").outerHTML = countCards(c);
  const left = filter.channel ? $$("#failed-mail tr[data-state=failed]").length : c.failed;
  $("#failed-count").textContent = `${left}条`;
  if (!left) $("#failed-section").classList.remove("alarm");
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

// failedMailBanner warns the office on the workplace while messages have
// failed, emails and robot messages alike; "" for other roles and when
// none has.
export async function failedMailBanner() {
  if (session.me.role !== "office") return "";
  try {
    const c = await api("GET", "/notifications/counts");
    if (!c.failed) return "";
    return `<div class="alarm-banner" id="mail-banner" role="alert">有<b>${c.failed}</b>条消息（邮件或工作群消息）发送失败，收件人可能没有收到。<a href="#/notify">查看并重新发送</a></div>`;
  } catch (e) {
    if (e.status === 401) throw e;
    return `<p class="hint" id="mail-banner-error">消息发送情况暂时无法读取：${esc(e.message)}</p>`;
  }
}
