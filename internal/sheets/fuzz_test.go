package sheets

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"kaohe/workflow"
)

// importError fails t unless err is nil or a *workflow.Error of one of
// the codes an import answers with.
func importError(t *testing.T, err error) {
	t.Helper()
	var we *workflow.Error
	if err == nil {
		return
	}
	if !errors.As(err, &we) {
		t.Fatalf("an error that is not a workflow error (500): %v", err)
	}
	switch we.Code {
	case workflow.EINVALID, workflow.ETOOLARGE, workflow.EVALIDATION:
	default:
		t.Fatalf("an import answered %s: %v", we.Code, err)
	}
}

// FuzzReadSubmission imports any bytes as a unit's workbook: nothing
// panics, every refusal is a workflow error (400, 413 or 422, never 500),
// and a workbook that imports exports and imports again to the same
// document. Seeds: testdata/fuzz/FuzzReadSubmission, the export of the
// 2019 fixture and of a small draft, and a monthly-count workbook.
//
//	go test ./internal/sheets/ -run '^$' -fuzz FuzzReadSubmission -fuzztime 10m
func FuzzReadSubmission(f *testing.F) {
	p := loadPlan(f)
	for _, d := range []*workflow.Document{loadDoc(f, "../../testdata/submission-2019.json"), {}} {
		var buf bytes.Buffer
		if err := Submission(p, "甘井子区总工会", d, &buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	counts, err := os.ReadFile("../../testdata/monthly/counts-2019-07.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(counts)
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := ReadSubmission(p, bytes.NewReader(b))
		importError(t, err)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Submission(p, "单位", doc, &buf); err != nil {
			t.Fatalf("an imported document does not export: %v", err)
		}
		again, err := ReadSubmission(p, &buf)
		if err != nil {
			t.Fatalf("an imported document, exported, does not import: %v", err)
		}
		a, _ := json.Marshal(doc)
		c, _ := json.Marshal(again)
		if !bytes.Equal(a, c) {
			t.Fatalf("round trip changed the document:\n%s\n%s", a, c)
		}
	})
}

// FuzzReadCounts reads any bytes as a member-count file (CSV or XLSX):
// nothing panics and every refusal is a workflow error.
//
//	go test ./internal/sheets/ -run '^$' -fuzz FuzzReadCounts -fuzztime 3m
func FuzzReadCounts(f *testing.F) {
	for _, name := range []string{"counts-2019-06.csv", "counts-2019-07.xlsx", "counts-bad.csv"} {
		b, err := os.ReadFile("../../testdata/monthly/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadCounts(b)
		importError(t, err)
		for _, r := range rows {
			if r.Line < 1 {
				t.Fatalf("row without a line: %+v", r)
			}
		}
	})
}
