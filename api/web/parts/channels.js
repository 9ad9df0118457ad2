// Where notices reach people besides email, for a unit (on its tables
// page, under its contacts) or for the office (on the units and accounts
// page): its group robots (WeCom and DingTalk), listed without their
// secrets, added with a short how-to, tested and deleted; and its
// calendar feed, with the address, a QR code for phones, copy and rotate.
//
// A page loads them with loadChannels(owner) (a unit's code, "" for the
// office), draws channelsSection() where they belong, and takes
// channelActions, channelForms, channelConfirms and channelChange into its
// own handlers. The part draws its own section again after its actions.

import { api, fetchBlob } from "../api.js";
import { $, enc, esc, fmtTime, message } from "../dom.js";
import { markForm, show, toast } from "../feedback.js";
import { label } from "../labels.js";
import { session, unitName } from "../session.js";

// c is the owner shown ("" the office), its robots, its calendar address
// (null when the reader may not see it) and the QR code's object URL.
let c = null;

const base = owner => (owner ? `/units/${enc(owner)}` : "/office");
const ownerName = owner => (owner ? unitName(owner) : "市总工会办公室");

// mayManage says whether the signed-in account may add, test and delete
// the owner's robots and read its calendar: the office any, a unit its own.
function mayManage(owner) {
  const me = session.me;
  return me.role === "office" || (me.role === "unit" && owner !== "" && me.unit_code === owner);
}

// loadChannels reads owner's robots and, for those who may see it, its
// calendar address and QR code.
export async function loadChannels(owner) {
  const manage = mayManage(owner);
  const [robots, cal] = await Promise.all([api("GET", `${base(owner)}/robots`), manage ? api("GET", `${base(owner)}/calendar`) : null]);
  if (c && c.qr) URL.revokeObjectURL(c.qr);
  c = { owner, robots, cal, manage, qr: cal ? await qrOf(cal) : "" };
}

// qrOf reads the address's QR code as an image the page can show (an img
// cannot send the token itself).
async function qrOf(cal) {
  try { return URL.createObjectURL(await fetchBlob(cal.qr_svg.replace(/^\/api\/v1/, ""))); } catch (e) {
    if (e.status === 401) throw e;
    return "";
  }
}

// channelsSection draws the loaded robots and calendar.
export function channelsSection() {
  if (!c) return "";
  const who = ownerName(c.owner);
  return `<section class="annex channels" id="channels" data-owner="${esc(c.owner)}"><h3>${c.owner ? "工作群与日历" : "办公室的工作群与日历"}</h3>
    <p class="note">${c.owner ? "提醒、逾期通知、考核结果公示和异议答复" : "每日汇总、待答复异议的汇总"}除发往${c.owner ? "联系人的" : "办公室的"}电子邮箱外，也发到下面登记的企业微信群、钉钉群；日历订阅把${c.owner ? "本单位的" : "各单位的"}截止时间放进手机日历。</p>
    ${robotsPart(who)}${calendarPart()}</section>`;
}

function draw() {
  const el = $("#channels");
  if (el) el.outerHTML = channelsSection();
}

function testCell(r) {
  const t = r.last_test;
  if (!t) return `<span class="no-tag">尚未测试</span>`;
  return t.ok ? `<span class="ok-tag">测试消息已送达</span> <small>${esc(fmtTime(t.at))}</small>`
    : `<span class="refused">测试消息未送达：${esc(t.error || "")}</span> <small>${esc(fmtTime(t.at))}</small>`;
}

function robotsPart(who) {
  let html = `<h4>群机器人（${c.robots.length}个）</h4><table class="list robots" id="robots"><thead><tr><th>名称</th><th>类型</th><th>地址</th><th>测试</th>${c.manage ? "<th></th>" : ""}</tr></thead><tbody>`;
  for (const r of c.robots) {
    html += `<tr data-robot="${r.id}" data-kind="${esc(r.kind)}"><td>${esc(r.name)}<br><small>${esc(fmtTime(r.created_at))}添加</small></td><td>${esc(r.kind_label || label("channels", r.kind))}</td>
      <td class="robot-host">${esc(r.host)}<br><small>密钥末四位 <b>${esc(r.key_last4)}</b>${r.secret_last4 ? `，加签密钥末四位 <b>${esc(r.secret_last4)}</b>` : ""}</small></td>
      <td class="robot-test" data-ok="${r.last_test ? r.last_test.ok : ""}">${testCell(r)}</td>
      ${c.manage ? `<td class="nowrap"><button type="button" class="mini${r.last_test ? "" : " primary"}" data-action="robot-test" data-id="${r.id}">发送测试消息</button><button type="button" class="mini danger" data-action="robot-delete" data-id="${r.id}">删除</button></td>` : ""}</tr>`;
  }
  if (!c.robots.length) html += `<tr><td colspan="5" class="empty">还没有登记群机器人</td></tr>`;
  html += `</tbody></table>`;
  if (!c.manage) return html;
  return html + `<form class="card robot-form" id="robot-form" data-form="robot-add" novalidate><h4>添加群机器人</h4>
    <details class="howto" id="robot-howto"><summary>如何在群里创建机器人</summary>
      <p><b>企业微信：</b>在工作群中点右上角“…”进入群设置，选“群机器人”→“添加机器人”→“新创建一个机器人”，起个名字（如“考核提醒”），完成后复制“Webhook地址”，粘贴到下面。</p>
      <p><b>钉钉：</b>在电脑版钉钉的工作群中打开“群设置”→“机器人”→“添加机器人”→“自定义”，起个名字；在“安全设置”中勾选“加签”，复制显示的密钥（以SEC开头）；同意协议后点“完成”，再复制“Webhook”地址。两项都粘贴到下面。</p>
      <p>Webhook地址和密钥相当于发言的口令，请勿外传。保存后本系统只显示末四位。</p></details>
    <div class="row"><label>类型 <span class="f" data-path="kind"><select name="kind"><option value="wecom">${esc(label("channels", "wecom"))}</option><option value="dingtalk">${esc(label("channels", "dingtalk"))}</option></select></span></label>
    <label>群名称（可不填） <span class="f" data-path="name"><input name="name" maxlength="50" placeholder="如 ${esc(c.owner ? unitName(c.owner).replace(/总工会$/, "") : "办公室")}督查工作群"></span></label>
    <label class="grow">Webhook地址 <span class="f" data-path="webhook"><input name="webhook" autocomplete="off" spellcheck="false" placeholder="从机器人设置中复制，以 https:// 开头"></span></label>
    <label class="robot-secret" hidden>加签密钥（钉钉） <span class="f" data-path="secret"><input name="secret" autocomplete="off" spellcheck="false" placeholder="以SEC开头"></span></label></div>
    <div class="actions"><button type="submit" class="primary">添加</button></div><div class="form-result"></div>
    <p class="hint">添加后请点“发送测试消息”，确认${esc(who)}的群里收到。</p></form>`;
}

function calendarPart() {
  if (!c.cal) return "";
  const cal = c.cal;
  return `<h4>日历订阅</h4><div class="calendar-box" id="calendar">
    ${c.qr ? `<img id="calendar-qr" src="${esc(c.qr)}" alt="日历订阅地址的二维码" width="168" height="168">` : ""}
    <div class="calendar-text"><p class="hint">用手机扫描二维码，或把下面的地址添加到日历（苹果手机：设置 → 日历 → 账户 → 添加账户 → 其他 → 添加已订阅的日历；电脑上的Outlook等：从网址添加日历）。${c.owner ? "本单位" : "各单位"}的指标表报送截止、各时间节点、每月会员实名制数量报送和公示期截止会出现在日历中，并随指标表的变化自动更新。</p>
    <div class="calendar-url"><input readonly id="calendar-url" value="${esc(cal.url)}" aria-label="日历订阅地址"><button type="button" data-action="calendar-copy" id="calendar-copy">复制地址</button></div>
    <p><a class="button" href="${esc(cal.webcal_url)}" id="calendar-open">在本机日历中打开</a> <button type="button" class="danger" data-action="calendar-rotate" id="calendar-rotate">更换地址</button></p>
    <p class="hint">地址本身就是查看日历的凭据，请勿外传；如已外传，点“更换地址”，旧地址随即失效。</p></div></div>`;
}

async function addRobot(form) {
  const res = form.querySelector(".form-result");
  markForm(form, { details: [] });
  res.innerHTML = "";
  const kind = form.kind.value;
  const body = { kind, webhook: form.webhook.value.trim(), name: form.name.value.trim() };
  if (kind === "dingtalk") body.secret = form.secret.value.trim();
  let r;
  try { r = await api("POST", `${base(c.owner)}/robots`, body); } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    res.innerHTML = message("error", esc(e.message) + ((e.details || []).length ? "，请按标出的位置修改。" : ""));
    return;
  }
  c.robots.push(r);
  draw();
  show(message("ok", `已添加${esc(r.kind_label)}“${esc(r.name)}”。请点“发送测试消息”，确认群里收到。`));
}

async function testRobot(btn) {
  const r = await api("POST", `${base(c.owner)}/robots/${enc(btn.dataset.id)}/test`);
  c.robots = c.robots.map(x => (x.id === r.id ? r : x));
  draw();
  if (r.last_test && r.last_test.ok) show(message("ok", `测试消息已发到“${esc(r.name)}”，请在群里查看。`));
  else show(message("error", `“${esc(r.name)}”没有收到测试消息：${esc(r.last_test ? r.last_test.error : "")}。请核对Webhook地址${r.kind === "dingtalk" ? "和加签密钥" : ""}，删除后重新添加。`));
}

async function deleteRobot(btn) {
  const r = c.robots.find(x => String(x.id) === btn.dataset.id);
  await api("DELETE", `${base(c.owner)}/robots/${enc(btn.dataset.id)}`);
  c.robots = c.robots.filter(x => x !== r);
  draw();
  show(message("ok", `已删除群机器人“${esc(r.name)}”，提醒不再发到这个群。`));
}

// copyAddress copies the feed's address. The clipboard API exists only on
// a secure origin and may wait on a permission: after a second, or
// without it, the address is selected and copied as a keyboard would.
async function copyAddress() {
  const input = $("#calendar-url");
  let copied = false;
  if (navigator.clipboard) {
    const late = new Promise((_, no) => setTimeout(() => no(new Error("timeout")), 1000));
    try { await Promise.race([navigator.clipboard.writeText(input.value), late]); copied = true; } catch { /* fall back below */ }
  }
  if (!copied) {
    input.select();
    try { copied = document.execCommand("copy"); } catch { copied = false; }
  }
  toast(copied ? "ok" : "info", copied ? "已复制日历订阅地址。" : "请选中地址后手动复制。");
}

async function rotate() {
  const cal = await api("POST", `${base(c.owner)}/calendar/rotate`);
  if (c.qr) URL.revokeObjectURL(c.qr);
  c.cal = cal;
  c.qr = await qrOf(cal);
  draw();
  show(message("ok", "已更换日历订阅地址，旧地址已失效。请在日历中删除旧的订阅，用新地址或二维码重新订阅。"));
}

export const channelActions = {
  "robot-test": testRobot,
  "robot-delete": deleteRobot,
  "calendar-copy": copyAddress,
  "calendar-rotate": rotate,
};

export const channelForms = { "robot-add": addRobot };

// channelConfirms: deleting a robot and rotating the address say what
// stops working.
export const channelConfirms = {
  "robot-delete": el => {
    const r = c.robots.find(x => String(x.id) === el.dataset.id);
    return { title: `删除群机器人“${r ? r.name : ""}”？`, ok: "删除", danger: true,
      body: `<p>删除后提醒不再发到这个群，尚未发出的消息也不再发送。群里的机器人本身不受影响，可在群设置中移除。</p>` };
  },
  "calendar-rotate": () => ({ title: "更换日历订阅地址？", ok: "更换地址", danger: true,
    body: `<p>更换后<b>旧地址立即失效</b>：已订阅旧地址的手机和电脑日历不再更新，需用新地址或新二维码重新订阅。</p>` }),
};

// channelChange shows the secret's field for a DingTalk robot only.
export function channelChange(el) {
  if (!el.matches("#robot-form select[name=kind]")) return false;
  el.closest("form").querySelector(".robot-secret").hidden = el.value !== "dingtalk";
  return true;
}
