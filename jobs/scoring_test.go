package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestScoringFiresOnce: the year-end scoring runs when the plan's scoring
// instant (Dec 20 09:00) has come, once: not before, not again on the
// next tick, not again after a restart (a new Scoring each time), nor from
// a second server.
func TestScoringFiresOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "sqlite", at(6, 3, 10, 0))
	w.execute("gjz")
	other := w.another()
	ctx := context.Background()
	steps := []struct {
		at   time.Time
		runs int
	}{
		{at(12, 20, 8, 59), 0},
		{at(12, 20, 9, 0), 1},
		{at(12, 20, 9, 1), 1},
		{at(12, 21, 9, 0), 1},
	}
	for _, s := range steps {
		w.clock.Set(s.at)
		for _, svc := range []*service.Service{w.svc, other.Service} {
			if err := (&jobs.Scoring{Service: svc, Log: quiet}).Run(ctx); err != nil {
				t.Fatalf("at %v: %v", s.at, err)
			}
		}
		runs, err := w.svc.ScoringRuns(ctx, service.SystemActor, 2019)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != s.runs {
			t.Fatalf("at %v: %d runs, want %d", s.at, len(runs), s.runs)
		}
		if len(runs) == 1 && (!runs[0].CreatedAt.Equal(at(12, 20, 9, 0)) || runs[0].CreatedBy != "system") {
			t.Fatalf("run %+v, want by the system on Dec 20 at 09:00", runs[0])
		}
	}
}

// TestMonthlyImport: a good export is imported in one go and moved to
// done/; a bad one imports nothing and lands in failed/ with the reason.
func TestMonthlyImport(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "sqlite", at(7, 2, 9, 0))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "2019-06.csv"), []byte("\ufeffunit,month,count\ngjz,2019-06,1523\nzs, 2019-06, 987\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("unit,month,count\nxg,2019-06,12\nzs,2019-13,5\n"), 0o644)
	m := &jobs.Monthly{Service: w.svc, ImportDir: dir, Log: quiet}
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Fatalf("err %v, want the bad file named", err)
	}
	counts := func() map[string]int64 {
		ov, err := w.svc.Monthly(context.Background(), service.SystemActor, 2019, "2019-06")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, l := range ov.Units {
			if l.Reported {
				out[l.Unit] = *l.Count
				if l.Source != workflow.SourceImport {
					t.Errorf("%s: source %q, want the import", l.Unit, l.Source)
				}
			}
		}
		return out
	}
	if got := counts(); len(got) != 2 || got["gjz"] != 1523 || got["zs"] != 987 {
		t.Fatalf("June counts %v, want gjz 1523 and zs 987 only", got)
	}
	for _, f := range []string{"done/2019-06.csv", "failed/bad.csv", "failed/bad.csv.err"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "failed/bad.csv.err")); !strings.Contains(string(b), "第3行") {
		t.Errorf("reason %q does not name line 3", b)
	}
	if err := m.Run(context.Background()); err != nil || len(counts()) != 2 {
		t.Fatalf("second run: %v, %v", err, counts())
	}
}

// execute drafts, submits, certifies and releases unit's tables at the
// clock's time.
func (w *world) execute(unit string) {
	w.t.Helper()
	ctx := context.Background()
	w.draft(unit)
	w.submit(unit)
	if _, err := w.svc.Certify(ctx, officeActor, 2019, unit, service.CertifyRequest{}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.Release(ctx, officeActor, 2019); err != nil {
		w.t.Fatal(err)
	}
}

// TestJobsLeaveOtherYearsAlone: the jobs act only on a plan whose year is
// running and has work. A server first started in 2025 with only the 2019
// plan stores no scoring run, no monthly summary and no mail; and at the
// 2019 scoring time a year with no table in execution is not scored.
func TestJobsLeaveOtherYearsAlone(t *testing.T) {
	ctx := context.Background()
	t.Run("a year long gone", func(t *testing.T) {
		w := newWorld(t, "sqlite", time.Date(2025, 3, 3, 9, 0, 0, 0, shanghai))
		if err := (&jobs.Scoring{Service: w.svc, Log: quiet}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		if err := (&jobs.Monthly{Service: w.svc, Log: quiet}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := w.reminders().Run(ctx)
		if err != nil || n != 0 {
			t.Fatalf("%d messages (%v)", n, err)
		}
		runs, _ := w.svc.ScoringRuns(ctx, service.SystemActor, 2019)
		var sums []workflow.MonthlySummary
		if err := w.db.Update(ctx, func(tx service.Tx) (err error) { sums, err = tx.MonthlySummaries(2019); return err }); err != nil {
			t.Fatal(err)
		}
		if len(runs) != 0 || len(sums) != 0 {
			t.Fatalf("%d runs and %d summaries for 2019 in 2025", len(runs), len(sums))
		}
	})
	t.Run("a year without tables in execution", func(t *testing.T) {
		w := newWorld(t, "sqlite", at(6, 3, 10, 0))
		w.draft("gjz")
		w.submit("gjz")
		w.clock.Set(at(12, 20, 9, 0))
		if err := (&jobs.Scoring{Service: w.svc, Log: quiet}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		if runs, _ := w.svc.ScoringRuns(ctx, service.SystemActor, 2019); len(runs) != 0 {
			t.Fatalf("%d runs of a year whose tables never executed", len(runs))
		}
		// Monthly summaries of the running year are still stored.
		var sums []workflow.MonthlySummary
		if err := (&jobs.Monthly{Service: w.svc, Log: quiet}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.db.Update(ctx, func(tx service.Tx) (err error) { sums, err = tx.MonthlySummaries(2019); return err }); err != nil {
			t.Fatal(err)
		}
		if len(sums) != 6 {
			t.Fatalf("%d summaries in the running year, want 6", len(sums))
		}
	})
}
