package workflow

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestScoreUnitWaiversAndReceipts: a waiver replaces the amount of the
// deduction its ref names and keeps the rule's amount beside it; a receipt
// of the tables before the deadline makes a late first submission on time.
func TestScoreUnitWaiversAndReceipts(t *testing.T) {
	t.Parallel()
	p := loadPlan2019(t)
	at := cst(12, 18, 10, 0)
	waiver := func(id int64, ref string, pts Points) Waiver {
		return Waiver{ID: id, Unit: "gjz", Ref: ref, Points: pts, Reason: "办公室原因", By: "admin", At: at}
	}
	lateB3 := func(u *ScoringUnit) { node(u, "B3").Late = true }
	lateSub := func(u *ScoringUnit) { s := cst(6, 17, 9, 0); u.FirstSubmittedAt = &s }
	tests := []struct {
		name       string
		mutate     func(u *ScoringUnit)
		deductions []wantDeduction
		originals  []Points // the rule's amounts of waived deductions, in order
		total      Points
	}{
		{name: "a waived late-node deduction is listed with 0 and its rule's 0.5",
			mutate: func(u *ScoringUnit) {
				lateB3(u)
				u.Waivers = []Waiver{waiver(1, "business[2].works[0].nodes[0]", 0)}
			},
			deductions: []wantDeduction{{RuleLateNode, 0, "business[2].works[0].nodes[0]"}}, originals: []Points{50}, total: 20000},
		{name: "a reduced late submission costs the reduced amount",
			mutate: func(u *ScoringUnit) {
				lateSub(u)
				u.Waivers = []Waiver{waiver(2, "submission:2019/gjz", 100)}
			},
			deductions: []wantDeduction{{RuleLateSubmission, 100, "submission:2019/gjz"}}, originals: []Points{400}, total: 19900},
		{name: "a waiver never raises a deduction",
			mutate: func(u *ScoringUnit) {
				lateSub(u)
				u.Waivers = []Waiver{waiver(2, "submission:2019/gjz", 600)}
			},
			deductions: []wantDeduction{{RuleLateSubmission, 400, "submission:2019/gjz"}}, originals: []Points{400}, total: 19600},
		{name: "a withdrawn waiver, another unit's and one naming no deduction change nothing",
			mutate: func(u *ScoringUnit) {
				lateB3(u)
				gone := waiver(3, "business[2].works[0].nodes[0]", 0)
				gone.WithdrawnAt = &at
				other := waiver(4, "business[2].works[0].nodes[0]", 0)
				other.Unit = "zs"
				u.Waivers = []Waiver{gone, other, waiver(5, "monthly:2019-06", 0)}
			},
			deductions: []wantDeduction{{RuleLateNode, 50, "business[2].works[0].nodes[0]"}}, total: 19950},
		{name: "a manual deduction can be reduced like an automatic one",
			mutate: func(u *ScoringUnit) {
				u.Manual = []ManualDeduction{{ID: 7, Unit: "gjz", Rule: "质量不高", Points: 200, Reason: "标准不严"}}
				u.Waivers = []Waiver{waiver(6, "deduction:7", 50)}
			},
			deductions: []wantDeduction{{"质量不高", 50, "deduction:7"}}, originals: []Points{200}, total: 19950},
		{name: "tables received June 13 at 16:00 make a June 17 submission on time",
			mutate: func(u *ScoringUnit) {
				lateSub(u)
				u.Received = &Receipt{Unit: "gjz", At: cst(6, 13, 16, 0), Reason: "6月13日电子邮件报送", By: "admin"}
			},
			total: 20000},
		{name: "tables received June 14 count 1 day late, not 4",
			mutate: func(u *ScoringUnit) {
				lateSub(u)
				u.Received = &Receipt{Unit: "gjz", At: cst(6, 14, 9, 0), Reason: "纸质报送", By: "admin"}
			},
			deductions: []wantDeduction{{RuleLateSubmission, 100, "submission:2019/gjz"}}, total: 19900},
		{name: "a receipt later than the first submission changes nothing",
			mutate: func(u *ScoringUnit) {
				lateSub(u)
				u.Received = &Receipt{Unit: "gjz", At: cst(6, 20, 9, 0), Reason: "纸质报送", By: "admin"}
			},
			deductions: []wantDeduction{{RuleLateSubmission, 400, "submission:2019/gjz"}}, total: 19600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := perfectUnit(p)
			tc.mutate(&u)
			r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true})
			var got []wantDeduction
			var originals []Points
			var sum Points
			for _, d := range r.Deductions {
				got = append(got, wantDeduction{d.Rule, d.Points, d.Ref})
				sum += d.Points
				if d.Original != nil {
					originals = append(originals, *d.Original)
					if d.Waiver == nil || d.Waiver.Reason != "办公室原因" || d.Waiver.By != "admin" {
						t.Errorf("a waived deduction without its waiver: %+v", d)
					}
				}
			}
			if !reflect.DeepEqual(got, tc.deductions) || !reflect.DeepEqual(originals, tc.originals) {
				t.Errorf("deductions %+v originals %v, want %+v %v", got, originals, tc.deductions, tc.originals)
			}
			if r.Total != tc.total || sum != r.DeductionTotal {
				t.Errorf("total %s (deductions %s), want %s", r.Total, r.DeductionTotal, tc.total)
			}
			if (u.Received != nil) != (r.Received != nil) {
				t.Errorf("receipt %+v not carried into the result", u.Received)
			}
		})
	}
}

// TestReceiptReason: the late-submission fact names both the receipt and
// the first submission in the system.
func TestReceiptReason(t *testing.T) {
	t.Parallel()
	p := loadPlan2019(t)
	u := perfectUnit(p)
	s := cst(6, 20, 9, 0)
	u.FirstSubmittedAt = &s
	u.Received = &Receipt{Unit: "gjz", At: cst(6, 14, 9, 30), Reason: "纸质报送"}
	r := ScoreUnit(p, &u, ScoringOptions{AsOf: yearEnd, MonthlyTracked: true})
	want := "指标表于2019年6月14日 09:30以其他方式送达（办公室登记：纸质报送；系统中首次报送于2019年6月20日 09:00），截止时间为2019年6月13日 17:30，迟报1天，每天扣1分，扣1分"
	if len(r.Deductions) != 1 || r.Deductions[0].Reason != want {
		t.Fatalf("deductions %+v, want %q", r.Deductions, want)
	}
}

// TestObjectionPeriodEnd counts working days after the day of publication
// on the 2019 calendar.
func TestObjectionPeriodEnd(t *testing.T) {
	t.Parallel()
	p := loadPlan2019(t)
	tests := []struct {
		name      string
		published time.Time
		days      int
		ends      time.Time
	}{
		{"Friday Sept 27 with 5 days: Sun Sept 29 works, Oct 1–7 are off", cst(9, 27, 15, 0), 5, cst(10, 11, 0, 0)},
		{"the time of day of publication does not matter", cst(9, 27, 23, 59), 5, cst(10, 11, 0, 0)},
		{"Friday Dec 20 with 5 days ends at the end of Friday Dec 27", cst(12, 20, 9, 30), 5, cst(12, 28, 0, 0)},
		{"published on a Saturday counts from Monday", cst(12, 21, 10, 0), 1, cst(12, 24, 0, 0)},
		{"published on the eve of National Day", cst(9, 30, 10, 0), 1, cst(10, 9, 0, 0)},
		{"Thursday Feb 7 (Spring Festival) with 3 days: Feb 11, 12, 13", cst(2, 7, 10, 0), 3, cst(2, 14, 0, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := *p
			q.ObjectionDays = tc.days
			if got := q.ObjectionPeriodEnd(tc.published); !got.Equal(tc.ends) {
				t.Fatalf("ends %v, want %v", got, tc.ends)
			}
		})
	}
	if p.ObjectionDays != 5 {
		t.Fatalf("the 2019 plan has %d objection days, want 5", p.ObjectionDays)
	}
}

func TestResultStateAt(t *testing.T) {
	t.Parallel()
	ends := cst(12, 28, 0, 0)
	tests := []struct {
		name          string
		ends          *time.Time
		now           time.Time
		open, pending int
		want          string
	}{
		{"during the period", &ends, cst(12, 27, 23, 0), 0, 0, ResultPublic},
		{"after the period, all answered", &ends, ends, 0, 0, ResultFinal},
		{"after the period, one open", &ends, ends, 1, 0, ResultPublic},
		{"after the period, a correction not published", &ends, ends, 0, 1, ResultPublic},
		{"published before objection periods existed", nil, ends, 0, 0, ResultFinal},
	}
	for _, tc := range tests {
		if got := ResultStateAt(tc.ends, tc.now, tc.open, tc.pending); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if ResultStateLabel(ResultPublic) != "公示中" || ResultStateLabel(ResultFinal) != "已确定" {
		t.Fatal("labels")
	}
}

func TestCompareCounts(t *testing.T) {
	t.Parallel()
	five := 5 * Point
	pct := func(p Points) *Points { return &p }
	tests := []struct {
		unit, system int64
		threshold    Points
		want         Comparison
	}{
		{10500, 10000, five, Comparison{500, pct(500), false}},                            // exactly 5%: not more
		{10501, 10000, five, Comparison{501, pct(501), true}},                             // 5.01%
		{9000, 10000, five, Comparison{-1000, pct(-1000), false}},                         // fewer: never flagged
		{12034, 9000, five, Comparison{3034, pct(3371), true}},                            // 33.71%
		{1, 0, five, Comparison{1, nil, true}},                                            // any figure over none
		{0, 0, five, Comparison{0, nil, false}},                                           // nothing on either side
		{1000, 999, 1, Comparison{1, pct(10), true}},                                      // 0.10% over 0.01%
		{100001, 100000, 1, Comparison{1, pct(0), false}},                                 // 0.001%: under 0.01%
		{3_000_000_000, 1_000_000_000, five, Comparison{2_000_000_000, pct(20000), true}}, // no overflow
	}
	for _, tc := range tests {
		got := CompareCounts(tc.unit, tc.system, tc.threshold)
		if got.Difference != tc.want.Difference || got.Flagged != tc.want.Flagged || (got.Percent == nil) != (tc.want.Percent == nil) ||
			(got.Percent != nil && *got.Percent != *tc.want.Percent) {
			t.Errorf("CompareCounts(%d, %d, %s) = %+v %v, want %+v %v", tc.unit, tc.system, tc.threshold, got, got.Percent, tc.want, tc.want.Percent)
		}
	}
	p := loadPlan2019(t)
	if p.Monthly.DiscrepancyPercent != five {
		t.Fatalf("the 2019 plan's threshold is %s%%, want 5", p.Monthly.DiscrepancyPercent)
	}
}

func TestParseNodeRef(t *testing.T) {
	t.Parallel()
	good := []string{"party[0].works[0].nodes[0]", "business[12].works[3].nodes[2]", "innovation[1].nodes[0]"}
	for _, ref := range good {
		pos, ok := ParseNodeRef(ref)
		if !ok || pos.Path() != ref {
			t.Errorf("%s: %+v %v", ref, pos, ok)
		}
	}
	bad := []string{"", "party", "party[0]", "party[0].works[0]", "party[-1].works[0].nodes[0]", "party[01].works[0].nodes[0]",
		"innovation[0].works[0].nodes[0]", "business[2].works[0].nodes[1]x", "other[0].works[0].nodes[0]", "indicator:B3",
		"monthly:2019-06", "party[a].works[0].nodes[0]"}
	for _, ref := range bad {
		if pos, ok := ParseNodeRef(ref); ok {
			t.Errorf("%q parsed as %+v", ref, pos)
		}
	}
}

// TestDiffResults lists the lines that changed between two runs, unit by
// unit, and leaves out units whose result did not change.
func TestDiffResults(t *testing.T) {
	t.Parallel()
	p := loadPlan2019(t)
	u := perfectUnit(p)
	node(&u, "B3").Late = true
	zs := perfectUnit(p)
	zs.Code, zs.Name = "zs", "中山区总工会"
	for i := range zs.Nodes {
		zs.Nodes[i].Unit = "zs"
	}
	for i := range zs.Monthly {
		zs.Monthly[i].Unit = "zs"
	}
	node(&zs, "P1").Awarded = 1500
	opt := ScoringOptions{AsOf: yearEnd, MonthlyTracked: true}
	before := Score(p, []ScoringUnit{u, zs}, opt)

	u.Waivers = []Waiver{{ID: 1, Unit: "gjz", Ref: "business[2].works[0].nodes[0]", Points: 0, Reason: "系统故障", By: "admin"}}
	node(&u, "B5").Awarded = 700
	after := Score(p, []ScoringUnit{u, zs}, opt)

	ds := DiffResults(before, after)
	if len(ds) != 1 || ds[0].Unit != "gjz" {
		t.Fatalf("diff %+v, want gjz only", ds)
	}
	d := ds[0]
	if d.TotalBefore != 19950 || d.TotalAfter != 19900 || d.RankBefore != 1 || d.RankAfter != 1 {
		t.Fatalf("gjz %+v", d)
	}
	var got []string
	for _, l := range d.Lines {
		got = append(got, l.Kind+" "+l.Ref+" "+l.Change+" "+l.Before.String()+"→"+l.After.String())
	}
	want := []string{
		"score business changed 100→99",
		"score deductions changed 0.5→0",
		"score total changed 199.5→199",
		"indicator indicator:B5 changed 8→7",
		"deduction business[2].works[0].nodes[0] changed 0.5→0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lines\n got %q\nwant %q", got, want)
	}
	if w := d.Lines[4].Waiver; w == nil || w.Reason != "系统故障" || !strings.Contains(d.Lines[4].ReasonAfter, "减免#1") {
		t.Fatalf("the waived line does not carry its waiver: %+v", d.Lines[4])
	}
	if len(DiffResults(after, after)) != 0 {
		t.Fatal("a run differs from itself")
	}
	// A unit on one side only: its indicators are added lines.
	only := DiffResults(nil, after[:1])
	if len(only) != 1 {
		t.Fatalf("one-sided diff %+v", only)
	}
	added := 0
	for _, l := range only[0].Lines {
		if l.Kind == LineIndicator && l.Change == ChangeAdded && l.Before == nil && l.After != nil {
			added++
		}
	}
	if added != 18 {
		t.Fatalf("%d indicator lines added, want 18: %+v", added, only[0].Lines)
	}
}

// TestCorrectionDescribe: a correction reads in words; the line objected
// to is not named again, another line is.
func TestCorrectionDescribe(t *testing.T) {
	node := "business[1].works[0].nodes[1]"
	tests := []struct {
		name string
		c    *Correction
		ref  string
		want string
	}{
		{"none", nil, node, ""},
		{"the node objected to", &Correction{Review: &ReviewCorrection{Ref: node, Before: 100, Points: 300}}, node, "节点得分由1分改为3分"},
		{"a waiver of the deduction objected to", &Correction{Waiver: &WaiverCorrection{Ref: "monthly:2019-07", Original: 50}}, "monthly:2019-07", "免除扣分，原扣0.5分"},
		{"a reduction of another line", &Correction{Waiver: &WaiverCorrection{Ref: "monthly:2019-07", Original: 100, Points: 50}}, node,
			"扣分由1分减为0.5分（2019年7月会员实名制信息采集数量）"},
		{"a review of another node", &Correction{Review: &ReviewCorrection{Ref: node, Before: 150, Points: 200}}, "monthly:2019-07",
			"节点得分由1.5分改为2分（业务指标第2项 第1项工作 节点2）"},
	}
	for _, tt := range tests {
		if got := tt.c.Describe(tt.ref); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRefWords: every kind of line a breakdown has reads in words.
func TestRefWords(t *testing.T) {
	for ref, want := range map[string]string{
		"party[0].works[1].nodes[2]":    "党建指标第1项 第2项工作 节点3",
		"business[2].works[0].nodes[0]": "业务指标第3项 第1项工作 节点1",
		"innovation[1].nodes[0]":        "创新指标2 节点1",
		"innovation[0]":                 "创新指标1",
		"indicator:B3":                  "指标B3",
		"monthly:2019-07":               "2019年7月会员实名制信息采集数量",
		"deduction:12":                  "第12号人工扣分",
		SubmissionRef(2019, "gjz"):      "指标表报送",
		"monthly:2019-13":               "monthly:2019-13",
		"something else":                "something else",
	} {
		if got := RefWords(ref); got != want {
			t.Errorf("RefWords(%q) = %q, want %q", ref, got, want)
		}
	}
}
