package service

import (
	"context"
	"time"

	"kaohe/workflow"
)

// BackupStatus is what the office sees of backups: the last one, the last
// good one, its age and what is wrong (a failed backup, or none within two
// days while the daily job runs). Office and the system only.
func (s *Service) BackupStatus(ctx context.Context, a Actor) (workflow.BackupStatus, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return workflow.BackupStatus{}, err
	}
	var out workflow.BackupStatus
	err := s.view(ctx, func(tx Tx, now time.Time) (err error) {
		out, err = s.backupStatus(tx, now)
		return err
	})
	return out, err
}

func (s *Service) backupStatus(tx Tx, now time.Time) (workflow.BackupStatus, error) {
	last, good, err := tx.LastBackups()
	if err != nil {
		return workflow.BackupStatus{}, err
	}
	return workflow.NewBackupStatus(last, good, s.opt.BackupsScheduled, now), nil
}

// RecordBackup stores one backup attempted, failed or not (the system
// only: the daily job and `kaohe backup`).
func (s *Service) RecordBackup(ctx context.Context, a Actor, r *workflow.BackupRecord) error {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ time.Time) error { return tx.AddBackup(r) })
}

// MarkDone records that the once-only job run name was done (the system
// only), so that no other server and no later tick does it again:
// ECONFLICT when it already was.
func (s *Service) MarkDone(ctx context.Context, a Actor, name string) error {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, now time.Time) error { return tx.MarkJobDone(name, now) })
}
