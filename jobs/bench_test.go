package jobs_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"gopkg.in/gomail.v2"

	"kaohe/internal/app"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// benchUnits is the size of the generated federation of the reminder
// benchmarks.
const benchUnits = 10000

// benchWorld creates benchUnits units with two contacts each, half of them
// with submitted tables, on backend, at June 12 2019 10:00 (the 1-day
// reminder of the submission deadline is due).
func benchWorld(b *testing.B, backend string) (*app.App, *workflow.ManualClock) {
	b.Helper()
	clock := workflow.NewManualClock(at(6, 12, 10, 0))
	a := openApp(b, testConfig(b, backend), clock)
	db := a.Store
	ctx := context.Background()
	now := clock.Now()
	err := db.Update(ctx, func(tx service.Tx) error {
		for i := range benchUnits {
			code := fmt.Sprintf("u%05d", i)
			if err := tx.CreateUnit(&workflow.Unit{Code: code, Name: "第" + strconv.Itoa(i) + "区总工会", CreatedAt: now}); err != nil {
				return err
			}
			if err := tx.SetContacts(code, contactsOf(code)); err != nil {
				return err
			}
			if i%2 == 0 {
				sub := &workflow.Submission{Year: 2019, Unit: code, State: workflow.StateSubmitted, Version: 1, CreatedAt: now, UpdatedAt: now}
				if err := tx.CreateSubmission(sub); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return a, clock
}

// outstandingSQL lists the same outstanding items as the reminder pass:
// every contact of every unit whose 2019 submission is missing, a draft or
// returned.
const outstandingSQL = `SELECT u.code, u.name, c.name AS contact, c.email, s.state
FROM units u JOIN unit_contacts c ON c.unit_code = u.code
LEFT JOIN submissions s ON s.unit = u.code AND s.year = 2019
WHERE s.id IS NULL OR s.state IN ('draft', 'returned')
ORDER BY u.code, c.seq`

// BenchmarkReminders compares, over 10,000 units (5,000 owing, 10,000
// messages): the plain SQL listing of the outstanding items; the reminder
// pass without writing (who owes what, rendering); and the full pass that
// also enqueues the 10,000 outbox rows in one transaction.
func BenchmarkReminders(b *testing.B) {
	for _, backend := range []string{"sqlite", "mariadb"} {
		b.Run(backend, func(b *testing.B) {
			a, _ := benchWorld(b, backend)
			db := a.Store
			ctx := context.Background()
			b.Run("plain-sql", func(b *testing.B) {
				for b.Loop() {
					var rows []struct{ Code, Name, Contact, Email, State string }
					if err := db.Gorm().WithContext(ctx).Raw(outstandingSQL).Scan(&rows).Error; err != nil {
						b.Fatal(err)
					}
					if len(rows) != benchUnits {
						b.Fatalf("%d rows", len(rows))
					}
				}
			})
			pass := &jobs.Reminders{Service: a.Service, Log: quiet}
			b.Run("who-owes-what", func(b *testing.B) {
				for b.Loop() {
					ms, err := pass.Due(ctx)
					if err != nil || len(ms) != benchUnits {
						b.Fatalf("%d messages, %v", len(ms), err)
					}
				}
			})
			b.Run("pass-with-enqueue", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if err := db.Gorm().Exec("DELETE FROM outbox").Error; err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					n, err := pass.Run(ctx)
					if err != nil || n != benchUnits {
						b.Fatalf("%d enqueued, %v", n, err)
					}
				}
			})
			b.Run("repeat-pass", func(b *testing.B) {
				for b.Loop() {
					if n, err := pass.Run(ctx); err != nil || n != 0 {
						b.Fatalf("%d enqueued, %v", n, err)
					}
				}
			})
		})
	}
}

// BenchmarkDispatch compares the dispatcher (claim, send over the SMTP
// mailer, mark sent in its own transaction after each message) with a bare
// gomail loop sending the same messages over one connection, both into the
// loopback go-smtp server. ns/op is per message.
func BenchmarkDispatch(b *testing.B) {
	srv := startSMTP(b, "127.0.0.1:0")
	mail := &jobs.Mail{From: "kaohe@x.cn", To: "head@gjz.example.cn", Name: "王明", Subject: "【考核提醒】甘井子区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止",
		Text: "王明，您好：\n\n指标表（党建、业务、创新指标）及督查工作联系人尚未报送。\n", HTML: "<p>王明，您好：</p><ul><li>指标表尚未报送</li></ul>"}
	b.Run("bare-gomail", func(b *testing.B) {
		host, port, _ := net.SplitHostPort(srv.addr)
		p, _ := strconv.Atoi(port)
		s, err := gomail.NewDialer(host, p, "", "").Dial()
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for b.Loop() {
			m := gomail.NewMessage()
			m.SetAddressHeader("From", mail.From, "大连市总工会考核办")
			m.SetAddressHeader("To", mail.To, mail.Name)
			m.SetHeader("Subject", mail.Subject)
			m.SetBody("text/plain", mail.Text)
			m.AddAlternative("text/html", mail.HTML)
			if err := gomail.Send(s, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, backend := range []string{"sqlite", "mariadb"} {
		b.Run("dispatcher-"+backend, func(b *testing.B) {
			db := openStore(b, backend, b.TempDir())
			clock := workflow.NewManualClock(at(6, 12, 9, 0))
			ms := make([]workflow.OutboxMessage, b.N)
			for i := range ms {
				ms[i] = workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
					Recipient: fmt.Sprintf("r%07d@x.cn", i), Name: mail.Name, Subject: mail.Subject, Text: mail.Text, HTML: mail.HTML,
					NextAttemptAt: clock.Now(), CreatedAt: clock.Now()}
			}
			if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
				b.Fatal(err)
			}
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
			defer m.Close()
			d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: mail.From, Batch: 50}
			b.ResetTimer()
			n, err := d.RunOnce(context.Background())
			if err != nil || n != b.N {
				b.Fatalf("%d sent of %d, %v", n, b.N, err)
			}
		})
	}
}
