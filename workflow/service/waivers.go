package service

import (
	"context"
	"fmt"
	"kaohe/workflow"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// WaiverInput is the office's waiver of one deduction of a unit: the
// deduction's ref as a run shows it, the amount that remains (0 waives it)
// and why.
type WaiverInput struct {
	Ref    string           `json:"ref"`
	Points *workflow.Points `json:"points"`
	Reason string           `json:"reason"`
}

// Rule codes of waiver validation.
const (
	RuleWaiverRef    = "waiver.ref.unknown"
	RuleWaiverPoints = "waiver.points.range"
	RuleWaiverReason = "waiver.reason.empty"
)

// liveResult scores one unit now from the current records, with its
// waivers in force or without them: what the next run would give it.
func liveResult(tx Tx, p *workflow.Plan, unit string, now time.Time, withWaivers bool) (*workflow.UnitResult, error) {
	u, err := unitOf(tx, unit)
	if err != nil {
		return nil, err
	}
	yf, err := readYearFacts(tx, p.Year, unit)
	if err != nil {
		return nil, err
	}
	if !withWaivers {
		yf.waivers = nil
	}
	su, err := readScoringBatch(tx, p.Year, []workflow.Unit{*u}, yf)
	if err != nil {
		return nil, err
	}
	sortFacts(&su[0])
	r := workflow.ScoreUnit(p, &su[0], workflow.ScoringOptions{AsOf: now, MonthlyTracked: true})
	return &r, nil
}

// checkWaiver checks a waiver of the deduction named ref against the
// unit's deductions as they would be scored now without waivers: the ref
// must name one, points must be at least 0 and below its amount, and a
// reason must be given. It returns the deduction's amount and the
// violations, located under path ("" or "correction.waiver.").
func checkWaiver(r *workflow.UnitResult, ref string, points *workflow.Points, reason, path string) (workflow.Points, []workflow.Violation) {
	var vs []workflow.Violation
	bad := func(field, rule, msg string) {
		vs = append(vs, workflow.Violation{Path: path + field, Rule: rule, Message: msg})
	}
	var original workflow.Points
	found := false
	for _, d := range r.Deductions {
		if d.Ref == ref {
			original, found = d.Points, true
		}
	}
	switch {
	case !found:
		bad("ref", RuleWaiverRef, fmt.Sprintf("单位“%s”目前没有“%s”这项扣分", r.Unit, ref))
	case points == nil || *points < 0 || *points >= original:
		bad("points", RuleWaiverPoints, fmt.Sprintf("减免后的扣分应不少于0分、少于原扣分%s分（0为免除）", original))
	}
	if reason == "" || utf8.RuneCountInString(reason) > workflow.MaxTextRunes {
		bad("reason", RuleWaiverReason, fmt.Sprintf("须写明减免理由（不超过%d字）", workflow.MaxTextRunes))
	}
	return original, vs
}

// AddWaiver waives or reduces one deduction of a unit (office only); the
// next scoring run applies it, and the breakdown shows the rule's amount,
// the waiver, who granted it and why. Errors: ENOTFOUND (plan, unit),
// EFORBIDDEN, EVALIDATION (the ref names no deduction the unit would be
// scored now, points missing, negative or not below the deduction's
// amount, no reason), ECONFLICT (a waiver of that deduction is in force:
// withdraw it first), ESTATE once the year's result is published
// (corrections then come only from accepted objections, AnswerObjection).
func (s *Service) AddWaiver(ctx context.Context, a Actor, year int, unit string, in WaiverInput) (*workflow.Waiver, error) {
	if err := a.checkUnit(unit, workflow.RoleOffice); err != nil {
		return nil, err
	}
	in.Ref, in.Reason = strings.TrimSpace(in.Ref), strings.TrimSpace(in.Reason)
	var out *workflow.Waiver
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		if err := notPublished(tx, year); err != nil {
			return workflow.Errorf(workflow.ESTATE, "%s；结果发布后只能通过答复异议更正扣分", workflow.ErrorMessage(err))
		}
		r, err := liveResult(tx, p, unit, now, false)
		if err != nil {
			return err
		}
		original, vs := checkWaiver(r, in.Ref, in.Points, in.Reason, "")
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "减免信息有误", Details: vs}
		}
		w := &workflow.Waiver{Year: year, Unit: unit, Ref: in.Ref, Points: *in.Points, Reason: in.Reason, By: a.Username, At: now}
		if err := tx.AddWaiver(w); err != nil {
			return err
		}
		out = w
		return audit(tx, now, a, unit, "waiver.add", waiverTarget(w.ID),
			fmt.Sprintf("%s：原扣%s分，减免后扣%s分；%s", w.Ref, original, w.Points, w.Reason))
	})
	return out, err
}

// Waivers lists a unit's waivers of the year, withdrawn ones included, by
// ID (office, viewers and that unit).
func (s *Service) Waivers(ctx context.Context, a Actor, year int, unit string) ([]workflow.Waiver, error) {
	return unitList(s, ctx, a, year, unit, func(tx Tx) ([]workflow.Waiver, error) { return tx.Waivers(year, unit) })
}

// WithdrawWaiver withdraws a waiver in force (office only): it is kept,
// marked withdrawn, and the next run deducts the rule's amount again.
// Errors: ENOTFOUND (no such waiver in force), EFORBIDDEN, ESTATE once the
// year's result is published.
func (s *Service) WithdrawWaiver(ctx context.Context, a Actor, year int, unit string, id int64) error {
	return s.beforePublication(ctx, a, year, unit, func(tx Tx, now time.Time) error {
		ws, err := tx.Waivers(year, unit)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ws, func(w workflow.Waiver) bool { return w.ID == id && w.WithdrawnAt == nil })
		if i < 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”没有编号为%d的生效减免", unit, id)
		}
		gone := &ws[i]
		if err := tx.WithdrawWaiver(year, unit, id, now, a.Username); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "waiver.withdraw", waiverTarget(id), fmt.Sprintf("%s：减免后扣%s分；%s", gone.Ref, gone.Points, gone.Reason))
	})
}

// waiverTarget names a waiver in the audit log.
func waiverTarget(id int64) string { return fmt.Sprintf("waiver:%d", id) }
