package service

import (
	"context"
	"fmt"
	"kaohe/workflow"
	"strings"
	"time"
	"unicode/utf8"
)

// ReceiptInput is the office's record of when a unit's tables actually
// reached it by other means (email, paper), and how.
type ReceiptInput struct {
	At     *time.Time `json:"at"`
	Reason string     `json:"reason"`
}

// Rule codes of receipt validation.
const (
	RuleReceiptAt     = "receipt.at.invalid"
	RuleReceiptReason = "receipt.reason.empty"
)

// RecordReceipt records when a unit's tables arrived (office only),
// replacing an earlier record: lateness is then decided from the earlier
// of that time and the first submission in the system. Errors: ENOTFOUND
// (plan, unit, or a unit without tables), EFORBIDDEN, ESTATE (the tables
// were never submitted, or the year's result is published), EVALIDATION
// (no time, a time in the future or not before the first submission, no
// reason).
func (s *Service) RecordReceipt(ctx context.Context, a Actor, year int, unit string, in ReceiptInput) (*workflow.Receipt, error) {
	if err := a.checkUnit(unit, workflow.RoleOffice); err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var out *workflow.Receipt
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, sub, err := planSubmission(tx, year, unit)
		if err != nil {
			return err
		}
		if sub.FirstSubmittedAt == nil {
			return workflow.Errorf(workflow.ESTATE, "单位“%s”的指标表尚未在系统中报送，报送后才能登记实际收到时间", unit)
		}
		if err := notPublished(tx, year); err != nil {
			return err
		}
		var vs []workflow.Violation
		switch {
		case in.At == nil:
			vs = append(vs, workflow.Violation{Path: "at", Rule: RuleReceiptAt, Message: "须填写实际收到时间"})
		case in.At.After(now):
			vs = append(vs, workflow.Violation{Path: "at", Rule: RuleReceiptAt, Message: "实际收到时间不能晚于现在"})
		case !in.At.Before(*sub.FirstSubmittedAt):
			vs = append(vs, workflow.Violation{Path: "at", Rule: RuleReceiptAt,
				Message: fmt.Sprintf("实际收到时间应早于系统中首次报送的时间（%s）", p.FormatTime(*sub.FirstSubmittedAt))})
		}
		if in.Reason == "" || utf8.RuneCountInString(in.Reason) > workflow.MaxTextRunes {
			vs = append(vs, workflow.Violation{Path: "reason", Rule: RuleReceiptReason, Message: fmt.Sprintf("须写明收到的方式和依据（不超过%d字）", workflow.MaxTextRunes)})
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "收到时间登记有误", Details: vs}
		}
		r := &workflow.Receipt{Year: year, Unit: unit, At: *in.At, Reason: in.Reason, By: a.Username, RecordedAt: now}
		if err := tx.PutReceipt(r); err != nil {
			return err
		}
		out = r
		return audit(tx, now, a, unit, "submission.received", workflow.SubmissionRef(year, unit),
			fmt.Sprintf("实际收到于%s（系统中首次报送于%s）：%s", p.FormatTime(r.At), p.FormatTime(*sub.FirstSubmittedAt), r.Reason))
	})
	return out, err
}

// ClearReceipt removes a unit's receipt record (office only): lateness is
// decided from the first submission again. Errors: ENOTFOUND (none
// recorded), EFORBIDDEN, ESTATE once the year's result is published.
func (s *Service) ClearReceipt(ctx context.Context, a Actor, year int, unit string) error {
	return s.beforePublication(ctx, a, year, unit, func(tx Tx, now time.Time) error {
		if err := tx.DeleteReceipt(year, unit); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "submission.received.clear", workflow.SubmissionRef(year, unit), "撤销实际收到时间登记")
	})
}

// receiptOf returns a unit's receipt of the year, or nil.
func receiptOf(tx Tx, year int, unit string) (*workflow.Receipt, error) {
	rs, err := tx.Receipts(year, unit)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}
