// What the execution pages share about nodes: their files, the office's
// review form and its sending, and how a refused upload or import reads.

import { api, saveFile } from "../api.js";
import { esc, fmtSize, halfWidth, message, points } from "../dom.js";
import { markForm } from "../feedback.js";
import { label } from "../labels.js";
import { itemName } from "../plan.js";

// indicatorName names the indicator of node n.
export function indicatorName(n) {
  return n.category === "innovation" ? "创新工作" : itemName(n.category, n.indicator);
}

// pool runs fn on every item, at most k at a time.
export async function pool(items, k, fn) {
  let i = 0;
  const worker = async () => { while (i < items.length) { const it = items[i++]; await fn(it); } };
  await Promise.all(Array.from({ length: Math.min(k, items.length) }, worker));
}

// errorText is what a failed request says, with what to do for the
// statuses a user can meet here.
export function errorText(e) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.status === 413) html = `<strong>文件过大，未上传：</strong>${esc(e.message)}`;
  if (e.status === 415) html = `<strong>文件类型不支持，未上传：</strong>${esc(e.message)}`;
  // Row errors of an import already name their line.
  if (e.details && e.details.length) html += "<ul>" + e.details.map(v => `<li>${/^第\d+行/.test(v.message) ? "" : esc(detailLabel(v.path)) + "："}${esc(v.message)}</li>`).join("") + "</ul>";
  return html;
}

function detailLabel(path) {
  const m = String(path).match(/^rows\[(\d+)\]\.?(.*)$/);
  if (m) return `第${m[1]}行${m[2] === "unit" ? "（单位）" : m[2] === "count" ? "（数量）" : ""}`;
  return label("fields", path);
}

// fileLinks lists files, each a link that downloads it.
export function fileLinks(files) {
  if (!files.length) return `<span class="empty">无文件</span>`;
  return `<ul class="files">${files.map(f => `<li>${fileLink(f)} <small>${fmtSize(f.size)}</small></li>`).join("")}</ul>`;
}

export function fileLink(f) {
  return `<a href="#" data-action="download" data-id="${f.id}" data-name="${esc(f.name)}">${esc(f.name)}</a>`;
}

// download saves the file of a link made by fileLink under its original
// (Chinese) name.
export function download(a) { return saveFile(`/evidence/${encodeURIComponent(a.dataset.id)}`, a.dataset.name); }

// reviewForm is the office's review of reported node d: points and a
// comment, accept or reject.
export function reviewForm(d) {
  return `<form class="review-form" data-form="review" data-node="${d.id}" data-version="${d.version}" novalidate>
    <div class="row"><label>得分 <span class="f" data-path="points"><input type="number" name="points" min="0" max="${points(d.points)}" step="0.5" inputmode="decimal" placeholder="0–${points(d.points)}"></span></label>
    <label class="grow">意见 <span class="f" data-path="comment"><textarea name="comment" rows="1" placeholder="退回时必填"></textarea></span></label></div>
    <div class="actions"><button type="submit" value="accept" class="primary">通过并给分</button><button type="submit" value="reject" class="danger">退回重报</button></div>
    <div class="form-result"></div></form>`;
}

// sendReview sends a review form (submitter: the button pressed) and
// returns the node as reviewed with what to say about it; a refused review
// is shown at the form and returns null.
export async function sendReview(form, submitter) {
  const verdict = (submitter && submitter.value) || "accept";
  const raw = halfWidth(form.points.value.trim());
  const body = { verdict, comment: form.comment.value.trim(), version: Number(form.dataset.version) };
  markForm(form, { details: [] });
  if (verdict === "accept" && raw !== "" && !/^\d+(\.\d{1,2})?$/.test(raw)) {
    markForm(form, { details: [{ path: "points", message: "得分应为数字，最多两位小数，例如 7 或 6.5" }] });
    return null;
  }
  if (verdict === "accept") body.points = raw === "" ? null : Number(raw);
  try {
    const d = await api("POST", `/nodes/${Number(form.dataset.node)}/review`, body);
    return { node: d, text: verdict === "accept" ? `已通过，得${points(d.awarded)}分` : "已退回，单位可按意见重新报送" };
  } catch (e) {
    if (e.status === 401) throw e;
    markForm(form, e);
    const changed = e.code === "stale_version" || e.code === "wrong_state";
    form.querySelector(".form-result").innerHTML = message("error", esc(e.message) + (changed ? "。该节点已有变化，请刷新页面后再审核。" : ""));
    return null;
  }
}
