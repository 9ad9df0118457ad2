package store_test

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"kaohe/internal/testdb"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// BenchmarkOutboxRowWrites is what MariaDB spends to record that a
// message was claimed or sent: the floor under the dispatcher's database
// work, measured without SMTP (docs/PERFORMANCE.md, "Dispatch into a
// loopback SMTP server"). Each round enqueues outboxBenchRows messages
// (untimed), writes them in transactions of a group each, from four
// writers at once as the dispatcher's four keepers do (claims from one),
// and waits for InnoDB's purge of what the writes left behind, which is
// part of their cost. server-us/row is the MariaDB server's CPU a message
// (from /proc), wall-us/row the time a message. The ways of writing:
//   - claim-50: the UPDATE by which Tx.ClaimMessages claims a batch of 50
//     (the rest of a claim, its candidates and the rows read back, are reads);
//   - sent-4, sent-16: Tx.RecordSends of claimed messages, groups of 4 (the
//     dispatcher's group on MySQL) and 16;
//   - update-16-no-index: the same UPDATE as sent-16 on a copy of the
//     outbox without its secondary indexes: a row's rewrite, no index moved;
//   - append-16: an INSERT of one narrow row (id, claim, time) a message
//     instead of an UPDATE: what recording "sent" in a table of its own
//     would cost.
//
// Run it with
//
//	go test -run '^$' -bench OutboxRowWrites -benchtime 3x ./workflow/store/
func BenchmarkOutboxRowWrites(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: testdb.MariaDB(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	g := db.Gorm()
	at := time.Date(2019, 6, 12, 1, 0, 0, 0, time.UTC)
	for _, w := range []outboxWrite{
		{name: "claim-50", group: 50, writers: 1, write: func(tx service.Tx, ids []int64) error {
			return store.ExecIn(tx, "UPDATE outbox FORCE INDEX (PRIMARY) SET claimed_by = ?, claimed_until = ? WHERE id IN ? AND claimed_by = ''",
				fmt.Sprintf("bench-%d", ids[0]), at.Add(time.Hour), ids)
		}},
		{name: "sent-4", group: 4, claimed: true, write: recordSent(at)},
		{name: "sent-16", group: 16, claimed: true, write: recordSent(at)},
		{name: "update-16-no-index", group: 16, claimed: true, table: "outbox_bench_bare", write: func(tx service.Tx, ids []int64) error {
			return store.ExecIn(tx, "UPDATE outbox_bench_bare SET state = 'sent', attempts = attempts + 1, last_error = '', last_attempt_at = ?, sent_at = ? "+
				"WHERE id IN ? AND claimed_by = 'bench' AND state = 'pending'", at, at, ids)
		}},
		{name: "append-16", group: 16, write: func(tx service.Tx, ids []int64) error {
			args := make([]any, 0, 2*len(ids))
			for _, id := range ids {
				args = append(args, id, at)
			}
			return store.ExecIn(tx, "INSERT INTO outbox_bench_sent (id, claim, at) VALUES "+strings.Repeat("(?, 'bench', ?),", len(ids)-1)+"(?, 'bench', ?)", args...)
		}},
	} {
		b.Run(w.name, func(b *testing.B) { w.run(b, db, g, at) })
	}
}

// outboxWrite is one of BenchmarkOutboxRowWrites' ways of recording
// messages: write records ids in the transaction it is given, group ids a
// transaction, on table (a
// copy of the outbox without secondary indexes when set), the messages
// claimed beforehand when claimed.
type outboxWrite struct {
	name    string
	group   int
	claimed bool
	writers int // 4 when zero; one claims at a time, as in a dispatcher
	table   string
	write   func(tx service.Tx, ids []int64) error
}

// outboxBenchRows is how many messages a round writes.
const outboxBenchRows = 4000

// outboxBenchRound numbers the rounds of every run in the process, so
// that each round's recipients are new.
var outboxBenchRound atomic.Int64

func recordSent(at time.Time) func(service.Tx, []int64) error {
	return func(tx service.Tx, ids []int64) error {
		rs := make([]workflow.SendResult, len(ids))
		for i, id := range ids {
			rs[i] = workflow.SendResult{ID: id, Claim: "bench", At: at}
		}
		stale, err := tx.RecordSends(rs)
		if err == nil && len(stale) > 0 {
			err = fmt.Errorf("%d stale", len(stale))
		}
		return err
	}
}

func (w outboxWrite) run(b *testing.B, db *store.DB, g *gorm.DB, at time.Time) {
	var server time.Duration
	rows := 0
	for b.Loop() {
		b.StopTimer()
		ids := w.prepare(b, db, g, at, int(outboxBenchRound.Add(1)))
		b.StartTimer()
		start := testdb.ServerCPU()
		var writers sync.WaitGroup
		n := cmp.Or(w.writers, 4)
		for k := range n {
			writers.Go(func() {
				for i := k * w.group; i < len(ids); i += n * w.group {
					err := db.Update(context.Background(), func(tx service.Tx) error {
						return w.write(tx, ids[i:min(i+w.group, len(ids))])
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		writers.Wait()
		// The purge of the old versions and of moved index entries is
		// work the writes caused; wait for it inside the measure.
		if err := g.Exec("SET GLOBAL innodb_max_purge_lag_wait = 0").Error; err != nil {
			b.Fatal(err)
		}
		server += testdb.ServerCPU() - start
		rows += len(ids)
	}
	b.ReportMetric(float64(server.Microseconds())/float64(rows), "server-us/row")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(rows), "wall-us/row")
}

// prepare enqueues a round of fresh messages, due at at (claimed by
// "bench" when the write needs them claimed), and returns their ids: in
// the outbox, or in the copy the write uses.
func (w outboxWrite) prepare(b *testing.B, db *store.DB, g *gorm.DB, at time.Time, round int) []int64 {
	ms := make([]workflow.OutboxMessage, outboxBenchRows)
	for i := range ms {
		ms[i] = workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
			Recipient: fmt.Sprintf("%s-%d-%d@x.cn", w.name, round, i), Name: "王明",
			Subject: "【考核提醒】甘井子区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止",
			Text:    "王明，您好：\n\n指标表（党建、业务、创新指标）及督查工作联系人尚未报送。\n", HTML: "<p>王明，您好：</p><ul><li>指标表尚未报送</li></ul>",
			NextAttemptAt: at, CreatedAt: at}
	}
	setup := []string{
		// Earlier rounds' and sub-benchmarks' messages are out of the way:
		// a claim walks only what is due.
		"UPDATE outbox SET state = 'sent' WHERE state = 'pending'",
		"CREATE TABLE IF NOT EXISTS outbox_bench_sent (id BIGINT PRIMARY KEY, claim VARCHAR(64) NOT NULL, at DATETIME(6) NOT NULL)",
		"SET GLOBAL innodb_max_purge_lag_wait = 0",
	}
	for _, q := range setup {
		if err := g.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
		b.Fatal(err)
	}
	table := "outbox"
	if w.table != "" {
		table = w.table
		for _, q := range []string{
			"DROP TABLE IF EXISTS " + table,
			"CREATE TABLE " + table + " LIKE outbox",
			"ALTER TABLE " + table + " DROP INDEX outbox_key, DROP INDEX outbox_unit, DROP INDEX outbox_due",
			"INSERT INTO " + table + " SELECT * FROM outbox WHERE state = 'pending'",
		} {
			if err := g.Exec(q).Error; err != nil {
				b.Fatal(err)
			}
		}
	}
	if w.claimed {
		if err := g.Exec("UPDATE "+table+" SET claimed_by = 'bench', claimed_until = ? WHERE state = 'pending'", at.Add(time.Hour)).Error; err != nil {
			b.Fatal(err)
		}
	}
	var ids []int64
	if err := g.Raw("SELECT id FROM " + table + " WHERE state = 'pending' ORDER BY id").Scan(&ids).Error; err != nil || len(ids) != outboxBenchRows {
		b.Fatalf("%d messages, %v", len(ids), err)
	}
	if err := g.Exec("SET GLOBAL innodb_max_purge_lag_wait = 0").Error; err != nil {
		b.Fatal(err)
	}
	return ids
}
