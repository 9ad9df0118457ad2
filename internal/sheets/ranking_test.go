package sheets

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"kaohe/workflow"
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
	buf.Reset()
	if err := Ranking(p, run, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := openWorkbook(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, n := range names {
		ref := cell(3, i+3)
		v, _ := f.GetCellValue(RankingSheet, ref)
		formula, _ := f.GetCellFormula(RankingSheet, ref)
		if v != n || formula != "" {
			t.Errorf("%s: value %q formula %q, want the text %q", ref, v, formula, n)
		}
	}
}
