package api_test

import (
	"bytes"
	"mime/multipart"
	"os"
	"testing"
	"time"
)

type monthlyLine struct {
	Unit        string
	Reported    bool
	Count       *int64
	Late        bool
	By          string
	Source      string
	Corrections int
}

type monthlyOverview struct {
	Month       string
	Due         string
	Overdue     bool
	Units       []monthlyLine
	NotReported []string `json:"not_reported"`
}

func (e *env) monthly(month string) monthlyOverview {
	e.t.Helper()
	var o monthlyOverview
	e.mustDecode("GET", "/api/v1/plans/2019/monthly/"+month, "office", nil, 200, &o)
	return o
}

func monthlyFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/monthly/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMonthlyCounts reports every month of the plan on the clock, on time
// and late, corrects one (history kept), lists the office's view with the
// units that have not reported, and refuses bad counts and months.
func TestMonthlyCounts(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			put := func(unit, role, month string, count any) (int, []byte) {
				return e.do("PUT", "/api/v1/plans/2019/units/"+unit+"/monthly/"+month, role, map[string]any{"count": count})
			}
			// June to November, each reported on the due day (on time) except
			// September, reported the day after (late). A due day on a day
			// off ends on the next working day (September's Oct 5: Oct 8).
			for i, m := range e.plan.Months() {
				due := e.plan.MonthDeadline(m).EndsOn
				at := time.Date(due.Year, due.Month, due.Day, 23, 59, 0, 0, shanghai)
				if m.Month == time.September {
					at = at.Add(time.Minute)
				}
				e.clock.Set(at)
				status, out := put("gjz", "unitA", m.String(), 12000+i)
				if status != 200 {
					t.Fatalf("%s: %d %s", m, status, out)
				}
				o := e.monthly(m.String())
				line := o.Units[0]
				if line.Unit != "gjz" || !line.Reported || *line.Count != int64(12000+i) || line.Late != (m.Month == time.September) {
					t.Fatalf("%s: %+v", m, line)
				}
				if len(o.NotReported) != 1 || o.NotReported[0] != "zs" {
					t.Fatalf("%s not reported: %v", m, o.NotReported)
				}
			}
			if n := len(e.plan.Months()); n != 6 {
				t.Fatalf("%d months in the plan", n)
			}

			// A correction replaces the value and keeps the first in history;
			// the month stays on time.
			e.clock.Set(time.Date(2019, 7, 20, 9, 0, 0, 0, shanghai))
			e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "office", map[string]any{"count": 12345}, 200)
			o := e.monthly("2019-06")
			if *o.Units[0].Count != 12345 || o.Units[0].Late || o.Units[0].Corrections != 1 || o.Units[0].By != "admin" {
				t.Fatalf("corrected %+v", o.Units[0])
			}
			var hist []struct {
				Count int64
				By    string
			}
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", nil, 200, &hist)
			if len(hist) != 2 || hist[0].Count != 12000 || hist[1].Count != 12345 {
				t.Fatalf("history %+v", hist)
			}

			// A late first report of zs.
			e.mustDo("PUT", "/api/v1/plans/2019/units/zs/monthly/2019-06", "unitB", map[string]any{"count": 0}, 200)
			o = e.monthly("2019-06")
			if !o.Units[1].Reported || *o.Units[1].Count != 0 || !o.Units[1].Late || len(o.NotReported) != 0 || !o.Overdue {
				t.Fatalf("zs late %+v", o)
			}

			// Bad counts and months change nothing.
			for _, bad := range []any{-1, 1.5, "12", nil, "abc"} {
				status, out := put("gjz", "unitA", "2019-06", bad)
				if status != 422 || decodeError(t, out).Error.Code != "validation_failed" {
					t.Fatalf("count %v: %d %s", bad, status, out)
				}
			}
			for _, m := range []string{"2019-05", "2019-12", "2019-6", "june"} {
				if status, _ := put("gjz", "unitA", m, 1); status != 404 {
					t.Fatalf("month %s: %d", m, status)
				}
			}
			e.clock.Set(time.Date(2019, 10, 31, 23, 0, 0, 0, shanghai))
			if status, _ := put("gjz", "unitA", "2019-11", 1); status != 409 {
				t.Fatalf("a month not begun: %d", status)
			}
			if *e.monthly("2019-06").Units[0].Count != 12345 {
				t.Fatal("a refused report changed the count")
			}
			for role, want := range map[string]int{"unitB": 404, "viewer": 403, "": 401} {
				if status, _ := put("gjz", role, "2019-06", 5); status != want {
					t.Fatalf("PUT as %q: %d, want %d", role, status, want)
				}
			}
			for role, want := range map[string]int{"unitA": 403, "viewer": 200, "": 401} {
				if status, _ := e.do("GET", "/api/v1/plans/2019/monthly/2019-06", role, nil); status != want {
					t.Fatalf("GET as %q: %d, want %d", role, status, want)
				}
			}
		})
	}
}

// TestMonthlyImport imports a month from a CSV (by unit code and name) and
// from an XLSX file, and refuses a file with bad rows without importing any
// of it.
func TestMonthlyImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.clock.Set(time.Date(2019, 8, 3, 9, 0, 0, 0, shanghai))
	imp := func(month, role, file string) (int, []byte) {
		body, ct := multipartFile(t, "file", file, monthlyFixture(t, file))
		status, _, out := e.raw("POST", "/api/v1/plans/2019/monthly/"+month+"/import", role, ct, body)
		return status, out
	}
	// Bad rows: all reported, nothing imported.
	status, out := imp("2019-06", "office", "counts-bad.csv")
	if status != 422 {
		t.Fatalf("bad file: %d %s", status, out)
	}
	paths := map[string]bool{}
	for _, d := range decodeError(t, out).Error.Details {
		paths[d.Path] = true
	}
	for _, p := range []string{"rows[3].unit", "rows[4].count", "rows[5].unit"} {
		if !paths[p] {
			t.Errorf("no violation at %s: %v", p, paths)
		}
	}
	if o := e.monthly("2019-06"); len(o.NotReported) != 2 {
		t.Fatalf("a refused import stored counts: %+v", o)
	}

	for role, want := range map[string]int{"unitA": 403, "viewer": 403, "": 401} {
		if status, _ := imp("2019-06", role, "counts-2019-06.csv"); status != want {
			t.Fatalf("import as %q: %d, want %d", role, status, want)
		}
	}

	e.mustDo("POST", "/api/v1/plans/2019/monthly/2019-06/import", "office", nil, 400)
	status, out = imp("2019-06", "office", "counts-2019-06.csv")
	if status != 200 {
		t.Fatalf("CSV import: %d %s", status, out)
	}
	o := e.monthly("2019-06")
	if len(o.NotReported) != 0 || *o.Units[0].Count != 12034 || *o.Units[1].Count != 8800 || o.Units[1].Source != "import" || !o.Units[0].Late {
		t.Fatalf("after CSV import %+v", o)
	}
	status, out = imp("2019-07", "office", "counts-2019-07.xlsx")
	if status != 200 {
		t.Fatalf("XLSX import: %d %s", status, out)
	}
	o = e.monthly("2019-07")
	if *o.Units[0].Count != 13000 || *o.Units[1].Count != 9100 {
		t.Fatalf("after XLSX import %+v", o)
	}
	// The same file sent as the raw body works too.
	status, _, out = e.raw("POST", "/api/v1/plans/2019/monthly/2019-07/import", "office", "text/csv", monthlyFixture(t, "counts-2019-06.csv"))
	if status != 200 || *e.monthly("2019-07").Units[0].Count != 12034 || e.monthly("2019-07").Units[0].Corrections != 1 {
		t.Fatalf("raw CSV import: %d %s", status, out)
	}
}

// multipartFile is a form with one file part.
func multipartFile(t testing.TB, field, name string, content []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	p, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(content)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}
