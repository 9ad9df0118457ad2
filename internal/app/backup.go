package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"kaohe/internal/backup"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// WriteBackup writes one archive of the database, the evidence files and
// the plan files to file while the server keeps serving, and records the
// attempt, failed or not, for the office. The record is returned with the
// archive's error.
func (a *App) WriteBackup(ctx context.Context, file, trigger string) (*workflow.BackupRecord, error) {
	start := a.Clock.Now()
	rec := &workflow.BackupRecord{StartedAt: start, Trigger: trigger, File: file}
	if abs, err := filepath.Abs(file); err == nil {
		rec.File = abs
	}
	res, err := backup.WriteFile(ctx, file, backup.Source{Store: a.Store, Files: EvidenceFiles{a.Files}, PlansDir: a.Config.PlansDir,
		Kaohe: cmp.Or(a.Version, "dev"), Now: start})
	rec.FinishedAt = a.Clock.Now()
	if res != nil {
		rec.Size, rec.SHA256, rec.SchemaVersion = res.Size, res.SHA256, res.Manifest.SchemaVersion
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if rerr := a.Service.RecordBackup(context.WithoutCancel(ctx), service.SystemActor, rec); rerr != nil {
		a.Log.Warn("the backup could not be recorded (run kaohe migrate?)", "err", rerr)
	}
	if err != nil {
		a.Log.Error("backup failed", "file", file, "err", err)
	} else {
		a.Log.Info("backup written", "file", rec.File, "bytes", rec.Size, "schema_version", rec.SchemaVersion)
	}
	return rec, err
}

// EvidenceFiles is the evidence store as backup, restore and check use it:
// reading and listing files, and putting one back by its hash.
type EvidenceFiles struct{ service.FileStore }

// maxRestoredFile bounds one restored evidence file (far above any upload
// limit; the archive's hashes were checked already).
const maxRestoredFile = 1 << 40

// Put stages r and keeps it if its content has the hash sha256.
func (e EvidenceFiles) Put(ctx context.Context, sha256 string, r io.Reader) error {
	f, err := e.Stage(r, maxRestoredFile)
	if err != nil {
		return fmt.Errorf("evidence file %s: %w", sha256, err)
	}
	if f.SHA256 != sha256 {
		e.Discard(f)
		return fmt.Errorf("evidence file %s: its content hashes to %s", sha256, f.SHA256)
	}
	return e.Keep(ctx, f)
}

// backupsScheduled reports whether the daily backup job runs.
func (a *App) backupsScheduled() bool {
	return a.Config.Backups.Dir != "" && a.Config.Jobs.Enabled
}

// backupJob is the daily backup of backups.dir, or nil when none is
// configured.
func (a *App) backupJob(loc *time.Location) (*jobs.Backup, error) {
	cfg := a.Config.Backups
	if cfg.Dir == "" {
		return nil, nil
	}
	at, err := workflow.ParseClockTime(cfg.At)
	if err != nil {
		return nil, fmt.Errorf("backups.at: %w", err)
	}
	return &jobs.Backup{Service: a.Service, Clock: a.Clock, Location: loc, Dir: cfg.Dir, At: at, Keep: cfg.Keep, Log: a.Log,
		Write: func(ctx context.Context, file string) error {
			_, err := a.WriteBackup(ctx, file, workflow.BackupScheduled)
			return err
		}}, nil
}
