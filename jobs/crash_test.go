package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"kaohe/internal/testdb"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// childEnv makes the test binary run a dispatcher instead of the tests
// (see TestMain): the crash test starts it as a separate process, so that
// it can be killed with SIGKILL, not just cancelled.
const childEnv = "KAOHE_JOBS_TEST_CHILD"

// crashConnections is the child dispatcher's pool of SMTP connections.
const crashConnections = 4

// crashClaim is the child dispatcher's ClaimTTL.
const crashClaim = time.Minute

// runChild dispatches the outbox of the store at $KAOHE_CHILD_DSN (MariaDB)
// or in $KAOHE_CHILD_DIR (SQLite) to the SMTP server at $KAOHE_CHILD_SMTP
// until nothing is pending, with a window of $KAOHE_CHILD_WINDOW and
// crashConnections connections. Its clock runs $KAOHE_CHILD_EPOCH claims
// ahead of the real one, each process one claim ahead of its predecessor,
// as if it started once the killed one's claims had run out. Its claims
// are long because a send must end a quarter of its claim before the claim
// does, here at least 15 s after it starts: on a loaded machine the test's
// server once took over 5 s to answer, and a reply that never comes is a
// duplicate of its own kind (see TestCrashMidDispatch), which this test
// must not mistake for a crash's.
func runChild() int {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: os.Getenv("KAOHE_CHILD_DSN"), DataDir: os.Getenv("KAOHE_CHILD_DIR")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	window, _ := strconv.Atoi(os.Getenv("KAOHE_CHILD_WINDOW"))
	epoch, _ := strconv.Atoi(os.Getenv("KAOHE_CHILD_EPOCH"))
	clock := workflow.NewOffsetClock(time.Now().Add(time.Duration(epoch)*crashClaim), workflow.SystemClock{})
	m := &jobs.SMTPMailer{Addr: os.Getenv("KAOHE_CHILD_SMTP"), Timeout: time.Minute}
	d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: "kaohe@x.cn", BaseDelay: 100 * time.Millisecond,
		ClaimTTL: crashClaim, Window: window, Connections: crashConnections, Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
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
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCrashMidDispatch enqueues 1,000 messages and starts a dispatcher
// process (4 SMTP connections, window 1 or 32, on SQLite with one group
// commit at a time and on MariaDB with four) three times, killing it with
// SIGKILL at a random point: after a random number (1–300) of messages of
// its own reached the SMTP server, plus a random 0–2 ms. A fourth process
// finishes the outbox. The seed is logged; KAOHE_CRASH_SEED replays it.
//
// # What the counts are
//
// The server keeps every message whose end of data (the "." line) it read,
// before it answers 250: that is a receipt. After each kill the test waits
// until the server has closed every session of the dead process, so that
// all it had handed over is in, and reads the outbox. A receipt of a
// message that the outbox does not mark sent is "unrecorded": the server
// has it, the database does not know, and a later process sends it again.
// The dispatcher takes one of its window's slots before handing a message
// over and frees it only after "sent" is committed, so each kill leaves at
// most window unrecorded receipts. Nothing else sends a message twice: a
// process never claims a message it holds, and holds a message only while
// no other process runs. Hence, exactly:
//
//	received   = 1000 + duplicates
//	duplicates = the sum over the kills of the unrecorded receipts, each ≤ window
//	lost       = 0, and the outbox marks all 1000 sent.
//
// With window 1 a kill leaves one unrecorded receipt if it lands between
// the server reading a message's end and the commit of its "sent", else
// none. With window 32 and 4 connections it leaves the messages of the
// slots held at that instant whose data had reached the server: usually a
// few to 32, depending on whether a group commit was under way.
//
// One more kind of duplicate exists outside crashes, and the test rules it
// out rather than count it: a reply that does not come in time after the
// data was handed over (RFC 1047). The dispatcher then records a failed
// attempt and sends again later, though the server may have the message.
// The child waits a minute for every reply, and the test fails, saying so,
// if any message needed more than one attempt.
func TestCrashMidDispatch(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, backend := range []string{"sqlite", "mariadb"} {
		for _, window := range []int{1, 32} {
			t.Run(fmt.Sprintf("%s/window=%d", backend, window), func(t *testing.T) { crashMidDispatch(t, backend, window) })
		}
	}
}

func crashMidDispatch(t *testing.T, backend string, window int) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KAOHE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d (KAOHE_CRASH_SEED)", seed)

	o := store.Options{DataDir: t.TempDir(), Logger: quiet}
	if backend == "mariadb" {
		o.DSN = testdb.MariaDB(t)
	}
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
	epoch := 0
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", "KAOHE_CHILD_DIR="+o.DataDir, "KAOHE_CHILD_DSN="+o.DSN,
			"KAOHE_CHILD_SMTP="+srv.addr, "KAOHE_CHILD_WINDOW="+strconv.Itoa(window), "KAOHE_CHILD_EPOCH="+strconv.Itoa(epoch))
		epoch++
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// keys of received messages, and which are marked sent.
	keyOf := func(r received) string { return parseMail(t, r.Data).Key }
	sentKeys := func() map[string]bool {
		var sent []workflow.OutboxMessage
		if err := db.Update(context.Background(), func(tx service.Tx) (err error) {
			sent, err = tx.OutboxMessages(service.OutboxFilter{State: workflow.OutboxSent, Limit: 2000})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, m := range sent {
			out[m.KeyString()] = true
		}
		return out
	}
	// settle waits for the SMTP server, and MariaDB, to close the dead (or
	// finished) process's sessions, then counts that process's receipts and
	// how many of them the outbox does not mark sent. MariaDB finishes a
	// COMMIT that reached it before the kill, and a count read before it
	// has would call unrecorded a message whose "sent" still lands (seen
	// once in 80 runs: 38 unrecorded, 34 duplicates).
	from := 0
	settle := func() (receipts, unrecorded int) {
		if !srv.waitIdle(10 * time.Second) {
			t.Fatal("the server still has open sessions 10 s after the process ended")
		}
		if backend == "mariadb" && !mariadbIdle(t, db, 10*time.Second) {
			t.Fatal("MariaDB still has the process's sessions 10 s after it ended")
		}
		got := srv.messages()
		sent := sentKeys()
		for _, r := range got[from:] {
			if !sent[keyOf(r)] {
				unrecorded++
			}
		}
		receipts, from = len(got)-from, len(got)
		return receipts, unrecorded
	}

	kills, sumUnrecorded := 0, 0
	for range 3 {
		before := len(srv.messages())
		target := before + 1 + rng.IntN(300)
		delay := time.Duration(rng.IntN(2000)) * time.Microsecond
		cmd := start()
		deadline := time.Now().Add(60 * time.Second)
		for len(srv.messages()) < target {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("only %d messages after a minute", len(srv.messages()))
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(delay)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		kills++
		receipts, unrecorded := settle()
		sumUnrecorded += unrecorded
		t.Logf("kill %d, %d receipts + %v in: the process had %d messages received, %d of them not marked sent",
			kills, target-before, delay, receipts, unrecorded)
		if unrecorded > window {
			t.Errorf("kill %d left %d received messages unrecorded; the window is %d", kills, unrecorded, window)
		}
	}
	cmd := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last dispatcher: %v", err)
	}
	receipts, unrecorded := settle()
	t.Logf("last process: %d messages received, %d of them not marked sent", receipts, unrecorded)

	seen := map[string]int{}
	for _, r := range srv.messages() {
		seen[keyOf(r)]++
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
	t.Logf("1000 messages, window %d, %d kills: %d received, %d lost, %d duplicates, %d unrecorded at the kills",
		window, kills, len(srv.messages()), lost, dups, sumUnrecorded)
	if lost > 0 || unrecorded > 0 {
		t.Errorf("%d messages lost, %d received but not marked sent at the end", lost, unrecorded)
	}
	if dups != sumUnrecorded {
		t.Errorf("%d duplicates, but the kills left %d received messages unrecorded: something else sent a message twice", dups, sumUnrecorded)
	}
	var all []workflow.OutboxMessage
	if err := db.Update(context.Background(), func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{Limit: 2000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, m := range all {
		if m.State == workflow.OutboxSent {
			sent++
		}
		if m.Attempts != 1 {
			t.Errorf("%s took %d attempts (%s): a failed send, not a crash, may have duplicated it; the counts above are not only the kills'",
				m.Recipient, m.Attempts, m.LastError)
		}
	}
	if sent != 1000 {
		t.Errorf("%d of 1000 messages marked sent", sent)
	}
}

// mariadbIdle waits until MariaDB has no session in db's database but
// db's own (a dead process's are closed once the server has finished what
// it was doing for it), and reports false after timeout.
func mariadbIdle(t *testing.T, db *store.DB, timeout time.Duration) bool {
	t.Helper()
	pool, err := db.Gorm().DB()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var sessions int
		if err := pool.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()").Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions <= pool.Stats().OpenConnections {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
