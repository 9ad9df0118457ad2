// Package sheets writes and reads the spreadsheets the office circulates,
// with github.com/xuri/excelize/v2: the year-end ranking with a breakdown
// sheet per unit (and the same ranking as CSV), and a unit's indicator
// tables in the layout of annexes 1–3 of the notice, which it can also read
// back into a document. It knows the workflow's types and nothing of HTTP
// or the database.
//
// Scores are written as numbers with two decimals ("0.00") so that Excel
// can sort and sum them; they are converted from exact Points through
// their decimal text, never computed in floating point.
package sheets

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/workflow"
)

// XLSXType is the media type of an .xlsx file.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// RankingSheet is the name of the ranking sheet of a result workbook.
const RankingSheet = "排名"

// RankingHeader is the header row of the ranking sheet and of the CSV.
var RankingHeader = []string{"名次", "单位代码", "单位", "党建指标", "业务指标", "创新指标", "扣分", "总分", "等次", "说明"}

// rankingRow is one unit's line of the ranking: text cells and score cells
// (columns D–H) kept as Points. A unit that took no part has no rank, no
// grade and no scores, only the reason.
func rankingRow(r *workflow.UnitResult) (text []string, scores []workflow.Points) {
	if !r.Scored() {
		return []string{"", r.Unit, r.Name, "", "", "", "", "", "", r.Reason}, nil
	}
	text = []string{strconv.Itoa(r.Rank), r.Unit, r.Name, "", "", "", "", "", r.Grade, r.Reason}
	scores = []workflow.Points{r.Party, r.Business, r.Innovation, r.DeductionTotal, r.Total}
	return text, scores
}

// rankNumber is a rank as a cell shows it: blank for no rank.
func rankNumber(r *workflow.UnitResult) string {
	if r.Rank == 0 {
		return ""
	}
	return strconv.Itoa(r.Rank)
}

type styles struct {
	title, header, text, number, center int
}

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	s.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	s.text = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	s.number = mk(&excelize.Style{Border: border, NumFmt: 2, Alignment: &excelize.Alignment{Vertical: "center"}})
	s.center = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	return s, err
}

// cell names a cell: cell(1, 1) is "A1".
func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// setPoints writes p as a number with two decimals.
func setPoints(f *excelize.File, sheet, ref string, p workflow.Points) error {
	v, err := strconv.ParseFloat(p.Fixed(), 64)
	if err != nil {
		return err
	}
	return f.SetCellFloat(sheet, ref, v, 2, 64)
}

// writeRow writes values from column 1 of row with style.
func writeRow(f *excelize.File, sheet string, row int, style int, values ...string) error {
	for i, v := range values {
		if err := f.SetCellStr(sheet, cell(i+1, row), v); err != nil {
			return err
		}
	}
	if len(values) > 0 {
		return f.SetCellStyle(sheet, cell(1, row), cell(len(values), row), style)
	}
	return nil
}

// Ranking writes a scoring run as a workbook: the ranking sheet, then one
// breakdown sheet per unit in ranking order.
func Ranking(p *workflow.Plan, run *workflow.ScoringRun, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := rankingSheet(f, st, p, run); err != nil {
		return err
	}
	used := map[string]bool{RankingSheet: true}
	for i := range run.Results {
		if err := breakdown(f, st, p, &run.Results[i], used); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// rankingTitle is the ranking sheet's title line: the year, the run and
// whether it is published.
func rankingTitle(p *workflow.Plan, run *workflow.ScoringRun) string {
	state := "预览（未发布）"
	if run.Published {
		state = "已发布 " + run.PublishedAt.In(p.Location()).Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("%d年度各区市县（开放先导区）总工会实绩考核结果（第%d次计分，%s，%s）", p.Year, run.ID,
		run.CreatedAt.In(p.Location()).Format("2006-01-02 15:04"), state)
}

// rankingSheet writes the workbook's first sheet as the ranking: the
// title, the header and a line per unit.
func rankingSheet(f *excelize.File, st styles, p *workflow.Plan, run *workflow.ScoringRun) error {
	if err := f.SetSheetName("Sheet1", RankingSheet); err != nil {
		return err
	}
	if err := f.SetCellStr(RankingSheet, "A1", rankingTitle(p, run)); err != nil {
		return err
	}
	if err := f.MergeCell(RankingSheet, "A1", cell(len(RankingHeader), 1)); err != nil {
		return err
	}
	if err := f.SetCellStyle(RankingSheet, "A1", "A1", st.title); err != nil {
		return err
	}
	if err := writeRow(f, RankingSheet, 2, st.header, RankingHeader...); err != nil {
		return err
	}
	row := 2
	apart := false
	for i := range run.Results {
		r := &run.Results[i]
		row++
		if !r.Scored() && !apart {
			// The units that took no part are listed apart, under a line of
			// their own, without rank or grade.
			apart = true
			if err := apartLine(f, st, row); err != nil {
				return err
			}
			row++
		}
		if err := rankingLine(f, st, row, r); err != nil {
			return err
		}
	}
	if err := printSetup(f, RankingSheet, 2, 2); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 6, "B": 10, "C": 24, "D": 10, "E": 10, "F": 10, "G": 8, "H": 10, "I": 8, "J": 40} {
		if err := f.SetColWidth(RankingSheet, col, col, width); err != nil {
			return err
		}
	}
	return nil
}

// apartLine writes, across the ranking's width, the line above the units
// that took no part.
func apartLine(f *excelize.File, st styles, row int) error {
	if err := f.SetCellStr(RankingSheet, cell(1, row), "以下单位指标表未下发执行，不参加计分和排名"); err != nil {
		return err
	}
	if err := f.MergeCell(RankingSheet, cell(1, row), cell(len(RankingHeader), row)); err != nil {
		return err
	}
	return f.SetCellStyle(RankingSheet, cell(1, row), cell(len(RankingHeader), row), st.text)
}

// rankingLine writes one unit's line of the ranking at row; the rank and
// the scores are written as numbers so that Excel sorts and sums them.
func rankingLine(f *excelize.File, st styles, row int, r *workflow.UnitResult) error {
	text, scores := rankingRow(r)
	if err := writeRow(f, RankingSheet, row, st.center, text...); err != nil {
		return err
	}
	if scores == nil {
		return nil
	}
	if err := f.SetCellFloat(RankingSheet, cell(1, row), float64(r.Rank), 0, 64); err != nil {
		return err
	}
	for j, pts := range scores {
		if err := setPoints(f, RankingSheet, cell(4+j, row), pts); err != nil {
			return err
		}
	}
	return f.SetCellStyle(RankingSheet, cell(4, row), cell(8, row), st.number)
}

// sheetName makes a unique valid sheet name (at most 31 characters, none of
// : \ / ? * [ ]) for a unit: its name, as its tab reads to people.
func sheetName(r *workflow.UnitResult, used map[string]bool) string {
	clean := strings.NewReplacer(":", "", "\\", "", "/", "", "?", "", "*", "", "[", "", "]", "", "'", "").Replace(r.Name)
	if strings.TrimSpace(clean) == "" {
		clean = r.Unit
	}
	name := truncate(clean, 31)
	for n := 2; used[name]; n++ {
		suffix := fmt.Sprintf("~%d", n)
		name = truncate(clean, 31-len([]rune(suffix))) + suffix
	}
	used[name] = true
	return name
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// breakdown writes one unit's sheet: its scores, its indicators, its
// innovation items and every deduction with its rule, reason and the line
// it concerns, in words.
func breakdown(f *excelize.File, st styles, p *workflow.Plan, r *workflow.UnitResult, used map[string]bool) error {
	b := &unitSheet{f: f, st: st, sheet: sheetName(r, used), row: 3}
	if _, err := f.NewSheet(b.sheet); err != nil {
		return err
	}
	if err := f.SetCellStr(b.sheet, "A1", fmt.Sprintf("%s%d年度实绩考核得分明细", r.Name, p.Year)); err != nil {
		return err
	}
	if err := printSetup(f, b.sheet, 1, 1); err != nil {
		return err
	}
	if err := f.MergeCell(b.sheet, "A1", "I1"); err != nil {
		return err
	}
	if err := f.SetCellStyle(b.sheet, "A1", "A1", st.title); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 14, "B": 12, "C": 48, "D": 24, "E": 10, "F": 10, "G": 24} {
		if err := f.SetColWidth(b.sheet, col, col, width); err != nil {
			return err
		}
	}
	for _, part := range []func(*workflow.Plan, *workflow.UnitResult) error{b.summary, b.indicators, b.items, b.deductions} {
		if err := part(p, r); err != nil {
			return err
		}
	}
	return nil
}

// unitSheet is a unit's breakdown sheet being written, row by row.
type unitSheet struct {
	f     *excelize.File
	st    styles
	sheet string
	row   int
}

// points writes pts as a number into column col of the current row.
func (b *unitSheet) points(col int, pts workflow.Points) error {
	if err := setPoints(b.f, b.sheet, cell(col, b.row), pts); err != nil {
		return err
	}
	return b.f.SetCellStyle(b.sheet, cell(col, b.row), cell(col, b.row), b.st.number)
}

// summary writes the scores, the rank and the grade, one per row.
func (b *unitSheet) summary(_ *workflow.Plan, r *workflow.UnitResult) error {
	type line struct {
		label string
		pts   *workflow.Points
		text  string
	}
	summary := []line{
		{"党建指标", &r.Party, ""}, {"业务指标", &r.Business, ""}, {"创新指标", &r.Innovation, ""},
		{"扣分", &r.DeductionTotal, ""}, {"总分", &r.Total, ""},
		{"名次", nil, rankNumber(r)}, {"等次", nil, r.Grade},
	}
	if r.Reason != "" {
		summary = append(summary, line{"说明", nil, r.Reason})
	}
	for _, s := range summary {
		if err := writeRow(b.f, b.sheet, b.row, b.st.text, s.label, s.text); err != nil {
			return err
		}
		if s.pts != nil {
			if err := b.points(2, *s.pts); err != nil {
				return err
			}
		}
		b.row++
	}
	b.row++
	return nil
}

// indicators writes a line per indicator: its nodes and points.
func (b *unitSheet) indicators(p *workflow.Plan, r *workflow.UnitResult) error {
	if len(r.Indicators) == 0 {
		return nil
	}
	if err := writeRow(b.f, b.sheet, b.row, b.st.header, "类别", "指标代码", "指标名称", "节点分值", "得分", "节点数", "通过审核", "未报送", "逾期报送"); err != nil {
		return err
	}
	b.row++
	for _, l := range r.Indicators {
		cat := p.Party.Name
		if l.Category == workflow.CategoryBusiness {
			cat = p.Business.Name
		}
		if err := writeRow(b.f, b.sheet, b.row, b.st.text, cat, l.Code, l.Name, "", "",
			strconv.Itoa(l.Nodes), strconv.Itoa(l.Accepted), strconv.Itoa(l.Missing), strconv.Itoa(l.LateNodes)); err != nil {
			return err
		}
		if err := b.points(4, l.Points); err != nil {
			return err
		}
		if err := b.points(5, l.Awarded); err != nil {
			return err
		}
		b.row++
	}
	b.row++
	return nil
}

// items writes a line per innovation item: declared, certified, done.
func (b *unitSheet) items(_ *workflow.Plan, r *workflow.UnitResult) error {
	if len(r.Items) == 0 {
		return nil
	}
	if err := writeRow(b.f, b.sheet, b.row, b.st.header, "创新指标", "名称", "申报分值", "认定", "完成", "得分", "说明"); err != nil {
		return err
	}
	b.row++
	for _, it := range r.Items {
		if err := writeRow(b.f, b.sheet, b.row, b.st.text, it.Code, it.Title, "", yesNo(it.Certified), yesNo(it.Completed), "", it.Note); err != nil {
			return err
		}
		if err := setPoints(b.f, b.sheet, cell(3, b.row), it.Declared); err != nil {
			return err
		}
		if err := setPoints(b.f, b.sheet, cell(6, b.row), it.Points); err != nil {
			return err
		}
		b.row++
	}
	b.row++
	return nil
}

// deductions writes every deduction with its rule, its reason (and any
// waiver) and the line it concerns, or 无.
func (b *unitSheet) deductions(_ *workflow.Plan, r *workflow.UnitResult) error {
	if err := writeRow(b.f, b.sheet, b.row, b.st.header, "扣分规则", "扣分", "扣分原因", "所涉事项"); err != nil {
		return err
	}
	b.row++
	if len(r.Deductions) == 0 {
		return writeRow(b.f, b.sheet, b.row, b.st.text, "无", "", "", "")
	}
	for _, d := range r.Deductions {
		reason := d.Reason
		if w := d.Waiver; w != nil && d.Original != nil {
			reason += fmt.Sprintf("（原扣%s分，经%s减免：%s）", *d.Original, w.By, w.Reason)
		}
		if err := writeRow(b.f, b.sheet, b.row, b.st.text, workflow.DeductionRuleLabel(d.Rule), "", reason, workflow.RefWords(d.Ref)); err != nil {
			return err
		}
		if err := b.points(2, d.Points); err != nil {
			return err
		}
		b.row++
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// RankingCSV writes the ranking as CSV in UTF-8 with a byte-order mark, so
// that Excel opens the Chinese text correctly. Scores have two decimals.
// Every cell goes through csvCell, so that a unit's name can never be a
// formula when the file is opened in a spreadsheet.
func RankingCSV(run *workflow.ScoringRun, w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	if err := cw.Write(RankingHeader); err != nil {
		return err
	}
	for i := range run.Results {
		text, scores := rankingRow(&run.Results[i])
		for j, pts := range scores {
			text[3+j] = pts.Fixed()
		}
		for j := range text {
			text[j] = csvCell(text[j])
		}
		if err := cw.Write(text); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// csvCell neutralises a cell that a spreadsheet would read as a formula
// (OWASP's rule against CSV injection): one that begins with =, +, -, @,
// a tab or a carriage return gets a leading apostrophe, which spreadsheets
// show as text. A cell that is a plain number, such as a negative score,
// stays as it is: it can be nothing but a number.
func csvCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if s[0] == '-' || s[0] == '+' {
		if _, err := workflow.ParsePoints(s); err == nil && strings.TrimSpace(s) == s {
			return s
		}
	}
	return "'" + s
}

// ReadRanking reads the ranking sheet of a workbook Ranking wrote: one row
// per unit with the header's columns, scores as Points.
func ReadRanking(r io.Reader) ([]RankingLine, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f, err := openWorkbook(b)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.GetRows(RankingSheet)
	if err != nil {
		return nil, err
	}
	var out []RankingLine
	for i, row := range rows {
		if i < 2 || len(row) < 3 || row[1] == "" {
			continue
		}
		var l RankingLine
		l.Unit, l.Name = row[1], row[2]
		if row[0] == "" { // a unit that took no part
			out = append(out, l)
			continue
		}
		if len(row) < 9 {
			return nil, fmt.Errorf("排名第%d行：缺少列", i+1)
		}
		if l.Rank, err = strconv.Atoi(row[0]); err != nil {
			return nil, fmt.Errorf("排名第%d行：名次 %q", i+1, row[0])
		}
		l.Grade = row[8]
		for j, dst := range []*workflow.Points{&l.Party, &l.Business, &l.Innovation, &l.Deductions, &l.Total} {
			if *dst, err = workflow.ParsePoints(row[3+j]); err != nil {
				return nil, fmt.Errorf("排名第%d行：%w", i+1, err)
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// RankingLine is one row of a ranking as read back from a workbook.
type RankingLine struct {
	Rank                                           int
	Unit, Name, Grade                              string
	Party, Business, Innovation, Deductions, Total workflow.Points
}
