// The one place user events reach the pages. Markup says what a control
// does, and the page on screen says how:
//
//   <button data-action="certify">   a click runs the page's actions.certify(el);
//                                     only links and buttons act
//   data-confirm="删除这项扣分？"       a dialog asks first (data-confirm-body says
//                                     what will happen); the page's
//                                     confirms[name](el) builds a dialog of its
//                                     own ({title, body, ok, danger}) for an
//                                     action whose consequences need data
//   <form data-form="review">        a submit runs forms.review(form, submitter)
//   input and change events          go to the page's input(el) and change(el)
//
// While a handler runs its control (a form's buttons) is disabled. An error
// it throws is shown by the page's fail(e, el) when that returns true, else
// in the page's #result box.

import { autosize, esc } from "./dom.js";
import { ask, fail } from "./feedback.js";
import * as shell from "./shell.js";

function handler(page, kind, name) {
  return (page[kind] && page[kind][name]) || shell[kind][name];
}

async function run(page, controls, el, job) {
  controls.forEach(c => { c.disabled = true; });
  try {
    await job();
  } catch (e) {
    if (!(page.fail && page.fail(e, el))) fail(e);
  } finally {
    controls.forEach(c => { if (document.body.contains(c)) c.disabled = false; });
  }
}

// confirmed asks, when the action of el needs it, whether to go on: the
// page's own dialog for the action, else the one data-confirm describes.
async function confirmed(page, el) {
  const own = page.confirms && page.confirms[el.dataset.action];
  let spec = own ? await own(el) : null;
  if (!spec && el.dataset.confirm) spec = { title: el.dataset.confirm, body: el.dataset.confirmBody ? `<p>${esc(el.dataset.confirmBody)}</p>` : "", ok: el.dataset.confirmOk || "确定", danger: el.classList.contains("danger") };
  return !spec || ask(spec);
}

document.addEventListener("click", ev => {
  const el = ev.target.closest(":is(a, button)[data-action]");
  if (!el) return;
  const page = shell.currentPage();
  const fn = handler(page, "actions", el.dataset.action);
  if (!fn) return;
  ev.preventDefault();
  if (el.disabled) return;
  run(page, [el], el, async () => { if (await confirmed(page, el)) await fn(el, ev); });
});

document.addEventListener("submit", ev => {
  const form = ev.target;
  // A dialog's own form closes its dialog (feedback.js ask).
  if (form.method === "dialog") return;
  // No other form of the pages leaves the page.
  ev.preventDefault();
  const page = shell.currentPage();
  const fn = form.dataset.form && handler(page, "forms", form.dataset.form);
  if (!fn) return;
  run(page, [...form.querySelectorAll("button")], form, () => fn(form, ev.submitter));
});

document.addEventListener("input", ev => {
  if (ev.target.tagName === "TEXTAREA") autosize(ev.target);
  const page = shell.currentPage();
  if (page.input) page.input(ev.target);
});

document.addEventListener("change", ev => {
  const page = shell.currentPage();
  if (page.change) run(page, [], ev.target, () => page.change(ev.target));
});
