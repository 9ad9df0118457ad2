package store

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// outboxRow is one message of the outbox: an email, or a markdown message
// to a group robot (channel wecom or dingtalk, recipient "robot:<id>").
// The unique key outbox_key over (kind, deadline, lead, unit, recipient)
// is what makes a reminder go out once: enqueueing it again inserts
// nothing. It begins with the notice (kind, deadline, lead), so that the
// messages a notice already has are read from the index alone
// (OutboxKeys). A row with facts is rendered when it is sent; its text and
// html are empty. Rows without facts (NULL: those of earlier versions) are
// sent as stored. A row that names a notice (outboxNoticeRow) keeps only
// its own facts; the notice row holds those all its notice's messages
// share.
type outboxRow struct {
	ID            int64      `gorm:"primaryKey"`
	Kind          string     `gorm:"size:16;not null;uniqueIndex:outbox_key,priority:1"`
	Unit          ident      `gorm:"size:64;not null;uniqueIndex:outbox_key,priority:4;index:outbox_unit"`
	Deadline      ident      `gorm:"size:64;not null;uniqueIndex:outbox_key,priority:2"`
	Lead          int        `gorm:"not null;uniqueIndex:outbox_key,priority:3"`
	Recipient     ident      `gorm:"size:255;not null;uniqueIndex:outbox_key,priority:5"`
	Name          string     `gorm:"size:255;not null"`
	Subject       string     `gorm:"size:1000;not null"`
	Text          string     `gorm:"type:longtext;not null"`
	HTML          string     `gorm:"type:longtext;not null"`
	State         string     `gorm:"size:16;not null;index:outbox_due,priority:1"`
	Attempts      int        `gorm:"not null"`
	NextAttemptAt time.Time  `gorm:"not null;precision:6;index:outbox_due,priority:2"`
	LastError     string     `gorm:"type:text;not null"`
	LastAttemptAt *time.Time `gorm:"precision:6"`
	ExpiresAt     *time.Time `gorm:"precision:6"`
	ClaimedBy     ident      `gorm:"size:64;not null"`
	ClaimedUntil  *time.Time `gorm:"precision:6"`
	CreatedAt     time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	SentAt        *time.Time `gorm:"precision:6"`
	Channel       string     `gorm:"size:16;not null;default:email"`
	Facts         *string    `gorm:"type:longtext"`
	Notice        *int64
}

// outboxNoticeRow holds the facts that the messages of one notice, enqueued
// by one pass, share: about two thirds of a reminder's facts, stored once
// instead of in each of thousands of rows. A pass writes one when it
// enqueues at least one message that names it (EnqueueMessages removes it
// again when every message was already there). Nothing references it but
// outbox.notice, which has no index and no foreign key (either would be
// one more B-tree write per message); `kaohe check` reports a message
// whose notice row is missing.
type outboxNoticeRow struct {
	ID        int64     `gorm:"primaryKey"`
	Facts     string    `gorm:"type:longtext;not null"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
}

// TableName is the table of outboxNoticeRow.
func (outboxNoticeRow) TableName() string { return "outbox_notices" }

// nonEmpty is s as a nullable column: NULL when empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TableName is the table of outboxRow.
func (outboxRow) TableName() string { return "outbox" }

func (r outboxRow) message() workflow.OutboxMessage {
	m := workflow.OutboxMessage{
		ID: r.ID, Channel: workflow.Channel(r.Channel), Kind: workflow.NoticeKind(r.Kind), Unit: string(r.Unit), Deadline: string(r.Deadline), Lead: r.Lead,
		Recipient: string(r.Recipient), Name: r.Name, Subject: r.Subject, Text: r.Text, HTML: r.HTML, Facts: deref(r.Facts),
		State: workflow.OutboxState(r.State), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(),
		LastError: r.LastError, LastAttemptAt: utcPtr(r.LastAttemptAt), ExpiresAt: utcPtr(r.ExpiresAt), CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt),
	}
	return m
}

// EnqueueMessages inserts ms in batches; rows whose key exists are skipped
// by the unique key (INSERT OR IGNORE on SQLite, INSERT IGNORE on MySQL,
// whose affected-row count then is the number inserted). The unique key is
// the only constraint a row can break: every NOT NULL column is given a
// value. On SQLite, OR IGNORE rather than ON CONFLICT DO NOTHING also
// means that a statement can never stop halfway, so SQLite keeps no
// statement journal for it (a copy of every page a batch changes, written
// to a temporary file once past 64 KiB: about 5 % of a pass's CPU in a
// profile). It is the reminder pass's bulk write (10,000 rows for a
// deadline of 10,000 units), so its statements are plain SQL, without
// gorm's reflection or a RETURNING of ids nobody reads, and a fresh
// message (pending, never tried, stored as facts: what the pass writes)
// binds only what varies (see insertFresh). The facts that messages share
// (NoticeFacts) are written once, as one outbox_notices row per distinct
// text, which their rows name; a notice row none of whose messages was new
// is removed.
func (t *tx) EnqueueMessages(ms []workflow.OutboxMessage) (int, error) {
	mysql := t.db.Dialector.Name() == "mysql"
	var full *sql.Stmt // MySQL's statement for a full batch of fresh messages
	defer func() {
		if full != nil {
			_ = full.Close()
		}
	}()
	notices := map[string]*enqueuedNotice{}
	var order []*enqueuedNotice
	total := 0
	for len(ms) > 0 {
		var notice *enqueuedNotice
		if facts := ms[0].NoticeFacts; facts != "" {
			if notice = notices[facts]; notice == nil {
				id, err := t.insertNotice(facts, ms[0].CreatedAt)
				if err != nil {
					return total, err
				}
				notice = &enqueuedNotice{id: &id}
				notices[facts] = notice
				order = append(order, notice)
			}
		} else {
			notice = &enqueuedNotice{}
		}
		var taken, inserted int
		var err error
		if freshMessage(&ms[0]) && !mysql {
			taken, inserted, err = t.insertFresh(ms, notice.id)
		} else {
			taken, inserted, err = t.insertRows(ms, mysql, notice.id, &full)
		}
		if err != nil {
			return total, err
		}
		notice.inserted += inserted
		total += inserted
		ms = ms[taken:]
	}
	for _, n := range order {
		if n.inserted > 0 {
			continue
		}
		if _, err := t.db.Statement.ConnPool.ExecContext(t.db.Statement.Context, "DELETE FROM outbox_notices WHERE id = ?", *n.id); err != nil {
			return total, internal(err, "enqueue messages")
		}
	}
	return total, nil
}

// enqueuedNotice is a notice row EnqueueMessages wrote (id nil for the
// messages that name none) and how many of its messages were new.
type enqueuedNotice struct {
	id       *int64
	inserted int
}

// insertNotice writes the facts a notice's messages share and returns the
// row's id.
func (t *tx) insertNotice(facts string, at time.Time) (int64, error) {
	res, err := t.db.Statement.ConnPool.ExecContext(t.db.Statement.Context,
		"INSERT INTO outbox_notices (facts, created_at) VALUES (?, ?)", facts, utc(at))
	if err != nil {
		return 0, internal(err, "enqueue messages")
	}
	id, err := res.LastInsertId()
	return id, internal(err, "enqueue messages")
}

// insertRows inserts a batch of messages from the start of ms, each with
// all its columns bound, and returns how many it took and how many rows
// were new. The messages of a batch share their notice row (notice, nil
// for none). SQLite's driver binds parameters in time quadratic in
// their number per statement (it looks each one up among all of them), so
// its batches are 20 rows; MySQL's are 500. On MySQL a full batch of fresh
// messages (the reminder pass's) runs as a statement prepared on the
// server once per call (*full, which the caller closes): the server
// parses it once instead of 500 rows of literals a batch, and the values
// travel in the binary protocol, not interpolated into the text. Parsing
// was a fifth of the server's CPU in a first pass (perf on mariadbd);
// prepared, enqueueing 10,000 reminders took about 30 % less of the
// server's CPU, of this process's CPU and of wall time (measured in
// alternating rounds). Other statements stay interpolated (one round trip
// each; see the DSN's interpolateParams).
func (t *tx) insertRows(ms []workflow.OutboxMessage, mysql bool, notice *int64, full **sql.Stmt) (taken, inserted int, err error) {
	verb, batch := "INSERT OR IGNORE INTO", 20
	if mysql {
		verb, batch = "INSERT IGNORE INTO", 500
	}
	fresh := freshMessage(&ms[0])
	n := 1
	for n < len(ms) && n < batch && freshMessage(&ms[n]) == fresh && ms[n].NoticeFacts == ms[0].NoticeFacts {
		n++
	}
	row := "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'')"
	if fresh {
		row = "(?,?,?,?,?,?,?,?,?,?,?,?,?,'','','pending',0,'',NULL,'')"
	}
	query := verb + " outbox (kind, deadline, lead, next_attempt_at, expires_at, created_at, channel, unit, recipient, name, subject, facts, notice, " +
		"text, html, state, attempts, last_error, sent_at, claimed_by) VALUES " + strings.Repeat(row+",", n-1) + row
	args := make([]any, 0, n*19)
	for _, m := range ms[:n] {
		args = append(args, string(m.Kind), m.Deadline, m.Lead, utc(m.NextAttemptAt), utcPtr(m.ExpiresAt), utc(m.CreatedAt),
			channelOf(&m), m.Unit, m.Recipient, m.Name, m.Subject, nonEmpty(m.Facts), notice)
		if !fresh {
			state := m.State
			if state == "" {
				state = workflow.OutboxPending
			}
			args = append(args, m.Text, m.HTML, string(state), m.Attempts, m.LastError, utcPtr(m.SentAt))
		}
	}
	if mysql && fresh && n == batch {
		if *full == nil {
			if *full, err = t.db.Statement.ConnPool.PrepareContext(t.db.Statement.Context, query); err != nil {
				return 0, 0, internal(err, "enqueue messages")
			}
		}
		res, err := (*full).ExecContext(t.db.Statement.Context, args...)
		if err != nil {
			return 0, 0, internal(err, "enqueue messages")
		}
		k, err := res.RowsAffected()
		return n, int(k), internal(err, "enqueue messages")
	}
	inserted, err = t.execInsert(query, args)
	return n, inserted, err
}

// insertFresh inserts, on SQLite, a batch of fresh messages of one notice
// from the start of ms and returns how many it took and how many rows were
// new. The columns that all
// messages of a notice share (kind, deadline, lead, their times and their
// notice row) are bound once for the batch and the constants of a fresh
// message written once in the statement: the rows come from a VALUES list
// of six columns each. Parsing and binding a row cost about as much as
// inserting it in the pure-Go SQLite, so fewer of both per row is most of
// what enqueueing costs beyond the insert itself (measured by
// BenchmarkReminders). A prepared statement would not save the parsing:
// the SQLite driver (glebarez/go-sqlite) compiles the SQL again at every
// execution.
func (t *tx) insertFresh(ms []workflow.OutboxMessage, notice *int64) (taken, inserted int, err error) {
	const batch = 50
	first := &ms[0]
	n := 1
	for n < len(ms) && n < batch && freshMessage(&ms[n]) && sameNotice(first, &ms[n]) {
		n++
	}
	args := make([]any, 0, 7+n*6)
	args = append(args, string(first.Kind), first.Deadline, first.Lead, utc(first.NextAttemptAt), utcPtr(first.ExpiresAt), utc(first.CreatedAt), notice)
	for _, m := range ms[:n] {
		args = append(args, channelOf(&m), m.Unit, m.Recipient, m.Name, m.Subject, nonEmpty(m.Facts))
	}
	inserted, err = t.execInsert(freshInsert(n), args)
	return n, inserted, err
}

// freshInsert is insertFresh's statement for n rows.
func freshInsert(n int) string {
	const row = "(?,?,?,?,?,?)"
	return "INSERT OR IGNORE INTO outbox (kind, deadline, lead, next_attempt_at, expires_at, created_at, notice, channel, unit, recipient, name, subject, facts, " +
		"text, html, state, attempts, last_error, sent_at, claimed_by) " +
		"SELECT ?, ?, ?, ?, ?, ?, ?, column1, column2, column3, column4, column5, column6, '', '', 'pending', 0, '', NULL, '' " +
		"FROM (VALUES " + strings.Repeat(row+",", n-1) + row + ")"
}

// execInsert runs an insert of EnqueueMessages and returns how many rows
// were new.
func (t *tx) execInsert(query string, args []any) (int, error) {
	res, err := t.db.Statement.ConnPool.ExecContext(t.db.Statement.Context, query, args...)
	if err != nil {
		return 0, internal(err, "enqueue messages")
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "enqueue messages")
}

// sameNotice reports whether a and b share the columns a notice's messages
// share, and its facts.
func sameNotice(a, b *workflow.OutboxMessage) bool {
	return a.NoticeFacts == b.NoticeFacts && a.Kind == b.Kind && a.Deadline == b.Deadline && a.Lead == b.Lead && a.NextAttemptAt.Equal(b.NextAttemptAt) &&
		a.CreatedAt.Equal(b.CreatedAt) && ((a.ExpiresAt == nil && b.ExpiresAt == nil) ||
		(a.ExpiresAt != nil && b.ExpiresAt != nil && a.ExpiresAt.Equal(*b.ExpiresAt)))
}

func channelOf(m *workflow.OutboxMessage) string {
	if m.Channel == "" {
		return string(workflow.ChannelEmail)
	}
	return string(m.Channel)
}

// freshMessage reports whether m is as the reminder pass enqueues it:
// pending, never tried, nothing stored rendered.
func freshMessage(m *workflow.OutboxMessage) bool {
	return (m.State == "" || m.State == workflow.OutboxPending) && m.Attempts == 0 && m.LastError == "" && m.SentAt == nil &&
		m.Text == "" && m.HTML == ""
}

// OutboxKeys returns "unit/recipient" of every message of each notice, in
// any state, with one SELECT whose columns and conditions are all in the
// unique key outbox_key, so that the index answers it without reading a
// row.
func (t *tx) OutboxKeys(notices []workflow.NoticeKey) (map[workflow.NoticeKey]map[string]bool, error) {
	out := map[workflow.NoticeKey]map[string]bool{}
	if len(notices) == 0 {
		return out, nil
	}
	var cond strings.Builder
	args := make([]any, 0, 3*len(notices))
	seen := map[workflow.NoticeKey]bool{}
	for _, n := range notices {
		if seen[n] {
			continue
		}
		seen[n] = true
		if cond.Len() > 0 {
			cond.WriteString(" OR ")
		}
		cond.WriteString("(kind = ? AND deadline = ? AND lead = ?)")
		args = append(args, string(n.Kind), n.Deadline, n.Lead)
	}
	// One notice (the usual case) needs only the last two columns read.
	cols := "kind, deadline, lead, unit, recipient"
	if len(seen) == 1 {
		cols = "unit, recipient"
	}
	rows, err := t.db.Raw("SELECT "+cols+" FROM outbox WHERE "+cond.String(), args...).Rows()
	if err != nil {
		return nil, internal(err, "outbox keys")
	}
	defer rows.Close()
	for rows.Next() {
		n := notices[0]
		var kind, unit, recipient string
		if len(seen) == 1 {
			err = rows.Scan(&unit, &recipient)
		} else {
			err = rows.Scan(&kind, &n.Deadline, &n.Lead, &unit, &recipient)
			n.Kind = workflow.NoticeKind(kind)
		}
		if err != nil {
			return nil, internal(err, "outbox keys")
		}
		have := out[n]
		if have == nil {
			have = map[string]bool{}
			out[n] = have
		}
		have[unit+"/"+recipient] = true
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "outbox keys")
	}
	return out, nil
}

// OutboxMessage returns one message (ENOTFOUND when absent).
func (t *tx) OutboxMessage(id int64) (*workflow.OutboxMessage, error) {
	var r outboxRow
	if err := t.db.Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "outbox message", fmt.Sprintf("消息%d", id))
	}
	ms := []workflow.OutboxMessage{r.message()}
	if err := t.noticeFacts(ms, []*int64{r.Notice}); err != nil {
		return nil, err
	}
	return &ms[0], nil
}

// OutboxMessages returns the messages matching f, newest first, at most
// f.Limit (200 when zero).
func (t *tx) OutboxMessages(f service.OutboxFilter) ([]workflow.OutboxMessage, error) {
	q := t.db.Model(&outboxRow{})
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.Unit != "" {
		q = q.Where("unit = ?", f.Unit)
	}
	if f.Channel != "" {
		q = q.Where("channel = ?", string(f.Channel))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	var rows []outboxRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, internal(err, "outbox messages")
	}
	out := make([]workflow.OutboxMessage, 0, len(rows))
	notices := make([]*int64, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.message())
		notices = append(notices, r.Notice)
	}
	if err := t.noticeFacts(out, notices); err != nil {
		return nil, err
	}
	return out, nil
}

// noticeFacts sets the NoticeRow and NoticeFacts of each message of ms
// whose row names a notice row (notices[i], nil for none), with one read
// of the notice rows they name (one, usually).
func (t *tx) noticeFacts(ms []workflow.OutboxMessage, notices []*int64) error {
	var ids []int64
	for _, n := range notices {
		if n != nil && !slices.Contains(ids, *n) {
			ids = append(ids, *n)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := t.db.Raw("SELECT id, facts FROM outbox_notices WHERE id IN ?", ids).Rows()
	if err != nil {
		return internal(err, "outbox notices")
	}
	defer rows.Close()
	facts := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var f string
		if err := rows.Scan(&id, &f); err != nil {
			return internal(err, "outbox notices")
		}
		facts[id] = f
	}
	if err := rows.Err(); err != nil {
		return internal(err, "outbox notices")
	}
	for i, n := range notices {
		if n != nil {
			// A missing row leaves NoticeFacts empty: the message does not
			// render (jobs.Render) and `kaohe check` names it.
			ms[i].NoticeRow, ms[i].NoticeFacts = *n, facts[*n]
		}
	}
	return nil
}

// byID returns the outbox table and a WHERE clause for a statement that
// picks rows by id and then checks cond on each. The row must be reached
// by its primary key and nothing else: on MySQL, on a small table, InnoDB
// otherwise scans the whole table for "id IN (…)" and locks every row it
// reads, so that a claim and a group commit in another server deadlock
// over rows neither of them wants (FORCE INDEX); SQLite, for a claim,
// walked the whole outbox_due index of pending messages instead of looking
// up the ids, which made a claim cost in proportion to the outbox (a unary
// plus keeps a column out of index selection, measured with EXPLAIN QUERY
// PLAN). cond names each column as %[1]scolumn.
func (t *tx) byID(cond string) (table, where string) {
	if t.db.Dialector.Name() == "mysql" {
		return "outbox FORCE INDEX (PRIMARY)", "id IN ? AND " + fmt.Sprintf(cond, "")
	}
	return "outbox", "id IN ? AND " + fmt.Sprintf(cond, "+")
}

// claimDue is the condition of a message that may be claimed at a time.
const claimDue = "%[1]sstate = ? AND %[1]snext_attempt_at <= ? AND (%[1]sclaimed_until IS NULL OR %[1]sclaimed_until < ?)"

// claimedColumns are what a claim reads back of each message: all but the
// state (pending), the claim and sent_at (unset while pending).
const claimedColumns = "id, channel, kind, unit, deadline, lead, recipient, name, subject, text, html, facts, notice, attempts, next_attempt_at, last_error, last_attempt_at, expires_at, created_at"

// ClaimMessages claims due pending messages in three statements: pick
// candidate ids (leaving out skip), oldest due first, from a plain read
// that walks the index outbox_due and stops at limit; claim them with a
// conditional UPDATE that re-checks each row under its lock (a racing
// dispatcher's claim wins or loses whole rows); read back what this claim
// got. The UPDATE reaches its rows by primary key only (see byID), so
// two claimers, or a claimer and a group commit (RecordSends), wait for
// each other but do not deadlock; reaching them through another index,
// two servers on MariaDB deadlocked in most runs of TestTwoServers. This
// is the dispatcher's hot path, so its statements are plain SQL scanned
// without gorm's reflection (about half the time per message, measured).
func (t *tx) ClaimMessages(claim string, now, until time.Time, limit int, skip ...int64) ([]workflow.OutboxMessage, error) {
	now = utc(now)
	pending := string(workflow.OutboxPending)
	q, args := "SELECT id FROM outbox WHERE "+fmt.Sprintf(claimDue, ""), []any{pending, now, now}
	if len(skip) > 0 {
		q, args = q+" AND id NOT IN ?", append(args, skip)
	}
	var ids []int64
	if err := t.db.Raw(q+" ORDER BY next_attempt_at, id LIMIT ?", append(args, limit)...).Scan(&ids).Error; err != nil {
		return nil, internal(err, "claim messages")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	table, where := t.byID(claimDue)
	res := t.db.Exec("UPDATE "+table+" SET claimed_by = ?, claimed_until = ? WHERE "+where, claim, utc(until), ids, pending, now, now)
	if res.Error != nil {
		return nil, internal(res.Error, "claim messages")
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	table, where = t.byID("%[1]sclaimed_by = ?")
	rows, err := t.db.Raw("SELECT "+claimedColumns+" FROM "+table+" WHERE "+where+" ORDER BY next_attempt_at, id", ids, claim).Rows()
	if err != nil {
		return nil, internal(err, "claim messages")
	}
	defer rows.Close()
	out := make([]workflow.OutboxMessage, 0, res.RowsAffected)
	notices := make([]*int64, 0, res.RowsAffected)
	for rows.Next() {
		m := workflow.OutboxMessage{State: workflow.OutboxPending}
		var channel, kind string
		var facts *string
		var notice *int64
		var lastAttempt, expires *time.Time
		if err := rows.Scan(&m.ID, &channel, &kind, &m.Unit, &m.Deadline, &m.Lead, &m.Recipient, &m.Name, &m.Subject, &m.Text, &m.HTML, &facts, &notice,
			&m.Attempts, &m.NextAttemptAt, &m.LastError, &lastAttempt, &expires, &m.CreatedAt); err != nil {
			return nil, internal(err, "claim messages")
		}
		m.Channel, m.Kind, m.Facts = workflow.Channel(channel), workflow.NoticeKind(kind), deref(facts)
		m.NextAttemptAt, m.CreatedAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC()
		m.LastAttemptAt, m.ExpiresAt = utcPtr(lastAttempt), utcPtr(expires)
		out = append(out, m)
		notices = append(notices, notice)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "claim messages")
	}
	rows.Close()
	if err := t.noticeFacts(out, notices); err != nil {
		return nil, err
	}
	return out, nil
}

// ReleaseClaims clears the claim on the pending messages of claim. No
// index leads with claimed_by (it would be one more B-tree write for every
// message enqueued and every claim), so the messages are found by a plain
// read, which walks the pending ones (outbox_due) without locking them,
// and then cleared by primary key, re-checked under each row's lock (see
// byID), as a claim does. It runs when a dispatcher's run ends (stopped,
// or its mail server unreachable), for what it still held.
func (t *tx) ReleaseClaims(claim string) error {
	pending := string(workflow.OutboxPending)
	var ids []int64
	if err := t.db.Raw("SELECT id FROM outbox WHERE state = ? AND claimed_by = ?", pending, claim).Scan(&ids).Error; err != nil {
		return internal(err, "release claims")
	}
	if len(ids) == 0 {
		return nil
	}
	table, where := t.byID("%[1]sclaimed_by = ? AND %[1]sstate = ?")
	err := t.db.Exec("UPDATE "+table+" SET claimed_by = '', claimed_until = NULL WHERE "+where, ids, claim, pending).Error
	return internal(err, "release claims")
}

// RecordSend writes the outcome of one send, if the claim still holds. A
// deferred send counts no attempt.
func (t *tx) RecordSend(r workflow.SendResult) error {
	set := map[string]any{"attempts": gorm.Expr("attempts + 1"), "claimed_by": "", "claimed_until": nil, "last_error": r.Err, "last_attempt_at": utc(r.At)}
	if r.Deferred {
		set["attempts"] = gorm.Expr("attempts")
	}
	switch {
	case r.Err == "":
		set["state"] = string(workflow.OutboxSent)
		set["sent_at"] = utc(r.At)
	case r.Retry.IsZero():
		set["state"] = string(workflow.OutboxFailed)
	default:
		set["next_attempt_at"] = utc(r.Retry)
	}
	res := t.db.Model(&outboxRow{}).Where("id = ? AND claimed_by = ? AND state = ?", r.ID, r.Claim, string(workflow.OutboxPending)).Updates(set)
	if res.Error != nil {
		return internal(res.Error, "record send")
	}
	if res.RowsAffected != 1 {
		return workflow.Errorf(workflow.ESTALE, "消息%d已被其他发送进程接管", r.ID)
	}
	return nil
}

// RecordSends records a group of outcomes. The accepted sends of one claim
// and one time (a dispatcher stamps a group with the time of its commit)
// are written with one UPDATE, reaching the rows by primary key (see
// byID). They keep their claim: a sent row's claimed_by says which
// claim sent it, so when the UPDATE matched fewer rows than it was given,
// one more read tells exactly which were lost to another claim.
// Refused sends are rare and are written one by one by RecordSend.
func (t *tx) RecordSends(rs []workflow.SendResult) ([]int64, error) {
	type key struct {
		claim string
		at    time.Time
	}
	var stale []int64
	accepted := map[key][]int64{}
	var keys []key
	for _, r := range rs {
		if r.Err != "" {
			err := t.RecordSend(r)
			if workflow.ErrorCode(err) == workflow.ESTALE {
				stale = append(stale, r.ID)
				continue
			}
			if err != nil {
				return stale, err
			}
			continue
		}
		k := key{r.Claim, utc(r.At)}
		if _, ok := accepted[k]; !ok {
			keys = append(keys, k)
		}
		accepted[k] = append(accepted[k], r.ID)
	}
	pending, sent := string(workflow.OutboxPending), string(workflow.OutboxSent)
	for _, k := range keys {
		ids := accepted[k]
		table, where := t.byID("%[1]sclaimed_by = ? AND %[1]sstate = ?")
		res := t.db.Exec("UPDATE "+table+" SET state = ?, attempts = attempts + 1, last_error = '', last_attempt_at = ?, sent_at = ? WHERE "+where,
			sent, k.at, k.at, ids, k.claim, pending)
		if res.Error != nil {
			return stale, internal(res.Error, "record sends")
		}
		if res.RowsAffected == int64(len(ids)) {
			continue
		}
		var ours []int64
		err := t.db.Raw("SELECT id FROM "+table+" WHERE "+where, ids, k.claim, sent).Scan(&ours).Error
		if err != nil {
			return stale, internal(err, "record sends")
		}
		mine := make(map[int64]bool, len(ours))
		for _, id := range ours {
			mine[id] = true
		}
		for _, id := range ids {
			if !mine[id] {
				stale = append(stale, id)
			}
		}
	}
	return stale, nil
}

// ExpireMessage marks a claimed pending message expired.
func (t *tx) ExpireMessage(id int64, claim string, now time.Time) error {
	res := t.db.Model(&outboxRow{}).Where("id = ? AND claimed_by = ? AND state = ?", id, claim, string(workflow.OutboxPending)).
		Updates(map[string]any{"state": string(workflow.OutboxExpired), "claimed_by": "", "claimed_until": nil,
			"last_error": "截止时间已过，不再发送"})
	if res.Error != nil {
		return internal(res.Error, "expire message")
	}
	if res.RowsAffected != 1 {
		return workflow.Errorf(workflow.ESTALE, "消息%d已被其他发送进程接管", id)
	}
	return nil
}

// RequeueMessage makes a failed or expired message pending again. A sent
// message is never touched (ESTATE).
func (t *tx) RequeueMessage(id int64, now time.Time) error {
	res := t.db.Model(&outboxRow{}).Where("id = ? AND state IN ?", id, []string{string(workflow.OutboxFailed), string(workflow.OutboxExpired)}).
		Updates(map[string]any{"state": string(workflow.OutboxPending), "attempts": 0, "next_attempt_at": utc(now),
			"claimed_by": "", "claimed_until": nil})
	if res.Error != nil {
		return internal(res.Error, "requeue message")
	}
	if res.RowsAffected != 1 {
		return workflow.Errorf(workflow.ESTATE, "消息%d不是失败或过期状态", id)
	}
	return nil
}

// CountMessages counts the messages in each state.
func (t *tx) CountMessages() (map[workflow.OutboxState]int, error) {
	return t.countMessages(t.db.Model(&outboxRow{}))
}

// CountMessagesOfUnit counts one unit's messages in each state.
func (t *tx) CountMessagesOfUnit(unit string) (map[workflow.OutboxState]int, error) {
	return t.countMessages(t.db.Model(&outboxRow{}).Where("unit = ?", unit))
}

func (t *tx) countMessages(q *gorm.DB) (map[workflow.OutboxState]int, error) {
	var rows []struct {
		State string
		N     int
	}
	if err := q.Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, internal(err, "count messages")
	}
	out := map[workflow.OutboxState]int{}
	for _, r := range rows {
		out[workflow.OutboxState(r.State)] = r.N
	}
	return out, nil
}
