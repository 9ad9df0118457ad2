package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"kaohe/workflow"
)

// Reminders is the reminder pass: at each tick it asks every plan which
// notices are due now (workflow.Plan.DueNotices), works out from the
// current state who owes what (workflow.Owed), and enqueues one message per
// owing unit and contact, plus one office digest per overdue notice, all in
// one transaction. The outbox's unique key makes a repeated pass a no-op
// for messages already enqueued, so a late, repeated or restarted run sends
// each reminder once.
type Reminders struct {
	Store workflow.Store
	Clock workflow.Clock
	Rules workflow.ReminderRules
	// Data supplies nodes and monthly counts. Nil: only the submission
	// deadline is reminded of (node and monthly data not available).
	Data workflow.ReminderData
	// Office are the digest's addresses (office_email); none: no digest.
	Office []string
	// Sender signs the messages ("大连市总工会办公室" when empty).
	Sender string
	Log    *slog.Logger

	tpl *templates
}

// Run runs one pass and returns how many messages were new in the outbox.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	if r.tpl == nil {
		t, err := loadTemplates()
		if err != nil {
			return 0, err
		}
		r.tpl = t
	}
	now := r.Clock.Now().UTC()
	n := 0
	err := r.Store.Tx(ctx, func(tx workflow.Tx) error {
		ms, err := r.messages(tx, now)
		if err != nil {
			return err
		}
		n, err = tx.EnqueueMessages(ms)
		return err
	})
	if err == nil && n > 0 && r.Log != nil {
		r.Log.Info("reminders enqueued", "messages", n, "at", now)
	}
	return n, err
}

// Due returns the messages a pass would enqueue now, without writing
// anything; messages whose key is already in the outbox are left out.
func (r *Reminders) Due(ctx context.Context) ([]workflow.OutboxMessage, error) {
	if r.tpl == nil {
		t, err := loadTemplates()
		if err != nil {
			return nil, err
		}
		r.tpl = t
	}
	now := r.Clock.Now().UTC()
	var out []workflow.OutboxMessage
	err := r.Store.Tx(ctx, func(tx workflow.Tx) (err error) {
		out, err = r.messages(tx, now)
		return err
	})
	return out, err
}

// messages computes every message due at now.
func (r *Reminders) messages(tx workflow.Tx, now time.Time) ([]workflow.OutboxMessage, error) {
	plans, err := tx.Plans()
	if err != nil {
		return nil, err
	}
	var out []workflow.OutboxMessage
	for _, p := range plans {
		var due []workflow.Notice
		for _, n := range p.DueNotices(now, r.Rules) {
			if r.Data == nil && n.Deadline.Kind != workflow.DeadlineSubmission {
				continue
			}
			due = append(due, n)
		}
		if len(due) == 0 {
			continue
		}
		in, contacts, err := r.load(tx, p, due)
		if err != nil {
			return nil, err
		}
		for _, n := range due {
			ms, err := r.notice(tx, p, n, in, contacts, now)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
	return out, nil
}

// load reads the state the due notices need, once per pass.
func (r *Reminders) load(tx workflow.Tx, p *workflow.Plan, due []workflow.Notice) (workflow.OwingInput, map[string][]workflow.Contact, error) {
	var in workflow.OwingInput
	var err error
	if in.Units, err = tx.Units(); err != nil {
		return in, nil, err
	}
	if in.States, err = tx.SubmissionStates(p.Year); err != nil {
		return in, nil, err
	}
	kinds := map[workflow.DeadlineKind]bool{}
	for _, n := range due {
		kinds[n.Deadline.Kind] = true
	}
	if kinds[workflow.DeadlineCheckpoint] {
		if in.Nodes, err = r.Data.ReminderNodes(tx, p.Year); err != nil {
			return in, nil, err
		}
	}
	if kinds[workflow.DeadlineMonthly] {
		if in.Months, err = r.Data.ReminderMonths(tx, p.Year); err != nil {
			return in, nil, err
		}
	}
	contacts, err := tx.AllContacts()
	return in, contacts, err
}

// notice builds the messages of one due notice.
// Messages already in the outbox are skipped before rendering (a repeated
// pass renders nothing); the unique key still decides at insert.
func (r *Reminders) notice(tx workflow.Tx, p *workflow.Plan, n workflow.Notice, in workflow.OwingInput, contacts map[string][]workflow.Contact, now time.Time) ([]workflow.OutboxMessage, error) {
	owed := workflow.Owed(n.Deadline, n.Kind, in)
	if len(owed) == 0 {
		return nil, nil
	}
	have, err := tx.OutboxKeys(n.Kind, n.Deadline.Key, n.Lead)
	if err != nil {
		return nil, err
	}
	what, dueText, dueNote := describe(p, n.Deadline)
	sender := r.Sender
	if sender == "" {
		sender = "大连市总工会办公室"
	}
	base := mailView{PlanTitle: p.Title, Sender: sender, What: what, DueText: dueText, DueNote: dueNote, Now: fmtLocal(now, p), Lead: n.Lead}
	until := n.Until.UTC()
	msg := func(kind workflow.NoticeKind, unit, to, name string, v *mailView) (workflow.OutboxMessage, error) {
		c, err := r.tpl.render(kind, v)
		if err != nil {
			return workflow.OutboxMessage{}, fmt.Errorf("render %s: %w", kind, err)
		}
		return workflow.OutboxMessage{
			Kind: kind, Unit: unit, Deadline: n.Deadline.Key, Lead: n.Lead, Recipient: to, Name: name,
			Subject: c.Subject, Text: c.Text, HTML: c.HTML, State: workflow.OutboxPending,
			NextAttemptAt: now, ExpiresAt: &until, CreatedAt: now,
		}, nil
	}
	var out []workflow.OutboxMessage
	var late []unitItems
	for _, o := range owed {
		v := base
		v.Unit, v.UnitName, v.Items = o.Unit, o.UnitName, items(o)
		late = append(late, unitItems{Unit: o.Unit, UnitName: o.UnitName, Items: v.Items})
		for _, c := range contacts[o.Unit] {
			if c.Email == "" || have[o.Unit+"/"+c.Email] {
				continue
			}
			v.Name = c.Name
			m, err := msg(n.Kind, o.Unit, c.Email, c.Name, &v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	if n.Kind == workflow.NoticeOverdue && len(late) > 0 {
		sent, err := tx.OutboxKeys(workflow.NoticeDigest, n.Deadline.Key, n.Lead)
		if err != nil {
			return nil, err
		}
		v := base
		v.Late = late
		for _, to := range r.Office {
			if sent["/"+to] {
				continue
			}
			m, err := msg(workflow.NoticeDigest, "", to, "市总工会办公室", &v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}
