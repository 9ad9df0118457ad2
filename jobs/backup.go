package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// backupPrefix and backupSuffix frame the names of the archives the job
// writes, kaohe-20191220T023000Z.tar.gz; only such files are pruned.
const (
	backupPrefix = "kaohe-"
	backupSuffix = ".tar.gz"
)

// Backup is the daily backup: once the day's time (At, in Location) has
// come, the lease holder claims the day in the database (job mark
// "backup:DATE", so that no other server or later tick writes a second
// one) and writes the archive in the background, so that a long backup
// never holds up the other jobs or the lease. Then it keeps the newest
// Keep archives of Dir and removes the older ones. Write records the
// attempt, failed or not; a day whose backup failed is not retried (the
// office sees the failure and can run kaohe backup).
type Backup struct {
	Service  *service.Service
	Clock    workflow.Clock
	Location *time.Location
	Dir      string
	At       workflow.ClockTime
	// Keep is how many archives stay (at least 1).
	Keep int
	// Write writes the archive file and records the attempt.
	Write func(ctx context.Context, file string) error
	Log   *slog.Logger

	wg sync.WaitGroup
}

// Run starts today's backup if it is due and not claimed yet.
func (b *Backup) Run(ctx context.Context) error {
	loc := b.Location
	if loc == nil {
		loc = time.UTC
	}
	now := b.Clock.Now().In(loc)
	day := workflow.DateOf(now)
	if now.Before(day.At(b.At, loc)) {
		return nil
	}
	mark := "backup:" + day.String()
	err := b.Service.MarkDone(ctx, service.SystemActor, mark)
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		return nil // today's backup is written or being written
	}
	if err != nil {
		return err
	}
	file := filepath.Join(b.Dir, backupPrefix+now.UTC().Format("20060102T150405Z")+backupSuffix)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		if err := os.MkdirAll(b.Dir, 0o750); err != nil {
			b.log().Error("backup directory", "dir", b.Dir, "err", err)
		}
		if err := b.Write(ctx, file); err != nil {
			return // Write recorded and logged the failure; old archives stay
		}
		if err := b.prune(); err != nil {
			b.log().Error("pruning backups", "dir", b.Dir, "err", err)
		}
	}()
	return nil
}

// Wait waits for a backup in progress to finish (tests, shutdown).
func (b *Backup) Wait() { b.wg.Wait() }

func (b *Backup) log() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}

// prune removes the job's archives beyond the newest Keep. The names sort
// by time.
func (b *Backup) prune() error {
	entries, err := os.ReadDir(b.Dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			names = append(names, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	keep := max(b.Keep, 1)
	for _, n := range names[min(keep, len(names)):] {
		if err := os.Remove(filepath.Join(b.Dir, n)); err != nil {
			return fmt.Errorf("remove %s: %w", n, err)
		}
		b.log().Info("old backup removed", "file", n)
	}
	return nil
}
