package workflow

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Year-end scoring (年底考核计分) as pure functions: ScoreUnit turns one
// unit's facts into its result, Rank orders the results and gives ranks and
// grades. Nothing here reads the database or the clock; the service gathers
// the facts (scoring_run.go) and stores the snapshot.
//
// Every point of a result is traceable: node points come from the office's
// reviews (NodeFact.Awarded), innovation points from a certification plus
// the reviews of the item's nodes, and every deduction names its rule, the
// fact behind it (Reason) and where that fact lives (Ref).

// Deduction rule codes of the automatic deductions. A manual deduction
// carries the plan's manual rule name instead (瞒报, 质量不高, …).
const (
	RuleLateSubmission = "late_submission" // 迟报: per calendar day late, capped
	RuleLateNode       = "late_node"       // a node reported after its checkpoint
	RuleMissingNode    = "missing_node"    // a node never reported by year end
	RuleMonthlyMissing = "monthly_missing" // a month's count never reported
	RuleMonthlyLate    = "monthly_late"    // a month's count reported late
)

// The stored node states as NodeFact.State carries them (text, as the
// store reads them in bulk).
const (
	factPending  = string(NodePending)
	factReported = string(NodeReported)
	factAccepted = string(NodeAccepted)
	factRejected = string(NodeRejected)
)

// NodeFact is one node of a unit's released tables as scoring sees it.
// Category is "party", "business" or "innovation"; Indicator is the code
// (P1…, B1…, "I1"/"I2" for innovation items by position); ItemIndex is the
// index of the indicator (or innovation item) in the document, WorkIndex and
// NodeIndex locate the node (WorkIndex is 0 for innovation items). State is
// pending, reported, accepted or rejected; Late is true when the report came
// after the node's checkpoint; Awarded is the office's award once accepted.
//
// Count lets a facts source aggregate in SQL: a fact with Count > 1 stands
// for that many nodes of one indicator (or innovation item) that were all
// accepted and reported on time, with Points and Awarded summed; nodes that
// are anything else must come one by one. Zero means one node.
type NodeFact struct {
	Unit      string `json:"unit"`
	Category  string `json:"category"`
	Indicator string `json:"indicator"`
	ItemIndex int    `json:"item"`
	WorkIndex int    `json:"work"`
	NodeIndex int    `json:"node"`
	Due       Date   `json:"due"`
	Points    Points `json:"points"`
	State     string `json:"state"`
	Late      bool   `json:"late"`
	Awarded   Points `json:"awarded"`
	Count     int    `json:"count,omitempty"`
}

// Path is the node's JSON path in the submission document,
// "business[2].works[0].nodes[1]".
func (n NodeFact) Path() string {
	if n.Category == CategoryInnovation {
		return fmt.Sprintf("innovation[%d].nodes[%d]", n.ItemIndex, n.NodeIndex)
	}
	return fmt.Sprintf("%s[%d].works[%d].nodes[%d]", n.Category, n.ItemIndex, n.WorkIndex, n.NodeIndex)
}

// Label names the node for people: "B3 第1项工作 节点2（9月30日前）".
func (n NodeFact) Label() string {
	if n.Category == CategoryInnovation {
		return fmt.Sprintf("创新指标%d 节点%d（%s前）", n.ItemIndex+1, n.NodeIndex+1, monthDay(n.Due))
	}
	return fmt.Sprintf("%s 第%d项工作 节点%d（%s前）", n.Indicator, n.WorkIndex+1, n.NodeIndex+1, monthDay(n.Due))
}

// MonthlyFact is one month's member real-name count report of a unit. A
// month without a fact was never reported.
type MonthlyFact struct {
	Unit       string    `json:"unit"`
	Month      Month     `json:"month"`
	ReportedAt time.Time `json:"reported_at"`
	Late       bool      `json:"late"`
}

// InnovationFact is one declared innovation item and the office's
// certification of it (Submission.Certified).
type InnovationFact struct {
	Title     string `json:"title"`
	Points    Points `json:"points"`
	Certified bool   `json:"certified"`
}

// ManualDeduction is a deduction the office records by hand, for 瞒报, 质量不高
// and the like. Rule is one of the plan's manual rules. A deduction made
// from a flagged month of the member counts cites the month and both
// figures (Month is then set, and UnitCount and SystemCount are the unit's
// own figure and the member information system's).
type ManualDeduction struct {
	ID          int64     `json:"id"`
	Year        int       `json:"year"`
	Unit        string    `json:"unit"`
	Rule        string    `json:"rule"`
	Points      Points    `json:"points"`
	Reason      string    `json:"reason"`
	Actor       string    `json:"actor"`
	CreatedAt   time.Time `json:"created_at"`
	Month       string    `json:"month,omitempty"`
	UnitCount   *int64    `json:"unit_count,omitempty"`
	SystemCount *int64    `json:"system_count,omitempty"`
}

// Citation describes the month and the two figures a deduction cites, in
// Chinese ("" when it cites none).
func (m *ManualDeduction) Citation() string {
	if m.Month == "" || m.UnitCount == nil || m.SystemCount == nil {
		return ""
	}
	c := CompareCounts(*m.UnitCount, *m.SystemCount, 0)
	pct := ""
	if c.Percent != nil {
		pct = fmt.Sprintf("（%s%%）", *c.Percent)
	}
	return fmt.Sprintf("%s月单位报送%d人，会员信息系统%d人，多报%d人%s", m.Month, *m.UnitCount, *m.SystemCount, c.Difference, pct)
}

// ScoringUnit is everything scoring reads about one unit. State is the
// submission's state, or "none" without a submission; a unit in executing
// or scored is scored, any other is listed last with 0 and the reason.
// Received is when the office recorded the tables arrived by other means
// (nil: never); Waivers are the unit's waivers in force. Facts of other
// units in the slices are ignored.
type ScoringUnit struct {
	Code             string            `json:"code"`
	Name             string            `json:"name"`
	State            string            `json:"state"`
	FirstSubmittedAt *time.Time        `json:"first_submitted_at"`
	Received         *Receipt          `json:"received,omitempty"`
	Innovation       []InnovationFact  `json:"innovation"`
	Nodes            []NodeFact        `json:"nodes"`
	Monthly          []MonthlyFact     `json:"monthly"`
	Manual           []ManualDeduction `json:"manual"`
	Waivers          []Waiver          `json:"waivers,omitempty"`
	// Released is when the unit's tables were released (zero: not known);
	// a late release moves its nodes' due times (Plan.NodeDue).
	Released time.Time `json:"released"`
}

// Eligible reports whether the unit is scored: its tables reached
// executing (or were already scored by a published run).
func (u *ScoringUnit) Eligible() bool {
	return u.State == string(StateExecuting) || u.State == string(StateScored)
}

// ScoringOptions are the circumstances of a run: the instant it is computed
// (only checkpoints and monthly due dates passed by then can be missed) and
// whether monthly reports are tracked at all (false while no source of
// monthly facts is wired: then no monthly deduction is made).
type ScoringOptions struct {
	AsOf           time.Time
	MonthlyTracked bool
}

// Deduction is one itemised deduction of a result: the rule, the points
// deducted (positive, or 0 when waived), the fact in Chinese and a
// reference to the record behind it (submission:2019/gjz,
// business[2].works[0].nodes[1], monthly:2019-07, deduction:12), unique
// within a result. A deduction scored with a waiver carries the waiver and
// the amount the rule gave before it (Original).
type Deduction struct {
	Rule     string      `json:"rule"`
	Points   Points      `json:"points"`
	Reason   string      `json:"reason"`
	Ref      string      `json:"ref"`
	Original *Points     `json:"original,omitempty"`
	Waiver   *WaiverNote `json:"waiver,omitempty"`
}

// IndicatorScore is one indicator's line of a breakdown: the points its
// nodes carry and the points the office awarded.
type IndicatorScore struct {
	Ref       string `json:"ref"`
	Category  string `json:"category"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Points    Points `json:"points"`
	Awarded   Points `json:"awarded"`
	Nodes     int    `json:"nodes"`
	Accepted  int    `json:"accepted"`
	Missing   int    `json:"missing"`
	LateNodes int    `json:"late"`
}

// InnovationScore is one innovation item's line of a breakdown.
type InnovationScore struct {
	Ref       string `json:"ref"`
	Code      string `json:"code"`
	Title     string `json:"title"`
	Declared  Points `json:"declared"`
	Certified bool   `json:"certified"`
	Completed bool   `json:"completed"`
	Points    Points `json:"points"`
	Note      string `json:"note"`
}

// UnitResult is one unit's year-end result. Party and Business are the
// awarded node points of each category (each at most the category's
// total); Innovation the points of certified, completed innovation items,
// which the notice adds to the business score but which are shown apart;
// Total = Party + Business + Innovation − the deductions. Reason says why a
// unit that was not scored has 0. Received is the office's record of when
// the tables arrived by other means, when there is one.
type UnitResult struct {
	Unit           string            `json:"unit"`
	Name           string            `json:"name"`
	State          string            `json:"state"`
	Party          Points            `json:"party"`
	Business       Points            `json:"business"`
	Innovation     Points            `json:"innovation"`
	Deductions     []Deduction       `json:"deductions"`
	DeductionTotal Points            `json:"deduction_total"`
	Total          Points            `json:"total"`
	Rank           int               `json:"rank"`
	Grade          string            `json:"grade"`
	Reason         string            `json:"reason,omitempty"`
	Received       *Receipt          `json:"received,omitempty"`
	Indicators     []IndicatorScore  `json:"indicators"`
	Items          []InnovationScore `json:"innovation_items"`
}

// Scored reports whether the result is a computed score rather than a
// placeholder for a unit that never reached executing.
func (r *UnitResult) Scored() bool { return r.Reason == "" }

// ScoreUnit computes one unit's result without its rank and grade (Rank
// gives them).
//
// Party and business: the awarded points of accepted nodes; a node never
// reported once its checkpoint has passed is missing (0 points and the
// missing-node deduction), a node reported after its checkpoint costs the
// late-node deduction, a rejected or unreviewed node scores 0.
//
// Innovation (附件3, “未经认定的或年底未完成的不扣分”): an item adds points only
// when it is certified and completed, that is every one of its nodes is
// accepted; otherwise it adds nothing and costs nothing, so innovation
// nodes never cause a node deduction. A completed item adds the points the
// office awarded on its nodes, not the points the unit declared: the notice
// scores innovation “年底考核结束后计分” like every other work, through the
// office's review of each node, so an award below a node's points (a node
// accepted as done but done less well) counts the same way it does for
// party and business works, and every innovation point is traceable to a
// review. When every node is awarded in full the two are equal.
//
// Deductions: late submission per calendar day in the plan's zone from the
// deadline's date to the date the tables arrived (the first submission, or
// the earlier time the office recorded them received by other means; June
// 14 is 1 day; after the deadline's time on the deadline day is late too
// and counts 1 day), capped; each month of the monthly report whose due
// date has passed by opt.AsOf, missing or late; and the manual deductions.
// Then each waiver in force replaces the amount of the deduction its ref
// names (never raising it), keeping the rule's amount as Original.
func ScoreUnit(p *Plan, u *ScoringUnit, opt ScoringOptions) UnitResult {
	r := UnitResult{Unit: u.Code, Name: u.Name, State: u.State, Deductions: []Deduction{},
		Indicators: []IndicatorScore{}, Items: []InnovationScore{}}
	if !u.Eligible() {
		r.Reason = notScoredReason(u.State)
		return r
	}
	if u.Received != nil && (u.Received.Unit == u.Code || u.Received.Unit == "") {
		rc := *u.Received
		r.Received = &rc
	}
	if d, ok := lateSubmission(p, u, r.Received); ok {
		r.Deductions = append(r.Deductions, d)
	}
	nodes := u.Nodes
	if !ownAndSorted(u.Code, nodes) {
		nodes = ownFacts(u.Code, u.Nodes, func(n NodeFact) string { return n.Unit })
		SortNodeFacts(nodes)
	}
	innov := scoreNodes(p, &r, nodes, u.Released, opt.AsOf)
	scoreInnovation(p, &r, u.Innovation, innov, opt.AsOf)
	if opt.MonthlyTracked {
		r.Deductions = append(r.Deductions, monthlyDeductions(p, u, opt.AsOf)...)
	}
	r.Deductions = append(r.Deductions, manualDeductions(u)...)
	applyWaivers(r.Deductions, u)
	for _, d := range r.Deductions {
		r.DeductionTotal += d.Points
	}
	// Deductions can exceed what was earned, above all in a run before the
	// year end, when few nodes are accepted yet; a total is never below
	// zero (the deductions stay listed in full).
	r.Total = max(0, r.Party+r.Business+r.Innovation-r.DeductionTotal)
	return r
}

// scoreNodes scores the party and business nodes into r's indicator lines,
// its party and business scores and its node deductions, and returns the
// innovation nodes by item.
func scoreNodes(p *Plan, r *UnitResult, nodes []NodeFact, released, asOf time.Time) map[int][]NodeFact {
	r.Indicators = indicatorLines(p)
	line := reindex(r.Indicators)
	innov := map[int][]NodeFact{}
	var party, business Points
	for _, n := range nodes {
		if n.Category == CategoryInnovation {
			innov[n.ItemIndex] = append(innov[n.ItemIndex], n)
			continue
		}
		l := line[n.Indicator]
		if l == nil { // a code the plan does not know: keep it visible
			r.Indicators = append(r.Indicators, IndicatorScore{Ref: IndicatorRef(n.Indicator), Category: n.Category, Code: n.Indicator, Name: n.Indicator})
			line = reindex(r.Indicators)
			l = line[n.Indicator]
		}
		count := max(1, n.Count)
		l.Points += n.Points
		l.Nodes += count
		switch {
		case n.State == factAccepted:
			l.Accepted += count
			l.Awarded += n.Awarded
			if n.Category == CategoryParty {
				party += n.Awarded
			} else {
				business += n.Awarded
			}
		case n.State == factPending && !asOf.Before(p.NodeDue(n.Due, released).At):
			l.Missing++
			r.Deductions = append(r.Deductions, Deduction{Rule: RuleMissingNode, Points: p.Deductions.MissingNode,
				Reason: fmt.Sprintf("%s %s，该节点不得分，扣%s分", n.Label(), unreported(p, asOf), p.Deductions.MissingNode), Ref: n.Path()})
		}
		if n.Late {
			l.LateNodes++
			r.Deductions = append(r.Deductions, Deduction{Rule: RuleLateNode, Points: p.Deductions.LateNode,
				Reason: fmt.Sprintf("%s 逾期报送，扣%s分", n.Label(), p.Deductions.LateNode), Ref: n.Path()})
		}
	}
	r.Party = min(party, p.Party.Total)
	r.Business = min(business, p.Business.Total)
	return innov
}

// unreported says when a node was found without a report: at the year end,
// or, for a run before it, at the run's time ("截至2019年11月25日未报送").
func unreported(p *Plan, asOf time.Time) string {
	if !asOf.Before(p.YearEnd()) {
		return "年底未报送"
	}
	d := p.LocalDate(asOf)
	return fmt.Sprintf("截至%d年%d月%d日未报送", d.Year, d.Month, d.Day)
}

// scoreInnovation scores each declared innovation item from its nodes.
func scoreInnovation(p *Plan, r *UnitResult, items []InnovationFact, nodes map[int][]NodeFact, asOf time.Time) {
	for i, it := range items {
		s := InnovationScore{Ref: InnovationRef(i), Code: fmt.Sprintf("I%d", i+1), Title: it.Title, Declared: it.Points, Certified: it.Certified}
		var awarded Points
		done := len(nodes[i]) > 0
		for _, n := range nodes[i] {
			if n.State != factAccepted {
				done = false
			}
			awarded += n.Awarded
		}
		switch {
		case !it.Certified:
			s.Note = "未经认定，不计分、不扣分"
		case !done:
			s.Note = "年底未完成（有节点未通过审核），不计分、不扣分"
			if asOf.Before(p.YearEnd()) {
				d := p.LocalDate(asOf)
				s.Note = fmt.Sprintf("截至%d年%d月%d日尚未完成（有节点未通过审核），不计分、不扣分", d.Year, d.Month, d.Day)
			}
		default:
			s.Completed = true
			s.Points = min(awarded, it.Points)
			if p.Innovation.MaxPoints > 0 {
				s.Points = min(s.Points, p.Innovation.MaxPoints)
			}
			s.Note = fmt.Sprintf("已认定并完成，按节点审核得分计%s分", s.Points)
			r.Innovation += s.Points
		}
		r.Items = append(r.Items, s)
	}
}

// manualDeductions are the unit's manual deductions, by ID.
func manualDeductions(u *ScoringUnit) []Deduction {
	manual := ownFacts(u.Code, u.Manual, func(m ManualDeduction) string { return m.Unit })
	sort.SliceStable(manual, func(i, j int) bool { return manual[i].ID < manual[j].ID })
	out := make([]Deduction, 0, len(manual))
	for _, m := range manual {
		reason := m.Reason
		if c := m.Citation(); c != "" {
			reason = c + "；" + reason
		}
		out = append(out, Deduction{Rule: m.Rule, Points: m.Points,
			Reason: fmt.Sprintf("%s：%s，扣%s分", m.Rule, reason, m.Points), Ref: ManualRef(m.ID)})
	}
	return out
}

// applyWaivers scores each deduction that a waiver of the unit names with
// the waiver's amount, when that is lower.
func applyWaivers(ds []Deduction, u *ScoringUnit) {
	if len(u.Waivers) == 0 {
		return
	}
	byRef := make(map[string]*Waiver, len(u.Waivers))
	for i := range u.Waivers {
		w := &u.Waivers[i]
		if (w.Unit == u.Code || w.Unit == "") && w.WithdrawnAt == nil {
			byRef[w.Ref] = w
		}
	}
	for i := range ds {
		w := byRef[ds[i].Ref]
		if w == nil {
			continue
		}
		orig := ds[i].Points
		ds[i].Original = &orig
		ds[i].Points = min(orig, w.Points)
		ds[i].Waiver = &WaiverNote{ID: w.ID, Points: w.Points, Reason: w.Reason, By: w.By, At: w.At, Objection: w.Objection}
	}
}

func reindex(ls []IndicatorScore) map[string]*IndicatorScore {
	m := make(map[string]*IndicatorScore, len(ls))
	for i := range ls {
		m[ls[i].Code] = &ls[i]
	}
	return m
}

// indicatorLines lists the plan's party and business indicators, in order.
func indicatorLines(p *Plan) []IndicatorScore {
	out := make([]IndicatorScore, 0, len(p.Party.Items)+len(p.Business.Items))
	for _, c := range []struct {
		name string
		cat  *Category
	}{{CategoryParty, &p.Party}, {CategoryBusiness, &p.Business}} {
		for _, it := range c.cat.Items {
			out = append(out, IndicatorScore{Ref: IndicatorRef(it.Code), Category: c.name, Code: it.Code, Name: it.Name})
		}
	}
	return out
}

// ownFacts keeps the facts of unit, so that a batch's facts can be passed
// whole.
func ownFacts[T any](unit string, in []T, of func(T) string) []T {
	out := make([]T, 0, len(in))
	for _, x := range in {
		if of(x) == unit || of(x) == "" {
			out = append(out, x)
		}
	}
	return out
}

// ownAndSorted reports whether every fact is unit's and they are in
// document order already (as a run hands them over), so that ScoreUnit
// can read them in place instead of copying and sorting them.
func ownAndSorted(unit string, ns []NodeFact) bool {
	for i := range ns {
		if ns[i].Unit != unit && ns[i].Unit != "" {
			return false
		}
		if i > 0 && ns[i].Position().Compare(ns[i-1].Position()) < 0 {
			return false
		}
	}
	return true
}

// Position is the node's place in its document.
func (n *NodeFact) Position() NodePosition {
	return NodePosition{n.Category, n.ItemIndex, n.WorkIndex, n.NodeIndex}
}

// SortNodeFacts puts nodes in document order, so that deductions are
// listed the same way whatever order the facts came in.
func SortNodeFacts(ns []NodeFact) {
	slices.SortStableFunc(ns, func(a, b NodeFact) int { return a.Position().Compare(b.Position()) })
}

func notScoredReason(state string) string {
	if state == "" || state == StateNone {
		return "未填报指标表，未进入执行，不参加计分"
	}
	return fmt.Sprintf("指标表未下发执行（当前状态：%s），不参加计分", State(state).Label())
}

// DaysLate is the number of calendar days a first submission at t came
// after the deadline, in the plan's zone: 0 when on time, at least 1 when
// late (a submission after the deadline's time on the deadline's own day is
// 1 day late), else the days from the day the deadline ends on (moved off a
// day off, SubmissionDue) to t's date.
func DaysLate(p *Plan, t time.Time) int {
	d := p.SubmissionDue()
	if !t.After(d.At) {
		return 0
	}
	return max(1, d.EndsOn.DaysUntil(p.LocalDate(t)))
}

// ArrivedAt is when a unit's tables reached the office: the first
// submission, or the time recorded in rc when that is earlier (nil when
// neither is known).
func ArrivedAt(first *time.Time, rc *Receipt) *time.Time {
	if rc != nil && (first == nil || rc.At.Before(*first)) {
		t := rc.At
		return &t
	}
	return first
}

func lateSubmission(p *Plan, u *ScoringUnit, rc *Receipt) (Deduction, bool) {
	at := ArrivedAt(u.FirstSubmittedAt, rc)
	if u.FirstSubmittedAt == nil || at == nil {
		return Deduction{}, false
	}
	days := DaysLate(p, *at)
	if days == 0 || p.Deductions.LateSubmissionPerDay == 0 {
		return Deduction{}, false
	}
	pts := Points(days) * p.Deductions.LateSubmissionPerDay
	capNote := ""
	if c := p.Deductions.LateSubmissionCap; c > 0 && pts > c {
		pts = c
		capNote = fmt.Sprintf("，以%s分为限", c)
	}
	arrived := fmt.Sprintf("指标表于%s首次报送", p.FormatTime(*at))
	if !at.Equal(*u.FirstSubmittedAt) {
		arrived = fmt.Sprintf("指标表于%s以其他方式送达（办公室登记：%s；系统中首次报送于%s）", p.FormatTime(*at), rc.Reason, p.FormatTime(*u.FirstSubmittedAt))
	}
	return Deduction{Rule: RuleLateSubmission, Points: pts,
		Reason: fmt.Sprintf("%s，截止时间为%s，迟报%d天，每天扣%s分%s，扣%s分",
			arrived, p.FormatTime(p.DeadlineTime()), days, p.Deductions.LateSubmissionPerDay, capNote, pts),
		Ref: SubmissionRef(p.Year, u.Code)}, true
}

func monthlyDeductions(p *Plan, u *ScoringUnit, asOf time.Time) []Deduction {
	got := map[Month]MonthlyFact{}
	for _, f := range u.Monthly {
		if f.Unit == u.Code || f.Unit == "" {
			got[f.Month] = f
		}
	}
	var out []Deduction
	for _, m := range p.Months() {
		due := p.MonthDeadline(m)
		if asOf.Before(due.At) {
			continue
		}
		ref := MonthlyRef(m)
		f, ok := got[m]
		switch {
		case !ok:
			out = append(out, Deduction{Rule: RuleMonthlyMissing, Points: p.Deductions.MonthlyMissing, Ref: ref,
				Reason: fmt.Sprintf("%s会员实名制信息采集数量未报送（应于%s报送），扣%s分", m, due.Label, p.Deductions.MonthlyMissing)})
		case f.Late:
			out = append(out, Deduction{Rule: RuleMonthlyLate, Points: p.Deductions.MonthlyLate, Ref: ref,
				Reason: fmt.Sprintf("%s会员实名制信息采集数量于%s逾期报送（应于%s报送），扣%s分", m, p.FormatTime(f.ReportedAt), due.Label, p.Deductions.MonthlyLate)})
		}
	}
	return out
}

// Rank orders results and gives each its rank and grade: scored units by
// total, highest first, equal totals sharing a rank (1, 2, 2, 4) and listed
// in unit-code order; then, apart, every unit that was not scored (it took
// no part), by code, with no rank (0) and no grade.
func Rank(p *Plan, rs []UnitResult) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Scored() != b.Scored() {
			return a.Scored()
		}
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		return a.Unit < b.Unit
	})
	for i := range rs {
		if !rs[i].Scored() {
			rs[i].Rank, rs[i].Grade = 0, ""
			continue
		}
		if i > 0 && rs[i-1].Total == rs[i].Total {
			rs[i].Rank = rs[i-1].Rank
		} else {
			rs[i].Rank = i + 1
		}
		rs[i].Grade = p.GradeOf(rs[i].Total)
	}
}

// Score scores every unit and ranks them: ScoreUnit for each, then Rank.
func Score(p *Plan, units []ScoringUnit, opt ScoringOptions) []UnitResult {
	out := make([]UnitResult, 0, len(units))
	for i := range units {
		out = append(out, ScoreUnit(p, &units[i], opt))
	}
	Rank(p, out)
	return out
}
