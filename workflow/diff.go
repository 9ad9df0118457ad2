package workflow

import "fmt"

// Line kinds of a diff between runs and of a result's breakdown.
const (
	LineScore      = "score"      // a subtotal: party, business, innovation, deductions, total
	LineIndicator  = "indicator"  // an indicator's awarded points
	LineInnovation = "innovation" // an innovation item's points
	LineDeduction  = "deduction"  // a deduction's amount
	LineNode       = "node"       // a node's award (breakdowns only)
)

// Changes of a line between two runs.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// LineChange is one line that differs between two runs: its ref, its kind,
// its label, the points before and after (nil when the line is absent on
// that side) and, for a deduction, the fact and waiver of each side.
type LineChange struct {
	Ref          string      `json:"ref"`
	Kind         string      `json:"kind"`
	Label        string      `json:"label"`
	Change       string      `json:"change"`
	Before       *Points     `json:"before"`
	After        *Points     `json:"after"`
	ReasonBefore string      `json:"reason_before,omitempty"`
	ReasonAfter  string      `json:"reason_after,omitempty"`
	Waiver       *WaiverNote `json:"waiver,omitempty"`
}

// UnitDiff is how one unit's result differs between two runs: its total,
// rank and grade on each side and every line that changed, subtotals
// first, then indicators, innovation items and deductions in the order of
// the later run.
type UnitDiff struct {
	Unit        string       `json:"unit"`
	Name        string       `json:"name"`
	TotalBefore Points       `json:"total_before"`
	TotalAfter  Points       `json:"total_after"`
	RankBefore  int          `json:"rank_before"`
	RankAfter   int          `json:"rank_after"`
	GradeBefore string       `json:"grade_before"`
	GradeAfter  string       `json:"grade_after"`
	Lines       []LineChange `json:"lines"`
}

// DiffResults lists, unit by unit in the order of to, how the results of
// to differ from those of from; units whose result is the same (rank and
// grade included) are left out. A unit present on one side only is listed
// with every line added or removed.
func DiffResults(from, to []UnitResult) []UnitDiff {
	before := make(map[string]*UnitResult, len(from))
	for i := range from {
		before[from[i].Unit] = &from[i]
	}
	out := []UnitDiff{}
	seen := map[string]bool{}
	for i := range to {
		a := &to[i]
		seen[a.Unit] = true
		if d, changed := diffUnit(before[a.Unit], a); changed {
			out = append(out, d)
		}
	}
	for i := range from {
		if !seen[from[i].Unit] {
			if d, changed := diffUnit(&from[i], nil); changed {
				out = append(out, d)
			}
		}
	}
	return out
}

// diffUnit compares one unit's results (either may be nil).
func diffUnit(b, a *UnitResult) (UnitDiff, bool) {
	var zero UnitResult
	if b == nil {
		b = &zero
	}
	if a == nil {
		a = &zero
	}
	d := UnitDiff{Unit: a.Unit, Name: a.Name, TotalBefore: b.Total, TotalAfter: a.Total, RankBefore: b.Rank, RankAfter: a.Rank,
		GradeBefore: b.Grade, GradeAfter: a.Grade, Lines: []LineChange{}}
	if a == &zero {
		d.Unit, d.Name = b.Unit, b.Name
	}
	var ls lineSet
	ls.score(b, a)
	ls.indicators(b.Indicators, a.Indicators)
	ls.items(b.Items, a.Items)
	ls.deductions(b.Deductions, a.Deductions)
	d.Lines = ls.out
	changed := len(d.Lines) > 0 || b.Rank != a.Rank || b.Grade != a.Grade || b.Reason != a.Reason
	return d, changed
}

// lineSet collects the changed lines of one unit.
type lineSet struct{ out []LineChange }

func ptr(p Points) *Points { return &p }

// add records a line present on either side when its points or reason
// differ.
func (ls *lineSet) add(c LineChange, hadBefore, hasAfter bool) {
	switch {
	case hadBefore && !hasAfter:
		c.Change, c.After = ChangeRemoved, nil
	case !hadBefore && hasAfter:
		c.Change, c.Before = ChangeAdded, nil
	case *c.Before != *c.After || c.ReasonBefore != c.ReasonAfter:
		c.Change = ChangeChanged
	default:
		return
	}
	ls.out = append(ls.out, c)
}

func (ls *lineSet) score(b, a *UnitResult) {
	for _, s := range []struct {
		ref, label string
		b, a       Points
	}{
		{"party", "党建指标得分", b.Party, a.Party},
		{"business", "业务指标得分", b.Business, a.Business},
		{"innovation", "创新指标加分", b.Innovation, a.Innovation},
		{"deductions", "扣分合计", b.DeductionTotal, a.DeductionTotal},
		{"total", "总分", b.Total, a.Total},
	} {
		ls.add(LineChange{Ref: s.ref, Kind: LineScore, Label: s.label, Before: ptr(s.b), After: ptr(s.a)}, true, true)
	}
}

func (ls *lineSet) indicators(b, a []IndicatorScore) {
	old := map[string]IndicatorScore{}
	for _, l := range b {
		old[indicatorKey(l)] = l
	}
	for _, l := range a {
		o, had := old[indicatorKey(l)]
		delete(old, indicatorKey(l))
		ls.add(LineChange{Ref: indicatorKey(l), Kind: LineIndicator, Label: fmt.Sprintf("%s %s", l.Code, l.Name),
			Before: ptr(o.Awarded), After: ptr(l.Awarded)}, had, true)
	}
	for _, l := range b {
		if _, gone := old[indicatorKey(l)]; gone {
			ls.add(LineChange{Ref: indicatorKey(l), Kind: LineIndicator, Label: fmt.Sprintf("%s %s", l.Code, l.Name),
				Before: ptr(l.Awarded)}, true, false)
		}
	}
}

// indicatorKey is an indicator line's ref (results stored before lines
// carried refs have only the code).
func indicatorKey(l IndicatorScore) string {
	if l.Ref != "" {
		return l.Ref
	}
	return IndicatorRef(l.Code)
}

func (ls *lineSet) items(b, a []InnovationScore) {
	for i := range max(len(a), len(b)) {
		ref, label := InnovationRef(i), fmt.Sprintf("创新指标%d", i+1)
		c := LineChange{Ref: ref, Kind: LineInnovation}
		if i < len(b) {
			c.Before, c.ReasonBefore, c.Label = ptr(b[i].Points), b[i].Note, label+" "+b[i].Title
		}
		if i < len(a) {
			c.After, c.ReasonAfter, c.Label = ptr(a[i].Points), a[i].Note, label+" "+a[i].Title
		}
		ls.add(c, i < len(b), i < len(a))
	}
}

func (ls *lineSet) deductions(b, a []Deduction) {
	old := map[string]Deduction{}
	for _, d := range b {
		old[d.Ref] = d
	}
	for _, d := range a {
		o, had := old[d.Ref]
		delete(old, d.Ref)
		c := LineChange{Ref: d.Ref, Kind: LineDeduction, Label: d.Rule, Before: ptr(o.Points), After: ptr(d.Points),
			ReasonBefore: o.Reason + waiverText(o.Waiver), ReasonAfter: d.Reason + waiverText(d.Waiver), Waiver: d.Waiver}
		if !had {
			c.ReasonBefore = ""
		}
		ls.add(c, had, true)
	}
	for _, d := range b {
		if _, gone := old[d.Ref]; gone {
			ls.add(LineChange{Ref: d.Ref, Kind: LineDeduction, Label: d.Rule, Before: ptr(d.Points),
				ReasonBefore: d.Reason + waiverText(d.Waiver), Waiver: d.Waiver}, true, false)
		}
	}
}

// waiverText describes a deduction's waiver after its fact ("" without
// one), so that a changed waiver is a changed line.
func waiverText(w *WaiverNote) string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("（减免#%d：%s，扣%s分）", w.ID, w.Reason, w.Points)
}
