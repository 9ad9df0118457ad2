// The signed-in session: the account, the years and their plans, the year
// the pages work on, the units' names, the labels and the server's clock.
// It is loaded once after sign-in and cleared at sign-out; the pages read
// it and change only the year (setYear), the plans after the office edits
// them (reloadYears) and the units' names (setUnits).

import { api } from "./api.js";
import { dayIn, setTimeZone } from "./dom.js";

const state = { me: null, plans: {}, years: null, year: 0, units: {}, labels: {}, offset: 0 };

// yearKey keeps the chosen year over a reload of the tab; a new sign-in
// opens on the current year again.
const yearKey = "kaohe_year";

const yearListeners = [];

// session is the read-only view of the signed-in session.
export const session = {
  // me is the account: {username, role, unit_code}; null before sign-in.
  get me() { return state.me; },
  // plan is the plan in force of the year the pages work on; null when
  // that year has none published yet (the office's draft of a new year).
  get plan() { return state.plans[state.year] || null; },
  // year is the year the pages work on.
  get year() { return state.year; },
  // years is GET /api/v1/years: the current year, every year with a plan
  // (for the office its drafts too) and create_from, when the current
  // year has no plan in force, the year to start it from.
  get years() { return state.years; },
  // plans are the plans in force by year.
  get plans() { return state.plans; },
  // units maps each unit's code to its name.
  get units() { return state.units; },
  // labels are GET /api/v1/labels: code to Chinese name, by kind of code.
  get labels() { return state.labels; },
};

// load reads the session from the API after sign-in.
export async function load() {
  const me = await api("GET", "/me");
  const [units, labels] = await Promise.all([api("GET", "/units"), api("GET", "/labels"), readYears()]);
  state.me = me;
  state.units = {};
  setUnits(units);
  state.labels = labels;
  setClock(me);
  const kept = Number(sessionStorage.getItem(yearKey));
  setYear(knownYear(kept) ? kept : openingYear());
}

async function readYears() {
  const [plans, years] = await Promise.all([api("GET", "/plans"), api("GET", "/years")]);
  state.plans = {};
  for (const p of plans) state.plans[p.year] = p;
  state.years = years;
}

// reloadYears reads the plans and the years again, after the office
// created, saved or published a plan.
export async function reloadYears() {
  await readYears();
  setYear(state.year);
}

// knownYear reports whether year has a plan the signed-in person may see:
// one in force, or for the office a draft.
export function knownYear(year) {
  return !!state.plans[year] || (!!state.years && state.years.years.some(y => y.year === year));
}

// openingYear is the year the pages open on: the current year when its
// plan is in force, else the latest year before it with a plan in force
// (the office is offered to create the current year's), else the latest
// with one, else the current year.
function openingYear() {
  const current = state.years ? state.years.current : new Date().getFullYear();
  if (state.plans[current]) return current;
  const inForce = Object.keys(state.plans).map(Number).sort((a, b) => b - a);
  return inForce.find(y => y < current) || inForce[0] || current;
}

// setYear makes the pages work on year, and tells those who listen
// (onYear); reloadYears tells them too.
export function setYear(year) {
  state.year = year;
  sessionStorage.setItem(yearKey, String(year));
  setTimeZone(session.plan && session.plan.zone);
  yearListeners.forEach(fn => fn(year));
}

// onYear calls fn with the year whenever the pages change year or the
// plans change.
export function onYear(fn) { yearListeners.push(fn); }

export function clear() {
  state.me = null;
  sessionStorage.removeItem(yearKey);
}

// setUnits records the names of units the API listed.
export function setUnits(units) {
  for (const u of units) state.units[u.code] = u.name;
}

// unitName is a unit's name, else its code.
export function unitName(code) { return state.units[code] || code; }

// The pages judge "not begun" and "overdue" by the server's clock (GET /me
// returns it), not the browser's, which may be wrong.
function setClock(me) { if (me && me.now) state.offset = Date.parse(me.now) - Date.now(); }

// syncClock reads the server's clock again.
export async function syncClock() { setClock(await api("GET", "/me")); }

// today is the server's date in the plan's zone, "YYYY-MM-DD".
export function today() { return dayIn(Date.now() + state.offset); }

// serverNow is the server's clock now, in ms.
export function serverNow() { return Date.now() + state.offset; }
