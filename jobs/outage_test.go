package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestSMTPOutage: the mail server is down for more than a day, twice.
// Every message still due when it comes back is delivered exactly once and
// no attempt is burnt while it is unreachable; a reminder whose deadline
// passed during the outage is expired, not sent late.
//
// 13 units never submit; cd submits on June 10 and is returned on June 13
// at 10:00, during the second outage, so its 1-day reminder is enqueued and
// expires at the 17:30 deadline before the server is back.
func TestSMTPOutage(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "127.0.0.1:0")
	w := newWorld(t, "sqlite", at(6, 10, 9, 0))
	w.draft("cd")
	w.submit("cd")
	ctx := context.Background()
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: time.Second}
	defer m.Close()
	d := &jobs.Dispatcher{Store: w.db, Clock: w.clock, Mailer: m, From: "kaohe@dlzgh.example.cn"}
	pass := w.reminders()

	up := true
	setUp := func(v bool) {
		if v && !up {
			srv.restart()
		} else if !v && up {
			srv.Close()
		}
		up = v
	}
	delivered := map[string]int{}
	var sendLog []string
	unavailable := 0
	for now := at(6, 10, 9, 0); now.Before(at(6, 15, 0, 0)); now = now.Add(30 * time.Minute) {
		w.clock.Set(now)
		switch {
		case now.Equal(at(6, 11, 9, 0)), now.Equal(at(6, 13, 9, 0)):
			setUp(false)
		case now.Equal(at(6, 12, 12, 0)), now.Equal(at(6, 14, 12, 0)):
			setUp(true)
		case now.Equal(at(6, 13, 10, 0)):
			w.giveBack("cd")
		}
		if _, err := pass.Run(ctx); err != nil {
			t.Fatal(err)
		}
		before := len(srv.messages())
		_, err := d.RunOnce(ctx)
		switch {
		case errors.Is(err, jobs.ErrUnavailable):
			unavailable++
			if up {
				t.Fatalf("%v: unavailable while the server is up: %v", now, err)
			}
		case err != nil:
			t.Fatal(err)
		}
		for _, r := range srv.messages()[before:] {
			p := parseMail(t, r.Data)
			delivered[p.Key]++
			sendLog = append(sendLog, mailLine(p.Key, now))
		}
	}
	if unavailable == 0 {
		t.Fatal("the outage was never noticed")
	}
	for k, n := range delivered {
		if n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	// Per day and kind: 26 3-day reminders on June 10; 26 1-day reminders
	// at 12:00 on June 12 when the server came back; 26 overdue notices and
	// 2 office digests at 12:00 on June 14.
	perDay := map[string]int{}
	for _, l := range sendLog {
		f := strings.Fields(l)
		perDay[f[0]+" "+f[1]+" "+f[3]]++
	}
	want := map[string]int{"2019-06-10 reminder 3": 26, "2019-06-12 reminder 1": 26, "2019-06-14 overdue 0": 26, "2019-06-14 digest 0": 2}
	if fmt.Sprint(perDay) != fmt.Sprint(want) {
		t.Errorf("deliveries %v, want %v", perDay, want)
	}
	var msgs []workflow.OutboxMessage
	w.db.Update(ctx, func(tx service.Tx) (err error) {
		msgs, err = tx.OutboxMessages(service.OutboxFilter{Limit: 1000})
		return err
	})
	var expired []string
	for _, m := range msgs {
		if m.Attempts > 1 || (m.State == workflow.OutboxSent && m.Attempts != 1) {
			t.Errorf("%s: %d attempts; an outage must not count", m.KeyString(), m.Attempts)
		}
		if m.State == workflow.OutboxExpired {
			expired = append(expired, m.KeyString())
		}
	}
	sort.Strings(expired)
	if strings.Join(expired, " ") != "reminder/cd/submission:2019-06-13/1/head@cd.example.cn reminder/cd/submission:2019-06-13/1/staff@cd.example.cn" {
		t.Errorf("expired %v, want cd's two 1-day reminders", expired)
	}
	if c := outboxCounts(t, w.db); c[workflow.OutboxPending] != 0 || c[workflow.OutboxFailed] != 0 {
		t.Errorf("outbox %v", c)
	}
}
