package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"kaohe/workflow"
	"sort"
	"strings"
	"time"
)

// SubmissionView is a submission as clients read it: the document's three
// tables flattened beside the state, version and dates. The office's comment
// and comments are present while the submission is returned.
type SubmissionView struct {
	Year             int            `json:"year"`
	Unit             string         `json:"unit"`
	State            workflow.State `json:"state"`
	Version          int            `json:"version"`
	SubmittedAt      *time.Time     `json:"submitted_at"`
	FirstSubmittedAt *time.Time     `json:"first_submitted_at"`
	// Late says the tables arrived after the deadline: the first
	// submission, or the earlier time the office recorded them received
	// (Received).
	Late     bool              `json:"late"`
	Received *workflow.Receipt `json:"received,omitempty"`
	Comment  string            `json:"comment,omitempty"`
	Comments map[string]string `json:"comments,omitempty"`
	// InnovationCertified is the office's decision on each innovation item,
	// present once the submission is certified.
	InnovationCertified []bool               `json:"innovation_certified,omitempty"`
	Warnings            []workflow.Violation `json:"warnings,omitempty"`
	workflow.Document
	UpdatedAt time.Time `json:"updated_at"`
}

func viewOf(s *workflow.Submission) *SubmissionView {
	v := &SubmissionView{
		Year: s.Year, Unit: s.Unit, State: s.State, Version: s.Version,
		SubmittedAt: s.SubmittedAt, FirstSubmittedAt: s.FirstSubmittedAt, Late: s.Late,
		Document: s.Doc, UpdatedAt: s.UpdatedAt,
	}
	v.Document.Normalize()
	if s.State == workflow.StateReturned {
		v.Comment, v.Comments = s.Comment, s.Comments
	}
	if s.State == workflow.StateCertified || s.State == workflow.StateExecuting || s.State == workflow.StateScored {
		v.InnovationCertified = s.Certified
	}
	return v
}

// SubmissionSummary is one line of the office's overview: every unit of the
// plan, with "none" as state when it has not started its tables.
type SubmissionSummary struct {
	Unit        string     `json:"unit"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	Version     int        `json:"version"`
	SubmittedAt *time.Time `json:"submitted_at"`
	Late        bool       `json:"late"`
	// Unreachable says no contact of the unit has an email address:
	// reminders cannot reach it by mail.
	Unreachable bool `json:"unreachable"`
}

func (s *Service) submissionScope(a Actor, unit string) error {
	if err := a.checkUnit(unit); err != nil {
		return err
	}
	return nil
}

// planSubmission reads the plan of year and unit's submission (ENOTFOUND
// for either).
func planSubmission(tx Tx, year int, unit string) (*workflow.Plan, *workflow.Submission, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, nil, err
	}
	sub, err := loadSubmission(tx, year, unit)
	if err != nil {
		return nil, nil, err
	}
	return p, sub, nil
}

// loadSubmission reads unit's submission of year (ENOTFOUND before its
// first save).
func loadSubmission(tx Tx, year int, unit string) (*workflow.Submission, error) {
	sub, err := tx.Submission(year, unit)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, notSaved(year, unit)
	}
	return sub, err
}

// notSaved is the error of a unit without a submission for year.
func notSaved(year int, unit string) error {
	return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”尚未填报%d年度指标表", unit, year)
}

// GetSubmission returns a unit's submission (ENOTFOUND before its first
// save, when the plan does not exist, or when a may not see the unit).
func (s *Service) GetSubmission(ctx context.Context, a Actor, year int, unit string) (*SubmissionView, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, err
	}
	var out *SubmissionView
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		sub, err := loadSubmission(tx, year, unit)
		if err != nil {
			return noSubmission(tx, year, err)
		}
		out = viewOf(sub)
		rc, err := receiptOf(tx, year, unit)
		if err != nil {
			return err
		}
		if rc != nil {
			p, err := planOf(tx, year)
			if err != nil {
				return err
			}
			out.Received, out.Late = rc, lateArrival(p, sub, rc)
		}
		return nil
	})
	return out, err
}

// noSubmission is the error of a submission that could not be read: a
// missing plan says so rather than that the unit has not started.
func noSubmission(tx Tx, year int, err error) error {
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		if _, perr := planOf(tx, year); perr != nil {
			return perr
		}
	}
	return err
}

// GetSubmissionJSON is GetSubmission encoded: byte for byte what
// encoding/json makes of its view, but written around the document as
// stored rather than decoding the document and encoding it again. A unit
// reading its own tables is the commonest request of a deadline day, and
// the document is nearly all of it (TestSubmissionJSONIsTheView). Same
// errors as GetSubmission.
func (s *Service) GetSubmissionJSON(ctx context.Context, a Actor, year int, unit string) ([]byte, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, err
	}
	var sub *workflow.Submission
	var doc string
	var rc *workflow.Receipt
	late := false
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		var err error
		sub, rc, doc, err = tx.SubmissionJSON(year, unit)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			err = workflow.Errorf(workflow.ENOTFOUND, "单位“%s”尚未填报%d年度指标表", unit, year)
		}
		if err != nil {
			return noSubmission(tx, year, err)
		}
		if rc == nil {
			return nil
		}
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		late = lateArrival(p, sub, rc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// As GetSubmission: a receipt of the tables says when they arrived.
	return viewJSON(sub, doc, func(v *SubmissionView) {
		if rc != nil {
			v.Received, v.Late = rc, late
		}
	})
}

// emptyDocumentJSON is how an empty normalized document's members encode
// inside a view.
var emptyDocumentJSON = []byte(`"party":[],"business":[],"innovation":[]`)

// viewJSON encodes the view of sub, completed by finish, whose document
// is stored as doc. A
// document as the service stores it (normalized, then encoded by
// encoding/json: compact, HTML-escaped, its three members in order, no
// null) is put in place of the members of an empty one; anything else is
// decoded and encoded the slow way. Keys inside the view's other strings
// are escaped ("\"party\""), so the empty members occur once.
func viewJSON(sub *workflow.Submission, doc string, finish func(*SubmissionView)) ([]byte, error) {
	if !storedCanonically(doc) {
		if err := json.Unmarshal([]byte(doc), &sub.Doc); err != nil {
			return nil, fmt.Errorf("stored document of %s: %w", workflow.SubmissionRef(sub.Year, sub.Unit), err)
		}
		v := viewOf(sub)
		finish(v)
		return json.Marshal(v)
	}
	sub.Doc = workflow.Document{}
	v := viewOf(sub)
	finish(v)
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(b, emptyDocumentJSON)
	if i < 0 {
		return nil, fmt.Errorf("view of %s: no document members", workflow.SubmissionRef(sub.Year, sub.Unit))
	}
	members := doc[1 : len(doc)-1]
	out := make([]byte, 0, len(b)+len(members))
	out = append(out, b[:i]...)
	out = append(out, members...)
	return append(out, b[i+len(emptyDocumentJSON):]...), nil
}

// storedCanonically reports whether doc is a normalized document as
// encoding/json writes it: {"party":[…],"business":[…],"innovation":[…]}
// with no null anywhere (a null in a string only sends it the slow way).
// Only the store's encoding of a workflow.Document is ever stored, so an
// array first and last means all three members, in that order.
func storedCanonically(doc string) bool {
	return strings.HasPrefix(doc, `{"party":[`) && strings.HasSuffix(doc, `]}`) && !strings.Contains(doc, "null")
}

// lateArrival says whether a submission's tables arrived after the
// deadline, counting the receipt rc (nil: none).
func lateArrival(p *workflow.Plan, sub *workflow.Submission, rc *workflow.Receipt) bool {
	at := workflow.ArrivedAt(sub.FirstSubmittedAt, rc)
	if at == nil {
		return sub.Late
	}
	return workflow.DaysLate(p, *at) > 0
}

// yearUnits reads the plan of year, the units a sees (in the store's
// order) and their submissions of the year by unit code: what every list of
// a year's units starts from.
func yearUnits(tx Tx, a Actor, year int) (*workflow.Plan, []workflow.Unit, map[string]workflow.Submission, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := tx.Units()
	if err != nil {
		return nil, nil, nil, err
	}
	subs, err := tx.Submissions(year)
	if err != nil {
		return nil, nil, nil, err
	}
	var units []workflow.Unit
	for _, u := range all {
		if a.SeesUnit(u.Code) {
			units = append(units, u)
		}
	}
	byUnit := map[string]workflow.Submission{}
	for _, sub := range subs {
		byUnit[sub.Unit] = sub
	}
	return p, units, byUnit, nil
}

// Submissions lists every unit a may see with the state of its submission.
func (s *Service) Submissions(ctx context.Context, a Actor, year int) ([]SubmissionSummary, error) {
	out := []SubmissionSummary{}
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		p, units, byUnit, err := yearUnits(tx, a, year)
		if err != nil {
			return err
		}
		rs, err := tx.Receipts(year, "")
		if err != nil {
			return err
		}
		received := map[string]*workflow.Receipt{}
		for i := range rs {
			received[rs[i].Unit] = &rs[i]
		}
		contacts, err := tx.ContactAddresses()
		if err != nil {
			return err
		}
		for _, u := range units {
			line := SubmissionSummary{Unit: u.Code, Name: u.Name, State: workflow.StateNone, Unreachable: !workflow.Reachable(contacts[u.Code])}
			if sub, ok := byUnit[u.Code]; ok {
				line.State, line.Version, line.SubmittedAt, line.Late = string(sub.State), sub.Version, sub.SubmittedAt, sub.Late
				if rc := received[u.Code]; rc != nil {
					line.Late = lateArrival(p, &sub, rc)
				}
			}
			out = append(out, line)
		}
		return nil
	})
	return out, err
}

// PutSubmission saves a unit's draft. version is the version the client last
// read, 0 to create. It returns created=true for the first save, ESTATE
// outside draft and returned, ESTALE when version is not the stored one.
func (s *Service) PutSubmission(ctx context.Context, a Actor, year int, unit string, version int, doc workflow.Document) (*SubmissionView, bool, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, false, err
	}
	if err := a.requireRole(workflow.RoleUnit, workflow.RoleOffice); err != nil {
		return nil, false, err
	}
	doc.Normalize()
	var out *SubmissionView
	created := false
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		if _, err := planUnit(tx, year, unit); err != nil {
			return err
		}
		sub, err := tx.Submission(year, unit)
		switch {
		case workflow.ErrorCode(err) == workflow.ENOTFOUND:
			if version != 0 {
				return workflow.Errorf(workflow.ESTALE, "指标表尚未创建，新建时 version 应为0")
			}
			sub = &workflow.Submission{Year: year, Unit: unit, State: workflow.StateDraft, Version: 1, Doc: doc, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateSubmission(sub); err != nil {
				if workflow.ErrorCode(err) == workflow.ECONFLICT {
					return workflow.Errorf(workflow.ESTALE, "指标表已由他人创建，请刷新后再修改")
				}
				return err
			}
			created = true
		case err != nil:
			return err
		default:
			if _, err := workflow.Next(sub.State, workflow.ActionSave, a.Role); err != nil {
				return err
			}
			if version != sub.Version {
				return staleError(sub.Version, version)
			}
			prev := sub.Version
			sub.Doc, sub.Version, sub.UpdatedAt = doc, sub.Version+1, now
			if err := tx.UpdateSubmission(sub, prev); err != nil {
				return err
			}
		}
		out = viewOf(sub)
		return audit(tx, now, a, unit, "submission.save", workflow.SubmissionRef(year, unit), fmt.Sprintf("version %d", sub.Version))
	})
	return out, created, err
}

// CheckSave runs the checks of PutSubmission that need no document, and
// writes nothing, so that an imported file is refused before it is parsed
// when the draft could not take it: ENOTFOUND (no such plan or unit, or
// another unit's), EFORBIDDEN (a role that may not save), ESTATE (the
// tables are neither a draft nor returned).
func (s *Service) CheckSave(ctx context.Context, a Actor, year int, unit string) error {
	if err := s.submissionScope(a, unit); err != nil {
		return err
	}
	if err := a.requireRole(workflow.RoleUnit, workflow.RoleOffice); err != nil {
		return err
	}
	return s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		sub, err := tx.Submission(year, unit)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = workflow.Next(sub.State, workflow.ActionSave, a.Role)
		return err
	})
}

func staleError(stored, sent int) error {
	return workflow.Errorf(workflow.ESTALE, "指标表已被修改（当前版本%d，提交的版本%d），请刷新后再修改", stored, sent)
}

// ValidateSubmission checks doc, or the stored draft when doc is nil,
// against the plan and the unit's contacts, and stores nothing. It returns
// the warnings when valid and EVALIDATION with every violation when not.
func (s *Service) ValidateSubmission(ctx context.Context, a Actor, year int, unit string, doc *workflow.Document) ([]workflow.Violation, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, err
	}
	var warns []workflow.Violation
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		p, err := planUnit(tx, year, unit)
		if err != nil {
			return err
		}
		if doc == nil {
			sub, err := loadSubmission(tx, year, unit)
			if err != nil {
				return err
			}
			doc = &sub.Doc
		}
		cs, err := tx.Contacts(unit)
		if err != nil {
			return err
		}
		warns, err = validateDoc(p, doc, cs)
		return err
	})
	return warns, err
}

func validateDoc(p *workflow.Plan, doc *workflow.Document, cs []workflow.Contact) ([]workflow.Violation, error) {
	errs, warns := workflow.Validate(p, doc, cs)
	if len(errs) > 0 {
		return warns, &workflow.Error{Code: workflow.EVALIDATION, Message: fmt.Sprintf("指标表有%d处不符合考核方案要求", len(errs)), Details: errs, Warnings: warns}
	}
	return warns, nil
}

// transition loads a submission, checks that action by a is allowed from its
// state and that version (when not nil) is current, and lets change modify
// it before it is written with a new version, a history entry and an audit
// entry, all in one transaction.
func (s *Service) transition(ctx context.Context, a Actor, year int, unit string, version *int, action workflow.Action,
	change func(tx Tx, p *workflow.Plan, sub *workflow.Submission, now time.Time, h *workflow.HistoryEntry) error) (*SubmissionView, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, err
	}
	var out *SubmissionView
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, sub, err := planSubmission(tx, year, unit)
		if err != nil {
			return err
		}
		err = advance(tx, a, sub, action, version, now, func(h *workflow.HistoryEntry) error {
			return change(tx, p, sub, now, h)
		})
		if err != nil {
			return err
		}
		out = viewOf(sub)
		return nil
	})
	return out, err
}

// advance moves sub by action as a: it checks the transition and, when
// version is not nil, that it is the stored one (ESTALE otherwise), lets
// change (may be nil) edit sub and the history entry, then writes sub with
// its new state and version, the history entry and the audit entry. It is
// the one way a submission changes state.
func advance(tx Tx, a Actor, sub *workflow.Submission, action workflow.Action, version *int, now time.Time, change func(h *workflow.HistoryEntry) error) error {
	to, err := workflow.Next(sub.State, action, a.Role)
	if err != nil {
		return err
	}
	if version != nil && *version != sub.Version {
		return staleError(sub.Version, *version)
	}
	prev, from := sub.Version, sub.State
	h := &workflow.HistoryEntry{Year: sub.Year, Unit: sub.Unit, Action: action, State: to, Actor: a.Username, At: now}
	if change != nil {
		if err := change(h); err != nil {
			return err
		}
	}
	sub.State, sub.Version, sub.UpdatedAt = to, sub.Version+1, now
	h.Version = sub.Version
	if err := tx.UpdateSubmission(sub, prev); err != nil {
		return err
	}
	if err := tx.AddHistory(h); err != nil {
		return err
	}
	return audit(tx, now, a, sub.Unit, "submission."+string(action), workflow.SubmissionRef(sub.Year, sub.Unit), fmt.Sprintf("%s → %s", from.Label(), to.Label()))
}

// SubmitRequest submits a submission; Version, when set, must be the
// stored one.
type SubmitRequest struct {
	Version *int `json:"version"`
}

// Submit sends a unit's tables to the office. The document must pass every
// rule (EVALIDATION otherwise). The first submission after the deadline is
// late (迟报), and stays late when resubmitted.
func (s *Service) Submit(ctx context.Context, a Actor, year int, unit string, r SubmitRequest) (*SubmissionView, error) {
	var warns []workflow.Violation
	v, err := s.transition(ctx, a, year, unit, r.Version, workflow.ActionSubmit, func(tx Tx, p *workflow.Plan, sub *workflow.Submission, now time.Time, h *workflow.HistoryEntry) error {
		cs, err := tx.Contacts(unit)
		if err != nil {
			return err
		}
		if warns, err = validateDoc(p, &sub.Doc, cs); err != nil {
			return err
		}
		if sub.FirstSubmittedAt == nil {
			t := now
			sub.FirstSubmittedAt = &t
			sub.Late = now.After(p.DeadlineTime())
		}
		t := now
		sub.SubmittedAt = &t
		sub.Comment, sub.Comments = "", nil
		doc := sub.Doc
		h.Doc = &doc
		return nil
	})
	if v != nil {
		v.Warnings = warns
	}
	return v, err
}

// ReturnRequest is the office's comments on a returned submission: an
// overall comment and comments by indicator code (P1, B3, …, or
// "innovation", "contacts").
type ReturnRequest struct {
	Version  *int              `json:"version"`
	Comment  string            `json:"comment"`
	Comments map[string]string `json:"comments"`
}

// Return sends a submitted table back to the unit with comments (office
// only). At least one comment is required.
func (s *Service) Return(ctx context.Context, a Actor, year int, unit string, r ReturnRequest) (*SubmissionView, error) {
	return s.transition(ctx, a, year, unit, r.Version, workflow.ActionReturn, func(tx Tx, p *workflow.Plan, sub *workflow.Submission, now time.Time, h *workflow.HistoryEntry) error {
		comments := map[string]string{}
		var vs []workflow.Violation
		for k, c := range r.Comments {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			if !commentKey(p, k) {
				vs = append(vs, workflow.Violation{Path: "comments." + k, Rule: "return.comment.key", Message: "“" + k + "”不是指标代码"})
			}
			comments[k] = c
		}
		r.Comment = strings.TrimSpace(r.Comment)
		if r.Comment == "" && len(comments) == 0 {
			vs = append(vs, workflow.Violation{Path: "comment", Rule: "return.comment.empty", Message: "退回时须填写意见"})
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "退回意见有误", Details: vs}
		}
		if len(comments) == 0 {
			comments = nil
		}
		sub.Comment, sub.Comments = r.Comment, comments
		h.Comment, h.Comments = r.Comment, comments
		return nil
	})
}

func commentKey(p *workflow.Plan, k string) bool {
	if k == workflow.CategoryInnovation || k == "contacts" || strings.HasPrefix(k, "innovation[") {
		return true
	}
	_, ok1 := p.Party.Item(k)
	_, ok2 := p.Business.Item(k)
	return ok1 || ok2
}

// InnovationDecision is the office's decision on one innovation item.
type InnovationDecision struct {
	Index     int  `json:"index"`
	Certified bool `json:"certified"`
}

// CertifyRequest certifies a submission with a decision per innovation item;
// an item without a decision is not certified.
type CertifyRequest struct {
	Version    *int                 `json:"version"`
	Innovation []InnovationDecision `json:"innovation"`
}

// Certify certifies a submitted table (认定, office only).
func (s *Service) Certify(ctx context.Context, a Actor, year int, unit string, r CertifyRequest) (*SubmissionView, error) {
	return s.transition(ctx, a, year, unit, r.Version, workflow.ActionCertify, func(tx Tx, p *workflow.Plan, sub *workflow.Submission, now time.Time, h *workflow.HistoryEntry) error {
		dec := make([]bool, len(sub.Doc.Innovation))
		var vs []workflow.Violation
		seen := map[int]bool{}
		for i, d := range r.Innovation {
			path := fmt.Sprintf("innovation[%d].index", i)
			switch {
			case d.Index < 0 || d.Index >= len(dec):
				vs = append(vs, workflow.Violation{Path: path, Rule: "certify.index.range", Message: fmt.Sprintf("创新工作序号%d不存在（共%d项）", d.Index, len(dec))})
			case seen[d.Index]:
				vs = append(vs, workflow.Violation{Path: path, Rule: "certify.index.duplicate", Message: fmt.Sprintf("创新工作序号%d重复", d.Index)})
			default:
				dec[d.Index] = d.Certified
			}
			seen[d.Index] = true
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "认定意见有误", Details: vs}
		}
		sub.Certified = dec
		h.Certified = dec
		return nil
	})
}

// ReleaseResult lists the units whose certified tables were released.
type ReleaseResult struct {
	Released []string `json:"released"`
}

// Release moves every certified submission of the year to executing at once
// (返各单位执行, office only). ESTATE when none is certified.
func (s *Service) Release(ctx context.Context, a Actor, year int) (*ReleaseResult, error) {
	if a.Role != workflow.RoleOffice {
		if _, err := workflow.Next(workflow.StateCertified, workflow.ActionRelease, a.Role); err != nil {
			return nil, err
		}
	}
	res := &ReleaseResult{Released: []string{}}
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		subs, err := tx.Submissions(year)
		if err != nil {
			return err
		}
		sort.Slice(subs, func(i, j int) bool { return subs[i].Unit < subs[j].Unit })
		for i := range subs {
			sub := &subs[i]
			if sub.State != workflow.StateCertified {
				continue
			}
			t := now
			sub.ReleasedAt = &t
			if err := advance(tx, a, sub, workflow.ActionRelease, nil, now, nil); err != nil {
				return err
			}
			if err := createNodes(tx, sub); err != nil {
				return err
			}
			res.Released = append(res.Released, sub.Unit)
		}
		if len(res.Released) == 0 {
			return workflow.Errorf(workflow.ESTATE, "%d年度没有已认定、待下发执行的指标表", year)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// History returns every step of a unit's submission, oldest first: each
// submitted version with its document, each return with its comments.
func (s *Service) History(ctx context.Context, a Actor, year int, unit string) ([]workflow.HistoryEntry, error) {
	if err := s.submissionScope(a, unit); err != nil {
		return nil, err
	}
	var out []workflow.HistoryEntry
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		// Whether the submission exists, without decoding its document.
		_, _, _, err := tx.SubmissionJSON(year, unit)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return notSaved(year, unit)
		}
		if err != nil {
			return err
		}
		out, err = tx.History(year, unit)
		return err
	})
	if out == nil {
		out = []workflow.HistoryEntry{}
	}
	return out, err
}

// createNodes stores the node records of a submission that starts
// executing (ECONFLICT if they exist already).
func createNodes(tx Tx, sub *workflow.Submission) error {
	ns, err := workflow.NodesOf(sub)
	if err != nil || len(ns) == 0 {
		return err
	}
	return tx.CreateNodes(ns)
}
