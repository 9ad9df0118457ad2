// The years: the switcher in the navigation bar (every page works on the
// year chosen there), what a page says for a year whose plan is not
// published yet, and the office's offer to start the current year's plan.

import { esc, message } from "../dom.js";
import { label } from "../labels.js";
import { session } from "../session.js";

// yearOptions are the years the signed-in person can choose, newest
// first: every year with a plan in force, and for the office the years
// with only a draft.
function yearOptions() {
  const ys = new Map();
  for (const y of Object.keys(session.plans)) ys.set(Number(y), "");
  for (const y of (session.years && session.years.years) || []) if (!y.published) ys.set(y.year, "（未发布）");
  if (!ys.has(session.year)) ys.set(session.year, "（无方案）");
  return [...ys].sort((a, b) => b[0] - a[0]);
}

// yearSwitch is the year chooser of the navigation bar.
export function yearSwitch() {
  const opts = yearOptions().map(([y, note]) => `<option value="${y}"${y === session.year ? " selected" : ""}>${y}年度${esc(note)}</option>`).join("");
  return `<label class="year-switch" title="考核年度：各页面显示所选年度"><span class="on-phone">考核年度</span><select id="year-switch" aria-label="考核年度">${opts}</select></label>`;
}

// noPlanPage is what a page shows for a year without a plan in force.
export function noPlanPage() {
  const y = session.year;
  if (session.me.role !== "office") return `<h2>${y}年度</h2>` + message("info", `${y}年度的考核方案尚未发布。请在页面顶部选择其他年度。`);
  const draft = session.years && session.years.years.find(v => v.year === y);
  return `<h2>${y}年度</h2>` + message("info", draft
    ? `<span id="no-plan">${y}年度的考核方案尚未发布（第${draft.latest}版，${esc(label("plan_states", "draft"))}）。</span>发布后各单位才能按它填报指标表，其他页面才有内容。<a class="button" href="#/plan">去编辑、检查并发布</a>`
    : `<span id="no-plan">${y}年度还没有考核方案。</span><a class="button" href="#/plan/${y}">新建${y}年度考核方案</a>`);
}

// newYearOffer is, for the office, the offer to start the current year's
// plan from an earlier year when it has none in force; "" otherwise.
export function newYearOffer() {
  const ys = session.years;
  if (session.me.role !== "office" || !ys || !ys.create_from) return "";
  const draft = ys.years.find(v => v.year === ys.current);
  return `<div class="info new-year" id="new-year-offer" role="status">${draft
    ? `${ys.current}年度的考核方案还是草稿（第${draft.latest}版），尚未发布，各单位还不能按它填报。<a class="button primary" href="#/plan/${ys.current}">继续编辑并发布</a>`
    : `已进入${ys.current}年，${ys.current}年度还没有考核方案。可以${ys.create_from}年度方案为基础新建，日期顺延到${ys.current}年，节假日安排需重新填写。<a class="button primary" id="offer-new-year" href="#/plan/${ys.current}">新建${ys.current}年度考核方案</a>`}</div>`;
}
