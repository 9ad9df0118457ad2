// The objections to the year's published result (#/objections,
// #/objections/answered): the office's queue of those awaiting an answer,
// each with the line objected to, the unit's reasons and files, and an
// answer form: the verdict, the reason, and for an acceptance its
// correction (a waiver of a deduction, a node's new award), chosen from
// the unit's result lines. Leaders read the queue and the answers.

import { api } from "../api.js";
import { app, enc, esc, fmtDue, fmtTime, halfWidth, message, points } from "../dom.js";
import { ask, markForm, show } from "../feedback.js";
import { serverNow, session, syncClock, unitName } from "../session.js";
import { answerBlock, downloadObjectionFile, lineOf, objectionFiles } from "../parts/contest.js";
import { runsPath } from "../parts/scoring.js";

// q is what the page shows: the state listed (open or answered), the
// objections, the units' result lines by unit, and the published run.
let q = null;

export async function open({ state }) {
  await syncClock();
  const st = state === "answered" ? "answered" : "open";
  const [list, runs, other] = await Promise.all([api("GET", `/plans/${session.year}/objections?state=${st}`), api("GET", runsPath()),
    api("GET", `/plans/${session.year}/objections?state=${st === "open" ? "answered" : "open"}`)]);
  const lines = {};
  await Promise.all([...new Set(list.map(o => o.unit))].map(async u => {
    lines[u] = (await api("GET", `/plans/${session.year}/units/${enc(u)}/result`)).lines;
  }));
  q = { st, list, lines, other: other.length, published: runs.find(r => r.published) };
  render();
}

function render() {
  const { st, list, published } = q;
  const office = session.me.role === "office";
  const counts = { open: st === "open" ? list.length : q.other, answered: st === "answered" ? list.length : q.other };
  let html = `<h2>考核结果异议</h2>
  <p class="hint">考核结果发布后进入公示期，各单位可对本单位得分明细中的任何一项提出异议。请逐项核实并答复：异议成立的，同时作出更正（减免扣分或更改节点得分），单位将收到答复和更正；全部答复后，在<a href="#/scoring">考核计分</a>页重新试算，核对与已发布结果的差异后发布更正结果。</p>`;
  if (!published) html += message("info", `<span id="not-published">${session.year}年度考核结果尚未发布。</span>发布后，公示期内各单位提出的异议列在这里。`);
  else {
    const ends = published.objection_period_ends;
    const running = ends && Date.parse(ends) > serverNow();
    html += `<p id="period">${ends ? `公示期${running ? "至" : "已于"} <b>${esc(fmtDue(ends))}</b>${running ? "" : "结束，不再接受新的异议"}` : "本年度结果发布时未设公示期"}；当前公布的是第${published.id}次计分（第${published.publication || 1}次发布）。</p>`;
  }
  html += `<nav class="tabs" id="objection-tabs"><a href="#/objections" class="${st === "open" ? "current" : ""}" data-state="open">待答复（${counts.open}）</a><a href="#/objections/answered" class="${st === "answered" ? "current" : ""}" data-state="answered">已答复（${counts.answered}）</a></nav>
  <div id="result"></div><div id="objection-list">`;
  for (const o of list) html += card(o, office);
  if (!list.length) html += `<p class="empty" id="no-objections">${st === "open" ? "没有待答复的异议。" : "还没有答复过的异议。"}</p>`;
  app().innerHTML = html + `</div>`;
}

function card(o, office) {
  const lines = q.lines[o.unit] || [];
  return `<article class="card objection-card" data-objection="${o.id}" data-unit="${esc(o.unit)}">
    <h4>${esc(unitName(o.unit))} · 异议第${o.id}号 <small>${esc(fmtTime(o.at))}提出</small></h4>
    <p class="objected-line"><b>异议事项：</b>${esc(o.line)}</p>
    <p class="objection-text"><b>理由：</b>${esc(o.text)}</p>
    ${o.files.length ? `<div class="objection-files-box"><b>证明材料：</b>${objectionFiles(o, office)}</div>` : ""}
    <p class="links"><a href="#/result/${enc(o.unit)}">查看${esc(unitName(o.unit))}的得分明细</a></p>
    ${o.verdict ? answerBlock(o, lines) : office ? answerForm(o, lines) : ""}</article>`;
}

// candidates are the lines an acceptance may correct: the deductions and
// the nodes of the line objected to (the line itself, or an indicator's
// or innovation item's nodes and their deductions); all the unit's when
// none is related.
function candidates(o, lines) {
  const related = new Set([o.ref, ...lines.filter(l => l.parent === o.ref).map(l => l.ref)]);
  const pick = kind => {
    const all = lines.filter(l => l.kind === kind);
    const near = all.filter(l => related.has(l.ref));
    return near.length ? near : all;
  };
  return { deductions: pick("deduction"), nodes: pick("node") };
}

function answerForm(o, lines) {
  const c = candidates(o, lines);
  const first = lineOf(lines, o.ref);
  // The line objected to says which correction comes first: a deduction's
  // waiver, or a node's award.
  const waiverFirst = !!c.deductions.length && (!first || first.kind === "deduction" || !c.nodes.length);
  const short = s => (s.length > 36 ? s.slice(0, 36) + "…" : s);
  const deductionOpts = c.deductions.map(l => `<option value="${esc(l.ref)}"${l.ref === o.ref ? " selected" : ""}>${esc(l.label)}：扣${esc(points(l.original != null ? l.original : l.points))}分${l.note ? `（${esc(short(l.note))}）` : ""}</option>`).join("");
  const nodeOpts = c.nodes.map(l => `<option value="${esc(l.ref)}" data-max="${esc(l.points)}"${l.ref === o.ref ? " selected" : ""}>${esc(short(l.label))}：满分${esc(points(l.points))}分，现${l.scored == null ? "未得分" : `得${esc(points(l.scored))}分`}</option>`).join("");
  return `<form class="answer-form" data-form="answer" data-objection="${o.id}" novalidate>
    <div class="f verdicts" data-path="verdict"><label><input type="radio" name="verdict" value="accept"> 异议成立，予以更正</label><label><input type="radio" name="verdict" value="reject"> 异议不成立，维持原结果</label></div>
    <div class="row"><label class="grow">答复理由（单位将看到） <span class="f" data-path="reason"><textarea name="reason" rows="2" placeholder="写明核实的事实和依据，如：会议纪要证明节点已按时完成"></textarea></span></label></div>
    <fieldset class="correction f" data-path="correction" hidden><legend>更正（至少选一项）</legend>
      ${c.deductions.length ? `<div class="correction-part" data-part="waiver"><label class="check"><input type="checkbox" name="use-waiver"${waiverFirst ? " checked" : ""}> 减免扣分</label>
        <div class="row"><label>扣分事项 <span class="f" data-path="correction.waiver.ref"><select name="waiver-ref">${deductionOpts}</select></span></label>
        <label>减免后扣分 <span class="f" data-path="correction.waiver.points"><input name="waiver-points" inputmode="decimal" placeholder="0为全部免除" size="10"></span></label></div></div>` : ""}
      ${c.nodes.length ? `<div class="correction-part" data-part="review"><label class="check"><input type="checkbox" name="use-review"${waiverFirst ? "" : " checked"}> 更改节点得分</label>
        <div class="row"><label>节点 <span class="f" data-path="correction.review.ref"><select name="review-ref">${nodeOpts}</select></span></label>
        <label>更正后得分 <span class="f" data-path="correction.review.points"><input name="review-points" inputmode="decimal" placeholder="以0.5分为单位" size="10"></span></label></div></div>` : ""}
      ${!c.deductions.length && !c.nodes.length ? `<p class="hint">该单位的结果中没有可以更正的扣分或节点，只能答复异议不成立。</p>` : ""}
    </fieldset>
    <div class="actions"><button type="submit" class="primary">提交答复</button></div><div class="form-result"></div></form>`;
}

// readPoints reads points typed into input: a number, null for nothing
// (the server then names the field), undefined when it is not a number,
// which bad records at path.
function readPoints(input, path, bad) {
  const raw = halfWidth(input.value.trim());
  if (raw === "") return null;
  if (!/^\d+(\.\d{1,2})?$/.test(raw)) { bad.push({ path, message: "应为数字，最多两位小数，如 0 或 2.5" }); return undefined; }
  return Number(raw);
}

async function answer(form) {
  const id = Number(form.dataset.objection);
  const o = q.list.find(x => x.id === id);
  const res = form.querySelector(".form-result");
  markForm(form, { details: [] });
  res.innerHTML = "";
  const verdict = (form.querySelector('input[name="verdict"]:checked') || {}).value;
  const body = { verdict: verdict || "", reason: form.reason.value.trim() };
  const bad = [];
  if (!verdict) bad.push({ path: "verdict", message: "请选择异议是否成立" });
  let words = "";
  if (verdict === "accept") {
    const c = {};
    if (form["use-waiver"] && form["use-waiver"].checked) {
      c.waiver = { ref: form["waiver-ref"].value, points: readPoints(form["waiver-points"], "correction.waiver.points", bad) };
      words += `减免扣分（${form["waiver-ref"].selectedOptions[0].textContent.split("：")[0]}）`;
    }
    if (form["use-review"] && form["use-review"].checked) {
      c.review = { ref: form["review-ref"].value, points: readPoints(form["review-points"], "correction.review.points", bad) };
      words += `${words ? "，" : ""}更改节点得分`;
    }
    body.correction = c.waiver || c.review ? c : null;
  }
  if (bad.length) { markForm(form, { details: bad }); res.innerHTML = message("error", "请按标出的位置填写后再提交。"); return; }
  const sure = await ask({ title: `答复${unitName(o.unit)}的异议第${id}号？`, ok: "提交答复",
    body: `<p>${verdict === "accept" ? `异议成立${words ? `，${esc(words)}` : ""}。更正立即记入，重新试算后计入结果，发布更正结果后生效。` : "异议不成立，维持原结果。"}</p><p>答复提交后不能修改；${esc(unitName(o.unit))}将在得分明细中看到答复，联系人会收到通知。</p>` });
  if (!sure) return;
  let a;
  try { a = await api("POST", `/objections/${id}/answer`, body); } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    res.innerHTML = message("error", esc(e.message) + ((e.details || []).length ? "，请按标出的位置修改。" : ""));
    return;
  }
  await open({ state: q.st });
  show(message("ok", `已答复${esc(unitName(a.unit))}的异议第${a.id}号：${a.verdict === "accept" ? `异议成立。<a href="#/scoring">重新试算</a>并核对差异后，发布更正结果` : "异议不成立，维持原结果"}。`));
}

export const actions = { "objection-file": downloadObjectionFile };

export const forms = { answer };

// change shows the correction of an acceptance only while 异议成立 is
// chosen.
export function change(el) {
  if (el.name !== "verdict") return;
  const fs = el.closest("form").querySelector("fieldset.correction");
  if (fs) fs.hidden = el.value !== "accept";
}

// fail shows a refused answer at its form.
export function fail(e, el) {
  const form = el && el.closest && el.closest("form.answer-form");
  if (!form || e.status === 401) return false;
  form.querySelector(".form-result").innerHTML = message("error", esc(e.message));
  return true;
}
