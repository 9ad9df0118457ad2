// Small helpers for building the pages: selection, escaping, messages, and
// the formatting of times (in the plan's zone), points, sizes and months.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// app is the main area every page draws into.
export const app = () => $("#app");

// esc makes text safe inside HTML, attributes included.
export function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

export const enc = encodeURIComponent;

// message is a notice box: kind is ok, info or error.
export function message(kind, html) {
  return `<div class="${kind}" role="${kind === "error" ? "alert" : "status"}">${html}</div>`;
}

let zone = "Asia/Shanghai";

// setTimeZone sets the zone times are shown in: the plan's.
export function setTimeZone(z) { zone = z || "Asia/Shanghai"; }

// fmtTime shows an RFC 3339 time in the plan's zone; "" for none.
export function fmtTime(t) {
  return t ? new Date(t).toLocaleString("zh-CN", { timeZone: zone, hour12: false }) : "";
}

// dayIn is the date of instant ms in the plan's zone, "YYYY-MM-DD".
export function dayIn(ms) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
}

// dateLabel turns "2019-06-13" into "2019年6月13日".
export function dateLabel(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || "");
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : d;
}

// monthLabel turns "2019-06" into "2019年6月".
export function monthLabel(m) { const [y, mo] = m.split("-"); return `${y}年${Number(mo)}月`; }

export function fmtSize(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

// Points come from the API as JSON numbers with at most two decimals; sums
// are done in integer hundredths so that they stay exact.

// points shows points as the API sent them; "" for none.
export function points(v) { return v == null ? "" : String(v); }
// points2 shows points with two decimals, as the ranking files do.
export function points2(v) { return Number(v || 0).toFixed(2); }
export function cents(v) { return Math.round(Number(v || 0) * 100); }
export function fromCents(c) { return String(c / 100); }

// halfWidth turns full-width digits and points (from a Chinese input
// method) into ASCII.
export function halfWidth(s) {
  return String(s).replace(/[０-９．]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
}

// parsePoints reads points typed by a user: a number, 0 for nothing, null
// when it is not a number.
export function parsePoints(v) {
  if (typeof v === "number") return v;
  const s = halfWidth(v == null ? "" : v).trim();
  if (s === "") return 0;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}

// Textareas grow with their text: by CSS where the browser has
// field-sizing, else by script (all heights read first, then all written,
// so that a page of several hundred cells lays out once).
const cssSizing = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
export function autosize(t) {
  if (cssSizing) return;
  t.style.height = "auto";
  t.style.height = t.scrollHeight + 2 + "px";
}
export function autosizeAll(root) {
  if (cssSizing) return;
  const ts = $$("textarea", root);
  const hs = ts.map(t => t.scrollHeight);
  ts.forEach((t, i) => { t.style.height = hs[i] + 2 + "px"; });
}
