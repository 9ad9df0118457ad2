package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"kaohe/workflow"
)

// annexFile reads a unit's 2019 tables laid out as the notice's annexes
// (testdata/annexes-2019.*, written by the sheets tests).
func annexFile(t testing.TB, ext string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/annexes-2019." + ext)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rezip returns the zip with edit applied to the text of one member.
func rezip(t testing.TB, file []byte, member string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == member {
			b = []byte(edit(string(b)))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importedDoc is a submission as the import answers it.
type importedDoc struct {
	Version int `json:"version"`
	workflow.Document
}

// TestImportTheUnitsOwnTables: a unit imports the tables it filled in Word
// or Excel in the layout of annexes 1–3; the business works carry the
// covers proposed from their text, flagged, with a warning each, until the
// unit confirms them; a file with an unreadable cell imports nothing and
// says where; old formats and zip bombs are refused.
func TestImportTheUnitsOwnTables(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			path := subPath + "/import?version="
			want := validDoc(t)

			// A broken cell: nothing imported, the cell named.
			bad := rezip(t, annexFile(t, "docx"), "word/document.xml", func(s string) string {
				return strings.Replace(s, "6月30日前，", "6月31日前，", 1)
			})
			status, out := e.do("POST", path+"0", "unitA", bad)
			apiErr := decodeError(t, out)
			if status != 422 || len(apiErr.Error.Details) != 1 || !strings.HasPrefix(apiErr.Error.Details[0].Path, "表1!D") ||
				!strings.Contains(apiErr.Error.Details[0].Message, "6月31日") {
				t.Fatalf("broken docx: %d %s", status, out)
			}
			e.mustDo("GET", subPath, "unitA", nil, 404)

			// Refused before reading: old formats 415, what unzips too big 413.
			doc := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...)
			if status, out := e.do("POST", path+"0", "unitA", doc); status != 415 {
				t.Fatalf("a .doc: %d %s", status, out)
			}
			bomb := rezip(t, annexFile(t, "docx"), "word/document.xml", func(s string) string {
				return s + strings.Repeat(" ", 9<<20)
			})
			if status, out := e.do("POST", path+"0", "unitA", bomb); status != 413 || len(bomb) > 1<<20 {
				t.Fatalf("a docx that unzips to 9 MB (%d bytes zipped): %d %s", len(bomb), status, out)
			}
			e.mustDo("GET", subPath, "unitA", nil, 404)

			// The Word file: the whole tables, covers proposed.
			var got importedDoc
			e.mustDecode("POST", path+"0", "unitA", annexFile(t, "docx"), 201, &got)
			raw, _ := json.Marshal(want["party"])
			var party []workflow.Indicator
			if err := json.Unmarshal(raw, &party); err != nil {
				t.Fatal(err)
			}
			wantJSON, _ := json.Marshal(party)
			gotJSON, _ := json.Marshal(got.Party)
			if string(gotJSON) != string(wantJSON) {
				t.Fatalf("party tables differ:\n%s\n%s", gotJSON, wantJSON)
			}
			flagged := 0
			for _, ind := range got.Business {
				for _, w := range ind.Works {
					if w.CoversProposed {
						flagged++
					}
				}
			}
			if flagged != 30 {
				t.Fatalf("%d of 30 business works flagged as proposed", flagged)
			}
			// The proposals miss two required items (the works' text does not
			// name them): validation says which, and warns at every work.
			status, out = e.do("POST", subPath+"/validate", "unitA", nil)
			var verr struct {
				Error struct {
					Details  []workflow.Violation `json:"details"`
					Warnings []workflow.Violation `json:"warnings"`
				} `json:"error"`
			}
			if err := json.Unmarshal(out, &verr); err != nil || status != 422 {
				t.Fatalf("validate: %d %s", status, out)
			}
			var rules []string
			for _, d := range verr.Error.Details {
				rules = append(rules, d.Path+" "+d.Rule)
			}
			if !slices.Equal(rules, []string{"business[2].works indicator.required.uncovered", "business[11].works indicator.required.uncovered"}) {
				t.Fatalf("violations %v", rules)
			}
			proposedWarnings := 0
			for _, w := range verr.Error.Warnings {
				if w.Rule == workflow.RuleCoversProposed {
					proposedWarnings++
				}
			}
			if proposedWarnings != 30 {
				t.Fatalf("%d proposal warnings, want 30: %+v", proposedWarnings, verr.Error.Warnings)
			}

			// The unit confirms in the editor (its own covers, flag cleared):
			// the document is the valid fixture.
			e.mustDecode("PUT", subPath, "unitA", withVersion(want, got.Version), 200, &got)
			var ok struct{ Warnings []workflow.Violation }
			e.mustDecode("POST", subPath+"/validate", "unitA", nil, 200, &ok)
			if len(ok.Warnings) != 0 {
				t.Fatalf("warnings after confirming: %+v", ok.Warnings)
			}

			// The Excel file in the annexes' layout, sent as a form field,
			// reads the same as the Word file.
			body, ct := multipartFile(t, "file", "附件1-3.xlsx", annexFile(t, "xlsx"))
			status, _, out = e.raw("POST", "/api/v1/plans/2019/units/zs/submission/import?version=0", "unitB", ct, body)
			var zs importedDoc
			if err := json.Unmarshal(out, &zs); err != nil || status != 201 {
				t.Fatalf("xlsx import: %d %s", status, out)
			}
			var fromWord importedDoc
			e.mustDecode("POST", path+itoa(int64(got.Version)), "unitA", annexFile(t, "docx"), 200, &fromWord)
			a, _ := json.Marshal(zs.Document)
			b, _ := json.Marshal(fromWord.Document)
			if string(a) != string(b) {
				t.Fatalf("the Excel and the Word file differ:\n%s\n%s", a, b)
			}
		})
	}
}
