package store

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
)

// backupRow is one backup attempted (migration 00002_backups).
type backupRow struct {
	ID            int64     `gorm:"primaryKey"`
	StartedAt     time.Time `gorm:"not null;precision:6;index:backups_started"`
	FinishedAt    time.Time `gorm:"not null;precision:6"`
	Trigger       string    `gorm:"column:kind;size:16;not null"`
	File          string    `gorm:"size:1000;not null"`
	Size          int64     `gorm:"not null"`
	SHA256        string    `gorm:"column:sha256;size:64;not null"`
	SchemaVersion int64     `gorm:"not null"`
	Error         string    `gorm:"type:longtext;not null"`
}

// TableName is the table of backupRow.
func (backupRow) TableName() string { return "backups" }

func (r backupRow) record() *workflow.BackupRecord {
	return &workflow.BackupRecord{ID: r.ID, StartedAt: r.StartedAt.UTC(), FinishedAt: r.FinishedAt.UTC(), Trigger: r.Trigger,
		File: r.File, Size: r.Size, SHA256: r.SHA256, SchemaVersion: r.SchemaVersion, Error: r.Error}
}

// AddBackup stores r, sets r.ID and normalises its times.
func (t *tx) AddBackup(r *workflow.BackupRecord) error {
	row := backupRow{StartedAt: utc(r.StartedAt), FinishedAt: utc(r.FinishedAt), Trigger: r.Trigger, File: r.File,
		Size: r.Size, SHA256: r.SHA256, SchemaVersion: r.SchemaVersion, Error: r.Error}
	if err := t.db.Create(&row).Error; err != nil {
		return internal(err, "record backup")
	}
	r.ID, r.StartedAt, r.FinishedAt = row.ID, row.StartedAt, row.FinishedAt
	return nil
}

// LastBackups returns the latest backup attempted and the latest that
// succeeded; either is nil when there is none.
func (t *tx) LastBackups() (last, good *workflow.BackupRecord, err error) {
	take := func(q *gorm.DB) (*workflow.BackupRecord, error) {
		var r backupRow
		err := q.Order("started_at DESC, id DESC").Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, internal(err, "last backups")
		}
		return r.record(), nil
	}
	g := t.db.Model(&backupRow{})
	if last, err = take(g.Session(&gorm.Session{})); err != nil {
		return nil, nil, err
	}
	if good, err = take(g.Session(&gorm.Session{}).Where("error = ''")); err != nil {
		return nil, nil, err
	}
	return last, good, nil
}
