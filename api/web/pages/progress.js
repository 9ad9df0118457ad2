// Execution progress (#/progress): every unit's nodes by state and light,
// 迟报 and 缺报, and the points awarded so far.

import { api } from "../api.js";
import { app, dateLabel, enc, esc, points } from "../dom.js";
import { label, light, stateBadge } from "../labels.js";
import { session, syncClock, today } from "../session.js";

const nodeStates = ["pending", "reported", "accepted", "rejected", "overdue", "missing"];
const colours = ["red", "yellow", "green"];

export async function open() {
  await syncClock();
  const rows = await api("GET", `/plans/${session.year}/progress`);
  const sum = f => rows.reduce((s, r) => s + f(r), 0);
  const lit = c => rows.filter(r => r.nodes && r.colour === c).length;
  let html = `<h2>${session.year}年度执行进度</h2>
  <p class="hint">按服务器时间 ${esc(dateLabel(today()))} 计算。单位的灯看逾期节点所占比例：已过时间节点的节点中逾期未报送超过10%为红灯；已到期和7天内到期的节点中逾期或尚未报送超过10%为黄灯；其余为绿灯。“得分合计”已减去扣分。点击单位名称查看各节点。</p>
  <ul class="stats" id="progress-stats"><li>单位 <b>${rows.length}</b></li>${colours.map(c => `<li>${light(c)} <b>${lit(c)}</b></li>`).join("")}
  <li>待审核 <b>${sum(r => r.states.reported || 0)}</b></li><li>逾期未报 <b class="late">${sum(r => r.missing)}</b></li></ul>
  <div class="sheet-wrap"><table class="list progress" id="progress"><thead>
    <tr><th rowspan="2">灯</th><th rowspan="2">单位</th><th rowspan="2">指标表</th><th rowspan="2">节点</th><th colspan="6">节点状态</th><th colspan="3">红黄绿灯</th><th rowspan="2">迟报</th><th rowspan="2">缺报</th><th colspan="3">已得分</th><th rowspan="2">扣分</th><th rowspan="2">得分合计（已扣分）/ 节点分值</th></tr>
    <tr>${nodeStates.map(s => `<th>${esc(label("node_states", s))}</th>`).join("")}<th>红</th><th>黄</th><th>绿</th><th>党建</th><th>业务</th><th>创新</th></tr></thead><tbody>`;
  for (const r of rows) {
    const has = r.nodes > 0;
    html += `<tr data-unit="${esc(r.unit)}" data-colour="${has ? esc(r.colour) : ""}"><td class="light-cell">${light(has ? r.colour : "")}</td>
      <td><a href="#/exec/${enc(r.unit)}">${esc(r.name)}</a></td><td>${stateBadge(r.submission_state)}</td><td class="num">${r.nodes}</td>
      ${nodeStates.map(s => `<td class="num${r.states[s] && ["overdue", "missing"].includes(s) ? " late" : ""}" data-count="${s}">${r.states[s] || ""}</td>`).join("")}
      ${colours.map(c => `<td class="num c-${c}">${r.colours[c] || ""}</td>`).join("")}
      <td class="num${r.late ? " late" : ""}" data-count="late">${r.late || ""}</td><td class="num${r.missing ? " late" : ""}" data-count="missing">${r.missing || ""}</td>
      ${["party", "business", "innovation"].map(c => `<td class="num">${has ? points(r.awarded_by_category[c]) : ""}</td>`).join("")}
      <td class="num${r.deductions ? " late" : ""}" data-count="deductions">${has && r.deductions ? "−" + points(r.deductions) : ""}</td>
      <td class="num awarded" data-count="total"><b>${has ? points(r.total) : ""}</b>${has ? ` / ${points(r.points)}` : ""}</td></tr>`;
  }
  if (!rows.length) html += `<tr><td colspan="21" class="empty">还没有单位</td></tr>`;
  app().innerHTML = html + `</tbody></table></div>`;
}
