// 驾驶舱 (#/dashboard, the office and leaders): the year at a glance in
// charts (Apache ECharts, vendored under vendor/echarts): completion by
// unit and by checkpoint, the share of green, yellow and red nodes, the
// monthly member counts as a trend, the ranking as bars, and the next
// deadlines counted down. The units' lights follow the share of their
// nodes at risk (workflow/light.go), not any single node.

import { api } from "../api.js";
import { app, countdown, esc, fmtDue, monthLabel } from "../dom.js";
import { label, light } from "../labels.js";
import { checkpointName, planDeadlines, planMonths } from "../plan.js";
import { serverNow, session, syncClock, unitName } from "../session.js";
import * as echarts from "../vendor/echarts/echarts.esm.min.js";

// charts are the charts drawn, disposed of when the page is left.
let charts = [];

const colours = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828" };
const stateColours = { accepted: "#2e7d32", reported: "#1565c0", pending: "#9e9e9e", rejected: "#ef6c00", overdue: "#c62828", missing: "#6d1b1b" };
const shownStates = ["accepted", "reported", "pending", "rejected", "overdue", "missing"];

export async function open() {
  await syncClock();
  const year = session.year, now = serverNow();
  const [progress, runs] = await Promise.all([api("GET", `/plans/${year}/progress`), api("GET", `/plans/${year}/scoring-runs`)]);
  const months = planMonths().filter(m => Date.parse(`${m}-01T00:00:00+08:00`) <= now);
  const [monthly, run] = await Promise.all([
    Promise.all(months.map(m => api("GET", `/plans/${year}/monthly/${m}`))),
    runs.length ? api("GET", `/plans/${year}/scoring-runs/${(runs.find(r => r.published) || runs[0]).id}`) : null,
  ]);
  leave();
  const units = progress.filter(u => u.nodes > 0);
  const lit = c => progress.filter(u => u.nodes && u.colour === c).length;
  const coming = planDeadlines().filter(d => Date.parse(d.at) > now).slice(0, 3);
  app().innerHTML = `<h2>${year}年度驾驶舱</h2>
  <ul class="stats" id="dash-stats"><li>单位 <b>${progress.length}</b></li><li>执行中 <b>${units.length}</b></li>
    ${["red", "yellow", "green"].map(c => `<li>${light(c)} <b data-light="${c}">${lit(c)}</b></li>`).join("")}</ul>
  <p class="hint">单位的灯按逾期节点的比例：已过时间节点的节点中逾期未报送超过10%为红灯；已到期和7天内到期的节点中逾期或尚未报送超过10%为黄灯；其余为绿灯。</p>
  ${coming.length ? `<ul class="countdowns" id="countdowns">${coming.map(d => `<li><b>${esc(countdown(d.at, now))}</b><span>${esc(d.what)}</span><small>${esc(fmtDue(d.at))}截止</small></li>`).join("")}</ul>` : ""}
  <div class="charts">
    <section class="chart-card wide"><h3>各单位完成情况（节点数）</h3><div class="chart tall" id="chart-units"></div></section>
    <section class="chart-card"><h3>各时间节点完成情况</h3><div class="chart" id="chart-checkpoints"></div></section>
    <section class="chart-card"><h3>节点红黄绿灯占比</h3><div class="chart" id="chart-lights"></div></section>
    <section class="chart-card"><h3>会员实名制信息采集数量（月度合计）</h3><div class="chart" id="chart-monthly"></div></section>
    <section class="chart-card"><h3>${run ? `考核得分排名（${run.published ? "已发布" : "试算，未发布"}）` : "考核得分排名"}</h3><div class="chart tall" id="chart-ranking"></div></section>
    <section class="chart-card wide"><h3>各单位得分（已扣分）</h3><div class="chart tall" id="chart-points"></div></section>
  </div>`;
  // A bar per unit: the chart grows with the units.
  document.querySelector("#chart-units").style.height = `${Math.max(200, 80 + 34 * units.length)}px`;
  draw("#chart-units", unitsChart(units));
  draw("#chart-checkpoints", checkpointChart(units));
  draw("#chart-lights", lightsChart(units));
  draw("#chart-monthly", monthlyChart(monthly));
  draw("#chart-ranking", rankingChart(run));
  draw("#chart-points", pointsChart(units));
}

// leave lets the charts go (their resize listeners and canvases).
export function leave() {
  for (const c of charts) c.dispose();
  charts = [];
  window.removeEventListener("resize", resize);
}

function resize() { for (const c of charts) c.resize(); }

// draw renders option into the element sel, or says there is nothing yet.
function draw(sel, option) {
  const el = document.querySelector(sel);
  if (!option) { el.innerHTML = `<p class="empty">暂无数据</p>`; el.classList.add("no-data"); return; }
  const c = echarts.init(el, null, { renderer: "canvas" });
  c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "inherit" } }, option));
  charts.push(c);
  if (charts.length === 1) window.addEventListener("resize", resize);
}

const shortName = n => n.replace(/总工会$/, "");

// unitsChart stacks each unit's nodes by state: completion by unit.
function unitsChart(units) {
  if (!units.length) return null;
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true, data: units.map(u => shortName(u.name)) },
    series: shownStates.map(s => ({ name: label("node_states", s), type: "bar", stack: "nodes", itemStyle: { color: stateColours[s] }, data: units.map(u => u.states[s] || 0) })),
  };
}

// checkpointChart is the share of each checkpoint's nodes accepted,
// reported and still owed, over every unit.
function checkpointChart(units) {
  const dates = [...new Set(units.flatMap(u => Object.keys(u.checkpoints || {})))].sort();
  if (!dates.length) return null;
  const sum = (d, s) => units.reduce((n, u) => n + ((u.checkpoints[d] || {})[s] || 0), 0);
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: dates.map(checkpointName) },
    yAxis: { type: "value" },
    series: shownStates.map(s => ({ name: label("node_states", s), type: "bar", stack: "cp", itemStyle: { color: stateColours[s] }, data: dates.map(d => sum(d, s)) })),
  };
}

// lightsChart is the share of green, yellow and red nodes.
function lightsChart(units) {
  const n = c => units.reduce((s, u) => s + (u.colours[c] || 0), 0);
  if (!units.length) return null;
  return {
    tooltip: { trigger: "item", formatter: "{b}：{c}个（{d}%）", confine: true },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "70%"], label: { formatter: "{b}\n{d}%" },
      data: ["green", "yellow", "red"].map(c => ({ name: label("colours", c), value: n(c), itemStyle: { color: colours[c] } })) }],
  };
}

// monthlyChart is the month's total of the member counts, and how many
// units reported it.
function monthlyChart(monthly) {
  if (!monthly.length) return null;
  const total = m => m.units.reduce((s, u) => s + (u.count || 0), 0);
  return {
    tooltip: { trigger: "axis", confine: true },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: monthly.map(m => monthLabel(m.month)) },
    yAxis: [{ type: "value", name: "人数" }, { type: "value", name: "报送单位", minInterval: 1 }],
    series: [
      { name: "采集数量合计", type: "line", data: monthly.map(total), itemStyle: { color: "#b71c1c" } },
      { name: "已报送单位数", type: "bar", yAxisIndex: 1, data: monthly.map(m => m.units.length - (m.not_reported || []).length), itemStyle: { color: "#90a4ae" } },
    ],
  };
}

// rankingChart shows the run's scored units by total, highest at the top;
// units that took no part are left out (they have no rank).
function rankingChart(run) {
  const scored = run ? run.results.filter(r => r.rank > 0) : [];
  if (!scored.length) return null;
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true, data: scored.map(r => `${r.rank}. ${shortName(r.name)}`) },
    series: [{ name: "总分", type: "bar", data: scored.map(r => r.total), itemStyle: { color: "#b71c1c" }, label: { show: true, position: "right" } }],
  };
}

// pointsChart is each unit's points so far with deductions taken off: the
// awarded points, the deductions, and the total a leader reads.
function pointsChart(units) {
  if (!units.length) return null;
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: units.map(u => shortName(unitName(u.unit))), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value" },
    series: [
      { name: "得分合计（已扣分）", type: "bar", data: units.map(u => u.total), itemStyle: { color: "#2e7d32" } },
      { name: "扣分", type: "bar", data: units.map(u => u.deductions), itemStyle: { color: "#c62828" } },
    ],
  };
}
