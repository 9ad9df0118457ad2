package workflow_test

import (
	"slices"
	"testing"
	"time"

	"kaohe/workflow"
)

func TestBackupStatus(t *testing.T) {
	now := time.Date(2019, 12, 20, 2, 0, 0, 0, time.UTC)
	good := &workflow.BackupRecord{ID: 1, StartedAt: now.Add(-25 * time.Hour), FinishedAt: now.Add(-24 * time.Hour)}
	old := &workflow.BackupRecord{ID: 1, StartedAt: now.Add(-73 * time.Hour), FinishedAt: now.Add(-72 * time.Hour)}
	failed := &workflow.BackupRecord{ID: 2, StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-time.Hour), Error: "disk full\nmore detail"}
	tests := []struct {
		name           string
		last, lastGood *workflow.BackupRecord
		scheduled      bool
		problems       []string
		age            int64 // -1: none
	}{
		{"nothing scheduled and nothing written is fine", nil, nil, false, []string{}, -1},
		{"scheduled and never written is missing", nil, nil, true, []string{"最近两天没有成功的备份"}, -1},
		{"a good backup a day old is fine", good, good, true, []string{}, 24 * 3600},
		{"a good backup three days old is missing when scheduled", old, old, true, []string{"最近两天没有成功的备份"}, 72 * 3600},
		{"an old manual backup is fine when nothing is scheduled", old, old, false, []string{}, 72 * 3600},
		{"a failed last backup is named with its first line", failed, good, true, []string{"最近一次备份（2019-12-20 01:00 UTC）失败：disk full"}, 24 * 3600},
		{"failed and missing are both named", failed, old, true, []string{"最近一次备份（2019-12-20 01:00 UTC）失败：disk full", "最近两天没有成功的备份"}, 72 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := workflow.NewBackupStatus(tt.last, tt.lastGood, tt.scheduled, now)
			if !slices.Equal(s.Problems, tt.problems) {
				t.Errorf("problems %q, want %q", s.Problems, tt.problems)
			}
			if (s.AgeSeconds == nil) != (tt.age < 0) || s.AgeSeconds != nil && *s.AgeSeconds != tt.age {
				t.Errorf("age %v, want %d", s.AgeSeconds, tt.age)
			}
		})
	}
}
