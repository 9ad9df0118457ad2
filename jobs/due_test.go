package jobs_test

import (
	"strings"
	"testing"
	"time"

	"kaohe/workflow"
)

// TestMessagesStateTheMovedDeadline: a checkpoint or due day on a day off
// ends on the next working day, and every message about it says so, in the
// subject, the text and the HTML: the day it ends on, and the date the plan
// writes beside it.
func TestMessagesStateTheMovedDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		now     time.Time
		kind    workflow.NoticeKind
		key     string
		subject string
		body    []string
	}{
		{"the 1-day reminder of Sunday June 30 goes out on Friday June 28", at(6, 28, 9, 0), workflow.NoticeReminder, "checkpoint:2019-06-30",
			"将于2019年7月1日（星期一）截止",
			[]string{"将于", "2019年7月1日（星期一）", "考核方案规定为6月30日前（遇休息日顺延至7月1日）"}},
		{"the overdue notice of June 30 goes out on Tuesday July 2", at(7, 2, 9, 0), workflow.NoticeOverdue, "checkpoint:2019-06-30",
			"已逾期",
			[]string{"已于", "2019年7月1日（星期一）", "考核方案规定为6月30日前（遇休息日顺延至7月1日）"}},
		{"the office digest of November 30 goes out on Tuesday December 3", at(12, 3, 9, 0), workflow.NoticeDigest, "checkpoint:2019-11-30",
			"逾期",
			[]string{"2019年12月2日（星期一）", "考核方案规定为11月30日前（遇休息日顺延至12月2日）"}},
		{"September's count, due in the National Day holiday, is overdue on October 9", at(10, 9, 9, 0), workflow.NoticeOverdue, "monthly:2019-09",
			"已逾期",
			[]string{"2019年10月8日（星期二）", "考核方案规定为10月5日前（遇休息日顺延至10月8日）"}},
		{"a deadline on a working day states no second date", at(9, 27, 9, 0), workflow.NoticeReminder, "checkpoint:2019-09-30",
			"将于2019年9月30日（星期一）截止",
			[]string{"2019年9月30日（星期一）"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "sqlite", tt.now)
			w.createNodes(
				workflow.NodeRecord{Unit: "gjz", Category: workflow.CategoryBusiness, Indicator: "B1", ItemIndex: 0, Work: "货车司机入会", Due: workflow.MustDate("2019-06-30"), Points: 300},
				workflow.NodeRecord{Unit: "gjz", Category: workflow.CategoryBusiness, Indicator: "B3", ItemIndex: 2, Work: "困难帮扶", Due: workflow.MustDate("2019-09-30"), Points: 300},
				workflow.NodeRecord{Unit: "gjz", Category: workflow.CategoryBusiness, Indicator: "B5", ItemIndex: 4, Work: "网上工会", Due: workflow.MustDate("2019-11-30"), Points: 300},
			)
			ms, err := w.due()
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, m := range ms {
				if m.Kind != tt.kind || m.Deadline != tt.key {
					continue
				}
				found++
				if !strings.Contains(m.Subject, tt.subject) {
					t.Errorf("subject %q lacks %q", m.Subject, tt.subject)
				}
				for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
					for _, want := range tt.body {
						if !strings.Contains(body, want) {
							t.Errorf("%s part lacks %q:\n%s", part, want, body)
						}
					}
					if len(tt.body) == 1 && strings.Contains(body, "顺延") {
						t.Errorf("%s part mentions a move that did not happen:\n%s", part, body)
					}
				}
			}
			if found == 0 {
				t.Fatalf("no %s for %s among %d messages", tt.kind, tt.key, len(ms))
			}
		})
	}
}
