package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"kaohe/internal/backup"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/evidence"
)

// runBackup is `kaohe backup --to FILE`: it writes one archive of the
// database, the evidence files and the plan files while servers keep
// serving, and records it for the office's status page.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("backup", flag.ContinueOnError)
	fset.SetOutput(stderr)
	to := fset.String("to", "", "archive to write: FILE.tar, or FILE.tar.gz to compress")
	configPath := fset.String("config", "", "YAML configuration file")
	data := fset.String("data", "", "data directory")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("usage: kaohe backup --to FILE.tar.gz [--data DIR] [--config FILE]")
	}
	m, err := openCommandUnmigrated(ctx, getenv, stdout, stderr, *configPath, *data)
	if err != nil {
		return err
	}
	defer m.Close()
	rec, err := m.writeBackup(ctx, *to, workflow.BackupManual)
	if rec != nil && rec.Size > 0 {
		fmt.Fprintf(stdout, "wrote %s: %d bytes, schema version %d, SHA-256 %s\n", *to, rec.Size, rec.SchemaVersion, rec.SHA256)
	}
	return err
}

// writeBackup writes the archive file and records the attempt, failed or
// not, in the database. The record is returned with the archive's error.
func (m *Main) writeBackup(ctx context.Context, file, trigger string) (*workflow.BackupRecord, error) {
	start := m.Clock.Now()
	rec := &workflow.BackupRecord{StartedAt: start, Trigger: trigger, File: file}
	if abs, err := filepath.Abs(file); err == nil {
		rec.File = abs
	}
	files, err := evidence.Open(filepath.Join(m.Config.Data, "evidence"))
	var res *backup.Result
	if err == nil {
		res, err = backup.WriteFile(ctx, file, backup.Source{Store: m.Store, Files: evidenceFiles{files}, PlansDir: m.Config.PlansDir,
			Kaohe: version, Now: start})
	}
	rec.FinishedAt = m.Clock.Now()
	if res != nil {
		rec.Size, rec.SHA256, rec.SchemaVersion = res.Size, res.SHA256, res.Manifest.SchemaVersion
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if rerr := m.Store.RecordBackup(context.WithoutCancel(ctx), rec); rerr != nil {
		m.Log.Warn("the backup could not be recorded (run kaohe migrate?)", "err", rerr)
	}
	if err != nil {
		m.Log.Error("backup failed", "file", file, "err", err)
	} else {
		m.Log.Info("backup written", "file", rec.File, "bytes", rec.Size, "schema_version", rec.SchemaVersion)
	}
	return rec, err
}

// evidenceFiles gives the evidence directory the context-taking methods
// that backup, restore and check use.
type evidenceFiles struct{ *evidence.Dir }

// Open opens the stored file with the hash.
func (e evidenceFiles) Open(_ context.Context, sha256 string) (io.ReadSeekCloser, error) {
	return e.Dir.Open(sha256)
}

// maxRestoredFile bounds one restored evidence file (far above any upload
// limit; the archive's hashes were checked already).
const maxRestoredFile = 1 << 40

// Put stages r and keeps it if its content has the hash sha256.
func (e evidenceFiles) Put(_ context.Context, sha256 string, r io.Reader) error {
	f, err := e.Dir.Stage(r, maxRestoredFile)
	if err != nil {
		return fmt.Errorf("evidence file %s: %w", sha256, err)
	}
	if f.SHA256 != sha256 {
		e.Dir.Discard(f)
		return fmt.Errorf("evidence file %s: its content hashes to %s", sha256, f.SHA256)
	}
	return e.Dir.Keep(f)
}

// backupsScheduled reports whether the daily backup job runs.
func (m *Main) backupsScheduled() bool {
	return m.Config.Backups.Dir != "" && m.Config.Jobs.Enabled
}

// backupStatus is what the office sees of backups (the API, the digest).
func (m *Main) backupStatus(ctx context.Context) (workflow.BackupStatus, error) {
	last, good, err := m.Store.LastBackups(ctx)
	if err != nil {
		return workflow.BackupStatus{}, err
	}
	return workflow.NewBackupStatus(last, good, m.backupsScheduled(), m.Clock.Now()), nil
}

// backupJob is the daily backup of backups.dir, or nil when none is
// configured.
func (m *Main) backupJob(loc *time.Location) (*jobs.Backup, error) {
	cfg := m.Config.Backups
	if cfg.Dir == "" {
		return nil, nil
	}
	at, err := workflow.ParseClockTime(cfg.At)
	if err != nil {
		return nil, fmt.Errorf("backups.at: %w", err)
	}
	return &jobs.Backup{Store: m.Store, Clock: m.Clock, Location: loc, Dir: cfg.Dir, At: at, Keep: cfg.Keep, Log: m.Log,
		Write: func(ctx context.Context, file string) error {
			_, err := m.writeBackup(ctx, file, workflow.BackupScheduled)
			return err
		}}, nil
}
