package sheets

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/workflow"
)

// The annex sheets of a unit's tables, one per annex of the notice.
const (
	PartySheet      = "附件1 党建指标"
	BusinessSheet   = "附件2 业务指标"
	InnovationSheet = "附件3 创新指标"
)

// Column headers as the annexes print them. The business sheet adds one
// column after the annex's six, the required contents (须包括) each work
// covers, which the tables must carry and the printed annex has no place
// for.
var (
	indicatorHeader = []string{"序号", "指标名称", "具体工作", "序时进度", "完成标准", "佐证材料"}
	coversHeader    = "涵盖须包括事项"
	innovHeader     = []string{"指标名称", "核心内容", "预期成效", "序时进度", "完成标准", "佐证材料"}
)

const (
	annexTitle   = "各区市县（开放先导区）总工会%s表"
	unitLabel    = "填报单位："
	headerRow    = 3
	firstDataRow = 4
)

// points writes "（20分）" as the annexes do.
func points(p workflow.Points) string { return "（" + p.String() + "分）" }

// nodeText writes a 序时进度 cell: 节点1：6月30日前（遇休息日顺延至7月1日），
// target（2分）. The date is the plan's label of the checkpoint, both dates
// when a day off moved it (workflow.Plan.CheckpointDue); a due that is not a
// date of the plan's year is written as it is.
func nodeText(p *workflow.Plan, i int, n workflow.Node) string {
	due := n.Due
	if d, err := workflow.ParseDate(n.Due); err == nil && d.Year == p.Year {
		due = p.CheckpointDue(d).Label
	}
	return fmt.Sprintf("节点%d：%s，%s%s", i+1, due, n.Target, points(n.Points))
}

// Submission writes a unit's tables as a workbook in the layout of annexes
// 1–3: the notice's columns, points written “（20分）”, cells merged per
// indicator and per work, and each annex's 备注 line.
func Submission(p *workflow.Plan, unitName string, doc *workflow.Document, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", PartySheet); err != nil {
		return err
	}
	if err := indicatorSheet(f, st, p, PartySheet, &p.Party, unitName, doc.Party, false); err != nil {
		return err
	}
	if _, err := f.NewSheet(BusinessSheet); err != nil {
		return err
	}
	if err := indicatorSheet(f, st, p, BusinessSheet, &p.Business, unitName, doc.Business, true); err != nil {
		return err
	}
	if _, err := f.NewSheet(InnovationSheet); err != nil {
		return err
	}
	if err := innovationSheet(f, st, p, unitName, doc.Innovation); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func sheetHead(f *excelize.File, st styles, sheet, title, unitName string, header []string) error {
	last := cell(len(header), 1)
	if err := f.SetCellStr(sheet, "A1", title); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, "A1", last); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", st.title); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, "A2", unitLabel+unitName); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, "A2", cell(len(header), 2)); err != nil {
		return err
	}
	if err := writeRow(f, sheet, headerRow, st.header, header...); err != nil {
		return err
	}
	widths := []float64{6, 22, 30, 36, 40, 30, 18}
	for i := range header {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, widths[min(i, len(widths)-1)]); err != nil {
			return err
		}
	}
	return printSetup(f, sheet, 2, headerRow)
}

// merge merges column col from row top to bottom when they differ.
func merge(f *excelize.File, sheet string, col, top, bottom int) error {
	if bottom <= top {
		return nil
	}
	return f.MergeCell(sheet, cell(col, top), cell(col, bottom))
}

func footer(f *excelize.File, st styles, sheet string, row, cols int, note string) error {
	if note == "" {
		return nil
	}
	if err := f.SetCellStr(sheet, cell(1, row), note); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, cell(1, row), cell(cols, row)); err != nil {
		return err
	}
	return f.SetCellStyle(sheet, cell(1, row), cell(1, row), st.text)
}

// indicatorSheet writes the indicators of c as annex 1 or 2 on sheet;
// covers adds the 须包括 column (the business annex).
func indicatorSheet(f *excelize.File, st styles, p *workflow.Plan, sheet string, c *workflow.Category, unitName string, inds []workflow.Indicator, covers bool) error {
	header := indicatorHeader
	if covers {
		header = append(append([]string{}, indicatorHeader...), coversHeader)
	}
	if err := sheetHead(f, st, sheet, fmt.Sprintf(annexTitle, c.Name), unitName, header); err != nil {
		return err
	}
	w := &indicatorWriter{f: f, st: st, p: p, sheet: sheet, c: c, cols: len(header), covers: covers,
		number: map[string]string{}, row: firstDataRow}
	for i, it := range c.Items {
		w.number[it.Code] = strconv.Itoa(i + 1)
	}
	for _, ind := range inds {
		if err := w.indicator(ind); err != nil {
			return err
		}
	}
	return footer(f, st, sheet, w.row, len(header), c.Note)
}

// indicatorWriter writes the rows of one indicator sheet: a row per node,
// the work's cells merged over its nodes and the indicator's over its
// works.
type indicatorWriter struct {
	f      *excelize.File
	st     styles
	p      *workflow.Plan
	sheet  string
	c      *workflow.Category
	cols   int
	covers bool
	// number is each indicator's 序号: its place in the notice, so that
	// the row reads back as the same indicator wherever it stands.
	number map[string]string
	row    int // the next row to write
}

// indicator writes ind's rows and merges its 序号 and name cells.
func (w *indicatorWriter) indicator(ind workflow.Indicator) error {
	name := ind.Code
	if it, ok := w.c.Item(ind.Code); ok {
		name = it.Name
	}
	top := w.row
	works := ind.Works
	if len(works) == 0 {
		works = []workflow.Work{{}} // one empty line keeps the indicator
	}
	for j, wk := range works {
		var lead [2]string // 序号 and name, on the indicator's first row only
		if j == 0 {
			lead = [2]string{w.number[ind.Code], name + points(ind.Points)}
		}
		if err := w.work(lead, len(ind.Works) > 0, j, wk); err != nil {
			return err
		}
	}
	for col := 1; col <= 2; col++ {
		if err := merge(w.f, w.sheet, col, top, w.row-1); err != nil {
			return err
		}
	}
	return nil
}

// work writes the rows of the j-th work (one per node, one when it has
// none) and merges its cells over them. lead is the indicator's cells of
// the work's first row; titled is false for the empty line of an
// indicator without works.
func (w *indicatorWriter) work(lead [2]string, titled bool, j int, wk workflow.Work) error {
	wtop := w.row
	nodes := wk.Nodes
	if len(nodes) == 0 {
		nodes = []workflow.Node{{}}
	}
	for k, n := range nodes {
		vals := make([]string, w.cols)
		if k == 0 {
			vals[0], vals[1] = lead[0], lead[1]
			if titled {
				vals[2] = fmt.Sprintf("工作%d：%s%s", j+1, wk.Title, points(wk.Points))
				if w.covers {
					vals[6] = strings.Join(wk.Covers, "、")
				}
			}
		}
		if len(wk.Nodes) > 0 {
			vals[3], vals[4], vals[5] = nodeText(w.p, k, n), n.Standard, n.Evidence
		}
		if err := writeRow(w.f, w.sheet, w.row, w.st.text, vals...); err != nil {
			return err
		}
		if err := w.f.SetCellStyle(w.sheet, cell(1, w.row), cell(1, w.row), w.st.center); err != nil {
			return err
		}
		w.row++
	}
	if err := merge(w.f, w.sheet, 3, wtop, w.row-1); err != nil {
		return err
	}
	if w.covers {
		return merge(w.f, w.sheet, 7, wtop, w.row-1)
	}
	return nil
}

func innovationSheet(f *excelize.File, st styles, p *workflow.Plan, unitName string, items []workflow.InnovationItem) error {
	sheet := InnovationSheet
	if err := sheetHead(f, st, sheet, fmt.Sprintf(annexTitle, p.Innovation.Name), unitName, innovHeader); err != nil {
		return err
	}
	row := firstDataRow
	for _, it := range items {
		top := row
		nodes := it.Nodes
		if len(nodes) == 0 {
			nodes = []workflow.Node{{}}
		}
		for k, n := range nodes {
			vals := make([]string, len(innovHeader))
			if k == 0 {
				vals[0], vals[1], vals[2] = it.Title+points(it.Points), it.Content, it.Effect
			}
			if len(it.Nodes) > 0 {
				vals[3], vals[4], vals[5] = nodeText(p, k, n), n.Standard, n.Evidence
			}
			if err := writeRow(f, sheet, row, st.text, vals...); err != nil {
				return err
			}
			row++
		}
		for col := 1; col <= 3; col++ {
			if err := merge(f, sheet, col, top, row-1); err != nil {
				return err
			}
		}
	}
	return footer(f, st, sheet, row, len(innovHeader), p.Innovation.Note)
}

// ReadSubmission reads a workbook, kaohe's own export or annexes 1–3
// filled in Excel, into a document (ReadTables for a file of either
// format).
func ReadSubmission(p *workflow.Plan, r io.Reader) (*workflow.Document, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ReadTables(p, b)
}

// xlsxTables returns every sheet of a workbook as a table, its name and the
// rows above its header as its title.
func xlsxTables(f *excelize.File) ([]*table, error) {
	var out []*table
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "无法读取工作表",
				Details: []workflow.Violation{{Path: name, Rule: RuleImportSheet, Message: fmt.Sprintf("无法读取工作表“%s”", name)}}}
		}
		out = append(out, &table{name: name, label: "“" + name + "”", rows: rows, sheet: true,
			named: name == PartySheet || name == BusinessSheet || name == InnovationSheet})
	}
	return out, nil
}

// sheetTitle is a worksheet's name and the rows above its header (the
// first rows when it has none).
func sheetTitle(t *table) string {
	var b strings.Builder
	b.WriteString(t.name)
	end := t.header
	if !t.known {
		end = min(len(t.rows), maxHeaderRow)
	}
	for _, r := range t.rows[:max(0, end)] {
		b.WriteString("\n" + strings.Join(r, " "))
	}
	return b.String()
}
