package service

import (
	"context"
	"fmt"
	"kaohe/workflow"
	"time"
)

// OutboxFilter selects outbox messages; zero fields select everything.
// Limit 0 means 200.
type OutboxFilter struct {
	State   workflow.OutboxState
	Unit    string
	Channel workflow.Channel
	Limit   int
}

// OutboxCounts counts outbox messages by state; its zero value is an
// empty outbox.
type OutboxCounts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Expired int `json:"expired"`
}

// Notifications lists outbox messages (office only), newest first.
// It returns EINVALID for an unknown state or channel.
func (s *Service) Notifications(ctx context.Context, a Actor, f OutboxFilter) ([]workflow.OutboxMessage, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	switch f.State {
	case "", workflow.OutboxPending, workflow.OutboxSent, workflow.OutboxFailed, workflow.OutboxExpired:
	default:
		return nil, workflow.Errorf(workflow.EINVALID, "未知的消息状态“%s”（pending、sent、failed、expired）", f.State)
	}
	switch f.Channel {
	case "", workflow.ChannelEmail, workflow.ChannelWeCom, workflow.ChannelDingTalk:
	default:
		return nil, workflow.Errorf(workflow.EINVALID, "未知的发送渠道“%s”（email、wecom、dingtalk）", f.Channel)
	}
	var out []workflow.OutboxMessage
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		out, err = tx.OutboxMessages(f)
		return err
	})
	if out == nil {
		out = []workflow.OutboxMessage{}
	}
	return out, err
}

// NotificationCounts counts outbox messages by state (office only): all of
// them, or one unit's when unit is not empty (the office digests have no
// unit and are counted only in all). An unknown unit counts zero.
func (s *Service) NotificationCounts(ctx context.Context, a Actor, unit string) (*OutboxCounts, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	var by map[workflow.OutboxState]int
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		if unit == "" {
			by, err = tx.CountMessages()
		} else {
			by, err = tx.CountMessagesOfUnit(unit)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OutboxCounts{Pending: by[workflow.OutboxPending], Sent: by[workflow.OutboxSent], Failed: by[workflow.OutboxFailed], Expired: by[workflow.OutboxExpired]}, nil
}

// ResendNotification puts a failed or expired message back in the queue,
// with its attempts reset (office only). It returns ENOTFOUND for an
// unknown id and ESTATE for a message that is pending or already sent: a
// sent key is never sent again.
func (s *Service) ResendNotification(ctx context.Context, a Actor, id int64) (*workflow.OutboxMessage, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	var out *workflow.OutboxMessage
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		m, err := tx.OutboxMessage(id)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.ENOTFOUND, "消息%d不存在", id)
		}
		if err != nil {
			return err
		}
		switch m.State {
		case workflow.OutboxSent:
			return workflow.Errorf(workflow.ESTATE, "消息%d已发送，不会重复发送", id)
		case workflow.OutboxPending:
			return workflow.Errorf(workflow.ESTATE, "消息%d正在等待发送", id)
		}
		if m.ExpiresAt != nil && !now.Before(*m.ExpiresAt) {
			// A reminder resent after its deadline would tell the unit that
			// something "will close" on a day that has passed.
			loc := time.UTC
			if ps, err := tx.Plans(); err == nil && len(ps) > 0 {
				loc = ps[len(ps)-1].Location()
			}
			return workflow.Errorf(workflow.ESTATE, "消息%d的有效期已于%s结束（所提醒的截止时间已过），重发会发出过时的内容，请另行通知该单位", id, m.ExpiresAt.In(loc).Format("2006-01-02 15:04"))
		}
		if err := tx.RequeueMessage(id, now); err != nil {
			return err
		}
		if out, err = tx.OutboxMessage(id); err != nil {
			return err
		}
		return audit(tx, now, a, m.Unit, "notification.resend", fmt.Sprintf("notification:%d", id), m.KeyString())
	})
	return out, err
}
