package service

import (
	"context"
	"fmt"
	"kaohe/workflow"
	"strings"
	"time"
)

// ResultView is a unit's published result as the unit, the office and
// viewers read it: the result of the year's latest published run, where
// that publication stands (公示中 / 已确定, the objection period's end),
// and its breakdown as lines, each with its ref, its waiver and the
// objections raised against it.
type ResultView struct {
	workflow.UnitResult
	Year int `json:"year"`
	// Run is the published run the result comes from, Publication its
	// number among the year's publications (1 for the first; a later one
	// publishes corrections).
	Run         int64     `json:"run"`
	Publication int       `json:"publication"`
	PublishedAt time.Time `json:"published_at"`
	// ObjectionPeriodEnds is the end of the objection period (null for a
	// result published before periods existed).
	ObjectionPeriodEnds *time.Time `json:"objection_period_ends"`
	// ResultState is "public" (公示中) or "final" (已确定), for the whole
	// year (workflow.ResultStateAt).
	ResultState      string `json:"result_state"`
	ResultStateLabel string `json:"result_state_label"`
	// ObjectionsOpen counts the year's objections awaiting an answer;
	// CorrectionsPending counts those accepted since the latest
	// publication, whose corrections a later run will publish.
	ObjectionsOpen     int `json:"objections_open"`
	CorrectionsPending int `json:"corrections_pending"`
	// CanObject says whether the reader may object now: a unit account,
	// during the objection period.
	CanObject bool `json:"can_object"`
	// Lines is the breakdown: every indicator, then its nodes, then the
	// innovation items and the deductions.
	Lines []ResultLine `json:"lines"`
	// Objections are all the unit's objections of the year, by ID.
	Objections []workflow.Objection `json:"objections"`
}

// ResultLine is one line of a breakdown: what it is (Kind, a workflow.Line*
// constant), its ref (what objections and waivers name), Parent (a node's
// indicator or innovation item), a label, the points it carries and the
// points scored or deducted.
//
// An indicator line carries its nodes' points and the awarded sum as the
// run scored them. A node line carries the node's points and its current
// award with the review that gave it: node awards change after publication
// only through corrections, which the node's objections show. An
// innovation line carries the declared points and the points added. A
// deduction line carries the amount deducted, its rule, its fact and, when
// waived, the rule's amount (Original) and the waiver.
type ResultLine struct {
	Kind       string               `json:"kind"`
	Ref        string               `json:"ref"`
	Parent     string               `json:"parent,omitempty"`
	Label      string               `json:"label"`
	Points     workflow.Points      `json:"points"`
	Scored     *workflow.Points     `json:"scored"`
	Rule       string               `json:"rule,omitempty"`
	Note       string               `json:"note,omitempty"`
	State      string               `json:"state,omitempty"`
	Original   *workflow.Points     `json:"original,omitempty"`
	Waiver     *workflow.WaiverNote `json:"waiver,omitempty"`
	Review     *workflow.Review     `json:"review,omitempty"`
	Objections []workflow.Objection `json:"objections"`
}

// yearState is where a published year stands at now.
type yearState struct {
	state   string
	open    int
	pending int
}

// publishedState works out the state of the year's latest published run.
func publishedState(tx Tx, year int, run *workflow.ScoringRun, now time.Time) (yearState, error) {
	open, err := tx.Objections(ObjectionFilter{Year: year, Open: true})
	if err != nil {
		return yearState{}, err
	}
	pending, err := acceptedSince(tx, year, *run.PublishedAt)
	if err != nil {
		return yearState{}, err
	}
	return yearState{workflow.ResultStateAt(run.ObjectionPeriodEnds, now, len(open), pending), len(open), pending}, nil
}

// periodOpen reports whether objections may be raised at now against run.
func periodOpen(run *workflow.ScoringRun, now time.Time) bool {
	return run.ObjectionPeriodEnds != nil && now.Before(*run.ObjectionPeriodEnds)
}

// UnitResult returns a unit's result in the year's latest published run
// with its breakdown lines, waivers and objections, and the year's
// publication state: ENOTFOUND before publication, or when a may not see
// the unit.
func (s *Service) UnitResult(ctx context.Context, a Actor, year int, unit string) (*ResultView, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	var out *ResultView
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		run, err := latestPublished(tx, year)
		if err != nil {
			return err
		}
		if run == nil {
			return workflow.Errorf(workflow.ENOTFOUND, "%d年度考核结果尚未发布", year)
		}
		r, err := publishedResult(tx, run, unit)
		if err != nil {
			return err
		}
		st, err := publishedState(tx, year, run, now)
		if err != nil {
			return err
		}
		os, err := tx.Objections(ObjectionFilter{Year: year, Unit: unit})
		if err != nil {
			return err
		}
		out = &ResultView{UnitResult: *r, Year: year, Run: run.ID, Publication: run.Publication, PublishedAt: *run.PublishedAt,
			ObjectionPeriodEnds: run.ObjectionPeriodEnds, ResultState: st.state, ResultStateLabel: workflow.ResultStateLabel(st.state),
			ObjectionsOpen: st.open, CorrectionsPending: st.pending, CanObject: a.Role == workflow.RoleUnit && periodOpen(run, now),
			Objections: os}
		out.Lines, err = resultLines(tx, p, r, os, now)
		return err
	})
	return out, err
}

// publishedResult reads unit's result in the published run (ENOTFOUND
// when the run has none), without reading the other units' results.
func publishedResult(tx Tx, run *workflow.ScoringRun, unit string) (*workflow.UnitResult, error) {
	r, err := tx.ScoringResult(run.Year, run.ID, unit)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "%d年度考核结果中没有单位“%s”", run.Year, unit)
	}
	return r, err
}

// resultLines lays out a result's breakdown, each line with its
// objections.
func resultLines(tx Tx, p *workflow.Plan, r *workflow.UnitResult, os []workflow.Objection, now time.Time) ([]ResultLine, error) {
	if !r.Scored() {
		return []ResultLine{}, nil
	}
	nodeLines, err := nodeResultLines(tx, p, r.Unit, now)
	if err != nil {
		return nil, err
	}
	lines := scoreLines(r, nodeLines)
	byRef := map[string][]workflow.Objection{}
	for _, o := range os {
		byRef[o.Ref] = append(byRef[o.Ref], o)
	}
	for i := range lines {
		lines[i].Objections = byRef[lines[i].Ref]
		if lines[i].Objections == nil {
			lines[i].Objections = []workflow.Objection{}
		}
	}
	return lines, nil
}

// nodeResultLines is a line per node of unit, with the node's state at now
// and its last review, by the ref of the indicator or innovation item it
// belongs to.
func nodeResultLines(tx Tx, p *workflow.Plan, unit string, now time.Time) (map[string][]ResultLine, error) {
	nodes, err := tx.Nodes(NodeFilter{Year: p.Year, Unit: unit})
	if err != nil {
		return nil, err
	}
	reviews, err := tx.ReviewsOf(p.Year, unit)
	if err != nil {
		return nil, err
	}
	last := map[int64]*workflow.Review{}
	for i := range reviews {
		last[reviews[i].NodeID] = &reviews[i]
	}
	nodeLines := map[string][]ResultLine{}
	for _, n := range nodes {
		f := workflow.NodeFact{Category: n.Category, Indicator: n.Indicator, ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due}
		parent := workflow.IndicatorRef(n.Indicator)
		if n.Category == workflow.CategoryInnovation {
			parent = workflow.InnovationRef(n.ItemIndex)
		}
		l := ResultLine{Kind: workflow.LineNode, Ref: f.Path(), Parent: parent, Label: f.Label() + " " + n.Work, Points: n.Points,
			State: string(n.StateAt(p, now)), Review: last[n.ID]}
		if n.State == workflow.NodeAccepted {
			aw := n.Awarded
			l.Scored = &aw
		}
		if n.Late {
			l.Note = "逾期报送"
		}
		nodeLines[parent] = append(nodeLines[parent], l)
	}
	return nodeLines, nil
}

// scoreLines is the lines of r's scores in the order of the result: each
// indicator followed by its nodes (nodeLines), each innovation item
// followed by its nodes, then the deductions.
func scoreLines(r *workflow.UnitResult, nodeLines map[string][]ResultLine) []ResultLine {
	lines := []ResultLine{}
	for _, ind := range r.Indicators {
		ref := ind.Ref
		if ref == "" {
			ref = workflow.IndicatorRef(ind.Code)
		}
		aw := ind.Awarded
		lines = append(lines, ResultLine{Kind: workflow.LineIndicator, Ref: ref, Label: ind.Code + " " + ind.Name, Points: ind.Points, Scored: &aw,
			Note: fmt.Sprintf("%d个节点，通过%d个，未报送%d个，逾期%d个", ind.Nodes, ind.Accepted, ind.Missing, ind.LateNodes)})
		lines = append(lines, nodeLines[ref]...)
	}
	for i, it := range r.Items {
		ref := it.Ref
		if ref == "" {
			ref = workflow.InnovationRef(i)
		}
		pts := it.Points
		lines = append(lines, ResultLine{Kind: workflow.LineInnovation, Ref: ref, Label: fmt.Sprintf("创新指标%d %s", i+1, it.Title),
			Points: it.Declared, Scored: &pts, Note: it.Note})
		lines = append(lines, nodeLines[ref]...)
	}
	for _, d := range r.Deductions {
		pts := d.Points
		lines = append(lines, ResultLine{Kind: workflow.LineDeduction, Ref: d.Ref, Label: workflow.DeductionRuleLabel(d.Rule), Points: pts, Scored: &pts,
			Rule: d.Rule, Note: d.Reason, Original: d.Original, Waiver: d.Waiver})
	}
	return lines
}

// RunDiff is how one run's results differ from another's, line by line.
type RunDiff struct {
	Year int   `json:"year"`
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Units lists the units whose result changed (workflow.DiffResults).
	Units []workflow.UnitDiff `json:"units"`
}

// DiffRuns compares run id with run from (office and viewers). With from
// 0 it compares id with the latest published run other than itself that
// was published before it, or, for a run not yet published, with the
// latest published run: the correction a publication would make.
// ENOTFOUND when either run is absent or there is nothing to compare with.
func (s *Service) DiffRuns(ctx context.Context, a Actor, year int, id, from int64) (*RunDiff, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out *RunDiff
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		to, err := loadRun(tx, year, id)
		if err != nil {
			return err
		}
		if from == 0 {
			if from, err = baseline(tx, year, to); err != nil {
				return err
			}
		}
		base, err := loadRun(tx, year, from)
		if err != nil {
			return err
		}
		out = &RunDiff{Year: year, From: base.ID, To: to.ID, Units: workflow.DiffResults(base.Results, to.Results)}
		return nil
	})
	return out, err
}

func loadRun(tx Tx, year int, id int64) (*workflow.ScoringRun, error) {
	r, err := tx.ScoringRun(year, id)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "%d年度没有第%d次计分", year, id)
	}
	return r, err
}

// baseline is the run a diff of run compares with by default.
func baseline(tx Tx, year int, run *workflow.ScoringRun) (int64, error) {
	runs, err := tx.ScoringRuns(year)
	if err != nil {
		return 0, err
	}
	var best *workflow.ScoringRun
	for i := range runs {
		r := &runs[i]
		if !r.Published || r.ID == run.ID || (run.Published && r.Publication >= run.Publication) {
			continue
		}
		if best == nil || r.Publication > best.Publication {
			best = r
		}
	}
	if best == nil {
		return 0, workflow.Errorf(workflow.ENOTFOUND, "第%d次计分之前没有已发布的结果可供比较，请用 from 指定", run.ID)
	}
	return best.ID, nil
}

// lineOf finds the line named ref in a unit's published result: a
// deduction, an indicator, an innovation item or one of the unit's nodes.
// It returns the line's label, or EVALIDATION at path "ref".
func lineOf(tx Tx, p *workflow.Plan, r *workflow.UnitResult, ref string) (string, error) {
	for _, d := range r.Deductions {
		if d.Ref == ref {
			return fmt.Sprintf("%s：%s", workflow.DeductionRuleLabel(d.Rule), d.Reason), nil
		}
	}
	for _, ind := range r.Indicators {
		if ref == ind.Ref || ref == workflow.IndicatorRef(ind.Code) {
			return fmt.Sprintf("%s %s：得%s分（满分%s分）", ind.Code, ind.Name, ind.Awarded, ind.Points), nil
		}
	}
	for i, it := range r.Items {
		if ref == it.Ref || ref == workflow.InnovationRef(i) {
			return fmt.Sprintf("创新指标%d %s：%s", i+1, it.Title, it.Note), nil
		}
	}
	if pos, ok := workflow.ParseNodeRef(ref); ok {
		n, err := nodeAt(tx, p.Year, r.Unit, pos)
		if err == nil {
			f := workflow.NodeFact{Category: n.Category, Indicator: n.Indicator, ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due}
			score := "未得分"
			if n.State == workflow.NodeAccepted {
				score = fmt.Sprintf("得%s分（满分%s分）", n.Awarded, n.Points)
			}
			return fmt.Sprintf("%s %s：%s", f.Label(), n.Work, score), nil
		}
		if workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return "", err
		}
	}
	return "", &workflow.Error{Code: workflow.EVALIDATION, Message: "异议的对象有误", Details: []workflow.Violation{{Path: "ref", Rule: RuleObjectionRef,
		Message: fmt.Sprintf("“%s”不是本单位考核结果中的一项（扣分、指标、节点或创新指标）", ref)}}}
}

// nodeAt returns unit's node at pos (ENOTFOUND when there is none).
func nodeAt(tx Tx, year int, unit string, pos workflow.NodePosition) (*workflow.NodeRecord, error) {
	ns, err := tx.Nodes(NodeFilter{Year: year, Unit: unit})
	if err != nil {
		return nil, err
	}
	for i := range ns {
		if ns[i].Position() == pos {
			return &ns[i], nil
		}
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "单位“%s”没有节点%s", unit, strings.TrimSpace(pos.Path()))
}
