package sheets

import (
	"fmt"
	"io"
	"regexp"
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
	annexTitle     = "各区市县（开放先导区）总工会%s表"
	unitLabel      = "填报单位："
	headerRow      = 3
	firstDataRow   = 4
	pointsSuffixRe = `（(-?[0-9]+(?:\.[0-9]+)?)分）$`
)

var (
	reIndicator = regexp.MustCompile(`^(.*?)` + pointsSuffixRe)
	reWork      = regexp.MustCompile(`(?s)^工作\d+[：:](.*)` + pointsSuffixRe)
	reNode      = regexp.MustCompile(`(?s)^节点\d+[：:，,]\s*([^，,]*)[，,](.*)` + pointsSuffixRe)
	reTitle     = regexp.MustCompile(`(?s)^(.*)` + pointsSuffixRe)
)

// points writes "（20分）" as the annexes do.
func points(p workflow.Points) string { return "（" + p.String() + "分）" }

func nodeText(i int, n workflow.Node) string {
	return fmt.Sprintf("节点%d：%s，%s%s", i+1, n.Due, n.Target, points(n.Points))
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
	if err := indicatorSheet(f, st, PartySheet, &p.Party, unitName, doc.Party, false); err != nil {
		return err
	}
	if _, err := f.NewSheet(BusinessSheet); err != nil {
		return err
	}
	if err := indicatorSheet(f, st, BusinessSheet, &p.Business, unitName, doc.Business, true); err != nil {
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
	return nil
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

func indicatorSheet(f *excelize.File, st styles, sheet string, c *workflow.Category, unitName string, inds []workflow.Indicator, covers bool) error {
	header := indicatorHeader
	if covers {
		header = append(append([]string{}, indicatorHeader...), coversHeader)
	}
	if err := sheetHead(f, st, sheet, fmt.Sprintf(annexTitle, c.Name), unitName, header); err != nil {
		return err
	}
	row := firstDataRow
	for i, ind := range inds {
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
						vals[0], vals[1] = strconv.Itoa(i+1), name+points(ind.Points)
					}
					if len(ind.Works) > 0 {
						vals[2] = fmt.Sprintf("工作%d：%s%s", j+1, wk.Title, points(wk.Points))
						if covers {
							vals[6] = strings.Join(wk.Covers, "、")
						}
					}
				}
				if len(wk.Nodes) > 0 {
					vals[3], vals[4], vals[5] = nodeText(k, n), n.Standard, n.Evidence
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
				vals[3], vals[4], vals[5] = nodeText(k, n), n.Standard, n.Evidence
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

// Rule codes of import errors.
const (
	RuleImportFile      = "import.file"
	RuleImportSheet     = "import.sheet.missing"
	RuleImportHeader    = "import.header"
	RuleImportIndicator = "import.indicator.unknown"
	RuleImportPoints    = "import.points"
	RuleImportWork      = "import.work"
	RuleImportNode      = "import.node"
	RuleImportOrphan    = "import.row.orphan"
)

// importer collects every error of a workbook before any is reported.
type importer struct {
	f    *excelize.File
	plan *workflow.Plan
	errs []workflow.Violation
}

func (im *importer) fail(sheet string, col, row int, rule, format string, args ...any) {
	im.errs = append(im.errs, workflow.Violation{
		Path:    fmt.Sprintf("%s!%s", sheet, cell(col, row)),
		Rule:    rule,
		Message: fmt.Sprintf("“%s”第%d行：", sheet, row) + fmt.Sprintf(format, args...),
	})
}

// ReadSubmission reads a workbook in the layout Submission writes back into
// a document. It reads everything before it answers: on any error it
// returns no document and an EVALIDATION *workflow.Error listing every bad
// row, each located by sheet and cell ("附件2 业务指标!C12"), so that
// nothing is imported in part. The document itself is not validated
// against the plan's rules (a draft may be incomplete).
func ReadSubmission(p *workflow.Plan, r io.Reader) (*workflow.Document, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f, err := openWorkbook(b)
	if workflow.ErrorCode(err) == workflow.EINVALID {
		return nil, &workflow.Error{Code: workflow.EINVALID, Message: "无法读取Excel文件，请上传由本系统导出的.xlsx指标表",
			Details: []workflow.Violation{{Path: "file", Rule: RuleImportFile, Message: "不是有效的.xlsx文件"}}}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	im := &importer{f: f, plan: p}
	doc := &workflow.Document{}
	doc.Party = im.indicators(PartySheet, &p.Party, false)
	doc.Business = im.indicators(BusinessSheet, &p.Business, true)
	doc.Innovation = im.innovation()
	if len(im.errs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION,
			Message: fmt.Sprintf("Excel指标表有%d处无法导入，未导入任何内容", len(im.errs)), Details: im.errs}
	}
	doc.Normalize()
	return doc, nil
}

// rows returns the sheet's rows padded to width, or nil after recording a
// missing sheet or a wrong header.
func (im *importer) rows(sheet string, header []string) [][]string {
	idx, _ := im.f.GetSheetIndex(sheet)
	if idx < 0 {
		im.errs = append(im.errs, workflow.Violation{Path: sheet, Rule: RuleImportSheet, Message: fmt.Sprintf("缺少工作表“%s”", sheet)})
		return nil
	}
	rows, err := im.f.GetRows(sheet)
	if err != nil {
		im.errs = append(im.errs, workflow.Violation{Path: sheet, Rule: RuleImportSheet, Message: fmt.Sprintf("无法读取工作表“%s”", sheet)})
		return nil
	}
	for len(rows) < headerRow {
		rows = append(rows, nil)
	}
	for i, h := range header {
		got := ""
		if i < len(rows[headerRow-1]) {
			got = strings.TrimSpace(rows[headerRow-1][i])
		}
		if got != h {
			im.fail(sheet, i+1, headerRow, RuleImportHeader, "表头应为“%s”，实为“%s”", h, got)
			return nil
		}
	}
	for i := range rows {
		for len(rows[i]) < len(header) {
			rows[i] = append(rows[i], "")
		}
	}
	return rows
}

// isNote reports whether a row is the 备注 line that closes a sheet.
func isNote(row []string) bool { return strings.HasPrefix(strings.TrimSpace(row[0]), "备注") }

func blank(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func (im *importer) points(sheet string, col, row int, text string) (workflow.Points, bool) {
	p, err := workflow.ParsePoints(text)
	if err != nil {
		im.fail(sheet, col, row, RuleImportPoints, "分值“%s”有误：%v", text, err)
		return 0, false
	}
	return p, true
}

// node reads a 序时进度 cell "节点1：2019-06-30，目标（7分）" and its standard
// and evidence.
func (im *importer) node(sheet string, col, row int, text, standard, evidence string) (workflow.Node, bool) {
	m := reNode.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		im.fail(sheet, col, row, RuleImportNode, "序时进度应写作“节点1：2019-06-30，工作目标（5分）”，实为“%s”", text)
		return workflow.Node{}, false
	}
	pts, ok := im.points(sheet, col, row, m[3])
	return workflow.Node{Due: strings.TrimSpace(m[1]), Target: m[2], Points: pts, Standard: standard, Evidence: evidence}, ok
}

func (im *importer) indicators(sheet string, c *workflow.Category, covers bool) []workflow.Indicator {
	header := indicatorHeader
	if covers {
		header = append(append([]string{}, indicatorHeader...), coversHeader)
	}
	rows := im.rows(sheet, header)
	if rows == nil {
		return nil
	}
	byName := map[string]string{}
	for _, it := range c.Items {
		byName[it.Name] = it.Code
	}
	out := []workflow.Indicator{}
	var ind *workflow.Indicator
	var work *workflow.Work
	// After a bad indicator or work its following rows are skipped quietly:
	// one mistake is reported once, not again for every row below it.
	skipInd, skipWork := false, false
	for i := firstDataRow - 1; i < len(rows); i++ {
		row, n := rows[i], i+1
		if isNote(row) {
			break
		}
		if blank(row) {
			continue
		}
		if name := strings.TrimSpace(row[1]); name != "" {
			m := reIndicator.FindStringSubmatch(name)
			if m == nil {
				im.fail(sheet, 2, n, RuleImportIndicator, "指标名称应写作“名称（20分）”，实为“%s”", name)
				ind, work, skipInd = nil, nil, true
				continue
			}
			code, ok := byName[strings.TrimSpace(m[1])]
			if !ok {
				if _, isCode := c.Item(strings.TrimSpace(m[1])); isCode {
					code, ok = strings.TrimSpace(m[1]), true
				}
			}
			if !ok {
				im.fail(sheet, 2, n, RuleImportIndicator, "“%s”不是%s的指标", m[1], c.Name)
				ind, work, skipInd = nil, nil, true
				continue
			}
			skipInd = false
			pts, _ := im.points(sheet, 2, n, m[2])
			out = append(out, workflow.Indicator{Code: code, Points: pts, Works: []workflow.Work{}})
			ind, work = &out[len(out)-1], nil
		}
		if w := strings.TrimSpace(row[2]); w != "" {
			if ind == nil {
				if !skipInd {
					im.fail(sheet, 3, n, RuleImportOrphan, "具体工作不属于任何指标")
				}
				continue
			}
			m := reWork.FindStringSubmatch(w)
			if m == nil {
				im.fail(sheet, 3, n, RuleImportWork, "具体工作应写作“工作1：名称（10分）”，实为“%s”", w)
				work, skipWork = nil, true
				continue
			}
			skipWork = false
			pts, _ := im.points(sheet, 3, n, m[2])
			wk := workflow.Work{Title: m[1], Points: pts, Nodes: []workflow.Node{}}
			if covers {
				wk.Covers = covered(row[6])
			}
			ind.Works = append(ind.Works, wk)
			work = &ind.Works[len(ind.Works)-1]
		}
		if strings.TrimSpace(row[3]) != "" || strings.TrimSpace(row[4]) != "" || strings.TrimSpace(row[5]) != "" {
			if work == nil {
				if !skipInd && !skipWork {
					im.fail(sheet, 4, n, RuleImportOrphan, "序时进度不属于任何具体工作")
				}
				continue
			}
			if nd, ok := im.node(sheet, 4, n, row[3], row[4], row[5]); ok {
				work.Nodes = append(work.Nodes, nd)
			}
		}
	}
	return out
}

// covered splits the 须包括 codes of a work, "B1.1、B1.2".
func covered(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	return strings.FieldsFunc(text, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ' ' })
}

func (im *importer) innovation() []workflow.InnovationItem {
	rows := im.rows(InnovationSheet, innovHeader)
	if rows == nil {
		return nil
	}
	out := []workflow.InnovationItem{}
	var item *workflow.InnovationItem
	skip := false
	for i := firstDataRow - 1; i < len(rows); i++ {
		row, n := rows[i], i+1
		if isNote(row) {
			break
		}
		if blank(row) {
			continue
		}
		if title := strings.TrimSpace(row[0]); title != "" {
			m := reTitle.FindStringSubmatch(title)
			if m == nil {
				im.fail(InnovationSheet, 1, n, RuleImportIndicator, "指标名称应写作“名称（3分）”，实为“%s”", title)
				item, skip = nil, true
				continue
			}
			skip = false
			pts, _ := im.points(InnovationSheet, 1, n, m[2])
			out = append(out, workflow.InnovationItem{Title: m[1], Content: row[1], Effect: row[2], Points: pts, Nodes: []workflow.Node{}})
			item = &out[len(out)-1]
		}
		if strings.TrimSpace(row[3]) != "" || strings.TrimSpace(row[4]) != "" || strings.TrimSpace(row[5]) != "" {
			if item == nil {
				if !skip {
					im.fail(InnovationSheet, 4, n, RuleImportOrphan, "序时进度不属于任何创新指标")
				}
				continue
			}
			if nd, ok := im.node(InnovationSheet, 4, n, row[3], row[4], row[5]); ok {
				item.Nodes = append(item.Nodes, nd)
			}
		}
	}
	return out
}
