package service

import (
	"context"
	"fmt"
	"io"
	"kaohe/workflow"
	"strings"
	"time"
	"unicode/utf8"
)

// ObjectionInput is a unit's objection to one line of its published
// result: the line's ref (ResultLine.Ref) and the unit's reasons.
type ObjectionInput struct {
	Ref  string `json:"ref"`
	Text string `json:"text"`
}

// AnswerInput is the office's answer to an objection: accept or reject,
// why, and for an acceptance the correction it makes.
type AnswerInput struct {
	Verdict    string           `json:"verdict"`
	Reason     string           `json:"reason"`
	Correction *CorrectionInput `json:"correction"`
}

// CorrectionInput is what an accepted objection corrects: a waiver of a
// deduction (its ref defaults to the objection's), a changed review of a
// node (its ref, a node path, defaults to the objection's), or both.
type CorrectionInput struct {
	Waiver *RefPoints `json:"waiver"`
	Review *RefPoints `json:"review"`
}

// RefPoints names a line and the points it should carry.
type RefPoints struct {
	Ref    string           `json:"ref"`
	Points *workflow.Points `json:"points"`
}

// Rule codes of objection and answer validation.
const (
	RuleObjectionRef        = "objection.ref.unknown"
	RuleObjectionText       = "objection.text.empty"
	RuleAnswerVerdict       = "answer.verdict.invalid"
	RuleAnswerReason        = "answer.reason.empty"
	RuleAnswerCorrection    = "answer.correction.missing"
	RuleCorrectionNode      = "correction.review.node"
	RuleCorrectionPoints    = "correction.review.points"
	RuleCorrectionUnchanged = "correction.review.unchanged"
)

// checkObjection is every check of an objection that needs neither its
// text nor its files: a may see the unit (ENOTFOUND), is that unit's
// account (EFORBIDDEN), the year's result is published with an objection
// period that has not ended (ESTATE), and files more fit the limit
// (ETOOLARGE). It returns the plan and the published run.
func (s *Service) checkObjection(tx Tx, a Actor, year int, unit string, now time.Time, files int) (*workflow.Plan, *workflow.ScoringRun, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, nil, err
	}
	if err := a.requireRole(workflow.RoleUnit); err != nil {
		return nil, nil, workflow.Errorf(workflow.EFORBIDDEN, "只有被考核单位可以对本单位的考核结果提出异议")
	}
	p, err := planUnit(tx, year, unit)
	if err != nil {
		return nil, nil, err
	}
	run, err := latestPublished(tx, year)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case run == nil:
		return nil, nil, workflow.Errorf(workflow.ESTATE, "%d年度考核结果尚未发布，发布后方可在公示期内提出异议", year)
	case run.ObjectionPeriodEnds == nil:
		return nil, nil, workflow.Errorf(workflow.ESTATE, "%d年度考核结果发布时未设公示期，不能提出异议", year)
	case !now.Before(*run.ObjectionPeriodEnds):
		return nil, nil, workflow.Errorf(workflow.ESTATE, "%d年度考核结果的公示期已于%s结束，不能再提出异议", year, p.FormatTime(*run.ObjectionPeriodEnds))
	}
	if max := s.Limits().MaxFiles; files > max {
		return nil, nil, workflow.Errorf(workflow.ETOOLARGE, "每项异议最多%d个材料文件", max)
	}
	return p, run, nil
}

// CheckObjection runs the checks of FileObjection that need neither the
// text nor the files, and writes nothing, so that an upload that cannot be
// taken is refused before its body is read.
func (s *Service) CheckObjection(ctx context.Context, a Actor, year int, unit string) error {
	return s.view(ctx, func(tx Tx, now time.Time) error {
		_, _, err := s.checkObjection(tx, a, year, unit, now, 0)
		return err
	})
}

// FileObjection records a unit's objection to one line of its own
// published result, during the objection period, with optional evidence
// files (the upload rules of node evidence). It takes ownership of the
// staged files: kept when the objection is recorded, discarded otherwise.
// Errors: ENOTFOUND (plan, unit, another unit's), EFORBIDDEN (not that
// unit's account), ESTATE (not published, or the period has ended),
// EVALIDATION (a ref that names no line of the unit's result, no text),
// ETOOLARGE (too many files), EUNAVAILABLE (the evidence store cannot be
// reached: nothing recorded).
func (s *Service) FileObjection(ctx context.Context, a Actor, year int, unit string, in ObjectionInput, files []Upload) (*workflow.Objection, error) {
	defer s.DiscardEvidence(files)
	in.Ref, in.Text = strings.TrimSpace(in.Ref), strings.TrimSpace(in.Text)
	check := func(tx Tx, now time.Time) (*workflow.Plan, *workflow.ScoringRun, string, error) {
		p, run, err := s.checkObjection(tx, a, year, unit, now, len(files))
		if err != nil {
			return nil, nil, "", err
		}
		r, err := publishedResult(tx, run, unit)
		if err != nil {
			return nil, nil, "", err
		}
		var vs []workflow.Violation
		line, err := lineOf(tx, p, r, in.Ref)
		if e, ok := err.(*workflow.Error); ok && e.Code == workflow.EVALIDATION {
			vs = append(vs, e.Details...)
		} else if err != nil {
			return nil, nil, "", err
		}
		if in.Text == "" || utf8.RuneCountInString(in.Text) > maxNoteRunes {
			vs = append(vs, workflow.Violation{Path: "text", Rule: RuleObjectionText, Message: fmt.Sprintf("须写明异议的理由（不超过%d字）", maxNoteRunes)})
		}
		if len(vs) > 0 {
			return nil, nil, "", &workflow.Error{Code: workflow.EVALIDATION, Message: "异议内容有误", Details: vs}
		}
		return p, run, line, nil
	}
	if err := s.keepChecked(ctx, files, func(tx Tx, now time.Time) error {
		_, _, _, err := check(tx, now)
		return err
	}); err != nil {
		return nil, err
	}
	var out *workflow.Objection
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		_, run, line, err := check(tx, now)
		if err != nil {
			return err
		}
		o := &workflow.Objection{Year: year, Unit: unit, Ref: in.Ref, Line: line, Text: in.Text, Run: run.ID, By: a.Username, At: now,
			Files: make([]workflow.ObjectionFile, 0, len(files))}
		names := make([]string, 0, len(files))
		for _, f := range files {
			name := workflow.DisplayName(f.Name)
			o.Files = append(o.Files, workflow.ObjectionFile{Name: name, Size: f.File.Size, SHA256: f.File.SHA256, Type: f.File.Type,
				UploadedAt: now, UploadedBy: a.Username})
			names = append(names, name)
		}
		if err := tx.AddObjection(o); err != nil {
			return err
		}
		out = o
		detail := fmt.Sprintf("对“%s”提出异议：%s", o.Ref, o.Text)
		if len(names) > 0 {
			detail += fmt.Sprintf("; %d个文件: %s", len(names), strings.Join(names, "、"))
		}
		return audit(tx, now, a, unit, "objection.file", objectionTarget(o.ID), detail)
	})
	return out, err
}

// Objections lists a unit's objections of the year with their answers, by
// ID (office, viewers and that unit).
func (s *Service) Objections(ctx context.Context, a Actor, year int, unit string) ([]workflow.Objection, error) {
	return unitList(s, ctx, a, year, unit, func(tx Tx) ([]workflow.Objection, error) {
		return tx.Objections(ObjectionFilter{Year: year, Unit: unit})
	})
}

// ObjectionQueue lists every unit's objections of the year, by ID: state
// "open" the unanswered ones, "answered" the answered ones, "" all (office
// and viewers; EVALIDATION for another state).
func (s *Service) ObjectionQueue(ctx context.Context, a Actor, year int, state string) ([]workflow.Objection, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	f := ObjectionFilter{Year: year}
	switch state {
	case "":
	case "open":
		f.Open = true
	case "answered":
		f.Answered = true
	default:
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "查询条件有误",
			Details: []workflow.Violation{{Path: "state", Rule: "objection.state.invalid", Message: "state 应为 open 或 answered"}}}
	}
	var out []workflow.Objection
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		os, err := tx.Objections(f)
		out = os
		return err
	})
	return out, err
}

// loadObjection returns objection id if a may see it; another unit's
// objection is ENOTFOUND like one that does not exist.
func loadObjection(tx Tx, a Actor, id int64) (*workflow.Objection, error) {
	o, err := tx.Objection(id)
	return visible(o, err, func(o *workflow.Objection) bool { return a.SeesUnit(o.Unit) }, "异议", id)
}

// Objection returns one objection with its files and answer (office,
// viewers and its unit; ENOTFOUND otherwise).
func (s *Service) Objection(ctx context.Context, a Actor, id int64) (*workflow.Objection, error) {
	return viewValue(s, ctx, func(tx Tx, _ time.Time) (*workflow.Objection, error) { return loadObjection(tx, a, id) })
}

// AnswerObjection records the office's answer to an open objection, in one
// transaction with its correction: a rejection changes nothing; an
// acceptance waives or reduces a deduction (a waiver granted by the
// objection, replacing one in force for the same deduction) or changes a
// node's review (a new review accepting it with the corrected points), or
// both. The next run applies the correction, and publishing it publishes
// the correction. The unit's contacts are emailed the answer by the
// reminder pass. Answers may come after the period has ended. Errors:
// ENOTFOUND, EFORBIDDEN (not the office), ESTATE (answered already),
// EVALIDATION (verdict, reason, a missing or stray correction, a waiver or
// review that does not fit the unit's lines).
func (s *Service) AnswerObjection(ctx context.Context, a Actor, id int64, in AnswerInput) (*workflow.Objection, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	var out *workflow.Objection
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		o, err := loadObjection(tx, a, id)
		if err != nil {
			return err
		}
		if err := a.requireRole(workflow.RoleOffice); err != nil {
			return err
		}
		if !o.Open() {
			return workflow.Errorf(workflow.ESTATE, "异议%d已经答复（%s）", o.ID, workflow.VerdictLabel(o.Verdict))
		}
		p, err := planOf(tx, o.Year)
		if err != nil {
			return err
		}
		vs := answerViolations(in)
		var c workflow.Correction
		var apply []func() error
		if len(vs) == 0 && in.Verdict == workflow.VerdictAccept {
			c, apply, vs, err = s.answerCorrection(tx, a, p, o, in, now)
			if err != nil {
				return err
			}
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "答复内容有误", Details: vs}
		}
		for _, fn := range apply {
			if err := fn(); err != nil {
				return err
			}
		}
		t := now
		o.Verdict, o.Answer, o.AnsweredBy, o.AnsweredAt = in.Verdict, in.Reason, a.Username, &t
		if in.Verdict == workflow.VerdictAccept {
			o.Correction = &c
		}
		if err := tx.AnswerObjection(o); err != nil {
			return err
		}
		out = o
		detail := workflow.VerdictLabel(o.Verdict) + "：" + o.Answer
		if d := o.Correction.Describe(o.Ref); d != "" {
			detail += "；" + d
		}
		return audit(tx, now, a, o.Unit, "objection.answer", objectionTarget(o.ID), detail)
	})
	return out, err
}

// answerViolations checks an answer's verdict, reason and whether it
// carries a correction, as its verdict requires.
func answerViolations(in AnswerInput) []workflow.Violation {
	var vs []workflow.Violation
	bad := func(path, rule, msg string) {
		vs = append(vs, workflow.Violation{Path: path, Rule: rule, Message: msg})
	}
	switch in.Verdict {
	case workflow.VerdictAccept:
		if in.Correction == nil || (in.Correction.Waiver == nil && in.Correction.Review == nil) {
			bad("correction", RuleAnswerCorrection, "异议成立时须给出更正：减免扣分（waiver）或更改节点得分（review）")
		}
	case workflow.VerdictReject:
		if in.Correction != nil {
			bad("correction", RuleAnswerCorrection, "异议不成立时不作更正")
		}
	default:
		bad("verdict", RuleAnswerVerdict, "答复结论应为 accept（成立）或 reject（不成立）")
	}
	if in.Reason == "" || utf8.RuneCountInString(in.Reason) > maxNoteRunes {
		bad("reason", RuleAnswerReason, fmt.Sprintf("须写明答复理由（不超过%d字）", maxNoteRunes))
	}
	return vs
}

// answerCorrection checks the correction of an accepting answer and
// returns it with the writes that make it, and what does not fit the
// unit's lines.
func (s *Service) answerCorrection(tx Tx, a Actor, p *workflow.Plan, o *workflow.Objection, in AnswerInput, now time.Time) (
	c workflow.Correction, apply []func() error, vs []workflow.Violation, err error) {
	if w := in.Correction.Waiver; w != nil {
		fn, wc, wvs, err := s.waiverCorrection(tx, a, p, o, w, in.Reason, now)
		if err != nil {
			return c, nil, nil, err
		}
		vs, c.Waiver = append(vs, wvs...), wc
		apply = append(apply, fn)
	}
	if r := in.Correction.Review; r != nil {
		fn, rc, rvs, err := reviewCorrection(tx, a, p, o, r, in.Reason, now)
		if err != nil {
			return c, nil, nil, err
		}
		vs, c.Review = append(vs, rvs...), rc
		apply = append(apply, fn)
	}
	return c, apply, vs, nil
}

// waiverCorrection checks the waiver an acceptance grants and returns the
// write that grants it (replacing a waiver in force for the same
// deduction), filling in wc's waiver ID when it runs.
func (s *Service) waiverCorrection(tx Tx, a Actor, p *workflow.Plan, o *workflow.Objection, in *RefPoints, reason string, now time.Time) (func() error, *workflow.WaiverCorrection, []workflow.Violation, error) {
	ref := strings.TrimSpace(in.Ref)
	if ref == "" {
		ref = o.Ref
	}
	r, err := liveResult(tx, p, o.Unit, now, false)
	if err != nil {
		return nil, nil, nil, err
	}
	original, vs := checkWaiver(r, ref, in.Points, reason, "correction.waiver.")
	if len(vs) > 0 {
		return nil, nil, vs, nil
	}
	wc := &workflow.WaiverCorrection{Ref: ref, Original: original, Points: *in.Points}
	fn := func() error {
		ws, err := tx.Waivers(p.Year, o.Unit)
		if err != nil {
			return err
		}
		for _, w := range ws {
			if w.Ref == ref && w.WithdrawnAt == nil {
				if err := tx.WithdrawWaiver(p.Year, o.Unit, w.ID, now, a.Username); err != nil {
					return err
				}
				if err := audit(tx, now, a, o.Unit, "waiver.withdraw", waiverTarget(w.ID),
					fmt.Sprintf("%s：由异议%d的更正取代", w.Ref, o.ID)); err != nil {
					return err
				}
			}
		}
		w := &workflow.Waiver{Year: p.Year, Unit: o.Unit, Ref: ref, Points: *in.Points, Reason: fmt.Sprintf("异议%d成立：%s", o.ID, reason),
			By: a.Username, At: now, Objection: o.ID}
		if err := tx.AddWaiver(w); err != nil {
			return err
		}
		wc.WaiverID = w.ID
		return audit(tx, now, a, o.Unit, "waiver.add", waiverTarget(w.ID), fmt.Sprintf("%s：原扣%s分，减免后扣%s分；%s", ref, original, w.Points, w.Reason))
	}
	return fn, wc, nil, nil
}

// reviewCorrection checks the changed review an acceptance makes and
// returns the write that makes it: a review accepting the node with the
// corrected points, outside the execution state machine (the tables are
// scored by then), filling in rc's review ID when it runs.
func reviewCorrection(tx Tx, a Actor, p *workflow.Plan, o *workflow.Objection, in *RefPoints, reason string, now time.Time) (func() error, *workflow.ReviewCorrection, []workflow.Violation, error) {
	ref := strings.TrimSpace(in.Ref)
	if ref == "" {
		ref = o.Ref
	}
	var vs []workflow.Violation
	bad := func(field, rule, msg string) {
		vs = append(vs, workflow.Violation{Path: "correction.review." + field, Rule: rule, Message: msg})
	}
	pos, ok := workflow.ParseNodeRef(ref)
	if !ok {
		bad("ref", RuleCorrectionNode, fmt.Sprintf("“%s”不是节点（应如 business[2].works[0].nodes[1]）", ref))
		return nil, nil, vs, nil
	}
	n, err := nodeAt(tx, p.Year, o.Unit, pos)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		bad("ref", RuleCorrectionNode, fmt.Sprintf("单位“%s”没有节点%s", o.Unit, ref))
		return nil, nil, vs, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	before := workflow.Points(0)
	if n.State == workflow.NodeAccepted {
		before = n.Awarded
	}
	switch {
	case n.ReportedAt == nil:
		bad("ref", RuleCorrectionNode, "该节点没有报送佐证材料，不能更改得分（可减免其扣分）")
	case in.Points == nil || *in.Points < 0 || *in.Points > n.Points:
		bad("points", RuleCorrectionPoints, fmt.Sprintf("得分应在0至%s分之间", n.Points))
	case !in.Points.Multiple(workflow.ReviewStep):
		bad("points", RuleCorrectionPoints, "得分的最小单位为0.5分")
	case n.State == workflow.NodeAccepted && *in.Points == n.Awarded:
		bad("points", RuleCorrectionUnchanged, fmt.Sprintf("节点已得%s分，更正应改变得分", n.Awarded))
	}
	if len(vs) > 0 {
		return nil, nil, vs, nil
	}
	rc := &workflow.ReviewCorrection{Ref: ref, NodeID: n.ID, Before: before, Points: *in.Points}
	fn := func() error {
		rv := &workflow.Review{NodeID: n.ID, Year: n.Year, Unit: n.Unit, Verdict: workflow.VerdictAccept, Points: *in.Points,
			Comment: fmt.Sprintf("异议%d成立，更正得分：%s", o.ID, reason), By: a.Username, At: now}
		if err := tx.AddReview(rv); err != nil {
			return err
		}
		prev := n.Version
		t := now
		n.State, n.Awarded, n.ReviewedAt, n.Version = workflow.NodeAccepted, *in.Points, &t, n.Version+1
		if err := tx.UpdateNode(n, prev); err != nil {
			return err
		}
		rc.ReviewID = rv.ID
		return audit(tx, now, a, n.Unit, "node.review", nodeTarget(n.ID), fmt.Sprintf("异议%d更正：得分由%s分改为%s分", o.ID, before, n.Awarded))
	}
	return fn, rc, nil, nil
}

// ObjectionFile returns the row of a file of objection id to the office
// and the objection's unit (ENOTFOUND otherwise, and for a file of
// another objection): what a download needs.
func (s *Service) ObjectionFile(ctx context.Context, a Actor, id, file int64) (*workflow.ObjectionFile, error) {
	var out *workflow.ObjectionFile
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if a.Role != workflow.RoleOffice && a.Role != workflow.RoleUnit {
			return workflow.Errorf(workflow.ENOTFOUND, "异议材料%d不存在", file)
		}
		o, err := loadObjection(tx, a, id)
		if err != nil {
			return err
		}
		f, err := tx.ObjectionFile(file)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND || (err == nil && f.Objection != o.ID) {
			return workflow.Errorf(workflow.ENOTFOUND, "异议材料%d不存在", file)
		}
		out = f
		return err
	})
	return out, err
}

// ObjectionFileContent opens the content of f, a row a caller was allowed
// to read (ObjectionFile): EUNAVAILABLE when the store cannot be reached.
// The caller closes it.
func (s *Service) ObjectionFileContent(ctx context.Context, f *workflow.ObjectionFile) (io.ReadSeekCloser, error) {
	return s.files.Open(ctx, f.SHA256)
}

// objectionTarget names an objection in the audit log.
func objectionTarget(id int64) string { return fmt.Sprintf("objection:%d", id) }
