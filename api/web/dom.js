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

// fmtTime shows an RFC 3339 time in the plan's zone as people write it,
// "2019年6月13日 17:30"; "" for none.
export function fmtTime(t) {
  if (!t) return "";
  const p = {};
  for (const { type, value } of new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(t))) p[type] = value;
  return `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

// fmtDue writes a deadline instant t: one at midnight in the plan's zone
// is the end of the day before, written "2019年7月5日 24:00" as people say
// it, never "7月6日 00:00"; any other as fmtTime does.
export function fmtDue(t) {
  if (!t) return "";
  const s = fmtTime(t);
  if (!s.endsWith(" 00:00")) return s;
  return fmtTime(Date.parse(t) - 60000).replace(/ 23:59$/, " 24:00");
}

// zoneInput writes instant t as a datetime-local field's value in the
// plan's zone, "2019-06-13T16:00"; "" for none.
export function zoneInput(t) {
  if (!t) return "";
  const p = {};
  for (const { type, value } of new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(t))) p[type] = value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// fromZoneInput reads a datetime-local field's value as a time in the
// plan's zone and returns it in RFC 3339 with that zone's offset
// ("2019-06-13T16:00:00+08:00"), whatever zone the browser is in; ""
// for none.
export function fromZoneInput(v) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(v || "");
  if (!m) return "";
  // The zone's offset near that wall time: read at the same wall time taken
  // as UTC, which is wrong only within hours of a change of offset.
  const guess = Date.parse(`${m[1]}T${m[2]}:00Z`);
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(new Date(guess)).find(x => x.type === "timeZoneName").value;
  const off = /GMT([+-]\d{2}:\d{2})/.exec(name);
  return `${m[1]}T${m[2]}:00${off ? off[1] : "Z"}`;
}

// countdown says how long until instant t from now (ms): "还有3天",
// "还有5小时", "已过2天".
export function countdown(t, now) {
  const ms = Date.parse(t) - now;
  const abs = Math.abs(ms), day = 86400000, hour = 3600000;
  const n = abs >= day ? `${Math.floor(abs / day)}天` : abs >= hour ? `${Math.floor(abs / hour)}小时` : `${Math.max(1, Math.floor(abs / 60000))}分钟`;
  return ms >= 0 ? `还有${n}` : `已过${n}`;
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
// actor names who did a thing: an account by its name, the server's own
// scheduled work (the account "system") as 系统.
export function actor(name) { return name === "system" ? "系统" : name; }

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

// labelCells gives every body cell of the tables under root the text of
// its column's header as data-label, so that a narrow screen can show a
// row as a card of labelled lines (style.css). Header and body cells that
// span rows or columns are placed as the table lays them out.
export function labelCells(root) {
  for (const table of $$("table.list, table.nodes, table.sheet", root)) {
    if (!table.tHead || table.dataset.labelled) continue;
    table.dataset.labelled = "1";
    const names = [];
    grid(table.tHead.rows, (cell, col) => {
      const text = cell.textContent.trim();
      for (let i = 0; i < cell.colSpan; i++) names[col + i] = names[col + i] && names[col + i] !== text ? `${names[col + i]} · ${text}` : text;
    });
    for (const body of table.tBodies) {
      grid(body.rows, (cell, col) => { if (names[col] && !cell.dataset.label) cell.dataset.label = names[col]; });
    }
  }
}

// grid calls fn(cell, column) for every cell of rows, columns counted as
// the table lays them out (rowspan and colspan taken into account).
function grid(rows, fn) {
  const taken = [];
  [...rows].forEach((row, r) => {
    let col = 0;
    for (const cell of row.cells) {
      while (taken[col] > r) col++;
      fn(cell, col);
      for (let i = 0; i < cell.colSpan; i++) taken[col + i] = r + cell.rowSpan;
      col += cell.colSpan;
    }
  });
}
