// What the pages tell the user after an action: a toast that is never
// hidden (fixed above everything, the sticky header included), the same
// message in the page's #result box, an error with each violation in
// words, and violations marked beside the fields of a form.

import { $, $$, app, esc, message } from "./dom.js";
import { parentPath, pathLabel } from "./paths.js";

// toast shows html as a notice of kind ok, info or error in the toast area
// (#toasts, fixed at the bottom right, above everything). An ok or info
// notice goes after a few seconds; an error stays until it is closed.
export function toast(kind, html) {
  let area = $("#toasts");
  if (!area) {
    area = document.createElement("div");
    area.id = "toasts";
    area.setAttribute("aria-live", "polite");
    document.body.appendChild(area);
  }
  const t = document.createElement("div");
  t.className = `toast ${kind}`;
  t.setAttribute("role", kind === "error" ? "alert" : "status");
  t.innerHTML = `<div class="toast-body">${html}</div><button type="button" class="toast-close" aria-label="关闭" title="关闭">×</button>`;
  t.querySelector(".toast-close").addEventListener("click", () => t.remove());
  area.appendChild(t);
  while (area.children.length > 4) area.firstElementChild.remove();
  if (kind !== "error") setTimeout(() => t.remove(), 8000);
  return t;
}

// kindOf reads the kind of a message() box: ok, info or error.
function kindOf(html) {
  const m = /^<div class="(ok|info|error)"/.exec(html);
  return m ? m[1] : "info";
}

// show says the result of an action: as a toast, and in the page's
// #result box when it has one.
export function show(html) {
  const r = $("#result");
  if (r) r.innerHTML = html;
  const inner = html.replace(/^<div class="(?:ok|info|error)" role="\w+">([\s\S]*)<\/div>$/, "$1");
  toast(kindOf(html), inner);
}

// errorBox shows a refused request: its message, and each violation with
// its field in words (doc: the document the paths point into); extra is
// more HTML to add.
export function errorBox(e, extra, doc) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.details && e.details.length) html += "<ul>" + e.details.map(v => `<li>${esc(pathLabel(v.path, doc))}：${esc(v.message)}</li>`).join("") + "</ul>";
  return message("error", html + (extra || ""));
}

// fail shows an error of an action where the page shows its results: in
// #result, else at the top of the page. After a 401 the sign-in page is
// already shown and nothing more is said.
export function fail(e) {
  if (e.status === 401) return;
  if ($("#result")) show(errorBox(e));
  else {
    app().insertAdjacentHTML("afterbegin", errorBox(e));
    toast("error", `<strong>${esc(e.message)}</strong>`);
  }
}

// markForm shows each violation of e beside the element of form whose
// data-path is the violation's path, or the nearest enclosing one, and
// clears the earlier marks.
export function markForm(form, e) {
  for (const el of $$(".vmsg", form)) el.remove();
  for (const el of $$(".bad", form)) el.classList.remove("bad");
  for (const v of e.details || []) {
    let el = null;
    for (let p = v.path; p && !el; p = parentPath(p)) el = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (el) putMark(el, v.message);
  }
}

// putMark shows text as an error beside el.
export function putMark(el, text) {
  el.classList.add("bad");
  const d = document.createElement("div");
  d.className = "vmsg err";
  d.textContent = text;
  el.appendChild(d);
}

// ask shows a modal dialog that says what an action will do and resolves
// true when the user confirms it: title is the question, body HTML the
// consequences, ok the confirming button's text (danger makes it red).
// Escape, the cancel button or a click beside the dialog answer false.
export function ask({ title, body, ok = "确定", danger = false }) {
  return new Promise(resolve => {
    const d = document.createElement("dialog");
    d.id = "confirm-dialog";
    d.innerHTML = `<form method="dialog"><h3>${esc(title)}</h3><div class="dialog-body">${body || ""}</div>
      <div class="actions"><button type="submit" value="ok" id="confirm-ok" class="${danger ? "danger-solid" : "primary"}">${esc(ok)}</button><button type="submit" value="cancel" id="confirm-cancel">取消</button></div></form>`;
    document.body.appendChild(d);
    d.addEventListener("close", () => { resolve(d.returnValue === "ok"); d.remove(); });
    d.addEventListener("click", ev => { if (ev.target === d) d.close("cancel"); });
    d.showModal();
    d.querySelector("#confirm-cancel").focus();
  });
}
