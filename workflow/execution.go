package workflow

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// NodeView is a node as clients read it: the stored record with its state
// and colour at the time of the request and its number of current files.
type NodeView struct {
	ID        int64  `json:"id"`
	Year      int    `json:"year"`
	Unit      string `json:"unit"`
	Category  string `json:"category"`
	Indicator string `json:"indicator"`
	ItemIndex int    `json:"item_index"`
	WorkIndex int    `json:"work_index"`
	NodeIndex int    `json:"node_index"`
	Work      string `json:"work"`
	// Due is the checkpoint date the tables set.
	Due Date `json:"due"`
	// DueAt is the instant the node becomes overdue (Plan.NodeDue).
	DueAt time.Time `json:"due_at"`
	// DueEndsOn is the day the node is due by: Due, or the working day it
	// moved to when Due is a day off; DueLabel writes both for people
	// ("6月30日前（遇休息日顺延至7月1日）").
	DueEndsOn Date   `json:"due_ends_on"`
	DueLabel  string `json:"due_label"`
	Points    Points `json:"points"`
	Target    string `json:"target"`
	Standard  string `json:"standard"`
	// EvidenceRequired is the evidence the tables promised (佐证材料).
	EvidenceRequired string     `json:"evidence_required"`
	State            NodeState  `json:"state"`
	StateLabel       string     `json:"state_label"`
	Late             bool       `json:"late"`
	Note             string     `json:"note,omitempty"`
	ReportedAt       *time.Time `json:"reported_at"`
	// Awarded is null until the node is accepted.
	Awarded       *Points    `json:"awarded"`
	ReviewedAt    *time.Time `json:"reviewed_at"`
	Colour        Colour     `json:"colour"`
	EvidenceCount int        `json:"evidence_count"`
	Version       int        `json:"version"`
}

// NodeDetail is one node with its current files and every review.
type NodeDetail struct {
	NodeView
	Evidence []Evidence `json:"evidence"`
	Reviews  []Review   `json:"reviews"`
}

// NodeQuery filters a unit's nodes; zero fields select everything.
type NodeQuery struct {
	// State is a stored or derived state (overdue, missing).
	State NodeState
	// Checkpoint is the due date.
	Checkpoint Date
	Colour     Colour
}

// Review verdicts.
const (
	VerdictAccept = "accept"
	VerdictReject = "reject"
)

// Review is one decision of the office on a reported node. Every review is
// kept.
type Review struct {
	ID      int64  `json:"id"`
	NodeID  int64  `json:"node_id"`
	Year    int    `json:"-"`
	Unit    string `json:"-"`
	Verdict string `json:"verdict"`
	// Points are the points awarded (zero for a rejection).
	Points  Points    `json:"points"`
	Comment string    `json:"comment,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// ReviewRequest is the office's decision on a node: accept with points
// (0 to the node's points, in steps of 0.5) or reject with a comment.
// Version, when set, must be the node's current version.
type ReviewRequest struct {
	Verdict string  `json:"verdict"`
	Points  *Points `json:"points"`
	Comment string  `json:"comment"`
	Version *int    `json:"version"`
}

// ReviewStep is the smallest unit of awarded points (0.5).
const ReviewStep Points = 50

// maxNoteRunes bounds a report's note and a review's comment.
const maxNoteRunes = 2000

func (s *Service) warning() time.Duration {
	d := s.WarningDays
	if d <= 0 {
		d = 7
	}
	return time.Duration(d) * 24 * time.Hour
}

func (s *Service) view(p *Plan, n NodeRecord, now time.Time, files int) NodeView {
	due := p.NodeDue(n.Due)
	v := NodeView{
		ID: n.ID, Year: n.Year, Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
		ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Work: n.Work,
		Due: n.Due, DueAt: due.At.UTC(), DueEndsOn: due.EndsOn, DueLabel: due.Label, Points: n.Points, Target: n.Target, Standard: n.Standard,
		EvidenceRequired: n.Evidence, State: n.StateAt(p, now), Late: n.Late, Note: n.Note,
		ReportedAt: n.ReportedAt, ReviewedAt: n.ReviewedAt, Colour: n.ColourAt(p, now, s.warning()),
		EvidenceCount: files, Version: n.Version,
	}
	v.StateLabel = v.State.Label()
	if n.State == NodeAccepted {
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
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
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
			if v := s.view(p, n, now, counts[n.ID]); q.matches(v) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// loadNode returns node id if a may see it; another unit's node is
// ENOTFOUND with the same message as a node that does not exist.
func loadNode(tx Tx, a Actor, id int64) (*NodeRecord, error) {
	n, err := tx.Node(id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !a.SeesUnit(n.Unit)) {
		return nil, Errorf(ENOTFOUND, "节点%d不存在", id)
	}
	return n, err
}

func (s *Service) detail(tx Tx, p *Plan, n *NodeRecord, now time.Time) (*NodeDetail, error) {
	es, err := tx.EvidenceList(EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
	if err != nil {
		return nil, err
	}
	rs, err := tx.Reviews(n.ID)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []Evidence{}
	}
	if rs == nil {
		rs = []Review{}
	}
	return &NodeDetail{NodeView: s.view(p, *n, now, len(es)), Evidence: es, Reviews: rs}, nil
}

// Node returns one node with its files and reviews (ENOTFOUND when absent
// or another unit's).
func (s *Service) Node(ctx context.Context, a Actor, id int64) (*NodeDetail, error) {
	var out *NodeDetail
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		n, err := loadNode(tx, a, id)
		if err != nil {
			return err
		}
		p, err := planOf(tx, n.Year)
		if err != nil {
			return err
		}
		out, err = s.detail(tx, p, n, now)
		return err
	})
	return out, err
}

// executing returns ESTATE unless the node's submission is executing.
func executing(tx Tx, n *NodeRecord) error {
	sub, err := loadSubmission(tx, n.Year, n.Unit)
	if err != nil {
		return err
	}
	if sub.State != StateExecuting {
		return Errorf(ESTATE, "指标表当前状态为“%s”，不在执行阶段", sub.State.Label())
	}
	return nil
}

// checkReport is every check of a report that needs no file: the node is
// visible (ENOTFOUND), a is its unit (EFORBIDDEN), the submission is
// executing and the node not accepted (ESTATE), and adding files more keeps
// it within the limit (ETOOLARGE).
func (s *Service) checkReport(tx Tx, a Actor, id int64, files int) (*NodeRecord, error) {
	n, err := loadNode(tx, a, id)
	if err != nil {
		return nil, err
	}
	if err := a.requireRole(RoleUnit); err != nil {
		return nil, err
	}
	if err := executing(tx, n); err != nil {
		return nil, err
	}
	switch n.State {
	case NodePending, NodeRejected, NodeReported:
	default:
		return nil, Errorf(ESTATE, "节点当前状态为“%s”，不能再上传佐证材料", n.State.Label())
	}
	counts, err := evidenceCounts(tx, EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
	if err != nil {
		return nil, err
	}
	if max := s.Limits().MaxFiles; counts[n.ID]+files > max {
		return nil, Errorf(ETOOLARGE, "每个节点最多%d个佐证材料文件，已有%d个", max, counts[n.ID])
	}
	return n, nil
}

// CheckReport runs the checks of ReportNode that need no file, and writes
// nothing, so that an upload to a node that cannot take it is refused before
// its body is read.
func (s *Service) CheckReport(ctx context.Context, a Actor, id int64) error {
	return s.tx(ctx, func(tx Tx, _ time.Time) error {
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
// ETOOLARGE (too many files), EVALIDATION (no file, note too long).
func (s *Service) ReportNode(ctx context.Context, a Actor, id int64, note string, files []Upload) (*NodeDetail, error) {
	defer func() {
		for _, f := range files {
			if s.Files != nil && f.File != nil {
				s.Files.Discard(f.File)
			}
		}
	}()
	if s.Files == nil {
		return nil, Errorf(EINTERNAL, "未配置佐证材料存储")
	}
	note = strings.TrimSpace(note)
	var vs []Violation
	if len(files) == 0 {
		vs = append(vs, Violation{"files", "evidence.files.empty", "请至少上传一个佐证材料文件"})
	}
	if utf8.RuneCountInString(note) > maxNoteRunes {
		vs = append(vs, Violation{"note", "evidence.note.long", fmt.Sprintf("说明不能超过%d字", maxNoteRunes)})
	}
	if len(vs) > 0 {
		return nil, &Error{Code: EVALIDATION, Message: "报送内容有误", Details: vs}
	}
	var out *NodeDetail
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		n, err := s.checkReport(tx, a, id, len(files))
		if err != nil {
			return err
		}
		p, err := planOf(tx, n.Year)
		if err != nil {
			return err
		}
		// Files first, rows after: a row never names a missing file.
		for _, f := range files {
			if err := s.Files.Keep(f.File); err != nil {
				return err
			}
		}
		var names []string
		for _, f := range files {
			e := &Evidence{NodeID: n.ID, Year: n.Year, Unit: n.Unit, Name: DisplayName(f.Name), Size: f.File.Size,
				SHA256: f.File.SHA256, Type: f.File.Type, Note: note, UploadedAt: now, UploadedBy: a.Username}
			if err := tx.AddEvidence(e); err != nil {
				return err
			}
			names = append(names, e.Name)
		}
		prev, from := n.Version, n.State
		if n.State != NodeReported {
			t := now
			n.State, n.ReportedAt, n.Late = NodeReported, &t, !now.Before(p.DueTime(n.Due))
		}
		if note != "" {
			n.Note = note
		}
		n.Version++
		if err := tx.UpdateNode(n, prev); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s → %s; %d个文件: %s", from.Label(), n.State.Label(), len(files), strings.Join(names, "、"))
		if n.Late && from != NodeReported {
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

// WithdrawEvidence withdraws one of a unit's own files while its node is
// reported or rejected. The row is kept, marked withdrawn; a reported node
// left without files goes back to pending. Errors: ENOTFOUND (absent,
// withdrawn, or another unit's), EFORBIDDEN (not a unit account), ESTATE.
func (s *Service) WithdrawEvidence(ctx context.Context, a Actor, id int64) error {
	return s.tx(ctx, func(tx Tx, now time.Time) error {
		e, err := loadEvidence(tx, a, id)
		if err != nil {
			return err
		}
		if err := a.requireRole(RoleUnit); err != nil {
			return err
		}
		n, err := tx.Node(e.NodeID)
		if err != nil {
			return err
		}
		if err := executing(tx, n); err != nil {
			return err
		}
		if n.State != NodeReported && n.State != NodeRejected {
			return Errorf(ESTATE, "节点当前状态为“%s”，不能撤回佐证材料", n.State.Label())
		}
		if err := tx.WithdrawEvidence(e.ID, now, a.Username); err != nil {
			return err
		}
		left, err := tx.EvidenceList(EvidenceFilter{Year: n.Year, Unit: n.Unit, NodeID: n.ID})
		if err != nil {
			return err
		}
		prev := n.Version
		if n.State == NodeReported && len(left) == 0 {
			n.State, n.ReportedAt, n.Late, n.Note = NodePending, nil, false, ""
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
func loadEvidence(tx Tx, a Actor, id int64) (*Evidence, error) {
	e, err := tx.Evidence(id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (e.WithdrawnAt != nil || !a.SeesUnit(e.Unit))) {
		return nil, Errorf(ENOTFOUND, "佐证材料%d不存在", id)
	}
	return e, err
}

// OpenEvidence returns a file's row and its content for download, to the
// owning unit, the office and viewers (ENOTFOUND otherwise). The caller
// closes the content.
func (s *Service) OpenEvidence(ctx context.Context, a Actor, id int64) (*Evidence, io.ReadSeekCloser, error) {
	var e *Evidence
	err := s.tx(ctx, func(tx Tx, _ time.Time) (err error) {
		e, err = loadEvidence(tx, a, id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if s.Files == nil {
		return nil, nil, Errorf(EINTERNAL, "未配置佐证材料存储")
	}
	f, err := s.Files.Open(e.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return e, f, nil
}

// ReviewNode records the office's decision on a reported node: accept
// awards 0..node points in steps of 0.5, reject sends it back with a
// comment so that the unit reports again. Every review is kept. Errors:
// ENOTFOUND, EFORBIDDEN (not the office), EVALIDATION (bad verdict, points
// or comment), ESTATE (node not reported, submission not executing),
// ESTALE (Version given and not current).
func (s *Service) ReviewNode(ctx context.Context, a Actor, id int64, r ReviewRequest) (*NodeDetail, error) {
	var out *NodeDetail
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		n, err := loadNode(tx, a, id)
		if err != nil {
			return err
		}
		if err := a.requireRole(RoleOffice); err != nil {
			return err
		}
		comment := strings.TrimSpace(r.Comment)
		var vs []Violation
		var awarded Points
		switch r.Verdict {
		case VerdictAccept:
			switch {
			case r.Points == nil:
				vs = append(vs, Violation{"points", "review.points.missing", "通过时须给出得分"})
			case *r.Points < 0 || *r.Points > n.Points:
				vs = append(vs, Violation{"points", "review.points.range", fmt.Sprintf("得分应在0至%s分之间", n.Points)})
			case !r.Points.Multiple(ReviewStep):
				vs = append(vs, Violation{"points", "review.points.step", "得分的最小单位为0.5分"})
			default:
				awarded = *r.Points
			}
		case VerdictReject:
			if comment == "" {
				vs = append(vs, Violation{"comment", "review.comment.empty", "退回时须填写意见"})
			}
		default:
			vs = append(vs, Violation{"verdict", "review.verdict.invalid", "审核结论应为 accept（通过）或 reject（退回）"})
		}
		if utf8.RuneCountInString(comment) > maxNoteRunes {
			vs = append(vs, Violation{"comment", "review.comment.long", fmt.Sprintf("意见不能超过%d字", maxNoteRunes)})
		}
		if len(vs) > 0 {
			return &Error{Code: EVALIDATION, Message: "审核意见有误", Details: vs}
		}
		if err := executing(tx, n); err != nil {
			return err
		}
		if n.State != NodeReported {
			return Errorf(ESTATE, "节点当前状态为“%s”，只能审核已报送的节点", n.State.Label())
		}
		if r.Version != nil && *r.Version != n.Version {
			return Errorf(ESTALE, "节点已被修改（当前版本%d，提交的版本%d），请刷新后再审核", n.Version, *r.Version)
		}
		p, err := planOf(tx, n.Year)
		if err != nil {
			return err
		}
		rv := &Review{NodeID: n.ID, Year: n.Year, Unit: n.Unit, Verdict: r.Verdict, Points: awarded, Comment: comment, By: a.Username, At: now}
		if err := tx.AddReview(rv); err != nil {
			return err
		}
		prev := n.Version
		t := now
		n.ReviewedAt, n.Awarded, n.Version = &t, awarded, n.Version+1
		n.State = NodeAccepted
		detail := fmt.Sprintf("通过，得%s分（满分%s分）", awarded, n.Points)
		if r.Verdict == VerdictReject {
			n.State = NodeRejected
			detail = "退回：" + comment
		}
		if err := tx.UpdateNode(n, prev); err != nil {
			return err
		}
		if err := audit(tx, now, a, n.Unit, "node.review", nodeTarget(n.ID), detail); err != nil {
			return err
		}
		out, err = s.detail(tx, p, n, now)
		return err
	})
	return out, err
}

// ReviewQueue lists the nodes of every unit in state (reported when empty)
// for the office and viewers (EFORBIDDEN for units); reported nodes come
// oldest report first.
func (s *Service) ReviewQueue(ctx context.Context, a Actor, year int, state NodeState) ([]NodeView, error) {
	if err := a.requireRole(RoleOffice, RoleViewer); err != nil {
		return nil, err
	}
	if state == "" {
		state = NodeReported
	}
	out := []NodeView{}
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		ns, err := tx.Nodes(NodeFilter{Year: year})
		if err != nil {
			return err
		}
		counts, err := evidenceCounts(tx, EvidenceFilter{Year: year})
		if err != nil {
			return err
		}
		for _, n := range ns {
			if v := s.view(p, n, now, counts[n.ID]); v.State == state {
				out = append(out, v)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y NodeView) int {
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
	States map[NodeState]int `json:"states"`
	// Colours counts nodes by colour; Colour is the unit's light.
	Colours map[Colour]int `json:"colours"`
	Colour  Colour         `json:"colour"`
	// Points is the sum of the nodes' points, Awarded of the accepted
	// nodes' awards, AwardedBy the same by category.
	Points    Points            `json:"points"`
	Awarded   Points            `json:"awarded"`
	AwardedBy map[string]Points `json:"awarded_by_category"`
	// Late counts nodes whose current report came after the checkpoint;
	// Missing counts nodes without a report after their checkpoint
	// (overdue or missing).
	Late    int `json:"late"`
	Missing int `json:"missing"`
}

// Progress summarises every unit a sees (office and viewers: all; a unit:
// itself) by node state and colour, with points awarded so far.
func (s *Service) Progress(ctx context.Context, a Actor, year int) ([]UnitProgress, error) {
	out := []UnitProgress{}
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		subs, err := tx.Submissions(year)
		if err != nil {
			return err
		}
		state := map[string]string{}
		for _, sub := range subs {
			state[sub.Unit] = string(sub.State)
		}
		ns, err := tx.Nodes(NodeFilter{Year: year})
		if err != nil {
			return err
		}
		byUnit := map[string][]NodeRecord{}
		for _, n := range ns {
			byUnit[n.Unit] = append(byUnit[n.Unit], n)
		}
		warn := s.warning()
		for _, u := range units {
			if !a.SeesUnit(u.Code) {
				continue
			}
			up := UnitProgress{Unit: u.Code, Name: u.Name, Submission: StateNone,
				States:    map[NodeState]int{NodePending: 0, NodeReported: 0, NodeAccepted: 0, NodeRejected: 0, NodeOverdue: 0, NodeMissing: 0},
				Colours:   map[Colour]int{Green: 0, Yellow: 0, Red: 0},
				AwardedBy: map[string]Points{CategoryParty: 0, CategoryBusiness: 0, CategoryInnovation: 0}}
			if st, ok := state[u.Code]; ok {
				up.Submission = st
			}
			var cs []Colour
			for _, n := range byUnit[u.Code] {
				st, c := n.StateAt(p, now), n.ColourAt(p, now, warn)
				up.Nodes++
				up.States[st]++
				up.Colours[c]++
				cs = append(cs, c)
				up.Points += n.Points
				if n.State == NodeAccepted {
					up.Awarded += n.Awarded
					up.AwardedBy[n.Category] += n.Awarded
				}
				if n.Late && (n.State == NodeReported || n.State == NodeAccepted) {
					up.Late++
				}
				if st == NodeOverdue || st == NodeMissing {
					up.Missing++
				}
			}
			up.Colour = RollUp(cs...)
			out = append(out, up)
		}
		return nil
	})
	return out, err
}
