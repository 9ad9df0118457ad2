// What the pages tell the user after an action: a message in the page's
// #result box, an error with each violation in words, and violations
// marked beside the fields of a form.

import { $, $$, app, esc, message } from "./dom.js";
import { parentPath, pathLabel } from "./paths.js";

// show puts html in the page's #result box and brings it into view.
export function show(html) {
  const r = $("#result");
  if (r) { r.innerHTML = html; r.scrollIntoView({ block: "nearest" }); }
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
  else app().insertAdjacentHTML("afterbegin", errorBox(e));
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
