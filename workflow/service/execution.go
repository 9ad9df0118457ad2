package service

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"kaohe/workflow"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// NodeView is a node as clients read it: the stored record with its state
// and colour at the time of the request and its number of current files.
type NodeView struct {
	ID int64 `json:"id"`
	// Ref is the node's path in the document, the ref results, waivers
	// and objections name it by ("business[2].works[0].nodes[1]").
	Ref       string `json:"ref"`
	Year      int    `json:"year"`
	Unit      string `json:"unit"`
	Category  string `json:"category"`
	Indicator string `json:"indicator"`
	ItemIndex int    `json:"item_index"`
	WorkIndex int    `json:"work_index"`
	NodeIndex int    `json:"node_index"`
	Work      string `json:"work"`
	// Due is the checkpoint date the tables set.
	Due workflow.Date `json:"due"`
	// DueAt is the instant the node becomes overdue (Plan.NodeDue).
	DueAt time.Time `json:"due_at"`
	// DueEndsOn is the day the node is due by: Due, or the working day it
	// moved to when Due is a day off; DueLabel writes both for people
	// ("6月30日前（遇休息日顺延至7月1日）").
	DueEndsOn workflow.Date   `json:"due_ends_on"`
	DueLabel  string          `json:"due_label"`
	Points    workflow.Points `json:"points"`
	Target    string          `json:"target"`
	Standard  string          `json:"standard"`
	// EvidenceRequired is the evidence the tables promised (佐证材料).
	EvidenceRequired string             `json:"evidence_required"`
	State            workflow.NodeState `json:"state"`
	StateLabel       string             `json:"state_label"`
	Late             bool               `json:"late"`
	Note             string             `json:"note,omitempty"`
	ReportedAt       *time.Time         `json:"reported_at"`
	// Awarded is null until the node is accepted.
	Awarded       *workflow.Points `json:"awarded"`
	ReviewedAt    *time.Time       `json:"reviewed_at"`
	Colour        workflow.Colour  `json:"colour"`
	EvidenceCount int              `json:"evidence_count"`
	Version       int              `json:"version"`
}

// NodeDetail is one node with its current files and every review.
type NodeDetail struct {
	NodeView
	Evidence []workflow.Evidence `json:"evidence"`
	Reviews  []workflow.Review   `json:"reviews"`
}

// NodeQuery filters a unit's nodes; zero fields select everything.
type NodeQuery struct {
	// State is a stored or derived state (overdue, missing).
	State workflow.NodeState
	// Checkpoint is the due date.
	Checkpoint workflow.Date
	Colour     workflow.Colour
}

// ReviewRequest is the office's decision on a node: accept with points
// (0 to the node's points, in steps of 0.5) or reject with a comment.
// Version, when set, must be the node's current version.
type ReviewRequest struct {
	Verdict string           `json:"verdict"`
	Points  *workflow.Points `json:"points"`
	Comment string           `json:"comment"`
	Version *int             `json:"version"`
}

// maxNoteRunes bounds a report's note and a review's comment.
const maxNoteRunes = 2000

func (s *Service) warning() time.Duration {
	return time.Duration(s.opt.WarningDays) * 24 * time.Hour
}

func (s *Service) nodeView(p *workflow.Plan, n workflow.NodeRecord, now time.Time, files int) NodeView {
	due := p.NodeDue(n.Due, n.Released)
	v := NodeView{
		ID: n.ID, Ref: n.Position().Path(), Year: n.Year, Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
		ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Work: n.Work,
		Due: n.Due, DueAt: due.At.UTC(), DueEndsOn: due.EndsOn, DueLabel: due.Label, Points: n.Points, Target: n.Target, Standard: n.Standard,
		EvidenceRequired: n.Evidence, State: n.StateAt(p, now), Late: n.Late, Note: n.Note,
		ReportedAt: n.ReportedAt, ReviewedAt: n.ReviewedAt, Colour: n.ColourAt(p, now, s.warning()),
		EvidenceCount: files, Version: n.Version,
	}
	v.StateLabel = v.State.Label()
	if n.State == workflow.NodeAccepted {
		aw := n.Awarded
		v.Awarded = &aw
	}
	return v
}

// matches reports whether v passes q.
func (q NodeQuery) matches(v NodeView) bool {
	return (q.State == "" || v.State == q.State) &&
		(q.Checkpoint.IsZero() || v.Due == q.Checkpoint) &&
		(q.Colour == "" || v.Colour == q.Colour)
}

// evidenceCounts counts the current files of each node.
func evidenceCounts(tx Tx, f EvidenceFilter) (map[int64]int, error) {
	es, err := tx.EvidenceList(f)
	if err != nil {
		return nil, err
	}
	out := map[int64]int{}
	for _, e := range es {
		out[e.NodeID]++
	}
	return out, nil
}

// Nodes lists a unit's nodes for year, filtered by q (ENOTFOUND for an
// unknown plan or unit, or a unit a may not see). Before release the list is
// empty.
func (s *Service) Nodes(ctx context.Context, a Actor, year int, unit string, q NodeQuery) ([]NodeView, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	out := []NodeView{}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		p, err := planUnit(tx, year, unit)
		if err != nil {
			return err
		}
		ns, err := tx.Nodes(NodeFilter{Year: year, Unit: unit})
		if err != nil {
			return err
		}
		counts, err := evidenceCounts(tx, EvidenceFilter{Year: year, Unit: unit})
		if err != nil {
			return err
		}
		for _, n := range ns {
			if v := s.nodeView(p, n, now, counts[n.ID]); q.matches(v) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// loadNode returns node id if a may see it; another unit's node is
// ENOTFOUND with the same message as a node that does not exist.
func loadNode(tx Tx, a Actor, id int64) (*workflow.NodeRecord, error) {
	n, err := tx.Node(id)
	return visible(n, err, func(n *workflow.NodeRecord) bool { return a.SeesUnit(n.Unit) }, "节点", id)
}

// nodeDetail reads n's plan and returns detail.
func (s *Service) nodeDetail(tx Tx, n *workflow.NodeRecord, now time.Time) (*NodeDetail, error) {
	p, err := planOf(tx, n.Year)
	if err != nil {
		return nil, err
	}
	return s.detail(tx, p, n, now)
}

// detail returns n with its current files and every review.
func (s *Service) detail(tx Tx, p *workflow.Plan, n *workflow.NodeRecord, now time.Time) (*NodeDetail, error) {
	es, err := tx.EvidenceList(EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
	if err != nil {
		return nil, err
	}
	rs, err := tx.Reviews(n.ID)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []workflow.Evidence{}
	}
	if rs == nil {
		rs = []workflow.Review{}
	}
	return &NodeDetail{NodeView: s.nodeView(p, *n, now, len(es)), Evidence: es, Reviews: rs}, nil
}

// Node returns one node with its files and reviews (ENOTFOUND when absent
// or another unit's).
func (s *Service) Node(ctx context.Context, a Actor, id int64) (*NodeDetail, error) {
	return viewValue(s, ctx, func(tx Tx, now time.Time) (*NodeDetail, error) {
		n, err := loadNode(tx, a, id)
		if err != nil {
			return nil, err
		}
		return s.nodeDetail(tx, n, now)
	})
}

// executing returns ESTATE unless the node's submission is executing.
func executing(tx Tx, n *workflow.NodeRecord) error {
	// The states only: every report and review asks, and decoding the
	// whole document to read its state would cost more than the rest of
	// the request.
	states, err := tx.SubmissionStates(n.Year)
	if err != nil {
		return err
	}
	st, ok := states[n.Unit]
	if !ok {
		return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”尚未填报%d年度指标表", n.Unit, n.Year)
	}
	if st != workflow.StateExecuting {
		return workflow.Errorf(workflow.ESTATE, "指标表当前状态为“%s”，不在执行阶段", st.Label())
	}
	return nil
}

// checkReport is every check of a report that needs no file: the node is
// visible (ENOTFOUND), a is its unit (EFORBIDDEN), the submission is
// executing and the node not accepted (ESTATE), and adding files more keeps
// it within the limit (ETOOLARGE).
func (s *Service) checkReport(tx Tx, a Actor, id int64, files int) (*workflow.NodeRecord, error) {
	n, err := loadNode(tx, a, id)
	if err != nil {
		return nil, err
	}
	if err := a.requireRole(workflow.RoleUnit); err != nil {
		return nil, err
	}
	if err := executing(tx, n); err != nil {
		return nil, err
	}
	switch n.State {
	case workflow.NodePending, workflow.NodeRejected, workflow.NodeReported:
	default:
		return nil, workflow.Errorf(workflow.ESTATE, "节点当前状态为“%s”，不能再上传佐证材料", n.State.Label())
	}
	counts, err := evidenceCounts(tx, EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
	if err != nil {
		return nil, err
	}
	if max := s.Limits().MaxFiles; counts[n.ID]+files > max {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "每个节点最多%d个佐证材料文件，已有%d个", max, counts[n.ID])
	}
	return n, nil
}

// CheckReport runs the checks of ReportNode that need no file, and writes
// nothing, so that an upload to a node that cannot take it is refused before
// its body is read.
func (s *Service) CheckReport(ctx context.Context, a Actor, id int64) error {
	return s.view(ctx, func(tx Tx, _ time.Time) error {
		_, err := s.checkReport(tx, a, id, 0)
		return err
	})
}

// ReportNode adds files (and a note) to a node of a's unit: a pending,
// rejected or overdue node becomes reported, late when after its due time;
// a reported node keeps its report and gains the files. It takes ownership
// of the staged files: kept when the report is accepted, discarded
// otherwise. Errors: ENOTFOUND (absent or another unit's node), EFORBIDDEN
// (not a unit account), ESTATE (submission not executing, node accepted),
// ETOOLARGE (too many files), EVALIDATION (no file, note too long),
// EUNAVAILABLE (the evidence store cannot be reached: nothing recorded).
func (s *Service) ReportNode(ctx context.Context, a Actor, id int64, note string, files []Upload) (*NodeDetail, error) {
	defer s.DiscardEvidence(files)
	note = strings.TrimSpace(note)
	var vs []workflow.Violation
	if len(files) == 0 {
		vs = append(vs, workflow.Violation{Path: "files", Rule: "evidence.files.empty", Message: "请至少上传一个佐证材料文件"})
	}
	if utf8.RuneCountInString(note) > maxNoteRunes {
		vs = append(vs, workflow.Violation{Path: "note", Rule: "evidence.note.long", Message: fmt.Sprintf("说明不能超过%d字", maxNoteRunes)})
	}
	if len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "报送内容有误", Details: vs}
	}
	if err := s.keepChecked(ctx, files, func(tx Tx, _ time.Time) error {
		_, err := s.checkReport(tx, a, id, len(files))
		return err
	}); err != nil {
		return nil, err
	}
	var out *NodeDetail
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		n, err := s.checkReport(tx, a, id, len(files))
		if err != nil {
			return err
		}
		p, err := planOf(tx, n.Year)
		if err != nil {
			return err
		}
		names, err := addEvidence(tx, a, n, note, files, now)
		if err != nil {
			return err
		}
		prev, from := n.Version, n.State
		if n.State != workflow.NodeReported {
			t := now
			n.State, n.ReportedAt, n.Late = workflow.NodeReported, &t, !now.Before(n.DueAt(p))
		}
		if note != "" {
			n.Note = note
		}
		n.Version++
		if err := tx.UpdateNode(n, prev); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s → %s; %d个文件: %s", from.Label(), n.State.Label(), len(files), strings.Join(names, "、"))
		if n.Late && from != workflow.NodeReported {
			detail += "; 逾期报送"
		}
		if err := audit(tx, now, a, n.Unit, "node.report", nodeTarget(n.ID), detail); err != nil {
			return err
		}
		out, err = s.detail(tx, p, n, now)
		return err
	})
	return out, err
}

// keepChecked keeps files in the file store once check, the write
// transaction's own checks, passes in a read-only transaction. Files first,
// rows after: a row never names a missing file. The files are kept outside
// the write transaction, because storing them in an object store takes
// seconds, and after the same checks, so that a refused upload keeps
// nothing (unless it loses a race; a kept file whose row did not commit is
// harmless).
func (s *Service) keepChecked(ctx context.Context, files []Upload, check func(tx Tx, now time.Time) error) error {
	if err := s.view(ctx, check); err != nil {
		return err
	}
	for _, f := range files {
		if err := s.files.Keep(ctx, f.File); err != nil {
			return err
		}
	}
	return nil
}

// addEvidence writes the rows of files already kept; it returns the
// files' display names.
func addEvidence(tx Tx, a Actor, n *workflow.NodeRecord, note string, files []Upload, now time.Time) ([]string, error) {
	names := make([]string, 0, len(files))
	for _, f := range files {
		e := &workflow.Evidence{NodeID: n.ID, Year: n.Year, Unit: n.Unit, Name: workflow.DisplayName(f.Name), Size: f.File.Size,
			SHA256: f.File.SHA256, Type: f.File.Type, Note: note, UploadedAt: now, UploadedBy: a.Username}
		if err := tx.AddEvidence(e); err != nil {
			return nil, err
		}
		names = append(names, e.Name)
	}
	return names, nil
}

// WithdrawEvidence withdraws one of a unit's own files while its node is
// reported or rejected. The row is kept, marked withdrawn; a reported node
// left without files goes back to pending. Errors: ENOTFOUND (absent,
// withdrawn, or another unit's), EFORBIDDEN (not a unit account), ESTATE.
func (s *Service) WithdrawEvidence(ctx context.Context, a Actor, id int64) error {
	return s.update(ctx, func(tx Tx, now time.Time) error {
		e, err := loadEvidence(tx, a, id)
		if err != nil {
			return err
		}
		if err := a.requireRole(workflow.RoleUnit); err != nil {
			return err
		}
		n, err := tx.Node(e.NodeID)
		if err != nil {
			return err
		}
		if err := executing(tx, n); err != nil {
			return err
		}
		if n.State != workflow.NodeReported && n.State != workflow.NodeRejected {
			return workflow.Errorf(workflow.ESTATE, "节点当前状态为“%s”，不能撤回佐证材料", n.State.Label())
		}
		if err := tx.WithdrawEvidence(e.ID, now, a.Username); err != nil {
			return err
		}
		left, err := tx.EvidenceList(EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
		if err != nil {
			return err
		}
		prev := n.Version
		if n.State == workflow.NodeReported && len(left) == 0 {
			n.State, n.ReportedAt, n.Late, n.Note = workflow.NodePending, nil, false, ""
		}
		n.Version++
		if err := tx.UpdateNode(n, prev); err != nil {
			return err
		}
		return audit(tx, now, a, n.Unit, "evidence.withdraw", fmt.Sprintf("evidence:%d", e.ID),
			fmt.Sprintf("%s; 节点%d: %s", e.Name, n.ID, n.State.Label()))
	})
}

// loadEvidence returns a current file a may see; a withdrawn file and
// another unit's file are ENOTFOUND, like a file that does not exist.
func loadEvidence(tx Tx, a Actor, id int64) (*workflow.Evidence, error) {
	e, err := tx.Evidence(id)
	return visible(e, err, func(e *workflow.Evidence) bool { return e.WithdrawnAt == nil && a.SeesUnit(e.Unit) }, "佐证材料", id)
}

// EvidenceFile returns a file's row, without its content, to the owning
// unit, the office and viewers (ENOTFOUND otherwise): what a download
// redirect needs.
func (s *Service) EvidenceFile(ctx context.Context, a Actor, id int64) (*workflow.Evidence, error) {
	return viewValue(s, ctx, func(tx Tx, _ time.Time) (*workflow.Evidence, error) { return loadEvidence(tx, a, id) })
}

// EvidenceContent opens the content of e, a row a caller was allowed to
// read (EvidenceFile): EUNAVAILABLE when the store cannot be reached. The
// caller closes it.
func (s *Service) EvidenceContent(ctx context.Context, e *workflow.Evidence) (io.ReadSeekCloser, error) {
	return s.files.Open(ctx, e.SHA256)
}

// ReviewNode records the office's decision on a reported node: accept
// awards 0..node points in steps of 0.5, reject sends it back with a
// comment so that the unit reports again. Every review is kept. Errors:
// ENOTFOUND, EFORBIDDEN (not the office), EVALIDATION (bad verdict, points
// or comment), ESTATE (node not reported, submission not executing),
// ESTALE (Version given and not current).
func (s *Service) ReviewNode(ctx context.Context, a Actor, id int64, r ReviewRequest) (*NodeDetail, error) {
	var out *NodeDetail
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		n, err := loadNode(tx, a, id)
		if err != nil {
			return err
		}
		if err := a.requireRole(workflow.RoleOffice); err != nil {
			return err
		}
		if err := reviewNode(tx, a, n, r, "", now); err != nil {
			return err
		}
		out, err = s.nodeDetail(tx, n, now)
		return err
	})
	return out, err
}

// checkReview checks a review of n: the verdict, the points of an
// acceptance (0 to the node's points, in steps of 0.5) and the comment of
// a rejection. It returns the points awarded, the trimmed comment and the
// violations, located under path ("" or "items[3].").
func checkReview(n *workflow.NodeRecord, r ReviewRequest, path string) (workflow.Points, string, []workflow.Violation) {
	comment := strings.TrimSpace(r.Comment)
	var vs []workflow.Violation
	bad := func(field, rule, msg string) {
		vs = append(vs, workflow.Violation{Path: path + field, Rule: rule, Message: msg})
	}
	var awarded workflow.Points
	switch r.Verdict {
	case workflow.VerdictAccept:
		switch {
		case r.Points == nil:
			bad("points", "review.points.missing", "通过时须给出得分")
		case *r.Points < 0 || *r.Points > n.Points:
			bad("points", "review.points.range", fmt.Sprintf("得分应在0至%s分之间", n.Points))
		case !r.Points.Multiple(workflow.ReviewStep):
			bad("points", "review.points.step", "得分的最小单位为0.5分")
		default:
			awarded = *r.Points
		}
	case workflow.VerdictReject:
		if comment == "" {
			bad("comment", "review.comment.empty", "退回时须填写意见")
		}
	default:
		bad("verdict", "review.verdict.invalid", "审核结论应为 accept（通过）或 reject（退回）")
	}
	if utf8.RuneCountInString(comment) > maxNoteRunes {
		bad("comment", "review.comment.long", fmt.Sprintf("意见不能超过%d字", maxNoteRunes))
	}
	return awarded, comment, vs
}

// reviewNode checks a review of n (EVALIDATION, ESTATE, ESTALE) and
// records it: the review, the node's new state and the audit entry.
func reviewNode(tx Tx, a Actor, n *workflow.NodeRecord, r ReviewRequest, path string, now time.Time) error {
	awarded, comment, vs := checkReview(n, r, path)
	if len(vs) > 0 {
		return &workflow.Error{Code: workflow.EVALIDATION, Message: "审核意见有误", Details: vs}
	}
	if err := executing(tx, n); err != nil {
		return err
	}
	if n.State != workflow.NodeReported {
		return workflow.Errorf(workflow.ESTATE, "节点当前状态为“%s”，只能审核已报送的节点", n.State.Label())
	}
	if r.Version != nil && *r.Version != n.Version {
		return workflow.Errorf(workflow.ESTALE, "节点已被修改（当前版本%d，提交的版本%d），请刷新后再审核", n.Version, *r.Version)
	}
	rv := &workflow.Review{NodeID: n.ID, Year: n.Year, Unit: n.Unit, Verdict: r.Verdict, Points: awarded, Comment: comment, By: a.Username, At: now}
	if err := tx.AddReview(rv); err != nil {
		return err
	}
	prev := n.Version
	t := now
	n.ReviewedAt, n.Awarded, n.Version = &t, awarded, n.Version+1
	n.State = workflow.NodeAccepted
	detail := fmt.Sprintf("通过，得%s分（满分%s分）", awarded, n.Points)
	if r.Verdict == workflow.VerdictReject {
		n.State = workflow.NodeRejected
		detail = "退回：" + comment
	}
	if err := tx.UpdateNode(n, prev); err != nil {
		return err
	}
	return audit(tx, now, a, n.Unit, "node.review", nodeTarget(n.ID), detail)
}

// ReviewQuery selects the nodes of the review queue; zero fields select
// everything.
type ReviewQuery struct {
	// State is the nodes' state now (reported when empty).
	State workflow.NodeState
	// Checkpoint is the due date, Indicator the code (P1, B3, I1), Unit the
	// unit's code.
	Checkpoint workflow.Date
	Indicator  string
	Unit       string
}

// QueueNode is a node of the review queue with its current files, so that
// a reviewer sees the evidence without a request per node.
type QueueNode struct {
	NodeView
	Evidence []workflow.Evidence `json:"evidence"`
}

// ReviewQueue lists the nodes of every unit matching q for the office and
// viewers (EFORBIDDEN for units), each with its current files; reported
// nodes come oldest report first.
func (s *Service) ReviewQueue(ctx context.Context, a Actor, year int, q ReviewQuery) ([]QueueNode, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer); err != nil {
		return nil, err
	}
	if q.State == "" {
		q.State = workflow.NodeReported
	}
	out := []QueueNode{}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		ns, err := tx.Nodes(NodeFilter{Year: year, Unit: q.Unit})
		if err != nil {
			return err
		}
		es, err := tx.EvidenceList(EvidenceFilter{Year: year, Unit: q.Unit})
		if err != nil {
			return err
		}
		files := map[int64][]workflow.Evidence{}
		for _, e := range es {
			files[e.NodeID] = append(files[e.NodeID], e)
		}
		for _, n := range ns {
			if (!q.Checkpoint.IsZero() && n.Due != q.Checkpoint) || (q.Indicator != "" && n.Indicator != q.Indicator) {
				continue
			}
			if v := s.nodeView(p, n, now, len(files[n.ID])); v.State == q.State {
				fs := files[n.ID]
				if fs == nil {
					fs = []workflow.Evidence{}
				}
				out = append(out, QueueNode{NodeView: v, Evidence: fs})
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y QueueNode) int {
		if x.ReportedAt == nil || y.ReportedAt == nil {
			return 0
		}
		return x.ReportedAt.Compare(*y.ReportedAt)
	})
	return out, err
}

// UnitProgress is one unit's execution at a glance.
type UnitProgress struct {
	Unit string `json:"unit"`
	Name string `json:"name"`
	// Submission is the state of the unit's tables ("none" before any).
	Submission string `json:"submission_state"`
	Nodes      int    `json:"nodes"`
	// States counts nodes by their state now, every state present.
	States map[workflow.NodeState]int `json:"states"`
	// Colours counts nodes by colour; Colour is the unit's light, from the
	// share of its nodes at risk (workflow.NodeRisk), not from any single
	// node.
	Colours map[workflow.Colour]int `json:"colours"`
	Colour  workflow.Colour         `json:"colour"`
	// Risk holds the counts the light is computed from.
	Risk workflow.NodeRisk `json:"risk"`
	// Checkpoints counts the nodes of each checkpoint by state now, for
	// completion by checkpoint.
	Checkpoints map[workflow.Date]map[workflow.NodeState]int `json:"checkpoints"`
	// Points is the sum of the nodes' points, Awarded of the accepted
	// nodes' awards, AwardedBy the same by category.
	Points    workflow.Points            `json:"points"`
	Awarded   workflow.Points            `json:"awarded"`
	AwardedBy map[string]workflow.Points `json:"awarded_by_category"`
	// Late counts nodes whose current report came after the checkpoint;
	// Missing counts nodes without a report after their checkpoint
	// (overdue or missing).
	Late    int `json:"late"`
	Missing int `json:"missing"`
	// Deductions is what a scoring run at the time of the request would
	// deduct (late tables, late and missing nodes, monthly counts, the
	// office's manual deductions); Total is Awarded less Deductions, never
	// below zero: the total a leader reads. Both are zero for a unit whose
	// tables are not executing.
	Deductions workflow.Points `json:"deductions"`
	Total      workflow.Points `json:"total"`
}

// Progress summarises every unit a sees (office and viewers: all; a unit:
// itself) by node state and colour, with points awarded so far.
func (s *Service) Progress(ctx context.Context, a Actor, year int) ([]UnitProgress, error) {
	out := []UnitProgress{}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		p, units, subs, err := yearUnits(tx, a, year)
		if err != nil {
			return err
		}
		ns, err := tx.Nodes(NodeFilter{Year: year})
		if err != nil {
			return err
		}
		byUnit := map[string][]workflow.NodeRecord{}
		for _, n := range ns {
			byUnit[n.Unit] = append(byUnit[n.Unit], n)
		}
		scored, err := s.gatherAndScore(tx, p, now)
		if err != nil {
			return err
		}
		results := map[string]*workflow.UnitResult{}
		for i := range scored.results {
			results[scored.results[i].Unit] = &scored.results[i]
		}
		warn := s.warning()
		for _, u := range units {
			up := unitProgress(p, u, string(subs[u.Code].State), byUnit[u.Code], now, warn)
			if r := results[u.Code]; r != nil && r.Scored() {
				up.Deductions, up.Total = r.DeductionTotal, max(0, up.Awarded-r.DeductionTotal)
			}
			out = append(out, up)
		}
		return nil
	})
	return out, err
}

// NodeFilter selects nodes; zero fields select everything of the year.
type NodeFilter struct {
	Year int
	// Unit "" selects every unit.
	Unit string
	// Units, when not empty, selects only these units (a batch).
	Units []string
	// States selects stored states; empty selects all.
	States []workflow.NodeState
}

// nodeTarget names a node in the audit log.
func nodeTarget(id int64) string { return fmt.Sprintf("node:%d", id) }

// unitProgress summarises one unit's nodes at now; state is its
// submission's ("" when it has none).
func unitProgress(p *workflow.Plan, u workflow.Unit, state string, nodes []workflow.NodeRecord, now time.Time, warn time.Duration) UnitProgress {
	up := UnitProgress{Unit: u.Code, Name: u.Name, Submission: cmp.Or(state, workflow.StateNone),
		States:      map[workflow.NodeState]int{workflow.NodePending: 0, workflow.NodeReported: 0, workflow.NodeAccepted: 0, workflow.NodeRejected: 0, workflow.NodeOverdue: 0, workflow.NodeMissing: 0},
		Colours:     map[workflow.Colour]int{workflow.Green: 0, workflow.Yellow: 0, workflow.Red: 0},
		AwardedBy:   map[string]workflow.Points{workflow.CategoryParty: 0, workflow.CategoryBusiness: 0, workflow.CategoryInnovation: 0},
		Checkpoints: map[workflow.Date]map[workflow.NodeState]int{}}
	for _, n := range nodes {
		st, c := n.StateAt(p, now), n.ColourAt(p, now, warn)
		up.Nodes++
		up.States[st]++
		up.Colours[c]++
		up.Risk.Add(p, n, now, warn)
		if up.Checkpoints[n.Due] == nil {
			up.Checkpoints[n.Due] = map[workflow.NodeState]int{}
		}
		up.Checkpoints[n.Due][st]++
		up.Points += n.Points
		if n.State == workflow.NodeAccepted {
			up.Awarded += n.Awarded
			up.AwardedBy[n.Category] += n.Awarded
		}
		if n.Late && (n.State == workflow.NodeReported || n.State == workflow.NodeAccepted) {
			up.Late++
		}
		if st == workflow.NodeOverdue || st == workflow.NodeMissing {
			up.Missing++
		}
	}
	up.Colour = up.Risk.Light()
	return up
}

// BatchReview is one item of a batch of reviews: the node and the review.
type BatchReview struct {
	Node int64 `json:"node"`
	ReviewRequest
}

// maxBatchReviews bounds a batch: a year's reported nodes of every unit.
const maxBatchReviews = 2000

// ReviewBatch records the office's reviews of several nodes of year in one
// transaction, all or nothing: each item is checked as ReviewNode checks
// one, and every fault of every item is reported at once, located at
// items[i].node, items[i].points, items[i].comment or items[i].verdict
// (EVALIDATION), so that nothing is recorded until the whole batch is
// right. Errors: EFORBIDDEN (not the office), ENOTFOUND (no such plan),
// EVALIDATION (an empty or oversized batch, a node absent, of another
// year, listed twice or not reported, a bad verdict, points or comment),
// ESTALE (an item's version is not current). It returns the reviewed
// nodes in the batch's order.
func (s *Service) ReviewBatch(ctx context.Context, a Actor, year int, items []BatchReview) ([]NodeView, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > maxBatchReviews {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "审核意见有误", Details: []workflow.Violation{{Path: "items", Rule: "review.batch.size",
			Message: fmt.Sprintf("一次应审核1至%d个节点", maxBatchReviews)}}}
	}
	out := make([]NodeView, 0, len(items))
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		nodes, vs, err := checkBatch(tx, a, year, items)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: fmt.Sprintf("审核意见有误（%d处），本批均未保存", len(vs)), Details: vs}
		}
		counts, err := evidenceCounts(tx, EvidenceFilter{Year: year})
		if err != nil {
			return err
		}
		for i, n := range nodes {
			if err := reviewNode(tx, a, n, items[i].ReviewRequest, fmt.Sprintf("items[%d].", i), now); err != nil {
				return err
			}
			out = append(out, s.nodeView(p, *n, now, counts[n.ID]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkBatch loads the nodes of a batch and checks each item like a
// single review, the node's state included; it returns every violation.
func checkBatch(tx Tx, a Actor, year int, items []BatchReview) ([]*workflow.NodeRecord, []workflow.Violation, error) {
	var vs []workflow.Violation
	nodes := make([]*workflow.NodeRecord, len(items))
	seen := map[int64]int{}
	released := map[string]bool{}
	for i, it := range items {
		at := fmt.Sprintf("items[%d].", i)
		bad := func(rule, msg string) {
			vs = append(vs, workflow.Violation{Path: at + "node", Rule: rule, Message: msg})
		}
		if j, dup := seen[it.Node]; dup {
			bad("review.node.duplicate", fmt.Sprintf("节点%d已在第%d项中", it.Node, j+1))
			continue
		}
		seen[it.Node] = i
		n, err := loadNode(tx, a, it.Node)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND || (err == nil && n.Year != year) {
			bad("review.node.missing", fmt.Sprintf("节点%d不存在", it.Node))
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		nodes[i] = n
		_, _, iv := checkReview(n, it.ReviewRequest, at)
		vs = append(vs, iv...)
		ok, known := released[n.Unit]
		if !known {
			ok = executing(tx, n) == nil
			released[n.Unit] = ok
		}
		switch {
		case !ok:
			bad("review.node.state", "该单位的指标表不在执行阶段")
		case n.State != workflow.NodeReported:
			bad("review.node.state", fmt.Sprintf("节点当前状态为“%s”，只能审核已报送的节点", n.State.Label()))
		case it.Version != nil && *it.Version != n.Version:
			bad("review.node.stale", "节点已被修改，请刷新后再审核")
		}
	}
	return nodes, vs, nil
}
