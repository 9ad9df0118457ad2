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
	case workflow.EINVALID, workflow.ETOOLARGE, workflow.EUNSUPPORTED, workflow.EVALIDATION:
	default:
		t.Fatalf("an import answered %s: %v", we.Code, err)
	}
}

// FuzzReadTables imports any bytes as a unit's tables, Word or Excel:
// nothing panics, every refusal is a workflow error (400, 413, 415 or 422,
// never 500), and tables that import export and import again to the same
// document. Seeds: testdata/fuzz/FuzzReadTables, the export of the 2019
// fixture and of an empty draft, the annexes filled in Word and in Excel,
// and a monthly-count workbook.
//
//	go test ./internal/sheets/ -run '^$' -fuzz FuzzReadTables -fuzztime 10m
func FuzzReadTables(f *testing.F) {
	p := loadPlan(f)
	for _, d := range []*workflow.Document{loadDoc(f, "../../testdata/submission-2019.json"), {}} {
		var buf bytes.Buffer
		if err := Submission(p, "甘井子区总工会", d, &buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	for _, name := range []string{"annexes-2019.docx", "annexes-2019.xlsx", "monthly/counts-2019-07.xlsx"} {
		b, err := os.ReadFile("../../testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := ReadTables(p, b)
		importError(t, err)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Submission(p, "单位", doc, &buf); err != nil {
			t.Fatalf("an imported document does not export: %v", err)
		}
		again, err := ReadTables(p, buf.Bytes())
		if err != nil {
			t.Fatalf("an imported document, exported, does not import: %v", err)
		}
		// Covers proposed from a table without a 须包括 column are written
		// out as covers: compare the tables without the flag.
		a, c := tablesJSON(doc), tablesJSON(again)
		if !bytes.Equal(a, c) {
			t.Fatalf("round trip changed the document:\n%.2000s\n%.2000s", a, c)
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

// tablesJSON is d's JSON without the covers_proposed flags.
func tablesJSON(d *workflow.Document) []byte {
	d.Normalize()
	for _, inds := range [][]workflow.Indicator{d.Party, d.Business} {
		for i := range inds {
			for j := range inds[i].Works {
				inds[i].Works[j].CoversProposed = false
			}
		}
	}
	b, _ := json.Marshal(d)
	return b
}
