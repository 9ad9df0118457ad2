package sheets

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/workflow"
)

func loadPlan(t testing.TB) *workflow.Plan {
	t.Helper()
	b, err := os.ReadFile("../../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := workflow.LoadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadDoc(t testing.TB, path string) *workflow.Document {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d workflow.Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	d.Normalize()
	return &d
}

func export(t *testing.T, p *workflow.Plan, d *workflow.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Submission(p, "甘井子区总工会", d, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exportedBook returns the plan, the 2019 tables and their export, open
// (closed when t ends).
func exportedBook(t *testing.T) (*workflow.Plan, *workflow.Document, *excelize.File) {
	t.Helper()
	p := loadPlan(t)
	doc := loadDoc(t, "../../testdata/submission-2019.json")
	f, err := excelize.OpenReader(bytes.NewReader(export(t, p, doc)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return p, doc, f
}

// refusal checks a read that must refuse a whole file (imported: it
// returned a document all the same) with a validation error each of whose
// messages says every one of locate (where the problem is). It returns the
// error and its violations' paths.
func refusal(t *testing.T, imported bool, err error, locate ...string) (*workflow.Error, []string) {
	t.Helper()
	if imported {
		t.Fatal("a file with errors was imported")
	}
	var we *workflow.Error
	if !errors.As(err, &we) || we.Code != workflow.EVALIDATION {
		t.Fatalf("error %v, want validation_failed", err)
	}
	var paths []string
	for _, d := range we.Details {
		paths = append(paths, d.Path)
		for _, l := range locate {
			if !strings.Contains(d.Message, l) {
				t.Errorf("message %q does not say %q", d.Message, l)
			}
		}
	}
	return we, paths
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSubmissionRoundTrip: exporting a unit's tables and importing the
// file gives back the same document, for the complete 2019 fixture and for
// an incomplete draft with awkward text.
func TestSubmissionRoundTrip(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	draft := &workflow.Document{
		Party: []workflow.Indicator{
			{Code: "P2", Points: 2050, Works: []workflow.Work{
				{Title: " 标题（带括号）、逗号，\n第二行 ", Points: 1250, Nodes: []workflow.Node{
					{Due: "2019-06-30", Target: "目标，含逗号（10分）", Points: 250, Standard: "  ", Evidence: "“引号” <&>"},
					{Due: "", Target: "", Points: 1000, Standard: "多行\n标准", Evidence: ""},
				}},
				{Title: "无节点的工作", Points: 800},
			}},
			{Code: "P1", Points: 1950},
		},
		Business: []workflow.Indicator{
			{Code: "B1", Points: 800, Works: []workflow.Work{{Title: "会员实名制", Points: 800, Covers: []string{"B1.1", "B1.2"},
				Nodes: []workflow.Node{{Due: "2019-11-30", Target: "采集率95%", Points: 800, Standard: "系统数据", Evidence: "报表"}}}}},
		},
		Innovation: []workflow.InnovationItem{{Title: "“互联网+”（试点）", Content: "内容\n第二段", Effect: "成效", Points: 250}},
	}
	draft.Normalize()
	for name, doc := range map[string]*workflow.Document{
		"2019 fixture": loadDoc(t, "../../testdata/submission-2019.json"),
		"draft":        draft,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadSubmission(p, bytes.NewReader(export(t, p, doc)))
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if a, b := jsonOf(t, got), jsonOf(t, doc); a != b {
				t.Fatalf("round trip changed the document:\n got %s\nwant %s", a, b)
			}
		})
	}
}

// TestSubmissionLayout: the export has the annexes' sheets, columns,
// “（20分）” points, merged indicator and work cells and the 备注 line; a
// node's date is written as the annexes do, with the day it moved to when
// it falls on a day off (Sunday June 30 → Monday July 1).
func TestSubmissionLayout(t *testing.T) {
	t.Parallel()
	p, doc, f := exportedBook(t)
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{PartySheet, BusinessSheet, InnovationSheet}) {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows(PartySheet)
	if rows[0][0] != "各区市县（开放先导区）总工会党建指标表" || rows[1][0] != "填报单位：甘井子区总工会" {
		t.Errorf("title rows %q %q", rows[0], rows[1])
	}
	if !reflect.DeepEqual(rows[2], indicatorHeader) {
		t.Errorf("header %q", rows[2])
	}
	first := doc.Party[0]
	if rows[3][0] != "1" || rows[3][1] != "党的政治建设（20分）" || !strings.HasPrefix(rows[3][2], "工作1："+first.Works[0].Title) ||
		rows[3][3] != "节点1：6月30日前（遇休息日顺延至7月1日），"+first.Works[0].Nodes[0].Target+"（7分）" {
		t.Errorf("first data row %q", rows[3])
	}
	last := rows[len(rows)-1]
	if last[0] != p.Party.Note {
		t.Errorf("last row %q, want the 备注 line", last)
	}
	merged, _ := f.GetMergeCells(PartySheet)
	var names []string
	for _, m := range merged {
		names = append(names, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	nodesOfP1 := 0
	for _, w := range first.Works {
		nodesOfP1 += len(w.Nodes)
	}
	wantIndicator := "B4:B" + itoa(3+nodesOfP1)
	wantWork := "C4:C" + itoa(3+len(first.Works[0].Nodes))
	for _, want := range []string{wantIndicator, wantWork} {
		if !contains(names, want) {
			t.Errorf("merged cells %v lack %s", names, want)
		}
	}
	biz, _ := f.GetRows(BusinessSheet)
	if biz[2][6] != "涵盖须包括事项" {
		t.Errorf("business header %q", biz[2])
	}
	inn, _ := f.GetRows(InnovationSheet)
	if !reflect.DeepEqual(inn[2], innovHeader) || !strings.HasSuffix(inn[3][0], "（"+doc.Innovation[0].Points.String()+"分）") {
		t.Errorf("innovation rows %q %q", inn[2], inn[3])
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSubmissionImportErrors: a workbook with bad rows is refused whole,
// with every bad row located by sheet and cell.
func TestSubmissionImportErrors(t *testing.T) {
	t.Parallel()
	p, _, f := exportedBook(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellStr(PartySheet, "D5", "节点2 九月底前完成"))          // no date, no points
	must(f.SetCellStr(BusinessSheet, "B4", "不存在的指标（8分）"))       // unknown indicator
	must(f.SetCellStr(InnovationSheet, "A4", "创新工作（三分）"))       // points not a number
	must(f.SetCellStr(PartySheet, "C4", "工作1：开展主题教育（14.555分）")) // three decimals
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSubmission(p, &buf)
	we, paths := refusal(t, got != nil, err, "第")
	want := []string{PartySheet + "!C4", PartySheet + "!D5", BusinessSheet + "!B4", InnovationSheet + "!A4"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("error paths %v, want %v", paths, want)
	}

	_, err = ReadSubmission(p, strings.NewReader("not a workbook"))
	if !errors.As(err, &we) || we.Code != workflow.EINVALID {
		t.Fatalf("garbage: %v", err)
	}
}
