// The page registry: one line per page. path is the hash route (see
// router.js), page the module that shows it, and nav its link in the
// navigation bar, in the bar's order: label (a text, or a text per role,
// which also limits the link to those roles), roles (who sees the link;
// everyone when left out) and href (the link, when the route needs a part).
//
// The first route is the home page (工作台: what the person must do next)
// and the fallback for a hash no route matches. Pages that other features
// add go in the bar's order; a page for one role names its roles.
//
// A page module exports open(params), which loads and draws the page into
// #app, and, as it needs: actions (click handlers by data-action), forms
// (submit handlers by data-form), input(el) and change(el) for edits,
// fail(e, el) for where an action's error shows, and leave() to keep what
// must survive a change of page or a closed tab, and confirms (dialogs
// for actions whose consequences need data, see events.js). Its state is
// its own.

import { enc } from "./dom.js";
import * as admin from "./pages/admin.js";
import * as audit from "./pages/audit.js";
import * as dashboard from "./pages/dashboard.js";
import * as deductions from "./pages/deductions.js";
import * as execution from "./pages/execution.js";
import * as monthly from "./pages/monthly.js";
import * as notify from "./pages/notify.js";
import * as objections from "./pages/objections.js";
import * as overview from "./pages/overview.js";
import * as password from "./pages/password.js";
import * as progress from "./pages/progress.js";
import * as result from "./pages/result.js";
import * as reviews from "./pages/reviews.js";
import * as run from "./pages/run.js";
import * as runs from "./pages/runs.js";
import * as submission from "./pages/submission/page.js";
import * as workplace from "./pages/workplace.js";

const ownUnit = base => me => `#/${base}/${enc(me.unit_code)}`;

export const routes = [
  { path: "/", page: workplace, nav: { label: "工作台" } },
  { path: "/dashboard", page: dashboard, nav: { label: "驾驶舱", roles: ["office", "viewer"] } },
  { path: "/tables", page: overview, nav: { label: "指标表", roles: ["office", "viewer"] } },
  { path: "/units/:unit", page: submission, nav: { label: "本单位指标表", roles: ["unit"], href: ownUnit("units") } },
  { path: "/exec/:unit/:filter(pending|reported|accepted|rejected|overdue|missing)?", page: execution, nav: { label: "执行与佐证材料", roles: ["unit"], href: ownUnit("exec") } },
  { path: "/progress", page: progress, nav: { label: "执行进度", roles: ["office", "viewer"] } },
  { path: "/reviews/:unit?", page: reviews, nav: { label: "审核佐证材料", roles: ["office"] } },
  { path: "/monthly/:month(\\d{4}-\\d{2})?", page: monthly, nav: { label: "会员实名制数量" } },
  { path: "/result/:unit?", page: result, nav: { label: "考核结果", roles: ["unit"] } },
  { path: "/deductions/:unit?", page: deductions, nav: { label: "扣分与减免", roles: ["office"] } },
  { path: "/scoring", page: runs, nav: { label: { office: "考核计分", viewer: "考核结果" } } },
  { path: "/scoring/:run(\\d+)/:unit?", page: run },
  { path: "/objections/:state(answered)?", page: objections },
  { path: "/notify", page: notify, nav: { label: "消息提醒", roles: ["office"] } },
  { path: "/admin", page: admin, nav: { label: "单位与账号", roles: ["office"] } },
  { path: "/audit", page: audit, nav: { label: "操作日志", roles: ["office"] } },
  { path: "/password", page: password },
];
