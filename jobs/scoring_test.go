package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
)

// TestScoringFiresOnce: the scoring hook is called when the plan's scoring
// instant (Dec 20 09:00) has come, once: not before, not again on the next
// tick, not again after a restart; a failed call is retried at the next
// tick until it succeeds.
func TestScoringFiresOnce(t *testing.T) {
	w := newWorld(t, "sqlite", at(12, 20, 8, 59))
	ctx := context.Background()
	var calls []string
	fail := true
	score := func(_ context.Context, year int) error {
		calls = append(calls, w.clock.Now().In(shanghai).Format("01-02 15:04"))
		if fail {
			fail = false
			return errors.New("database busy")
		}
		return nil
	}
	run := func() error { return (&jobs.Scoring{Store: w.db, Clock: w.clock, Score: score}).Run(ctx) }
	steps := []struct {
		at      time.Time
		wantErr bool
		calls   int
	}{
		{at(12, 20, 8, 59), false, 0},
		{at(12, 20, 9, 0), true, 1}, // fails: not recorded
		{at(12, 20, 9, 1), false, 2},
		{at(12, 20, 9, 2), false, 2},
		{at(12, 21, 9, 0), false, 2},
	}
	for _, s := range steps {
		w.clock.Set(s.at)
		err := run() // a new Scoring each time, as after a restart
		if (err != nil) != s.wantErr || len(calls) != s.calls {
			t.Fatalf("at %v: err %v, calls %v; want error %v and %d calls", s.at, err, calls, s.wantErr, s.calls)
		}
	}
	if strings.Join(calls, ",") != "12-20 09:00,12-20 09:01" {
		t.Fatalf("calls %v", calls)
	}
}

// recordingImporter keeps the rows it was given.
type recordingImporter struct{ rows []jobs.MonthlyRow }

func (r *recordingImporter) ImportMonthly(_ workflow.Tx, rows []jobs.MonthlyRow, _ time.Time) error {
	r.rows = append(r.rows, rows...)
	return nil
}

// TestMonthlyImport: a good export is imported in one go and moved to
// done/; a bad one imports nothing and lands in failed/ with the reason.
func TestMonthlyImport(t *testing.T) {
	w := newWorld(t, "sqlite", at(7, 2, 9, 0))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "2019-06.csv"), []byte("\ufeffunit,month,count\ngjz,2019-06,1523\nzs, 2019-06, 987\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("unit,month,count\ngjz,2019-06,12\nzs,2019-13,5\n"), 0o644)
	imp := &recordingImporter{}
	m := &jobs.Monthly{Store: w.db, Clock: w.clock, Importer: imp, ImportDir: dir}
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Fatalf("err %v, want the bad file named", err)
	}
	if len(imp.rows) != 2 || imp.rows[0] != (jobs.MonthlyRow{Unit: "gjz", Month: workflow.Month{Year: 2019, Month: 6}, Count: 1523}) || imp.rows[1].Count != 987 {
		t.Fatalf("imported %+v", imp.rows)
	}
	for _, f := range []string{"done/2019-06.csv", "failed/bad.csv", "failed/bad.csv.err"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "failed/bad.csv.err")); !strings.Contains(string(b), "第3行") {
		t.Errorf("reason %q does not name line 3", b)
	}
	if err := m.Run(context.Background()); err != nil || len(imp.rows) != 2 {
		t.Fatalf("second run: %v, %d rows", err, len(imp.rows))
	}
}
