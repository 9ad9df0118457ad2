// A plan document as a form (the office's draft) or as text (the plan in
// force for units and leaders): one section per part of the notice. Every
// field sits in a .f whose data-path is its path in the plan document, as
// the plan checks name it, and whose data-label says where it is in words,
// for the list of problems.

import { dateLabel, esc, monthLabel } from "../../dom.js";
import { label } from "../../labels.js";
import { getPath } from "../../paths.js";
import { entryOf, rowNote } from "./calendar.js";

// The fields of a supervision contact the plan may require, in the form's
// order, and the duties it may ask for.
const contactFields = ["name", "position", "phone", "mobile", "email"];
const duties = ["head", "staff"];

// The automatic deductions, in the notice's order.
const deductionFields = [
  ["late_submission_per_day", "指标表迟报，每天扣"], ["late_submission_cap", "指标表迟报最多扣"],
  ["late_node", "节点逾期报送，每个扣"], ["missing_node", "节点逾期未报送，每个扣"],
  ["monthly_late", "月度数量迟报，每月扣"], ["monthly_missing", "月度数量未报送，每月扣"],
];

// planForm draws plan m (its calendar as rows, cal) as a form when o.edit,
// else as text; o.raw holds what was typed into number and time fields
// that could not be read, shown as typed.
export function planForm(m, cal, o) {
  const b = builder(m, cal, o);
  return [basics, dates, calendar, category("party"), category("business"), innovation, phrases, contacts, monthly, deductions, grades, scoring, office]
    .map(part => part(b, m)).join("");
}

function builder(m, cal, o) {
  const edit = !!o.edit, raw = o.raw || {};
  const val = path => (path in raw ? raw[path] : getPath(m, path));
  const wrap = (path, where, inner, tag = "span", cls = "") => `<${tag} class="f${cls ? " " + cls : ""}" data-path="${esc(path)}" data-label="${esc(where)}">${inner}</${tag}>`;

  function shown(kind, v, opts) {
    if (v == null || v === "") return "—";
    if (kind === "date") return dateLabel(v);
    if (kind === "month") return monthLabel(v);
    if (kind === "select") { const o2 = opts.options.find(x => x[0] === v); return o2 ? o2[1] : v; }
    return String(v);
  }

  function control(path, kind, opts = {}) {
    const v = val(path);
    if (!edit) return `<span class="ro">${esc(shown(kind, v, opts))}</span>`;
    const value = esc(v == null ? "" : v);
    const ph = opts.placeholder ? ` placeholder="${esc(opts.placeholder)}"` : "";
    switch (kind) {
      case "long": return `<textarea data-bind="text" rows="1"${ph}>${value}</textarea>`;
      case "int": return `<input data-bind="int" inputmode="numeric" value="${value}"${ph}>`;
      case "points": return `<input data-bind="points" inputmode="decimal" value="${value}"${ph}>`;
      case "date": return `<input type="date" data-bind="date" value="${value}">`;
      case "time": case "opttime": return `<input type="time" data-bind="${kind}" value="${value}">`;
      case "month": return `<input type="month" data-bind="month" value="${value}" placeholder="YYYY-MM">`;
      case "select": return `<select data-bind="select">${opts.options.map(([k, t]) => `<option value="${esc(k)}"${k === v ? " selected" : ""}>${esc(t)}</option>`).join("")}</select>`;
      default: return `<input data-bind="text" value="${value}"${ph}>`;
    }
  }

  // field is one labelled field; where names its part of the plan.
  function field(where, path, name, kind, opts = {}) {
    return `<label class="${opts.cls || ""}"><span class="pl">${esc(name)}</span>${wrap(path, `${where} · ${name}`, control(path, kind, opts))}</label>`;
  }

  // list draws the rows of the list at path with row(i) and, when
  // editing, a delete button each and an add button.
  function list(where, path, row, addText, opts = {}) {
    const items = getPath(m, path) || [];
    let html = items.map((_, i) => `<div class="row plan-row" data-row="${esc(path)}[${i}]">${row(i)}${edit ? delButton(`${path}[${i}]`, opts.delText || "删除", opts.delConfirm) : ""}</div>`).join("");
    if (!items.length) html += `<p class="empty">${esc(opts.empty || "（无）")}</p>`;
    if (edit) html += `<button type="button" class="mini" data-action="plan-add" data-list="${esc(path)}">${esc(addText)}</button>`;
    return wrap(path, where, html, "div", "plan-list");
  }

  const delButton = (at, text, confirm) => `<button type="button" class="mini danger" data-action="plan-del" data-at="${esc(at)}"${confirm ? ` data-confirm="${esc(confirm)}" data-confirm-ok="删除"` : ""}>${esc(text)}</button>`;

  // checks is a group of checkboxes for the list at path, its values in
  // the order of choices ([value, text]).
  function checks(where, path, name, choices) {
    const have = getPath(m, path) || [];
    const inner = edit
      ? choices.map(([v, t]) => `<label class="check"><input type="checkbox" data-bind="check" value="${esc(v)}"${have.includes(v) ? " checked" : ""}> ${esc(t)}</label>`).join("")
      : `<span class="ro">${esc(have.map(v => (choices.find(c => c[0] === v) || [v, v])[1]).join("、") || "—")}</span>`;
    return `<div class="checks"><span class="pl">${esc(name)}</span>${wrap(path, `${where} · ${name}`, inner, "div")}</div>`;
  }

  return { m, cal, edit, val, wrap, control, field, list, checks, delButton };
}

const section = (id, title, hint, body) => `<section class="annex plan-part" id="part-${id}"><h3>${esc(title)}</h3>${hint ? `<p class="hint">${hint}</p>` : ""}${body}</section>`;

function basics(b, m) {
  const w = "基本信息";
  return section("basics", w, "", `<div class="row">
    <label class="tiny"><span class="pl">年度</span>${b.wrap("year", `${w} · 年度`, `<span class="ro">${m.year}年</span>`)}</label>
    ${b.field(w, "title", "方案标题", b.edit ? "long" : "text", { cls: "grow" })}
    <label class="tiny"><span class="pl">时区</span>${b.wrap("zone", `${w} · 时区`, `<span class="ro">${m.zone === "Asia/Shanghai" ? "北京时间" : esc(m.zone)}</span>`)}</label></div>`);
}

function dates(b, m) {
  const w = "报送与序时节点";
  const rules = ["next_working_day", "as_is"].map(k => [k, label("day_off_rules", k)]);
  return section("dates", w, "指标表报送截止、各项工作可选的序时节点日期、每项工作的节点数，以及截止日期遇休息日时如何处理。", `<div class="row">
    ${b.field(w, "deadline.date", "指标表报送截止日期", "date")}
    ${b.field(w, "deadline.time", "截止时刻", "time")}
    ${b.field(w, "due_on_day_off", "截止日期遇休息日", "select", { options: rules })}
    ${b.field(w, "release_grace_days", "下发后节点至少保留的工作日", "int", { cls: "short" })}</div>
    <h4>序时节点</h4>
    ${b.list(`${w} · 序时节点`, "checkpoints", i => `${b.field(`第${i + 1}个序时节点`, `checkpoints[${i}].date`, "日期", "date")}
      ${b.field(`第${i + 1}个序时节点`, `checkpoints[${i}].time`, "时刻（可不填，即当天24:00）", "opttime")}
      ${b.field(`第${i + 1}个序时节点`, `checkpoints[${i}].name`, "名称", "text", { cls: "grow", placeholder: "如 6月30日前" })}
      ${!b.edit && m.checkpoints[i].due && m.checkpoints[i].due.moved ? `<span class="hint">${esc(m.checkpoints[i].due.label)}</span>` : ""}`, "＋ 添加序时节点")}
    <h4>每项工作的节点数</h4>
    ${b.wrap("nodes", `${w} · 每项工作的节点数`, `<div class="row">${b.field(w, "nodes.min", "最少", "int", { cls: "short" })}${b.field(w, "nodes.max", "最多", "int", { cls: "short" })}</div>`, "div")}`);
}

function calendar(b, m) {
  const w = "节假日安排";
  const part = (kind, name, hint) => {
    const rows = b.cal[kind];
    let html = rows.map((r, i) => {
      const where = `${w} · ${name}第${i + 1}段`;
      const inner = !b.edit
        ? `<span class="ro">${esc(r.raw !== undefined ? r.raw : r.to ? `${dateLabel(r.from)}至${dateLabel(r.to)}` : dateLabel(r.from))}</span>`
        : r.raw !== undefined
          ? `<label class="grow"><span class="pl">无法识别的日期</span><input data-cal="${kind}" data-row="${i}" data-end="raw" value="${esc(r.raw)}"></label>`
          : `<label><span class="pl">日期（一段日期的第一天）</span><input type="date" data-cal="${kind}" data-row="${i}" data-end="from" value="${esc(r.from)}"></label>
             <label><span class="pl">至（单日不填）</span><input type="date" data-cal="${kind}" data-row="${i}" data-end="to" value="${esc(r.to)}"></label>`;
      return `<div class="row cal-row f" data-cal-row="${kind}:${i}" data-label="${esc(where)}">${inner}<span class="cal-note">${esc(rowNote(r))}</span>${b.edit ? `<button type="button" class="mini danger" data-action="cal-del" data-cal="${kind}" data-row="${i}">删除</button>` : ""}</div>`;
    }).join("");
    if (!rows.length) html += `<p class="empty">尚未填写</p>`;
    if (b.edit) {
      html += `<button type="button" class="mini" data-action="cal-add" data-cal="${kind}" id="cal-add-${kind}">＋ 添加一段</button>
        <div class="cal-paste"><label class="grow"><span class="pl">批量添加：每行一个日期或一段日期，可直接粘贴通知原文</span><textarea id="paste-${kind}" rows="2" placeholder="如：2020-10-01至2020-10-08，或 1月24日至30日"></textarea></label>
        <button type="button" class="mini" data-action="cal-paste" data-cal="${kind}" id="cal-paste-${kind}">添加到${esc(name)}</button></div>`;
    }
    const count = rows.reduce((n, r) => n + (entryOf(r) ? 1 : 0), 0);
    return `<div class="cal-part"><h4>${esc(name)} <small class="count">${count}段</small></h4><p class="hint">${hint}</p>${b.wrap(`calendar.${kind}`, `${w} · ${name}`, html, "div", "cal-list")}</div>`;
  };
  return section("calendar", w, `按国务院办公厅关于${m.year}年部分节假日安排的通知填写。周六、周日本来就是休息日，无须填写；报送截止、序时节点和每月报送日遇休息日时按上面的规则处理，提醒和逾期通知按工作日计算。`,
    `<div class="cal-cols">${part("holidays", "放假日期", "法定节假日及调休放假的日期（含其中的周末）。")}${part("workdays", "调休上班日期", "因调休需要上班的周六、周日。")}</div>`);
}

function category(cat) {
  return (b, m) => {
    const c = m[cat];
    const w = label("categories", cat);
    const n = (c.items || []).length;
    const reach = typeof c.min === "number" && typeof c.max === "number" ? `${n}项指标，每项${c.min}-${c.max}分，合计可在${Math.round(n * c.min * 100) / 100}-${Math.round(n * c.max * 100) / 100}分之间，须为${c.total}分。` : "";
    let items;
    if (b.edit) {
      items = b.list(`${w} · 指标`, `${cat}.items`, i => {
        const it = c.items[i], where = `${w}第${i + 1}项${it.code ? "（" + it.code + "）" : ""}`;
        return `<div class="plan-item">
          <div class="row">${b.field(where, `${cat}.items[${i}].code`, "代码", "text", { cls: "tiny" })}${b.field(where, `${cat}.items[${i}].name`, "指标名称", "long", { cls: "grow" })}</div>
          <div class="req"><span class="pl">须包括事项（各项工作合起来须涵盖）</span>${b.list(`${where} · 须包括事项`, `${cat}.items[${i}].required`, j =>
            `${b.field(`${where} · 须包括第${j + 1}项`, `${cat}.items[${i}].required[${j}].code`, "代码", "text", { cls: "tiny" })}${b.field(`${where} · 须包括第${j + 1}项`, `${cat}.items[${i}].required[${j}].text`, "内容", "long", { cls: "grow" })}`,
            "＋ 添加须包括事项", { empty: "没有须包括事项" })}</div></div>`;
      }, "＋ 添加指标", { delText: "删除此指标", delConfirm: "删除这项指标及其须包括事项？" });
    } else {
      items = `<table class="list plan-items"><thead><tr><th>代码</th><th>指标名称</th><th>须包括事项</th></tr></thead><tbody>${(c.items || []).map(it =>
        `<tr><td>${esc(it.code)}</td><td>${esc(it.name)}</td><td>${(it.required || []).map(r => `<div>${esc(r.code)} ${esc(r.text)}</div>`).join("")}</td></tr>`).join("")}</tbody></table>`;
    }
    return section(cat, `附件${c.annex}：${c.name || w}`, "", `<div class="row">
      ${b.field(w, `${cat}.name`, "名称", "text", { cls: "grow" })}${b.field(w, `${cat}.annex`, "附件序号", "int", { cls: "tiny" })}
      ${b.field(w, `${cat}.total`, "合计分值", "points", { cls: "short" })}${b.field(w, `${cat}.min`, "每项最低分", "points", { cls: "short" })}
      ${b.field(w, `${cat}.max`, "每项最高分", "points", { cls: "short" })}${b.field(w, `${cat}.step`, "最小分值单位", "points", { cls: "short" })}</div>
      ${b.wrap(cat, `${w} · 分值区间`, `<p class="reach" id="reach-${cat}">${esc(reach)}</p>`, "div")}
      <div class="row">${b.field(w, `${cat}.note`, "附件备注", "long", { cls: "grow" })}</div>
      <h4>指标 <small class="count">${n}项</small></h4>${items}`);
  };
}

function innovation(b, m) {
  const w = label("categories", "innovation");
  return section("innovation", `附件${m.innovation.annex}：${m.innovation.name || w}`, "项数上限为0表示本年度不设创新指标。", `<div class="row">
    ${b.field(w, "innovation.name", "名称", "text", { cls: "grow" })}${b.field(w, "innovation.annex", "附件序号", "int", { cls: "tiny" })}
    ${b.field(w, "innovation.max_items", "最多几项创新工作", "int", { cls: "short" })}${b.field(w, "innovation.max_points", "每项最高分", "points", { cls: "short" })}
    ${b.field(w, "innovation.step", "最小分值单位", "points", { cls: "short" })}</div>
    <div class="row">${b.field(w, "innovation.note", "附件备注", "long", { cls: "grow" })}</div>`);
}

function phrases(b) {
  const w = "完成标准禁用语";
  return section("phrases", w, "完成标准中不能出现的表述，如“进一步”“加大”。", b.list(w, "forbidden_phrases", i => b.field(w, `forbidden_phrases[${i}]`, `第${i + 1}个`, "text", { cls: "short" }), "＋ 添加禁用语"));
}

function contacts(b) {
  const w = "督查工作联系人";
  return section("contacts", w, "各单位报送指标表时须同时报送的联系人：每人须填写哪些项，至少几人，须有哪些分工。", `
    ${b.checks(w, "contacts.required", "每人须填写", contactFields.map(f => [f, label("fields", f)]))}
    ${b.checks(w, "contacts.duties", "须有的分工（每种至少一人）", duties.map(d => [d, label("duties", d)]))}
    <div class="row">${b.field(w, "contacts.min_count", "至少几人", "int", { cls: "short" })}</div>`);
}

function monthly(b, m) {
  const w = "会员实名制数量月报";
  const items = m.business.items || [];
  const it = items.find(x => x.code === m.monthly.indicator);
  const req = (it && it.required) || [];
  return section("monthly", w, "各单位每月报送会员实名制信息采集数量，次月按时报送；本单位数超出系统数一定比例时标出。", `<div class="row">
    ${b.field(w, "monthly.indicator", "所属业务指标", "select", { cls: "grow", options: [["", "不设月度报送"]].concat(items.map(x => [x.code, `${x.code} ${x.name}`])) })}
    ${b.field(w, "monthly.required", "所属须包括事项", "select", { cls: "grow", options: [["", "（不指定）"]].concat(req.map(r => [r.code, `${r.code} ${r.text}`])) })}</div>
    <div class="row">${b.field(w, "monthly.from", "起始月份", "month")}${b.field(w, "monthly.to", "截止月份", "month")}
    ${b.field(w, "monthly.due_day", "次月几日前报送", "int", { cls: "short" })}${b.field(w, "monthly.discrepancy_percent", "差异超过百分之几标出", "points", { cls: "short" })}</div>`);
}

function deductions(b) {
  const w = "扣分标准";
  return section("deductions", w, "系统按这些分值自动扣分；人工扣分事由供办公室录入瞒报、质量不高等扣分时选择。", `<div class="row">
    ${deductionFields.map(([f, name]) => b.field(w, `deductions.${f}`, `${name}（分）`, "points", { cls: "short" })).join("")}</div>
    <h4>人工扣分事由</h4>${b.list(`${w} · 人工扣分事由`, "deductions.manual_rules", i => b.field(w, `deductions.manual_rules[${i}]`, `第${i + 1}项`, "text", { cls: "grow" }), "＋ 添加扣分事由")}`);
}

function grades(b) {
  const w = "等次";
  return section("grades", w, "从高到低排列：总分不低于某一等次的最低分、又达不到上一等次的，列为该等次。", b.list(w, "grades", i =>
    `${b.field(`第${i + 1}个等次`, `grades[${i}].name`, "等次名称", "text", { cls: "short" })}${b.field(`第${i + 1}个等次`, `grades[${i}].min`, "最低分", "points", { cls: "short" })}`, "＋ 添加等次", { empty: "不分等次" }));
}

function scoring(b) {
  const w = "年底计分与公示";
  return section("scoring", w, "到计分日期，系统自动计算各单位得分；考核结果发布后公示若干个工作日，各单位可在公示期内提出异议。", `<div class="row">
    ${b.field(w, "scoring.date", "年底计分日期", "date")}${b.field(w, "scoring.time", "时刻", "time")}
    ${b.field(w, "objection_days", "公示期（工作日）", "int", { cls: "short" })}</div>`);
}

function office(b) {
  const w = "办公室联系人";
  return section("office", w, "写在每封提醒邮件末尾和每个页面底部，供各单位咨询。", b.list(w, "office_contacts", i =>
    `${b.field(`${w}第${i + 1}人`, `office_contacts[${i}].name`, "姓名", "text", { cls: "short" })}${b.field(`${w}第${i + 1}人`, `office_contacts[${i}].phone`, "电话", "text", { cls: "short" })}${b.field(`${w}第${i + 1}人`, `office_contacts[${i}].email`, "电子邮箱", "text")}`,
    "＋ 添加联系人", { empty: "没有办公室联系人" }));
}
