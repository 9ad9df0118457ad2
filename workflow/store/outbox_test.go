package store_test

import (
	"fmt"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestOutboxNoticeRows: the facts a notice's messages share are stored
// once per distinct text, however many messages name them and however
// they are batched; a later pass whose messages are all there already
// (the same notice composed again, a new text) leaves no notice row
// behind, and one with some new messages keeps its row for them alone;
// `kaohe check` finds nothing.
func TestOutboxNoticeRows(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		db := open(t, emptyDB(t, backend))
		ctx := t.Context()
		now := time.Date(2019, 6, 12, 2, 0, 0, 0, time.UTC)
		pass := func(composed string, units int) []workflow.OutboxMessage {
			var ms []workflow.OutboxMessage
			for lead := 1; lead <= 2; lead++ {
				for i := range units {
					ms = append(ms, workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: fmt.Sprintf("u%03d", i),
						Deadline: "submission:2019-06-13", Lead: lead, Recipient: fmt.Sprintf("r%d@x.cn", i), Name: "王明",
						Subject: "提醒", Facts: fmt.Sprintf(`{"unit":"u%03d","name":"王明"}`, i),
						NoticeFacts:   fmt.Sprintf(`{"now":%q,"lead":%d}`, composed, lead),
						NextAttemptAt: now, CreatedAt: now})
				}
			}
			return ms
		}
		enqueue := func(ms []workflow.OutboxMessage) int {
			var n int
			if err := db.Update(ctx, func(tx service.Tx) (err error) {
				n, err = tx.EnqueueMessages(ms)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		notices := func() []string { return queryRows(t, db, "SELECT facts FROM outbox_notices ORDER BY id") }

		if n := enqueue(pass("10:00", 130)); n != 260 {
			t.Fatalf("first pass enqueued %d, want 260", n)
		}
		first := notices()
		if len(first) != 2 {
			t.Fatalf("notice rows after the first pass: %q", first)
		}
		if n := enqueue(pass("11:00", 130)); n != 0 {
			t.Fatalf("the same messages again enqueued %d", n)
		}
		if got := notices(); fmt.Sprint(got) != fmt.Sprint(first) {
			t.Errorf("notice rows after a pass that enqueued nothing: %q, want %q", got, first)
		}
		if n := enqueue(pass("12:00", 131)); n != 2 {
			t.Fatalf("a pass with one new unit enqueued %d, want 2", n)
		}
		if got := notices(); len(got) != 4 {
			t.Errorf("notice rows after a pass with new messages: %q, want 4", got)
		}
		var ms []workflow.OutboxMessage
		if err := db.View(ctx, func(tx service.Tx) (err error) {
			ms, err = tx.OutboxMessages(service.OutboxFilter{Unit: "u130"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if want := fmt.Sprintf(`{"now":"12:00","lead":%d}`, m.Lead); m.NoticeFacts != want {
				t.Errorf("%s: notice facts %s, want %s", m.KeyString(), m.NoticeFacts, want)
			}
		}
		if p, err := db.Problems(ctx); err != nil || len(p) != 0 {
			t.Errorf("check: %q %v", p, err)
		}
	})
}
