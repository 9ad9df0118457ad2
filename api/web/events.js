// The one place user events reach the pages. Markup says what a control
// does, and the page on screen says how:
//
//   <button data-action="certify">   a click runs the page's actions.certify(el);
//                                     only links and buttons act
//   data-confirm="确认删除"            the first click only asks (the control's
//                                     text becomes the question, its title
//                                     data-confirm-title); the second acts
//   <form data-form="review">        a submit runs forms.review(form, submitter)
//   input and change events          go to the page's input(el) and change(el)
//
// While a handler runs its control (a form's buttons) is disabled. An error
// it throws is shown by the page's fail(e, el) when that returns true, else
// in the page's #result box.

import { autosize } from "./dom.js";
import { fail } from "./feedback.js";
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

// confirmed says whether el may act now: a control with data-confirm acts
// on its second click; the first turns it into the question.
function confirmed(el) {
  if (!el.dataset.confirm || el.dataset.armed) return true;
  el.dataset.armed = "1";
  el.textContent = el.dataset.confirm;
  if (el.dataset.confirmTitle) el.title = el.dataset.confirmTitle;
  return false;
}

document.addEventListener("click", ev => {
  const el = ev.target.closest(":is(a, button)[data-action]");
  if (!el) return;
  const page = shell.currentPage();
  const fn = handler(page, "actions", el.dataset.action);
  if (!fn) return;
  ev.preventDefault();
  if (el.disabled || !confirmed(el)) return;
  run(page, [el], el, () => fn(el, ev));
});

document.addEventListener("submit", ev => {
  // No form of the pages leaves the page.
  ev.preventDefault();
  const form = ev.target;
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
