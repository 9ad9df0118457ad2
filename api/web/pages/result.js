// A unit's published result (#/result, #/result/{unit}) with its
// breakdown; before publication it says so.

import { api } from "../api.js";
import { app, enc, esc, message } from "../dom.js";
import { session, unitName } from "../session.js";
import { breakdown } from "../parts/scoring.js";

export async function open({ unit }) {
  const code = unit || session.me.unit_code;
  if (!code) { location.hash = "#/scoring"; return; }
  let r;
  try { r = await api("GET", `/plans/${session.year}/units/${enc(code)}/result`); } catch (e) {
    if (e.status !== 404) throw e;
    // 404: not published yet, or not a unit this account may see.
    if (session.me.role === "unit" && code !== session.me.unit_code) throw e;
    app().innerHTML = `<h2>${esc(unitName(code))} ${session.year}年度考核结果</h2>` + message("info", `<span id="not-published">${session.year}年度考核结果尚未公布。</span>市总工会办公室发布后，这里显示本单位的得分、名次、等次和每一项扣分的原因。`);
    return;
  }
  app().innerHTML = `<h2>${esc(r.name)} ${session.year}年度考核结果</h2>` + breakdown(r);
}
