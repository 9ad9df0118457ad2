// 工会实绩考核 — the office's mail page (issue 4): the outbox of reminders,
// overdue notices and digests by state, the failed messages first with a
// resend button, filters by state and unit; and a banner on the overview
// while messages have failed. Loaded after app.js and built on its helpers
// (api, esc, S, fmtTime, …); like them it uses only the JSON API with the
// bearer token: GET /notifications, GET /notifications/counts and POST
// /notifications/{id}/resend, all office only.
"use strict";

const mailStates = ["failed", "pending", "sent", "expired"];
const mailStateNames = { pending: "待发送", sent: "已发送", failed: "发送失败", expired: "已过期" };
const mailKindNames = { reminder: "提醒", overdue: "逾期通知", digest: "汇总" };
Object.assign(actionNames, { "notification.resend": "重新发送邮件" });

// np is the state of the mail page: its filters, and the counts and lists
// shown (null before the first visit).
let np = null;

// ---------------------------------------------------------------- labels

function mailState(s) { return `<span class="mstate mstate-${esc(s)}">${esc(mailStateNames[s] || s)}</span>`; }

// dateLabel turns "2019-06-13" into "2019年6月13日".
function dateLabel(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || "");
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : d;
}

// deadlineLabel names what a message is about (plain text) from its
// deadline key: submission:DATE, checkpoint:DATE or monthly:YYYY-MM.
function deadlineLabel(key) {
  const [kind, rest] = String(key).split(/:(.*)/s);
  if (kind === "submission") return `指标表报送（${dateLabel(rest)}截止）`;
  if (kind === "checkpoint") {
    const c = S.plan && S.plan.checkpoints.find(x => x.date === rest);
    return `序时进度节点（${c ? c.name + "，" : ""}${dateLabel(rest)}）`;
  }
  if (kind === "monthly" && /^\d{4}-\d{2}$/.test(rest)) return `${monthLabel(rest)}会员实名制数量`;
  return String(key);
}

function unitLabel(m) { return m.unit ? esc(S.units[m.unit] || m.unit) : `<span class="no-tag">（办公室汇总）</span>`; }

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
    <td>${esc(mailKindNames[m.kind] || m.kind)}</td>
    <td title="${esc(m.subject)}">${esc(deadlineLabel(m.deadline))}</td>
    <td class="num">${m.kind === "reminder" ? `${m.lead}天` : "—"}</td>
    <td class="num" data-attempts>${m.attempts}</td>
    <td class="mail-error">${m.last_error && m.state === "pending" && !m.attempts ? "重新发送前：" : ""}${esc(m.last_error || "")}</td>
    <td class="when">${whenLabel(m)}</td>
    <td data-mstate>${mailState(m.state)}</td>
    <td class="op">${resend ? `<button type="button" class="mini" data-n="resend" data-id="${m.id}">重新发送</button>` : ""}</td></tr>`;
}

function mailTable(id, list, empty) {
  let html = `<table class="list mail" id="${id}"><thead><tr><th>单位</th><th>收件人</th><th>类别</th><th>事项</th><th>提前天数</th><th>尝试次数</th><th>最后错误</th><th>时间</th><th>状态</th><th></th></tr></thead><tbody>`;
  html += list.map(mailRow).join("");
  if (!list.length) html += `<tr><td colspan="10" class="empty">${empty}</td></tr>`;
  return html + `</tbody></table>`;
}

function countCards(c) {
  const total = mailStates.reduce((n, s) => n + c[s], 0);
  return `<ul class="stats mail-counts" id="mail-counts">` + mailStates.map(s =>
    `<li class="${s === "failed" && c.failed ? "alarm" : ""}"><button type="button" class="link" data-n="state" data-state="${s}"${np.state === s ? ' aria-pressed="true"' : ""}>${esc(mailStateNames[s])} <b data-count="${s}">${c[s]}</b></button></li>`).join("") +
    `<li><button type="button" class="link" data-n="state" data-state=""${np.state === "" ? ' aria-pressed="true"' : ""}>全部 <b data-count="all">${total}</b></button></li></ul>`;
}

// ---------------------------------------------------------------- page

let notifySeq = 0;
async function notifyPage() {
  if (!np) np = { state: "", unit: "", limit: 200 };
  // Filters re-render the page; when they change quickly, only the last
  // request may draw, whatever order the answers arrive in.
  const seq = ++notifySeq;
  const q = extra => "?" + new URLSearchParams(Object.assign(np.unit ? { unit: np.unit } : {}, extra));
  // The counts first: for a unit or a viewer they are the API's 403, shown
  // as the page's error.
  const counts = await api("GET", "/notifications/counts" + q({}));
  const [failed, list] = await Promise.all([
    api("GET", "/notifications" + q({ state: "failed", limit: "1000" })),
    np.state === "failed" ? Promise.resolve(null) : api("GET", "/notifications" + q(Object.assign({ limit: String(np.limit) }, np.state ? { state: np.state } : {}))),
  ]);
  if (seq !== notifySeq) return;
  np.counts = counts;
  const unitOpts = Object.keys(S.units).sort().map(c => `<option value="${esc(c)}"${c === np.unit ? " selected" : ""}>${esc(S.units[c])}</option>`).join("");
  let html = `<h2>邮件提醒</h2>
  <p class="hint">提醒、逾期通知和汇总邮件都先进入发送队列，再由系统发出；邮件服务器拒收的会按间隔重试，重试用完仍未发出的为“发送失败”。请核对收件人的电子邮箱（在单位的督查工作联系人中修改）后重新发送。已发送的邮件不会重复发送。</p>
  ${countCards(counts)}
  <form id="mail-filter" class="card row"><label>状态 <select data-nfilter="state"><option value="">全部</option>${mailStates.map(s => `<option value="${s}"${s === np.state ? " selected" : ""}>${esc(mailStateNames[s])}</option>`).join("")}</select></label>
    <label>单位 <select data-nfilter="unit"><option value="">全部单位</option>${unitOpts}</select></label>
    <label>条数 <select data-nfilter="limit">${[50, 200, 1000].map(n => `<option${n === np.limit ? " selected" : ""}>${n}</option>`).join("")}</select></label>
    <span class="filler"></span><button type="button" data-n="refresh">刷新</button></form>
  <div id="result"></div>`;
  const shownFailed = failed.length < counts.failed ? `（显示最近${failed.length}封）` : "";
  html += `<section class="annex failed-mail${counts.failed ? " alarm" : ""}" id="failed-section"><h3>发送失败的邮件 <span class="count" id="failed-count">${counts.failed}封${shownFailed}</span></h3>`;
  html += counts.failed || failed.length ? mailTable("failed-mail", failed, "") : `<p class="ok" id="no-failed">没有发送失败的邮件。</p>`;
  html += `</section>`;
  if (list) {
    const total = np.state ? counts[np.state] : mailStates.reduce((n, s) => n + counts[s], 0);
    const title = np.state ? mailStateNames[np.state] + "的邮件" : "全部邮件";
    html += `<section class="annex" id="mail-section"><h3>${esc(title)} <span class="count">${total}封${list.length < total ? `，显示最近${list.length}封` : ""}</span></h3>
      ${mailTable("mail-list", list, "没有邮件")}</section>`;
  }
  app().innerHTML = html;
}

async function resendMail(btn) {
  const id = Number(btn.dataset.id);
  const m = await api("POST", `/notifications/${id}/resend`);
  let c;
  let stale = "";
  try { c = await api("GET", "/notifications/counts" + (np.unit ? "?" + new URLSearchParams({ unit: np.unit }) : "")); } catch (e) {
    if (e.status === 401) throw e;
    stale = message("error", `邮件计数未能更新（${esc(e.message)}），请点“刷新”。`);
  }
  // Every row of the message (it may be in both lists) shows it pending.
  for (const tr of $$(`tr[data-id="${id}"]`)) tr.outerHTML = mailRow(m);
  show(message("ok", `已将发给${esc(m.recipient)}的邮件重新放入发送队列，系统将立即发送。`) + stale);
  if (!c) return;
  np.counts = c;
  $("#mail-counts").outerHTML = countCards(c);
  $("#failed-count").textContent = `${c.failed}封`;
  if (!c.failed) $("#failed-section").classList.remove("alarm");
}

// ---------------------------------------------------------------- overview banner

// failedBanner warns the office on the overview while messages have failed.
async function failedBanner() {
  if (!S.me || S.me.role !== "office") return "";
  try {
    const c = await api("GET", "/notifications/counts");
    if (!c.failed) return "";
    return `<div class="alarm-banner" id="mail-banner" role="alert">有<b>${c.failed}</b>封邮件（提醒、逾期通知或汇总）发送失败，收件人可能没有收到。<a href="#/notify">查看并重新发送</a></div>`;
  } catch (e) {
    if (e.status === 401) throw e;
    return `<p class="hint" id="mail-banner-error">邮件发送情况暂时无法读取：${esc(e.message)}</p>`;
  }
}

// ---------------------------------------------------------------- wiring

routes.push({ re: /^#\/notify$/, fn: () => notifyPage() });
navLinks.push(m => (m.role === "office" ? `<a href="#/notify">邮件提醒</a>` : ""));
overviewBanners.push(failedBanner);

function notifyFail(e) {
  if (e.status === 401) return loginPage(e.message);
  const box = document.querySelector("#result") || app();
  if (box === app()) app().insertAdjacentHTML("afterbegin", errorBox(e)); else show(errorBox(e));
}

document.addEventListener("click", ev => {
  const t = ev.target.closest("button[data-n]");
  if (!t || t.disabled || !np) return;
  let job;
  if (t.dataset.n === "resend") job = resendMail(t);
  else if (t.dataset.n === "state") { np.state = t.dataset.state; job = notifyPage(); }
  else if (t.dataset.n === "refresh") job = notifyPage();
  if (!job) return;
  t.disabled = true;
  job.catch(notifyFail).finally(() => { if (document.body.contains(t)) t.disabled = false; });
});

document.addEventListener("change", ev => {
  const t = ev.target;
  if (!t.matches("[data-nfilter]") || !np) return;
  const k = t.dataset.nfilter;
  np[k] = k === "limit" ? Number(t.value) : t.value;
  notifyPage().catch(notifyFail);
});
