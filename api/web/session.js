// The signed-in session: the account, the plans, the units' names, the
// labels and the server's clock. It is loaded once after sign-in and
// cleared at sign-out; the pages read it and change only the units' names
// (setUnits).

import { api } from "./api.js";
import { dayIn, setTimeZone } from "./dom.js";

const state = { me: null, plan: null, units: {}, labels: {}, offset: 0 };

// session is the read-only view of the signed-in session.
export const session = {
  // me is the account: {username, role, unit_code}; null before sign-in.
  get me() { return state.me; },
  // plan is the newest loaded plan, the one the pages work on.
  get plan() { return state.plan; },
  get year() { return state.plan ? state.plan.year : 0; },
  // units maps each unit's code to its name.
  get units() { return state.units; },
  // labels are GET /api/v1/labels: code to Chinese name, by kind of code.
  get labels() { return state.labels; },
};

// load reads the session from the API after sign-in.
export async function load() {
  const me = await api("GET", "/me");
  const [plans, units, labels] = await Promise.all([api("GET", "/plans"), api("GET", "/units"), api("GET", "/labels")]);
  plans.sort((a, b) => b.year - a.year);
  state.me = me;
  state.plan = plans[0] || null;
  state.units = {};
  setUnits(units);
  state.labels = labels;
  setClock(me);
  setTimeZone(state.plan && state.plan.zone);
}

export function clear() { state.me = null; }

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
