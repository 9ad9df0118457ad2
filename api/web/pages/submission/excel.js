// A unit's tables as an Excel workbook in the layout of annexes 1–3: the
// export, and, while the tables may be edited, the import of such a
// workbook into the draft.

import { esc, message, fmtSize } from "../../dom.js";
import { label } from "../../labels.js";
import { session } from "../../session.js";

// excelTools are the export and import controls for the page state p.
export function excelTools(p) {
  let html = "";
  if (p.sub) html += `<div class="excel-row"><button type="button" id="export-xlsx" data-action="export-xlsx">导出Excel</button><span class="hint">按附件1–3的格式导出本单位指标表（${esc(label("states", p.sub.state))}，版本${p.sub.version}）。</span></div>`;
  if (p.editable && (session.me.role === "unit" || session.me.role === "office")) {
    html += `<form id="xlsx-import-form" data-form="xlsx-import" novalidate><div class="excel-row"><input type="file" name="file" accept=".xlsx,.docx" aria-label="选择要导入的.docx或.xlsx文件">
      <button type="submit" id="xlsx-import">从Word或Excel导入</button>
      <span class="hint">导入按通知附件1–3格式填写的Word（.docx）或Excel（.xlsx）指标表，或由本系统导出的.xlsx文件，替换当前${p.sub ? "草稿" : "内容"}；文件中任何一行有误则不导入，并列出各行的问题。WPS或旧版Word文件请先另存为.docx。<span class="upload-limit">文件不超过${fmtSize((session.me.limits || {}).max_import_bytes || 10485760)}。</span></span></div>
      <div class="form-result" id="xlsx-result"></div></form>`;
  }
  return html && `<div class="card excel" id="excel-tools">${html}</div>`;
}

// exportName is the name the workbook is saved under when the server gives
// none.
export function exportName(p) { return `${session.year}年度实绩考核指标表-${p.unit.name}.xlsx`; }

// importError lists a refused workbook's errors, each with its sheet, row
// and cell.
export function importError(e) {
  let html = `<strong>${esc(e.message)}</strong>`;
  if (e.code === "stale_version") html += `<p>指标表已被修改。<button type="button" id="reload-latest" data-action="reload-latest">载入最新内容</button>后再导入。</p>`;
  const ds = e.details || [];
  if (ds.length) {
    html += `<ol class="import-errors">` + ds.map(d => {
      const m = String(d.path).match(/^(.+)!([A-Z]+)(\d+)$/);
      return `<li data-path="${esc(d.path)}">${esc(d.message)}${m ? ` <small>（单元格 ${esc(m[2] + m[3])}）</small>` : ""}</li>`;
    }).join("") + `</ol><p>文件中的内容都没有导入，指标表保持不变。请改正后重新导入。</p>`;
  }
  return message("error", html);
}
