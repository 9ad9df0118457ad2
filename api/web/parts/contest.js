// What the pages of a contested result share: the words for a waiver, a
// correction and a verdict, an objection with its files and its answer,
// and the download of an objection's file. Lines are a result's breakdown
// (GET …/units/{unit}/result, lines): objections and waivers name them by
// ref, and the pages show their labels instead.

import { saveFile } from "../api.js";
import { esc, fmtSize, fmtTime, points } from "../dom.js";
import { label } from "../labels.js";

// lineOf is the line of lines named ref, of kind when given (a node and
// its late or missing deduction share the node's ref).
export function lineOf(lines, ref, kind) {
  const all = (lines || []).filter(l => l.ref === ref);
  return all.find(l => !kind || l.kind === kind) || all[0] || null;
}

// verdictBadge shows an objection's verdict ("" while it awaits one).
export function verdictBadge(v) {
  return `<span class="verdict verdict-${esc(v || "open")}">${esc(label("objection_verdicts", v || ""))}</span>`;
}

// waiverText says what a waiver did to a deduction of original points.
export function waiverText(w, original) {
  const amount = Number(w.points) === 0 ? "全部免除" : `减为扣${points(w.points)}分`;
  return `${original != null ? `原扣${points(original)}分，` : ""}${amount}`;
}

// waiverNote shows a deduction's waiver: the amounts, why, who and when,
// and the objection that led to it.
export function waiverNote(w, original) {
  return `<div class="waiver"><b>已减免：</b>${esc(waiverText(w, original))}。${esc(w.reason)}
    <small>市总工会办公室 ${esc(fmtTime(w.at))}${w.objection ? `，因异议第${w.objection}号` : ""}</small></div>`;
}

// correctionText says in words what an accepted objection corrected; a
// change of another line than the one objected to (ref) names that line.
export function correctionText(c, ref, lines) {
  if (!c) return "";
  const where = (r, kind) => {
    if (r === ref) return "";
    const l = lineOf(lines, r, kind);
    return l ? `（${l.label}）` : "";
  };
  const parts = [];
  if (c.waiver) {
    parts.push(Number(c.waiver.points) === 0 ? `免除扣分${where(c.waiver.ref, "deduction")}，原扣${points(c.waiver.original)}分`
      : `扣分由${points(c.waiver.original)}分减为${points(c.waiver.points)}分${where(c.waiver.ref, "deduction")}`);
  }
  if (c.review) parts.push(`节点得分由${points(c.review.before)}分改为${points(c.review.points)}分${where(c.review.ref, "node")}`);
  return parts.join("；");
}

// objectionFiles lists an objection's files: links that download them
// for the office and the objecting unit (download true), names for
// others, who cannot read them.
export function objectionFiles(o, download) {
  if (!o.files || !o.files.length) return "";
  return `<ul class="files objection-files">${o.files.map(f => `<li>${download
    ? `<a href="#" data-action="objection-file" data-objection="${o.id}" data-file="${f.id}" data-name="${esc(f.name)}">${esc(f.name)}</a>`
    : esc(f.name)} <small>${esc(fmtSize(f.size))}</small></li>`).join("")}</ul>`;
}

// downloadObjectionFile saves the file of a link made by objectionFiles
// under its original name.
export function downloadObjectionFile(a) {
  return saveFile(`/objections/${encodeURIComponent(a.dataset.objection)}/files/${encodeURIComponent(a.dataset.file)}`, a.dataset.name);
}

// answerBlock shows the office's answer to an objection: the verdict,
// the reason, the correction of an acceptance, when.
export function answerBlock(o, lines) {
  if (!o.verdict) return "";
  const c = correctionText(o.correction, o.ref, lines);
  return `<div class="answer answer-${esc(o.verdict)}"><b>市总工会办公室答复：</b>${verdictBadge(o.verdict)} ${esc(o.answer)}
    ${c ? `<div class="correction"><b>更正：</b>${esc(c)}</div>` : ""}<small>${esc(fmtTime(o.answered_at))}</small></div>`;
}

// objectionBlock shows one objection as its unit reads it: its number,
// its reasons and files, and the answer once given.
export function objectionBlock(o, lines, download) {
  return `<div class="objection" data-objection="${o.id}" data-verdict="${esc(o.verdict || "")}">
    <div class="objection-head"><b>异议第${o.id}号</b> ${o.verdict ? "" : verdictBadge("")} <small>${esc(fmtTime(o.at))}提出</small></div>
    <p class="objection-text">${esc(o.text)}</p>${objectionFiles(o, download)}${answerBlock(o, lines)}</div>`;
}

// fileTypes are the kinds of file evidence and objections take, for the
// file chooser (the server checks the content).
export const fileTypes = ".pdf,.ofd,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx,.wps,.et,.zip";
