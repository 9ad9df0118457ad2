package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// childEnv makes the test binary run a dispatcher instead of the tests
// (see TestMain): the crash test starts it as a separate process, so that
// it can be killed with SIGKILL, not just cancelled.
const childEnv = "KAOHE_JOBS_TEST_CHILD"

// runChild dispatches the outbox of the SQLite store in $KAOHE_CHILD_DIR to
// the SMTP server at $KAOHE_CHILD_SMTP until nothing is pending, on the
// real clock, with 1-second claims so that a killed predecessor's claim
// runs out quickly.
func runChild() int {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: os.Getenv("KAOHE_CHILD_DIR")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	m := &jobs.SMTPMailer{Addr: os.Getenv("KAOHE_CHILD_SMTP"), Timeout: 5 * time.Second}
	d := &jobs.Dispatcher{Store: db, Clock: workflow.SystemClock{}, Mailer: m, From: "kaohe@x.cn",
		ClaimTTL: time.Second, Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	for {
		if _, err := d.RunOnce(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var c map[workflow.OutboxState]int
		if err := db.Update(ctx, func(tx service.Tx) (err error) { c, err = tx.CountMessages(); return err }); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if c[workflow.OutboxPending] == 0 {
			m.Close()
			return 0
		}
		time.Sleep(100 * time.Millisecond) // wait for a dead dispatcher's claims to run out
	}
}

// TestCrashMidDispatch enqueues 1,000 messages, starts a dispatcher process
// and kills it (SIGKILL) three times while it sends, after about 250, 500
// and 750 messages reached the SMTP server, restarting it each time. No
// message may be lost; a duplicate is possible only for a message the
// server accepted in the instant before a kill, before it was marked sent,
// so at most one per kill. The counts are logged (go test -v).
func TestCrashMidDispatch(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	db := openStore(t, "sqlite", dir)
	now := time.Now()
	var ms []workflow.OutboxMessage
	for i := range 1000 {
		ms = append(ms, workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: fmt.Sprintf("u%04d", i), Deadline: "submission:2019-06-13",
			Lead: 1, Recipient: fmt.Sprintf("r%04d@x.cn", i), Name: "联系人", Subject: "【考核提醒】测试", Text: "正文", HTML: "<p>正文</p>",
			NextAttemptAt: now, CreatedAt: now})
	}
	if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
		t.Fatal(err)
	}
	srv := startSMTP(t, "127.0.0.1:0")
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", "KAOHE_CHILD_DIR="+dir, "KAOHE_CHILD_SMTP="+srv.addr)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kills := 0
	for _, killAt := range []int{250, 500, 750} {
		cmd := start()
		deadline := time.Now().Add(60 * time.Second)
		for len(srv.messages()) < killAt {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("only %d messages after a minute", len(srv.messages()))
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		kills++
		t.Logf("killed the dispatcher after %d messages reached the server", len(srv.messages()))
	}
	cmd := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last dispatcher: %v", err)
	}

	seen := map[string]int{}
	for _, r := range srv.messages() {
		seen[parseMail(t, r.Data).Key]++
	}
	lost, dups := 0, 0
	for _, m := range ms {
		switch n := seen[m.KeyString()]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("1000 messages, %d kills: %d received, %d lost, %d duplicates", kills, len(srv.messages()), lost, dups)
	if lost > 0 {
		t.Errorf("%d messages lost", lost)
	}
	if dups > kills {
		t.Errorf("%d duplicates after %d kills; at most one per kill (the message in flight)", dups, kills)
	}
	if c := outboxCounts(t, db); c[workflow.OutboxSent] != 1000 {
		t.Errorf("outbox %v, want 1000 sent", c)
	}
}
