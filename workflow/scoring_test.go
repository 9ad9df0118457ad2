package workflow

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func cst(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2019, month, day, hour, minute, 0, 0, shanghai)
}

// yearEnd is the 2019 plan's scoring time.
var yearEnd = cst(12, 20, 9, 0)

// perfectUnit is a unit that did everything on time: submitted before the
// deadline, P1–P5 one 20-point node each, B1–B12 one 8-point node each and
// B13 one 4-point node, all accepted in full, every monthly count on time,
// no innovation item.
func perfectUnit(p *Plan) ScoringUnit {
	sub := cst(6, 13, 10, 0)
	u := ScoringUnit{Code: "gjz", Name: "甘井子区总工会", State: "executing", FirstSubmittedAt: &sub}
	for i, it := range p.Party.Items {
		u.Nodes = append(u.Nodes, NodeFact{Unit: "gjz", Category: CategoryParty, Indicator: it.Code, ItemIndex: i,
			Due: MustDate("2019-06-30"), Points: 2000, State: "accepted", Awarded: 2000})
	}
	for i, it := range p.Business.Items {
		pts := Points(800)
		if it.Code == "B13" {
			pts = 400
		}
		u.Nodes = append(u.Nodes, NodeFact{Unit: "gjz", Category: CategoryBusiness, Indicator: it.Code, ItemIndex: i,
			Due: MustDate("2019-09-30"), Points: pts, State: "accepted", Awarded: pts})
	}
	for _, m := range p.Months() {
		u.Monthly = append(u.Monthly, MonthlyFact{Unit: "gjz", Month: m, ReportedAt: p.MonthDue(m).At(ClockTime{9, 0}, shanghai)})
	}
	return u
}

// node returns a pointer to the unit's node of indicator code.
func node(u *ScoringUnit, code string) *NodeFact {
	for i := range u.Nodes {
		if u.Nodes[i].Indicator == code {
			return &u.Nodes[i]
		}
	}
	panic("no node " + code)
}

// innovationItem adds a 3-point innovation item with two nodes (2 + 1
// points) in the given states and awards.
func innovationItem(u *ScoringUnit, certified bool, states [2]string, awards [2]Points) {
	idx := len(u.Innovation)
	u.Innovation = append(u.Innovation, InnovationFact{Title: "“互联网+”普惠服务", Points: 300, Certified: certified})
	if !certified {
		return // only certified items have nodes
	}
	for j, pts := range []Points{200, 100} {
		u.Nodes = append(u.Nodes, NodeFact{Unit: u.Code, Category: CategoryInnovation, Indicator: fmt.Sprintf("I%d", idx+1),
			ItemIndex: idx, NodeIndex: j, Due: MustDate("2019-11-30"), Points: pts, State: states[j], Awarded: awards[j]})
	}
}

type wantDeduction struct {
	Rule   string
	Points Points
	Ref    string
}

func TestScoreUnit(t *testing.T) {
	p := loadPlan2019(t)
	late := func(month time.Month, day, hour int) func(u *ScoringUnit) {
		return func(u *ScoringUnit) { s := cst(month, day, hour, 0); u.FirstSubmittedAt = &s }
	}
	tests := []struct {
		name       string
		mutate     func(u *ScoringUnit)
		asOf       time.Time
		party      Points
		business   Points
		innovation Points
		deductions []wantDeduction
		total      Points
	}{
		{name: "everything on time scores 100 + 100 with no deduction",
			mutate: func(*ScoringUnit) {}, party: 10000, business: 10000, total: 20000},
		{name: "submitted June 14 is 1 day late: 1 point",
			mutate: late(6, 14, 9), party: 10000, business: 10000, total: 19900,
			deductions: []wantDeduction{{RuleLateSubmission, 100, "submission:2019/gjz"}}},
		{name: "submitted June 16 is 3 days late: 3 points",
			mutate: late(6, 16, 9), party: 10000, business: 10000, total: 19700,
			deductions: []wantDeduction{{RuleLateSubmission, 300, "submission:2019/gjz"}}},
		{name: "submitted June 22 is 9 days late: capped at 5 points",
			mutate: late(6, 22, 9), party: 10000, business: 10000, total: 19500,
			deductions: []wantDeduction{{RuleLateSubmission, 500, "submission:2019/gjz"}}},
		{name: "submitted June 13 after 17:30 is late by 1 day",
			mutate: late(6, 13, 18), party: 10000, business: 10000, total: 19900,
			deductions: []wantDeduction{{RuleLateSubmission, 100, "submission:2019/gjz"}}},
		{name: "submitted June 13 at 17:00 is on time",
			mutate: late(6, 13, 17), party: 10000, business: 10000, total: 20000},
		{name: "a node never reported scores 0 and costs the missing-node point",
			mutate: func(u *ScoringUnit) { n := node(u, "P2"); n.State, n.Awarded = "pending", 0 },
			party:  8000, business: 10000, total: 17900,
			deductions: []wantDeduction{{RuleMissingNode, 100, "party[1].works[0].nodes[0]"}}},
		{name: "a node reported late and accepted keeps its award and costs 0.5",
			mutate: func(u *ScoringUnit) { node(u, "B3").Late = true },
			party:  10000, business: 10000, total: 19950,
			deductions: []wantDeduction{{RuleLateNode, 50, "business[2].works[0].nodes[0]"}}},
		{name: "a node reported late and rejected scores 0 and costs 0.5, not the missing point",
			mutate: func(u *ScoringUnit) { n := node(u, "B3"); n.State, n.Awarded, n.Late = "rejected", 0, true },
			party:  10000, business: 9200, total: 19150,
			deductions: []wantDeduction{{RuleLateNode, 50, "business[2].works[0].nodes[0]"}}},
		{name: "an award below the node's points counts as awarded",
			mutate: func(u *ScoringUnit) { node(u, "B13").Awarded = 250 },
			party:  10000, business: 9850, total: 19850},
		{name: "a node not yet due is not missing before its checkpoint",
			mutate: func(u *ScoringUnit) { n := node(u, "B5"); n.State, n.Awarded = "pending", 0 },
			asOf:   cst(9, 30, 23, 0), party: 10000, business: 9200, total: 19200},
		{name: "a node due September 30 is missing from October 1",
			mutate: func(u *ScoringUnit) { n := node(u, "B5"); n.State, n.Awarded = "pending", 0 },
			asOf:   cst(10, 1, 0, 0), party: 10000, business: 9200, total: 19100,
			deductions: []wantDeduction{{RuleMissingNode, 100, "business[4].works[0].nodes[0]"}}},
		{name: "a missing and a late monthly count",
			mutate: func(u *ScoringUnit) {
				u.Monthly = append(u.Monthly[:1], u.Monthly[2:]...) // no 2019-07
				u.Monthly[2].Late = true                            // 2019-09
				u.Monthly[2].ReportedAt = cst(10, 9, 10, 0)
			},
			party: 10000, business: 10000, total: 19930,
			deductions: []wantDeduction{{RuleMonthlyMissing, 50, "monthly:2019-07"}, {RuleMonthlyLate, 20, "monthly:2019-09"}}},
		{name: "a month not yet due is not missing",
			mutate: func(u *ScoringUnit) { u.Monthly = u.Monthly[:4] }, // June–September only
			asOf:   cst(11, 5, 23, 0), party: 10000, business: 10000, total: 20000},
		{name: "a month is missing the day after its due day",
			mutate: func(u *ScoringUnit) { u.Monthly = u.Monthly[:4] },
			asOf:   cst(11, 6, 0, 0), party: 10000, business: 10000, total: 19950,
			deductions: []wantDeduction{{RuleMonthlyMissing, 50, "monthly:2019-10"}}},
		{name: "an innovation item certified and completed adds its awarded points",
			mutate: func(u *ScoringUnit) {
				innovationItem(u, true, [2]string{"accepted", "accepted"}, [2]Points{200, 100})
			},
			party: 10000, business: 10000, innovation: 300, total: 20300},
		{name: "a completed innovation item awarded below its points adds the award",
			mutate: func(u *ScoringUnit) {
				innovationItem(u, true, [2]string{"accepted", "accepted"}, [2]Points{150, 100})
			},
			party: 10000, business: 10000, innovation: 250, total: 20250},
		{name: "an innovation item certified and not completed adds and costs nothing, even when missing or late",
			mutate: func(u *ScoringUnit) {
				innovationItem(u, true, [2]string{"accepted", "pending"}, [2]Points{200, 0})
				u.Nodes[len(u.Nodes)-2].Late = true
			},
			party: 10000, business: 10000, total: 20000},
		{name: "an innovation item not certified adds and costs nothing",
			mutate: func(u *ScoringUnit) { innovationItem(u, false, [2]string{}, [2]Points{}) },
			party:  10000, business: 10000, total: 20000},
		{name: "a manual deduction is itemised with its rule and record",
			mutate: func(u *ScoringUnit) {
				u.Manual = []ManualDeduction{{ID: 7, Unit: "gjz", Rule: "质量不高", Points: 200, Reason: "B3完成标准不严"}}
			},
			party: 10000, business: 10000, total: 19800,
			deductions: []wantDeduction{{"质量不高", 200, "deduction:7"}}},
		{name: "deductions are listed in order: submission, nodes in document order, months, manual",
			mutate: func(u *ScoringUnit) {
				late(6, 14, 9)(u)
				u.Manual = []ManualDeduction{{ID: 3, Unit: "gjz", Rule: "瞒报", Points: 100, Reason: "瞒报"}}
				u.Monthly = u.Monthly[1:]
				node(u, "B2").Late = true
				n := node(u, "P5")
				n.State, n.Awarded = "pending", 0
			},
			party: 8000, business: 10000, total: 17600,
			deductions: []wantDeduction{{RuleLateSubmission, 100, "submission:2019/gjz"}, {RuleMissingNode, 100, "party[4].works[0].nodes[0]"},
				{RuleLateNode, 50, "business[1].works[0].nodes[0]"}, {RuleMonthlyMissing, 50, "monthly:2019-06"}, {"瞒报", 100, "deduction:3"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := perfectUnit(p)
			tc.mutate(&u)
			asOf := tc.asOf
			if asOf.IsZero() {
				asOf = yearEnd
			}
			r := ScoreUnit(p, &u, ScoringOptions{AsOf: asOf, MonthlyTracked: true})
			if r.Party != tc.party || r.Business != tc.business || r.Innovation != tc.innovation || r.Total != tc.total {
				t.Errorf("party %s business %s innovation %s total %s, want %s %s %s %s",
					r.Party, r.Business, r.Innovation, r.Total, tc.party, tc.business, tc.innovation, tc.total)
			}
			var got []wantDeduction
			var sum Points
			for _, d := range r.Deductions {
				got = append(got, wantDeduction{d.Rule, d.Points, d.Ref})
				sum += d.Points
				if !strings.ContainsAny(d.Reason, "扣分") {
					t.Errorf("deduction %+v: reason names no fact", d)
				}
			}
			if !reflect.DeepEqual(got, tc.deductions) {
				t.Errorf("deductions\n got %+v\nwant %+v", got, tc.deductions)
			}
			if sum != r.DeductionTotal || r.Party+r.Business+r.Innovation-sum != r.Total {
				t.Errorf("total %s is not party + business + innovation − deductions (%s)", r.Total, sum)
			}
		})
	}
}

func TestScoreUnitReasons(t *testing.T) {
	p := loadPlan2019(t)
	u := perfectUnit(p)
	s := cst(6, 22, 9, 0)
	u.FirstSubmittedAt = &s
	r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true})
	want := "指标表于2019年6月22日 09:00首次报送，截止时间为2019年6月13日 17:30，迟报9天，每天扣1分，以5分为限，扣5分"
	if len(r.Deductions) != 1 || r.Deductions[0].Reason != want {
		t.Fatalf("deductions %+v, want reason %q", r.Deductions, want)
	}
}

func TestScoreUnitInnovationBreakdown(t *testing.T) {
	p := loadPlan2019(t)
	u := perfectUnit(p)
	innovationItem(&u, true, [2]string{"accepted", "accepted"}, [2]Points{200, 100})
	innovationItem(&u, false, [2]string{}, [2]Points{})
	r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd})
	if len(r.Items) != 2 {
		t.Fatalf("items %+v", r.Items)
	}
	if it := r.Items[0]; !it.Certified || !it.Completed || it.Points != 300 || it.Code != "I1" {
		t.Errorf("item 1 %+v", it)
	}
	if it := r.Items[1]; it.Certified || it.Completed || it.Points != 0 || !strings.Contains(it.Note, "未经认定") {
		t.Errorf("item 2 %+v", it)
	}
}

func TestScoreUnitWithoutMonthlyFactsMakesNoMonthlyDeduction(t *testing.T) {
	p := loadPlan2019(t)
	u := perfectUnit(p)
	u.Monthly = nil
	r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: false})
	if len(r.Deductions) != 0 || r.Total != 20000 {
		t.Fatalf("untracked monthly reports deducted: %+v", r.Deductions)
	}
	r = ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true})
	if len(r.Deductions) != 6 || r.Total != 19700 {
		t.Fatalf("six missing months: %s, %+v", r.Total, r.Deductions)
	}
}

func TestScoreUnitBreakdownByIndicator(t *testing.T) {
	p := loadPlan2019(t)
	u := perfectUnit(p)
	n := node(&u, "B4")
	n.State, n.Awarded = "pending", 0
	r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd})
	if len(r.Indicators) != 18 {
		t.Fatalf("%d indicator lines", len(r.Indicators))
	}
	b4 := r.Indicators[5+3]
	if b4.Code != "B4" || b4.Name != "提高职工职业技能，加强工匠人才队伍建设" || b4.Points != 800 || b4.Awarded != 0 || b4.Missing != 1 {
		t.Fatalf("B4 line %+v", b4)
	}
}

func TestRank(t *testing.T) {
	p := loadPlan2019(t)
	result := func(unit string, total Points) UnitResult {
		return UnitResult{Unit: unit, State: "executing", Total: total}
	}
	rs := []UnitResult{
		{Unit: "aa", State: "draft", Reason: notScoredReason("draft")},
		result("zs", 17500),
		result("xg", 19000),
		result("gjz", 19000),
		result("sh", 19500),
		result("wfd", 17499),
		result("pl", 16000),
		result("lsk", 15999),
		{Unit: "ab", State: StateNone, Reason: notScoredReason(StateNone)},
	}
	Rank(p, rs)
	type line struct {
		Unit  string
		Rank  int
		Grade string
	}
	var got []line
	for _, r := range rs {
		got = append(got, line{r.Unit, r.Rank, r.Grade})
	}
	want := []line{
		{"sh", 1, "优秀"},
		{"gjz", 2, "优秀"}, // 190 is the edge of 优秀; a tie listed by code
		{"xg", 2, "优秀"},
		{"zs", 4, "良好"},  // 175
		{"wfd", 5, "合格"}, // 174.99
		{"pl", 6, "合格"},  // 160
		{"lsk", 7, "不合格"},
		{"aa", 0, ""}, // never executing: apart, without rank or grade
		{"ab", 0, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ranking\n got %+v\nwant %+v", got, want)
	}
}

func TestGradeBandEdges(t *testing.T) {
	p := loadPlan2019(t)
	for _, tc := range []struct {
		total Points
		want  string
	}{{20300, "优秀"}, {19000, "优秀"}, {18999, "良好"}, {17500, "良好"}, {17499, "合格"}, {16000, "合格"}, {15999, "不合格"}, {0, "不合格"}, {-100, "不合格"}} {
		if got := p.GradeOf(tc.total); got != tc.want {
			t.Errorf("GradeOf(%s) = %s, want %s", tc.total, got, tc.want)
		}
	}
}

func TestScoreUnitNotExecuting(t *testing.T) {
	p := loadPlan2019(t)
	for _, state := range []string{StateNone, "draft", "submitted", "returned", "certified"} {
		u := perfectUnit(p)
		u.State = state
		r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true})
		if r.Total != 0 || r.Party != 0 || len(r.Deductions) != 0 || r.Reason == "" || r.Scored() {
			t.Errorf("state %s: %+v", state, r)
		}
	}
}

// TestScoreIsDeterministic: the same facts in any order give byte-identical
// results.
func TestScoreIsDeterministic(t *testing.T) {
	p := loadPlan2019(t)
	build := func(reverse bool) []byte {
		var units []ScoringUnit
		for i, code := range []string{"gjz", "zs", "xg"} {
			u := perfectUnit(p)
			u.Code = code
			for j := range u.Nodes {
				u.Nodes[j].Unit = code
			}
			for j := range u.Monthly {
				u.Monthly[j].Unit = code
			}
			if i == 1 {
				node(&u, "P3").Late = true
				node(&u, "B7").State = "pending"
			}
			if reverse {
				for a, b := 0, len(u.Nodes)-1; a < b; a, b = a+1, b-1 {
					u.Nodes[a], u.Nodes[b] = u.Nodes[b], u.Nodes[a]
				}
			}
			units = append(units, u)
		}
		if reverse {
			units[0], units[2] = units[2], units[0]
		}
		b, err := json.Marshal(Score(p, units, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true}))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := build(false), build(true)
	if string(a) != string(b) {
		t.Fatalf("results differ:\n%s\n%s", a, b)
	}
}

func TestDaysLate(t *testing.T) {
	p := loadPlan2019(t)
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{cst(6, 13, 17, 30), 0},
		{cst(6, 13, 17, 31), 1},
		{cst(6, 14, 0, 30), 1},
		// 2019-06-14 01:00 in Shanghai is still June 13 in UTC: the plan's
		// zone decides.
		{time.Date(2019, 6, 13, 17, 0, 0, 0, time.UTC), 1},
		{cst(6, 16, 23, 59), 3},
		{cst(6, 22, 9, 0), 9},
	} {
		if got := DaysLate(p, tc.at); got != tc.want {
			t.Errorf("DaysLate(%s) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

// TestScoreUnitAggregatedFacts: accepted, on-time nodes summed by a facts
// source (Count > 1) score exactly as the same nodes one by one.
func TestScoreUnitAggregatedFacts(t *testing.T) {
	p := loadPlan2019(t)
	one := perfectUnit(p)
	// Split every business node into four, and make one of B2's late.
	var nodes []NodeFact
	for _, n := range one.Nodes {
		if n.Category != CategoryBusiness {
			nodes = append(nodes, n)
			continue
		}
		for k := range 4 {
			q := n
			q.NodeIndex, q.Points, q.Awarded = k, n.Points/4, n.Awarded/4
			q.Late = n.Indicator == "B2" && k == 3
			nodes = append(nodes, q)
		}
	}
	one.Nodes = nodes
	agg := one
	agg.Nodes = nil
	sums := map[string]*NodeFact{}
	for _, n := range nodes {
		if n.Category != CategoryBusiness || n.Late {
			agg.Nodes = append(agg.Nodes, n)
			continue
		}
		if s, ok := sums[n.Indicator]; ok {
			s.Points += n.Points
			s.Awarded += n.Awarded
			s.Count++
			continue
		}
		q := n
		q.Count = 1
		sums[n.Indicator] = &q
	}
	for _, it := range p.Business.Items {
		agg.Nodes = append(agg.Nodes, *sums[it.Code])
	}
	opt := ScoringOptions{AsOf: yearEnd, MonthlyTracked: true}
	a, b := ScoreUnit(p, &one, opt), ScoreUnit(p, &agg, opt)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("aggregated facts score differently:\n%s\n%s", ja, jb)
	}
	if a.Total != 19950 || a.Indicators[5].Nodes != 4 || a.Indicators[5].Accepted != 4 {
		t.Fatalf("total %s, B1 line %+v", a.Total, a.Indicators[5])
	}
}

// BenchmarkScore: the pure part of a year-end run, 10,000 units of 160
// nodes each (a few missing, late or rejected), scored and ranked in
// memory. The store benchmark (workflow/store) adds reading the facts from
// SQLite and storing the run.
func BenchmarkScore(b *testing.B) {
	p := loadPlan2019(b)
	const units, nodes = 10000, 160
	due := []Date{MustDate("2019-06-30"), MustDate("2019-09-30"), MustDate("2019-11-30")}
	in := make([]ScoringUnit, units)
	for u := range in {
		sub := cst(6, 13, 9, 0)
		su := ScoringUnit{Code: fmt.Sprintf("u%05d", u), Name: "单位", State: "executing", FirstSubmittedAt: &sub}
		for k := range nodes {
			cat, ind, item := CategoryBusiness, fmt.Sprintf("B%d", k%13+1), k%13
			if k < 60 {
				cat, ind, item = CategoryParty, fmt.Sprintf("P%d", k%5+1), k%5
			}
			n := NodeFact{Unit: su.Code, Category: cat, Indicator: ind, ItemIndex: item, WorkIndex: k / 3, NodeIndex: k % 3,
				Due: due[k%3], Points: 62, State: "accepted", Awarded: 62}
			switch (u + k) % 97 {
			case 0:
				n.State, n.Awarded = "pending", 0
			case 1:
				n.Late = true
			case 2:
				n.State, n.Awarded = "rejected", 0
			}
			su.Nodes = append(su.Nodes, n)
		}
		in[u] = su
	}
	opt := ScoringOptions{AsOf: yearEnd}
	b.ResetTimer()
	for b.Loop() {
		if rs := Score(p, in, opt); len(rs) != units {
			b.Fatal(len(rs))
		}
	}
}

// TestTrialRunWording: a run before the year end says up to when a node
// was found without a report, and a total never falls below zero however
// much is deducted.
func TestTrialRunWording(t *testing.T) {
	p := loadPlan2019(t)
	sept := MustDate("2019-09-30")
	u := &ScoringUnit{Code: "zh", State: string(StateExecuting), Nodes: []NodeFact{
		{Unit: "zh", Category: CategoryBusiness, Indicator: "B1", Due: sept, Points: 300, State: factPending},
	}, Manual: []ManualDeduction{{Unit: "zh", Rule: "quality", Points: 5000, Reason: "质量不高"}}}
	for _, tc := range []struct {
		asOf time.Time
		want string
	}{
		{time.Date(2019, 11, 25, 10, 0, 0, 0, p.Location()), "截至2019年11月25日未报送"},
		{p.YearEnd(), "年底未报送"},
	} {
		r := ScoreUnit(p, u, ScoringOptions{AsOf: tc.asOf})
		if len(r.Deductions) == 0 || !strings.Contains(r.Deductions[0].Reason, tc.want) || !strings.Contains(r.Deductions[0].Reason, "9月30日前") {
			t.Fatalf("at %s: %+v, want %q", tc.asOf, r.Deductions, tc.want)
		}
		if r.Total != 0 || r.DeductionTotal <= 0 {
			t.Fatalf("total %s after deducting %s, want 0", r.Total, r.DeductionTotal)
		}
	}
}
