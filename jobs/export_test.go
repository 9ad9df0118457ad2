package jobs

import (
	"context"

	"kaohe/workflow"
)

// DueBothWays returns what the reminder pass would enqueue now, twice: as
// it stores it (a subject and facts) rendered by Render as the
// dispatcher renders it when it sends it, and rendered whole from the
// pass's own view as it was enqueued by earlier versions.
func (r *Reminders) DueBothWays(ctx context.Context) (atSend, atEnqueue []workflow.OutboxMessage, err error) {
	ms, views, err := r.drafts(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	for i, d := range ms {
		m := d
		if err := Render(&m); err != nil {
			return nil, nil, err
		}
		atSend = append(atSend, m)
		old := d
		old.Facts, old.NoticeFacts = "", ""
		var c content
		if old.Channel.IsRobot() {
			c, err = r.tpl.renderRobot(old.Kind, &views[i])
		} else {
			c, err = r.tpl.render(old.Kind, &views[i])
		}
		if err != nil {
			return nil, nil, err
		}
		old.Subject, old.Text, old.HTML = c.Subject, c.Text, c.HTML
		atEnqueue = append(atEnqueue, old)
	}
	return atSend, atEnqueue, nil
}

// WholeFacts returns m as the reminder pass stored it before a notice's
// shared facts were stored apart (schema version 14 and 15): its facts
// whole in its row, naming no notice.
func WholeFacts(m workflow.OutboxMessage) workflow.OutboxMessage {
	if m.NoticeFacts != "" {
		m.Facts, m.NoticeFacts = joinFacts([]byte(m.NoticeFacts), []byte(m.Facts)), ""
	}
	return m
}
