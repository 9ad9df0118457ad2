package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Reminders is the reminder pass: at each tick it asks the service which
// notices are due now and whom they still have to reach
// (service.DueNotices), renders one message per owing unit and contact,
// plus one office digest per overdue notice, and enqueues them
// (service.Enqueue). The outbox's unique key makes a repeated pass a no-op
// for messages already enqueued, so a late, repeated or restarted run sends
// each reminder once.
type Reminders struct {
	Service *service.Service
	// Sender signs the messages ("大连市总工会办公室" when empty).
	Sender string
	Log    *slog.Logger

	tpl *templates
}

// Run runs one pass and returns how many messages were new in the outbox.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	ms, err := r.Due(ctx)
	if err != nil {
		return 0, err
	}
	n, err := r.Service.Enqueue(ctx, service.SystemActor, ms)
	if err == nil && n > 0 && r.Log != nil {
		r.Log.Info("reminders enqueued", "messages", n)
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
	due, err := r.Service.DueNotices(ctx, service.SystemActor)
	if err != nil {
		return nil, err
	}
	var out []workflow.OutboxMessage
	for _, d := range due {
		ms, err := r.notice(d)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// notice renders the messages of one due notice.
func (r *Reminders) notice(d service.DueNotice) ([]workflow.OutboxMessage, error) {
	p, n, now := d.Plan, d.Notice, d.At
	what, dueText, dueNote := describe(p, n.Deadline)
	sender := r.Sender
	if sender == "" {
		sender = "大连市总工会办公室"
	}
	base := mailView{PlanTitle: p.Title, Sender: sender, What: what, DueText: dueText, DueNote: dueNote, Now: fmtLocal(now, p), Lead: n.Lead, Office: p.OfficeContacts}
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
	for _, o := range d.Owed {
		v := base
		v.Unit, v.UnitName, v.Items = o.Unit, o.UnitName, items(o.Owing)
		for _, c := range o.Contacts {
			v.Name = c.Name
			m, err := msg(n.Kind, o.Unit, c.Email, c.Name, &v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	if len(d.Office) > 0 {
		v := base
		v.Backup = strings.Join(d.Backup, "；")
		for _, u := range d.Unreachable {
			v.Unreachable = append(v.Unreachable, u.Name)
		}
		for _, o := range d.Late {
			v.Late = append(v.Late, unitItems{Unit: o.Unit, UnitName: o.UnitName, Items: items(o)})
		}
		for _, to := range d.Office {
			m, err := msg(workflow.NoticeDigest, "", to, "市总工会办公室", &v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}
