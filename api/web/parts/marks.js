// The marks of a check, shared by the plan form and a unit's tables: each
// problem and warning beside its field, and all of them listed at the top,
// each with a link to its field (data-action="goto-field", gotoField).
// A page finds the field of a path with its own fieldOf: the element whose
// data-path is the path, or the nearest enclosing one.

import { $$, esc } from "../dom.js";

// markFields clears the marks inside the element scope (a selector) and
// puts each problem and warning beside the element fieldOf finds for its
// path.
export function markFields(scope, fieldOf, problems, warnings) {
  for (const el of $$(`${scope} .vmsg`)) el.remove();
  for (const el of $$(`${scope} .bad, ${scope} .warned`)) el.classList.remove("bad", "warned");
  const put = (v, cls) => {
    const el = fieldOf(v.path);
    if (!el) return;
    el.classList.add(cls === "err" ? "bad" : "warned");
    const d = document.createElement("div");
    d.className = "vmsg " + cls;
    d.dataset.rule = v.rule || "";
    d.textContent = (cls === "warn" ? "提示：" : "") + v.message;
    el.appendChild(d);
  };
  problems.forEach(v => put(v, "err"));
  warnings.forEach(v => put(v, "warn"));
}

// markList is the list of problems and warnings ("" when there is none),
// each item with its rule in data-rule:
// where names a path in words, problemsTitle and warningsTitle head each
// list from its length, and lists ({problems, warnings}) gives the lists'
// ids, when a page has them.
export function markList(problems, warnings, { where, problemsTitle, warningsTitle, lists = {} }) {
  if (!problems.length && !warnings.length) return "";
  const id = name => name ? ` id="${name}"` : "";
  const li = (v, kind) => `<li class="${kind}" data-rule="${esc(v.rule || "")}"><a href="#" data-action="goto-field" data-goto="${esc(v.path)}">${esc(where(v.path))}</a>：${esc(v.message)}</li>`;
  return `<div class="vlist">${problems.length ? `<p class="err-title">${problemsTitle(problems.length)}</p><ol${id(lists.problems)}>${problems.map(v => li(v, "err")).join("")}</ol>` : ""}
    ${warnings.length ? `<p class="warn-title">${warningsTitle(warnings.length)}</p><ol${id(lists.warnings)}>${warnings.map(v => li(v, "warn")).join("")}</ol>` : ""}</div>`;
}

// gotoField scrolls to the field that a's data-goto names (found with
// fieldOf) and puts the cursor in its first input.
export function gotoField(fieldOf, a) {
  const el = fieldOf(a.dataset.goto);
  if (!el) return;
  el.scrollIntoView({ block: "center" });
  const c = el.querySelector("input, textarea, select");
  if (c) c.focus({ preventScroll: true });
}
