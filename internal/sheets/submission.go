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

func indicatorSheet(f *excelize.File, st styles, p *workflow.Plan, sheet string, c *workflow.Category, unitName string, inds []workflow.Indicator, covers bool) error {
	header := indicatorHeader
	if covers {
		header = append(append([]string{}, indicatorHeader...), coversHeader)
	}
	if err := sheetHead(f, st, sheet, fmt.Sprintf(annexTitle, c.Name), unitName, header); err != nil {
		return err
	}
	row := firstDataRow
	number := map[string]string{}
	for i, it := range c.Items {
		number[it.Code] = strconv.Itoa(i + 1)
	}
	for _, ind := range inds {
		name := ind.Code
		if it, ok := c.Item(ind.Code); ok {
			name = it.Name
		}
		top := row
		works := ind.Works
		if len(works) == 0 {
			works = []workflow.Work{{}} // one empty line keeps the indicator
		}
		for j, wk := range works {
			wtop := row
			nodes := wk.Nodes
			if len(nodes) == 0 {
				nodes = []workflow.Node{{}}
			}
			for k, n := range nodes {
				vals := make([]string, len(header))
				if k == 0 {
					if row == top {
						// 序号 is the indicator's number in the notice, so that
						// the row reads back as the same indicator wherever
						// it stands.
						vals[0], vals[1] = number[ind.Code], name+points(ind.Points)
					}
					if len(ind.Works) > 0 {
						vals[2] = fmt.Sprintf("工作%d：%s%s", j+1, wk.Title, points(wk.Points))
						if covers {
							vals[6] = strings.Join(wk.Covers, "、")
						}
					}
				}
				if len(wk.Nodes) > 0 {
					vals[3], vals[4], vals[5] = nodeText(p, k, n), n.Standard, n.Evidence
				}
				if err := writeRow(f, sheet, row, st.text, vals...); err != nil {
					return err
				}
				if err := f.SetCellStyle(sheet, cell(1, row), cell(1, row), st.center); err != nil {
					return err
				}
				row++
			}
			if err := merge(f, sheet, 3, wtop, row-1); err != nil {
				return err
			}
			if covers {
				if err := merge(f, sheet, 7, wtop, row-1); err != nil {
					return err
				}
			}
		}
		for col := 1; col <= 2; col++ {
			if err := merge(f, sheet, col, top, row-1); err != nil {
				return err
			}
		}
	}
	return footer(f, st, sheet, row, len(header), c.Note)
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
