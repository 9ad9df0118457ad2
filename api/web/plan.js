// Questions about the plan the pages work on (session.plan): indicator
// names, checkpoints and the months of the monthly count.

import { session } from "./session.js";

// planItem is the plan's indicator code of category cat (a stand-in when
// the plan does not know it).
export function planItem(cat, code) {
  const c = session.plan && session.plan[cat];
  return (c && c.items && c.items.find(i => i.code === code)) || { code, name: "", required: [] };
}

export function itemName(cat, code) { return planItem(cat, code).name; }

// checkpointName is the name of the checkpoint on date, else the date.
export function checkpointName(date) {
  const c = session.plan.checkpoints.find(x => x.date === date);
  return c ? c.name : date;
}

// planMonths are the months of the monthly count, "YYYY-MM".
export function planMonths() {
  const mc = session.plan.monthly;
  if (!mc || !mc.from) return [];
  const out = [];
  let [y, m] = mc.from.split("-").map(Number);
  const [ty, tm] = mc.to.split("-").map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    if (++m > 12) { m = 1; y++; }
  }
  return out;
}

// monthDue is the day a month's count is due by: the plan's due day of
// the next month, or the working day it moved to when that is a day off
// (plan.monthly.dues); monthDueLabel writes both dates.
export function monthDue(month) {
  const d = (session.plan.monthly.dues || []).find(x => x.month === month);
  if (d) return d.due.ends_on;
  let [y, m] = month.split("-").map(Number);
  if (++m > 12) { m = 1; y++; }
  return `${y}-${String(m).padStart(2, "0")}-${String(session.plan.monthly.due_day).padStart(2, "0")}`;
}

export function monthDueLabel(month) {
  const d = (session.plan.monthly.dues || []).find(x => x.month === month);
  return d ? d.due.label : monthDue(month);
}

// checkpointDue writes a checkpoint's deadline: 6月30日前（遇休息日顺延至7月1日）.
export function checkpointDue(date) {
  const c = session.plan.checkpoints.find(x => x.date === date);
  return c && c.due ? c.due.label : date;
}

// planDeadlines are the plan's deadlines as they apply, in time order:
// {what, at, label, link} for the tables, each checkpoint and each month's
// count.
export function planDeadlines() {
  const p = session.plan, out = [];
  if (p.deadline && p.deadline.due) out.push({ what: "指标表报送截止", at: p.deadline.due.at, label: p.deadline.due.label, kind: "submission" });
  for (const c of p.checkpoints) if (c.due) out.push({ what: `时间节点：${c.name}`, at: c.due.at, label: c.due.label, kind: "checkpoint" });
  for (const d of (p.monthly && p.monthly.dues) || []) {
    const [y, m] = d.month.split("-");
    out.push({ what: `${y}年${Number(m)}月会员实名制数量报送`, at: d.due.at, label: d.due.label, kind: "monthly" });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
