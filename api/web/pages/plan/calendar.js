// The calendar of a plan as the office edits it: runs of days (一段日期,
// from–to) rather than the API's list of every date, dates pasted from
// the State Council's notice, and the way back from a check's path
// (calendar.holidays[k], an index into the list of every date) to the
// row that holds the date.

const iso = (y, m, d) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

// realDate returns "YYYY-MM-DD" when y-m-d is a date of the calendar, else
// "".
function realDate(y, m, d) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? iso(y, m, d) : "";
}

const nextDay = d => { const t = new Date(d + "T00:00:00Z"); t.setUTCDate(t.getUTCDate() + 1); return t.toISOString().slice(0, 10); };

// expand lists the dates of an entry ("2020-10-01" or
// "2020-10-01..2020-10-08"), or returns null for one the server would not
// read.
export function expand(entry) {
  const [a, b, more] = String(entry).split("..");
  if (more !== undefined) return null;
  const ok = s => /^\d{4}-\d{2}-\d{2}$/.test(s) && realDate(...s.split("-").map(Number)) === s;
  const from = (a || "").trim(), to = b === undefined ? from : b.trim();
  if (!ok(from) || !ok(to) || to < from) return null;
  const out = [];
  for (let d = from; d <= to; d = nextDay(d)) out.push(d);
  return out;
}

// rowsOf turns the API's list of dates into rows of consecutive days
// ({from, to}, to "" for a single day); an entry that is not a date stays
// a row of its own ({raw}).
export function rowsOf(entries) {
  const dates = [], raw = [];
  for (const e of entries || []) (expand(e) && !e.includes("..") ? dates : raw).push(e);
  dates.sort();
  const rows = [];
  for (const d of dates) {
    const last = rows[rows.length - 1];
    if (last && nextDay(last.to || last.from) === d) last.to = d;
    else if (!last || (last.to || last.from) !== d) rows.push({ from: d, to: "" });
  }
  return rows.concat(raw.map(e => ({ raw: e })));
}

// entryOf is the entry a row sends: "" for an empty row.
export function entryOf(r) {
  if (r.raw !== undefined) return r.raw.trim();
  if (!r.from) return r.to || "";
  return r.to && r.to !== r.from ? `${r.from}..${r.to}` : r.from;
}

export function entries(rows) { return rows.map(entryOf).filter(Boolean); }

// rowOfIndex maps the index of a check's path (calendar.holidays[k]) to
// the row it comes from: the server lists every date once, in order, and
// after them the entries it could not read, as they were sent.
export function rowOfIndex(rows, k) {
  const first = new Map(), bad = [];
  rows.forEach((r, i) => {
    const e = entryOf(r);
    if (!e) return;
    const ds = expand(e);
    if (!ds) { bad.push(i); return; }
    for (const d of ds) if (!first.has(d)) first.set(d, i);
  });
  const order = [...first.keys()].sort().map(d => first.get(d)).concat(bad);
  return order[k];
}

const weekdays = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];

// rowNote says what a row covers: the weekday of one day, the number of
// days of a run.
export function rowNote(r) {
  const ds = expand(entryOf(r));
  if (!ds) return r.from || r.raw ? "日期无法识别" : "";
  return ds.length === 1 ? weekdays[new Date(ds[0] + "T00:00:00Z").getUTCDay()] : `共${ds.length}天`;
}

// Dates as people paste them: 2020-10-01, 2020/10/1, 2020年10月1日, or
// 10月1日 of the plan's year; a run joins two with .., 至, 到, ~ or a dash,
// and its end may leave out the year and the month (1月24日至30日).
const start = String.raw`(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?`;
const end = String.raw`(?:(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*)?(\d{1,2})\s*日?`;
const pattern = () => new RegExp(`${start}(?:\\s*(?:\\.\\.|至|到|~|～|—|–)\\s*${end})?`, "g");

// parsePasted reads the dates and runs of text (one or more a line) for a
// plan of year: {rows, refused}, refused being the pieces that name no real
// date or a run that ends before it starts.
export function parsePasted(text, year) {
  const rows = [], refused = [];
  for (const line of String(text).split(/\r?\n/)) {
    let found = false;
    for (const m of line.matchAll(pattern())) {
      found = true;
      const y1 = Number(m[1] || year), m1 = Number(m[2]), d1 = Number(m[3]);
      const from = realDate(y1, m1, d1);
      let to = "";
      if (m[6] !== undefined) to = realDate(Number(m[4] || y1), Number(m[5] || m1), Number(m[6]));
      if (!from || (m[6] !== undefined && (!to || to < from))) { refused.push(m[0].trim()); continue; }
      rows.push({ from, to: to === from ? "" : to });
    }
    if (!found && line.trim()) refused.push(line.trim());
  }
  return { rows, refused };
}
