package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// archiver stands in for the archive writer: it writes a small file where
// it is told, or fails while broken is set.
type archiver struct {
	mu     sync.Mutex
	calls  []string
	broken bool
}

func (a *archiver) write(_ context.Context, file string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, filepath.Base(file))
	if a.broken {
		return errors.New("disk full")
	}
	return os.WriteFile(file, []byte("archive"), 0o640)
}

func archives(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestDailyBackup walks days on the clock: the backup is written once a
// day at its time (plan zone), by one server only, the newest Keep
// archives stay, and a day whose backup failed keeps the older archives
// and is not retried.
func TestDailyBackup(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, backend, at(6, 1, 2, 0))
			dir := filepath.Join(t.TempDir(), "backups")
			a := &archiver{}
			job := func() *jobs.Backup {
				return &jobs.Backup{Service: w.svc, Clock: w.clock, Location: shanghai, Dir: dir,
					At: workflow.ClockTime{Hour: 2, Minute: 30}, Keep: 3, Write: a.write, Log: quiet}
			}
			one, other := job(), job()
			run := func(b *jobs.Backup) {
				t.Helper()
				if err := b.Run(ctx); err != nil {
					t.Fatal(err)
				}
				b.Wait()
			}

			run(one) // 02:00: not yet
			if len(a.calls) != 0 {
				t.Fatalf("backed up before its time: %v", a.calls)
			}
			w.clock.Set(at(6, 1, 2, 30))
			run(one)
			w.clock.Set(at(6, 1, 2, 31))
			run(one)
			run(other) // a second server, same day
			w.clock.Set(at(6, 1, 23, 0))
			run(other)
			if want := []string{"kaohe-20190531T183000Z.tar.gz"}; !slices.Equal(a.calls, want) {
				t.Fatalf("June 1: backups %v, want %v (once, named in UTC)", a.calls, want)
			}

			for day := 2; day <= 5; day++ {
				w.clock.Set(at(6, day, 9, 0)) // a server that was down at 02:30 catches up
				run(one)
			}
			got := archives(t, dir)
			if want := []string{"kaohe-20190603T010000Z.tar.gz", "kaohe-20190604T010000Z.tar.gz", "kaohe-20190605T010000Z.tar.gz"}; !slices.Equal(got, want) {
				t.Fatalf("after June 5 the directory holds %v, want the newest 3 %v", got, want)
			}

			a.broken = true
			w.clock.Set(at(6, 6, 2, 30))
			run(one)
			w.clock.Set(at(6, 6, 12, 0))
			run(one)
			if n := len(a.calls); n != 6 {
				t.Fatalf("%d attempts after a failed day, want 6 (no retry the same day)", n)
			}
			if got := archives(t, dir); len(got) != 3 || strings.Contains(strings.Join(got, ","), "20190605T183000Z") {
				t.Fatalf("after the failure the directory holds %v", got)
			}
		})
	}
}

// TestDigestNamesBackupProblems: the office digest carries a line naming a
// failed or missing backup, and none when backups are fine.
func TestDigestNamesBackupProblems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testConfig(t, "sqlite")
	cfg.Backups.Dir, cfg.Jobs.Enabled = t.TempDir(), true // scheduled: a day without a backup is a problem
	w := newWorldWith(t, cfg, at(6, 14, 12, 0))
	digests := func() []workflow.OutboxMessage {
		t.Helper()
		ms, err := w.due()
		if err != nil {
			t.Fatal(err)
		}
		var out []workflow.OutboxMessage
		for _, m := range ms {
			if m.Kind == workflow.NoticeDigest {
				out = append(out, m)
			}
		}
		if len(out) != len(w.office) {
			t.Fatalf("%d digests, want %d", len(out), len(w.office))
		}
		return out
	}
	for _, m := range digests() {
		if !strings.Contains(m.Text, "数据备份：最近两天没有成功的备份") || !strings.Contains(m.HTML, "最近两天没有成功的备份") {
			t.Errorf("digest to %s does not name the missing backup:\n%s", m.Recipient, m.Text)
		}
	}
	now := w.clock.Now()
	good := &workflow.BackupRecord{StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-time.Hour), Trigger: workflow.BackupScheduled}
	if err := w.svc.RecordBackup(ctx, service.SystemActor, good); err != nil {
		t.Fatal(err)
	}
	for _, m := range digests() {
		if strings.Contains(m.Text, "数据备份") || strings.Contains(m.HTML, "数据备份") {
			t.Errorf("digest mentions backups while they are fine:\n%s", m.Text)
		}
	}
}
