package jobs_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"gopkg.in/gomail.v2"

	"kaohe/internal/app"
	"kaohe/internal/testdb"
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
			// vs-plain: rounds of the plain listing (the floor), the first
			// pass, the listing again and the repeated pass (the order
			// alternates), so that the passes and their floor see the same
			// load on a shared machine. x-plain-first and x-plain-repeat are
			// the medians over the rounds of each pass's time over the mean
			// of its round's two listings (aims: at most 4 and 2); plain-ms,
			// first-ms and repeat-ms the mean milliseconds of each, and
			// *-cpu-ms the CPU time of this process (the SQLite driver
			// included, a MariaDB server not).
			b.Run("vs-plain", func(b *testing.B) {
				var firsts, repeats []float64
				var plain, first, repeat, plainCPU, firstCPU, repeatCPU time.Duration
				timed := func(wall, cpu *time.Duration, f func()) time.Duration {
					start, c := time.Now(), processCPU()
					f()
					d := time.Since(start)
					*wall += d
					*cpu += processCPU() - c
					return d
				}
				listing := func() time.Duration {
					return timed(&plain, &plainCPU, func() {
						var rows []struct{ Code, Name, Contact, Email, State string }
						if err := db.Gorm().WithContext(ctx).Raw(outstandingSQL).Scan(&rows).Error; err != nil || len(rows) != benchUnits {
							b.Fatalf("%d rows, %v", len(rows), err)
						}
					})
				}
				firstPass := func() time.Duration {
					b.StopTimer()
					if err := db.Gorm().Exec(emptyOutbox(backend)).Error; err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					return timed(&first, &firstCPU, func() {
						if n, err := pass.Run(ctx); err != nil || n != benchUnits {
							b.Fatalf("%d enqueued, %v", n, err)
						}
					})
				}
				repeatPass := func() time.Duration {
					return timed(&repeat, &repeatCPU, func() {
						if n, err := pass.Run(ctx); err != nil || n != 0 {
							b.Fatalf("%d enqueued, %v", n, err)
						}
					})
				}
				round := 0
				for b.Loop() {
					var p1, f, p2, r time.Duration
					if round%2 == 0 {
						p1, f, p2, r = listing(), firstPass(), listing(), repeatPass()
					} else {
						f, p1, r, p2 = firstPass(), listing(), repeatPass(), listing()
					}
					floor := float64(p1+p2) / 2
					firsts, repeats = append(firsts, float64(f)/floor), append(repeats, float64(r)/floor)
					round++
				}
				ms := func(d time.Duration, n int) float64 { return float64(d) / float64(n) / 1e6 }
				b.ReportMetric(ms(plain, 2*round), "plain-ms")
				b.ReportMetric(ms(first, round), "first-ms")
				b.ReportMetric(ms(repeat, round), "repeat-ms")
				b.ReportMetric(ms(plainCPU, 2*round), "plain-cpu-ms")
				b.ReportMetric(ms(firstCPU, round), "first-cpu-ms")
				b.ReportMetric(ms(repeatCPU, round), "repeat-cpu-ms")
				b.ReportMetric(median(firsts), "x-plain-first")
				b.ReportMetric(median(repeats), "x-plain-repeat")
			})
		})
	}
}

// median is the middle of xs (the mean of the two middle ones when even).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// emptyOutbox is the statement that empties the outbox before a first
// pass of vs-plain: on MySQL TRUNCATE, so that the pass inserts into an
// empty table as a first pass does, not over the rows a DELETE just marked
// deleted, which InnoDB purges in the background meanwhile (SQLite empties
// a table with DELETE alike).
func emptyOutbox(backend string) string {
	if backend == "mariadb" {
		return "TRUNCATE TABLE outbox"
	}
	return "DELETE FROM outbox"
}

// benchMail is a message of the size of a real reminder.
var benchMail = &jobs.Mail{From: "kaohe@x.cn", To: "head@gjz.example.cn", Name: "王明", Subject: "【考核提醒】甘井子区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止",
	Text: "王明，您好：\n\n指标表（党建、业务、创新指标）及督查工作联系人尚未报送。\n", HTML: "<p>王明，您好：</p><ul><li>指标表尚未报送</li></ul>"}

// bareSend sends mail n times over s as a bare gomail loop does.
func bareSend(b *testing.B, s gomail.SendCloser, mail *jobs.Mail, n int) {
	for range n {
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
}

// bareDial opens the bare loop's one connection to srv.
func bareDial(b *testing.B, srv *smtpServer) gomail.SendCloser {
	host, port, _ := net.SplitHostPort(srv.addr)
	p, _ := strconv.Atoi(port)
	s, err := gomail.NewDialer(host, p, "", "").Dial()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// enqueueBench enqueues n copies of benchMail, to recipients numbered from
// first, due at clock's time.
func enqueueBench(b *testing.B, db service.Store, clock workflow.Clock, first, n int) {
	ms := make([]workflow.OutboxMessage, n)
	for i := range ms {
		ms[i] = workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
			Recipient: fmt.Sprintf("r%07d@x.cn", first+i), Name: benchMail.Name, Subject: benchMail.Subject, Text: benchMail.Text, HTML: benchMail.HTML,
			NextAttemptAt: clock.Now(), CreatedAt: clock.Now()}
	}
	if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
		b.Fatal(err)
	}
}

// benchFacts are the facts of a real reminder, as the reminder pass stores
// them (BenchmarkReminders' first message).
const benchFacts = `{"plan":"2019年度各区市县（开放先导区）总工会实绩考核工作指标","sender":"大连市总工会办公室",` +
	`"what":"2019年度实绩考核指标表报送","due":"2019年6月13日（星期四） 17:30","now":"2019年6月12日 10:00","lead":1,` +
	`"office":[{"name":"林浩","phone":"82610211","email":"547143449@qq.com"},{"name":"张慧","phone":"82637411","email":"1291529912@qq.com"}],` +
	`"unit":"u00001","unit_name":"第1区总工会","items":["指标表（党建、业务、创新指标）及督查工作联系人尚未报送"],"name":"王明"}`

// enqueueFactsBench enqueues n reminders stored as benchFacts, to
// recipients numbered from first, due at clock's time, and returns the
// mail each becomes when rendered.
func enqueueFactsBench(b *testing.B, db service.Store, clock workflow.Clock, first, n int) *jobs.Mail {
	ms := make([]workflow.OutboxMessage, n)
	for i := range ms {
		ms[i] = workflow.OutboxMessage{Channel: workflow.ChannelEmail, Kind: workflow.NoticeReminder, Unit: "u00001", Deadline: "submission:2019-06-13",
			Lead: 1, Recipient: fmt.Sprintf("r%07d@x.cn", first+i), Name: "王明", Subject: "【考核提醒】第1区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止",
			Facts: benchFacts, NextAttemptAt: clock.Now(), CreatedAt: clock.Now()}
	}
	if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
		b.Fatal(err)
	}
	m := ms[0]
	if err := jobs.Render(&m); err != nil {
		b.Fatal(err)
	}
	return &jobs.Mail{From: benchMail.From, To: m.Recipient, Name: m.Name, Subject: m.Subject, Text: m.Text, HTML: m.HTML}
}

// processCPU is the CPU time this process has used (user and system, all
// threads): the test's SMTP server and the SQLite driver included, a
// MariaDB server not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRound is how many messages each side of the alternating
// benchmark sends per round.
const benchRound = 500

// BenchmarkDispatch compares the dispatcher (claim a batch ahead, send over
// the SMTP mailer's pool of connections, group commits of "sent" within
// the window; default settings) with a bare gomail loop sending the same
// messages over one connection, both into the loopback go-smtp server.
//
//   - bare-gomail and dispatcher-*: one after the other; ns/op is per
//     message.
//   - vs-bare-*: rounds of benchRound messages, the bare loop and the
//     dispatcher in turn (which goes first alternates), so that both see
//     the same load on a shared machine. x-bare is the dispatcher's
//     messages per second over the bare loop's (aim: at least 0.8);
//     run-us and bare-us are the microseconds per message of each, and
//     run-cpu-us and bare-cpu-us the CPU time per message this process
//     spent (client, SMTP server and SQLite; not a MariaDB server's).
func BenchmarkDispatch(b *testing.B) {
	srv := startSMTP(b, "127.0.0.1:0")
	b.Run("bare-gomail", func(b *testing.B) {
		s := bareDial(b, srv)
		for b.Loop() {
			bareSend(b, s, benchMail, 1)
		}
	})
	for _, backend := range []string{"sqlite", "mariadb"} {
		b.Run("dispatcher-"+backend, func(b *testing.B) {
			db := openStore(b, backend, b.TempDir())
			clock := workflow.NewManualClock(at(6, 12, 9, 0))
			enqueueBench(b, db, clock, 0, b.N)
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
			defer m.Close()
			d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: benchMail.From}
			b.ResetTimer()
			n, err := d.RunOnce(context.Background())
			if err != nil || n != b.N {
				b.Fatalf("%d sent of %d, %v", n, b.N, err)
			}
		})
	}
	// vs-bare-*: benchMail stored rendered, as earlier versions enqueued
	// every message; vs-bare-rendered-*: reminders stored as facts, as the
	// reminder pass enqueues them, rendered by the dispatcher when it sends
	// them, against a bare loop sending the same rendered reminder.
	for _, backend := range []string{"sqlite", "mariadb"} {
		b.Run("vs-bare-"+backend, func(b *testing.B) {
			vsBare(b, srv, backend, func(db service.Store, clock workflow.Clock, first, n int) *jobs.Mail {
				enqueueBench(b, db, clock, first, n)
				return benchMail
			})
		})
	}
	for _, backend := range []string{"sqlite", "mariadb"} {
		b.Run("vs-bare-rendered-"+backend, func(b *testing.B) {
			vsBare(b, srv, backend, func(db service.Store, clock workflow.Clock, first, n int) *jobs.Mail {
				return enqueueFactsBench(b, db, clock, first, n)
			})
		})
	}
}

// vsBare runs rounds of benchRound messages, the bare loop and the
// dispatcher in turn (see BenchmarkDispatch); enqueue stores a round's
// messages and returns the mail the bare loop sends for them.
func vsBare(b *testing.B, srv *smtpServer, backend string, enqueue func(db service.Store, clock workflow.Clock, first, n int) *jobs.Mail) {
	db := openStore(b, backend, b.TempDir())
	clock := workflow.NewManualClock(at(6, 12, 9, 0))
	s := bareDial(b, srv)
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
	defer m.Close()
	d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: benchMail.From}
	var runs, bares, runCPU, bareCPU, serverRunCPU time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		mail := enqueue(db, clock, round*benchRound, benchRound)
		b.StartTimer()
		bare := func() {
			start, cpu := time.Now(), processCPU()
			bareSend(b, s, mail, benchRound)
			bares += time.Since(start)
			bareCPU += processCPU() - cpu
		}
		dispatch := func() {
			start, cpu, server := time.Now(), processCPU(), testdb.ServerCPU()
			n, err := d.RunOnce(context.Background())
			runs += time.Since(start)
			runCPU += processCPU() - cpu
			serverRunCPU += testdb.ServerCPU() - server
			if err != nil || n != benchRound {
				b.Fatalf("%d sent of %d, %v", n, benchRound, err)
			}
		}
		if round%2 == 0 {
			bare()
			dispatch()
		} else {
			dispatch()
			bare()
		}
		round++
	}
	msgs := float64(round * benchRound)
	b.ReportMetric(float64(runs.Microseconds())/msgs, "run-us")
	b.ReportMetric(float64(bares.Microseconds())/msgs, "bare-us")
	b.ReportMetric(float64(bares)/float64(runs), "x-bare")
	b.ReportMetric(float64(runCPU.Microseconds())/msgs, "run-cpu-us")
	b.ReportMetric(float64(bareCPU.Microseconds())/msgs, "bare-cpu-us")
	if backend == "mariadb" {
		b.ReportMetric(float64(serverRunCPU.Microseconds())/msgs, "server-cpu-us")
	}
}
