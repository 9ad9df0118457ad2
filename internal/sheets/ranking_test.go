package sheets

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"kaohe/workflow"

	"github.com/xuri/excelize/v2"
)

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil.example","点击")`: `'=HYPERLINK("http://evil.example","点击")`,
		`+1+cmd|' /C calc'!A0`:                   `'+1+cmd|' /C calc'!A0`,
		"-A1":                                    "'-A1",
		"@SUM(A1:A9)":                            "'@SUM(A1:A9)",
		"\t=1+1":                                 "'\t=1+1",
		"\r=1+1":                                 "'\r=1+1",
		"-2.50":                                  "-2.50",
		"+3":                                     "+3",
		"- 2":                                    "'- 2",
		"-2 ":                                    "'-2 ",
		"甘井子区总工会":                                "甘井子区总工会",
		"95.00":                                  "95.00",
		"":                                       "",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRankingExportsKeepNamesText: a unit named like a formula is text in
// both exports: an apostrophe in the CSV, a string cell (no formula) in
// the workbook.
func TestRankingExportsKeepNamesText(t *testing.T) {
	p := loadPlan(t)
	names := []string{`=HYPERLINK("http://evil.example","点击")`, `+1+cmd|' /C calc'!A0`, "-A1", "@SUM(A1:A9)"}
	run := &workflow.ScoringRun{ID: 1, Year: 2019, CreatedAt: time.Date(2020, 1, 10, 1, 0, 0, 0, time.UTC)}
	for i, n := range names {
		run.Results = append(run.Results, workflow.UnitResult{Unit: "u" + string(rune('a'+i)), Name: n, Rank: i + 1,
			Total: 90 * workflow.Point, DeductionTotal: -2 * workflow.Point, Grade: "好"})
	}
	var buf bytes.Buffer
	if err := RankingCSV(run, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		if got := rows[i+1][2]; got != "'"+n {
			t.Errorf("CSV name %q, want %q", got, "'"+n)
		}
		if got := rows[i+1][6]; got != "-2.00" {
			t.Errorf("CSV deductions %q", got)
		}
	}
	f := rankingBook(t, p, run)
	for i, n := range names {
		ref := cell(3, i+3)
		v, _ := f.GetCellValue(RankingSheet, ref)
		formula, _ := f.GetCellFormula(RankingSheet, ref)
		if v != n || formula != "" {
			t.Errorf("%s: value %q formula %q, want the text %q", ref, v, formula, n)
		}
	}
}

// TestBreakdownInWords: a unit's breakdown sheet names every deduction's
// line in words, never by its path in the document, and a unit without
// deductions gets the same readable column widths.
func TestBreakdownInWords(t *testing.T) {
	p := loadPlan(t)
	half := 50 * workflow.Point / 100
	run := &workflow.ScoringRun{ID: 1, Year: 2019, CreatedAt: time.Date(2020, 1, 10, 1, 0, 0, 0, time.UTC),
		Results: []workflow.UnitResult{
			{Unit: "gjz", Name: "甘井子区总工会", Rank: 1, Total: 90 * workflow.Point, DeductionTotal: 3 * half, Grade: "好",
				Deductions: []workflow.Deduction{
					{Rule: workflow.RuleMissingNode, Points: half, Reason: "B3 第1项工作 节点1（6月30日前） 年底未报送", Ref: "business[2].works[0].nodes[0]"},
					{Rule: workflow.RuleMonthlyLate, Points: half, Reason: "2019年7月…逾期报送", Ref: workflow.MonthlyRef(workflow.Month{Year: 2019, Month: time.July})},
					{Rule: "瞒报", Points: half, Reason: "瞒报：…", Ref: workflow.ManualRef(3)},
				}},
			{Unit: "zs", Name: "中山区总工会", Rank: 2, Total: 80 * workflow.Point, Grade: "好"},
		}}
	f := rankingBook(t, p, run)
	rows, err := f.GetRows("甘井子区总工会")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		line := strings.Join(r, "|")
		if strings.Contains(line, "works[") || strings.Contains(line, "monthly:") || strings.Contains(line, "deduction:") {
			t.Errorf("a raw ref in the breakdown: %s", line)
		}
		lines = append(lines, line)
	}
	all := strings.Join(lines, "\n")
	if strings.Contains(all, workflow.RuleMissingNode) || strings.Contains(all, workflow.RuleMonthlyLate) {
		t.Errorf("a rule's code in the breakdown:\n%s", all)
	}
	for _, want := range []string{"节点未报送", "会员实名制数量逾期报送", "业务指标第3项 第1项工作 节点1", "2019年7月会员实名制信息采集数量", "第3号人工扣分"} {
		if !strings.Contains(all, want) {
			t.Errorf("the breakdown does not name %q:\n%s", want, all)
		}
	}
	for _, sheet := range []string{"甘井子区总工会", "中山区总工会"} {
		if w, err := f.GetColWidth(sheet, "C"); err != nil || w != 48 {
			t.Errorf("%s: column C is %v wide (%v), want 48", sheet, w, err)
		}
	}
}

// rankingBook writes run's ranking workbook and opens it; the test closes
// it at its end.
func rankingBook(t *testing.T, p *workflow.Plan, run *workflow.ScoringRun) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := Ranking(p, run, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := openWorkbook(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
