package sheets

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/workflow"
)

// The blank annexes 1–3 of a plan, as the notice circulates them for the
// units to fill in: the annex's number and title, a line for the unit's
// name, the columns with the notice's hints (the checkpoints, the node
// limit and the forbidden phrases of the plan), one block of rows per
// indicator (its name, the required contents its works must cover, a first
// work with as many node lines as a work may have, a line for further
// works), and the annex's 备注 under the table. BlankAnnexes writes them
// as a workbook, BlankAnnexesDOCX (blank_docx.go) as a Word document; both
// are built from the same layout.

// blankTable is one blank annex laid out as rows of cells.
type blankTable struct {
	Annex  int
	Title  string
	Header []string
	// Widths are the columns' widths in characters.
	Widths []float64
	Rows   [][]blankCell
	Note   string
}

// blankCell is one cell of a blank annex. Span is the number of rows the
// cell covers from its row down (1 for one row); a cell covered by one
// above has Span 0 and no text.
type blankCell struct {
	Text string
	Span int
}

// blankLayout lays out the three annexes of p.
func blankLayout(p *workflow.Plan) []blankTable {
	return []blankTable{
		indicatorLayout(p, &p.Party),
		indicatorLayout(p, &p.Business),
		innovationLayout(p),
	}
}

// columnHints are the notice's hints under the column heads, with the
// plan's own limits.
func columnHints(p *workflow.Plan) (nodes, standard, evidence string) {
	var names []string
	var last string
	for _, c := range p.Checkpoints {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("%d月%d日前", c.Date.Month, c.Date.Day)
		}
		names = append(names, name)
		last = fmt.Sprintf("%d月%d日", c.Date.Month, c.Date.Day)
	}
	nodes = fmt.Sprintf("序时进度\n（节点不超过%d个，可以是%s，最后一个时间节点要设定在%s前）", p.Nodes.Max, strings.Join(names, "、"), last)
	var phrases []string
	for _, ph := range p.ForbiddenPhrases {
		phrases = append(phrases, "“"+ph+"”")
	}
	standard = "完成标准\n（要可量化；或采用于什么时间、用什么方法、完成哪些工作、达到什么标准的形式表述"
	if len(phrases) > 0 {
		standard += "，不能使用" + strings.Join(phrases, "") + "等语言表述"
	}
	standard += "）"
	evidence = "佐证材料\n（侧重于工作成果，过程痕迹尽可能简化）"
	return nodes, standard, evidence
}

// nodeTable is the empty blank annex of the table name: its first three
// columns are first, its last three the nodes, their standard and their
// evidence, with the notice's hints (columnHints).
func nodeTable(p *workflow.Plan, annex int, name, note string, first [3]string, widths []float64) blankTable {
	hNodes, hStandard, hEvidence := columnHints(p)
	return blankTable{Annex: annex, Title: fmt.Sprintf(annexTitle, name), Note: note, Widths: widths,
		Header: []string{first[0], first[1], first[2], hNodes, hStandard, hEvidence}}
}

func indicatorLayout(p *workflow.Plan, c *workflow.Category) blankTable {
	t := nodeTable(p, c.Annex, c.Name, c.Note, [3]string{"序号", "指标名称", "具体工作"}, []float64{6, 26, 22, 30, 40, 28})
	nodes := max(p.Nodes.Max, 1)
	perItem := nodes + 1 // the first work's nodes, then a line for more works
	for i, it := range c.Items {
		name := it.Name + "（XX分）"
		if len(it.Required) > 0 {
			var req []string
			for k, r := range it.Required {
				req = append(req, fmt.Sprintf("%d.%s", k+1, r.Text))
			}
			name += "\n须包括：" + strings.Join(req, "；")
		}
		for k := 0; k < perItem; k++ {
			row := make([]blankCell, 6)
			if k == 0 {
				row[0] = blankCell{Text: strconv.Itoa(i + 1), Span: perItem}
				row[1] = blankCell{Text: name, Span: perItem}
				row[2] = blankCell{Text: "工作1（XX分）", Span: nodes}
			}
			row[3] = blankCell{Text: fmt.Sprintf("节点%d：时间、工作目标（XX分）", k+1), Span: 1}
			if k == nodes {
				row[2] = blankCell{Text: "工作2（XX分）…", Span: 1}
				row[3] = blankCell{Text: "节点1：时间、工作目标（XX分）…", Span: 1}
			}
			row[4], row[5] = blankCell{Span: 1}, blankCell{Span: 1}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

func innovationLayout(p *workflow.Plan) blankTable {
	in := p.Innovation
	t := nodeTable(p, in.Annex, in.Name, in.Note, [3]string{"指标名称", "核心内容", "预期成效"}, []float64{22, 26, 22, 30, 36, 26})
	nodes := max(p.Nodes.Max, 1)
	for i := 0; i < in.MaxItems; i++ {
		for k := 0; k < nodes; k++ {
			row := make([]blankCell, 6)
			if k == 0 {
				row[0] = blankCell{Text: fmt.Sprintf("创新工作%d（XX分，不超过%s分）", i+1, in.MaxPoints), Span: nodes}
				row[1] = blankCell{Text: "如内容较多，可另附文字材料", Span: nodes}
				row[2] = blankCell{Span: nodes}
			}
			row[3] = blankCell{Text: fmt.Sprintf("节点%d，时间、工作目标（XX分）", k+1), Span: 1}
			row[4], row[5] = blankCell{Span: 1}, blankCell{Span: 1}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// Rows of a blank sheet: the annex's number, the title, the unit line, the
// header, then the body.
const (
	blankAnnexRow  = 1
	blankTitleRow  = 2
	blankUnitRow   = 3
	blankHeaderRow = 4
	blankFirstRow  = 5
)

// BlankAnnexes writes the blank annexes 1–3 of p as a workbook, one sheet
// per annex (named as the sheets of a unit's exported tables).
func BlankAnnexes(p *workflow.Plan, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, t := range blankLayout(p) {
		sheet := []string{PartySheet, BusinessSheet, InnovationSheet}[i]
		if i == 0 {
			err = f.SetSheetName("Sheet1", sheet)
		} else {
			_, err = f.NewSheet(sheet)
		}
		if err != nil {
			return err
		}
		if err := blankSheet(f, st, sheet, t); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func blankSheet(f *excelize.File, st styles, sheet string, t blankTable) error {
	cols := len(t.Header)
	line := func(row int, text string, style int) error {
		if err := f.SetCellStr(sheet, cell(1, row), text); err != nil {
			return err
		}
		if err := f.MergeCell(sheet, cell(1, row), cell(cols, row)); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell(1, row), cell(1, row), style)
	}
	if err := f.SetCellStr(sheet, cell(1, blankAnnexRow), fmt.Sprintf("附件%d", t.Annex)); err != nil {
		return err
	}
	if err := line(blankTitleRow, t.Title, st.title); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, cell(1, blankUnitRow), unitLabel); err != nil {
		return err
	}
	if err := writeRow(f, sheet, blankHeaderRow, st.header, t.Header...); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, blankHeaderRow, 90); err != nil {
		return err
	}
	for i, w := range t.Widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	for r, row := range t.Rows {
		at := blankFirstRow + r
		vals := make([]string, len(row))
		for c, v := range row {
			vals[c] = v.Text
		}
		if err := writeRow(f, sheet, at, st.text, vals...); err != nil {
			return err
		}
	}
	// Merged after every value is written: excelize writes a value set
	// inside a merged range into its first cell.
	for r, row := range t.Rows {
		for c, v := range row {
			if v.Span > 1 {
				if err := merge(f, sheet, c+1, blankFirstRow+r, blankFirstRow+r+v.Span-1); err != nil {
					return err
				}
			}
		}
	}
	if t.Note == "" {
		return nil
	}
	return line(blankFirstRow+len(t.Rows), t.Note, st.text)
}
