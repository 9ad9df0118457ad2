package workflow

import (
	"fmt"
	"strings"
	"time"
)

// Backup triggers: who wrote a backup.
const (
	BackupScheduled = "scheduled" // the daily job
	BackupManual    = "manual"    // kaohe backup
)

// BackupMaxAge is how old the last good backup may be, when backups are
// scheduled, before it counts as missing (a daily job that failed or did
// not run twice in a row).
const BackupMaxAge = 48 * time.Hour

// BackupRecord is one backup written, or attempted, by the scheduled job
// or by `kaohe backup`.
type BackupRecord struct {
	ID         int64     `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Trigger is BackupScheduled or BackupManual.
	Trigger string `json:"trigger"`
	// File is the archive's path on the server that wrote it.
	File string `json:"file"`
	// Size and SHA256 describe the archive (0 and "" when it failed).
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	SchemaVersion int64  `json:"schema_version"`
	// Error is why the backup failed; "" when it succeeded.
	Error string `json:"error,omitempty"`
}

// Failed reports whether the backup failed.
func (r *BackupRecord) Failed() bool { return r.Error != "" }

// BackupStatus is what the office sees of backups. Its zero value is "no
// backup ever, none scheduled, nothing wrong".
type BackupStatus struct {
	// Scheduled is whether the daily backup job is configured.
	Scheduled bool `json:"scheduled"`
	// Last is the latest backup attempted, LastGood the latest that
	// succeeded (nil when there is none).
	Last     *BackupRecord `json:"last"`
	LastGood *BackupRecord `json:"last_good"`
	// AgeSeconds is how long ago LastGood finished (nil without one).
	AgeSeconds *int64 `json:"age_seconds"`
	// Problems name, in Chinese, a failed last backup and a missing one.
	// Empty when all is well.
	Problems []string `json:"problems"`
}

// NewBackupStatus works out the status at now from the last backup and the
// last good one: the last one failing is a problem, and so is, when
// backups are scheduled, no good backup within BackupMaxAge.
func NewBackupStatus(last, lastGood *BackupRecord, scheduled bool, now time.Time) BackupStatus {
	s := BackupStatus{Scheduled: scheduled, Last: last, LastGood: lastGood, Problems: []string{}}
	if last != nil && last.Failed() {
		s.Problems = append(s.Problems, fmt.Sprintf("最近一次备份（%s）失败：%s",
			last.StartedAt.UTC().Format("2006-01-02 15:04 UTC"), firstLine(last.Error)))
	}
	if lastGood != nil {
		age := int64(now.Sub(lastGood.FinishedAt) / time.Second)
		s.AgeSeconds = &age
	}
	if scheduled && (lastGood == nil || now.Sub(lastGood.FinishedAt) > BackupMaxAge) {
		s.Problems = append(s.Problems, "最近两天没有成功的备份")
	}
	return s
}

// firstLine is the first line of s, at most 200 characters.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
