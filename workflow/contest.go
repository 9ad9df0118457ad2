package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A published result can be contested. The rules here are pure: the
// records the office and the units write (waivers, receipts, objections),
// when an objection period ends on the plan's calendar, when a result is
// final, and when a unit's monthly figure exceeds the member information
// system's by too much. The service stores the records and applies the
// rules; ScoreUnit applies waivers and receipts.
//
//	publish run 1 ──► 公示中 (objection period: ObjectionDays working days)
//	   │  units object to lines of their breakdown (by ref)
//	   │  the office answers each: reject, or accept with a correction
//	   │  (a waiver of a deduction or a changed review of a node)
//	   ├──► run again, publish the correction (same period end) ──┐
//	   ▼                                                          │
//	已确定: the period has ended, every objection is answered and  ◄┘
//	        every accepted correction is in the published run

// Waiver is the office's decision to waive or reduce one deduction of a
// unit, named by the deduction's ref as a run shows it. Points is the
// amount that remains (0: waived). Objection is the objection whose
// accepted answer granted it (0 when the office granted it on its own). A
// withdrawn waiver is kept, with who withdrew it and when.
type Waiver struct {
	ID          int64      `json:"id"`
	Year        int        `json:"year"`
	Unit        string     `json:"unit"`
	Ref         string     `json:"ref"`
	Points      Points     `json:"points"`
	Reason      string     `json:"reason"`
	By          string     `json:"by"`
	At          time.Time  `json:"at"`
	Objection   int64      `json:"objection,omitempty"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnBy string     `json:"withdrawn_by,omitempty"`
}

// WaiverNote is the waiver a deduction of a result was scored with.
type WaiverNote struct {
	ID        int64     `json:"id"`
	Points    Points    `json:"points"`
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Objection int64     `json:"objection,omitempty"`
}

// Receipt records when a unit's tables actually reached the office by
// other means (email, paper) before they were keyed into the system:
// lateness is decided from the earlier of At and the first submission.
type Receipt struct {
	Year       int       `json:"year"`
	Unit       string    `json:"unit"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Objection verdicts are VerdictAccept and VerdictReject, as for reviews.

// Objection is a unit's objection to one line of its published result
// (提出异议), and the office's answer. Ref names the line (a deduction's
// ref, a node's path, "indicator:B3", "innovation[0]"); Line is the line
// as the unit saw it. Run is the published run objected to. Verdict is
// empty while the objection is open.
type Objection struct {
	ID    int64           `json:"id"`
	Year  int             `json:"year"`
	Unit  string          `json:"unit"`
	Ref   string          `json:"ref"`
	Line  string          `json:"line"`
	Text  string          `json:"text"`
	Run   int64           `json:"run"`
	By    string          `json:"by"`
	At    time.Time       `json:"at"`
	Files []ObjectionFile `json:"files"`
	// The answer: a verdict, its reason, who gave it and when, and for an
	// acceptance the correction it made.
	Verdict    string      `json:"verdict,omitempty"`
	Answer     string      `json:"answer,omitempty"`
	AnsweredBy string      `json:"answered_by,omitempty"`
	AnsweredAt *time.Time  `json:"answered_at,omitempty"`
	Correction *Correction `json:"correction,omitempty"`
}

// Open reports whether the objection awaits its answer.
func (o *Objection) Open() bool { return o.Verdict == "" }

// ObjectionFile is one evidence file of an objection, stored by content
// hash like node evidence.
type ObjectionFile struct {
	ID         int64     `json:"id"`
	Objection  int64     `json:"objection"`
	Year       int       `json:"-"`
	Unit       string    `json:"-"`
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	Type       string    `json:"type"`
	UploadedAt time.Time `json:"uploaded_at"`
	UploadedBy string    `json:"uploaded_by"`
}

// Correction is what an accepted objection changed: a waiver of a
// deduction, a changed review of a node, or both.
type Correction struct {
	Waiver *WaiverCorrection `json:"waiver,omitempty"`
	Review *ReviewCorrection `json:"review,omitempty"`
}

// WaiverCorrection is the waiver an accepted objection granted: the
// deduction's ref, its amount before and the amount that remains.
type WaiverCorrection struct {
	Ref      string `json:"ref"`
	Original Points `json:"original"`
	Points   Points `json:"points"`
	WaiverID int64  `json:"waiver_id"`
}

// ReviewCorrection is the changed review of a node an accepted objection
// made: the node's path, its award before and after.
type ReviewCorrection struct {
	Ref      string `json:"ref"`
	NodeID   int64  `json:"node_id"`
	Before   Points `json:"before"`
	Points   Points `json:"points"`
	ReviewID int64  `json:"review_id"`
}

// Describe says in Chinese what the correction changed. A change of the
// line objected to (ref) needs no name, the message names that line; a
// change of another line names it in words (RefWords).
func (c *Correction) Describe(ref string) string {
	if c == nil {
		return ""
	}
	where := func(r string) string {
		if r == ref {
			return ""
		}
		return "（" + RefWords(r) + "）"
	}
	var parts []string
	if w := c.Waiver; w != nil {
		if w.Points == 0 {
			parts = append(parts, fmt.Sprintf("免除扣分%s，原扣%s分", where(w.Ref), w.Original))
		} else {
			parts = append(parts, fmt.Sprintf("扣分由%s分减为%s分%s", w.Original, w.Points, where(w.Ref)))
		}
	}
	if r := c.Review; r != nil {
		parts = append(parts, fmt.Sprintf("节点得分由%s分改为%s分%s", r.Before, r.Points, where(r.Ref)))
	}
	return strings.Join(parts, "；")
}

// VerdictLabel names an objection's verdict in Chinese.
func VerdictLabel(v string) string {
	switch v {
	case VerdictAccept:
		return "异议成立，已更正"
	case VerdictReject:
		return "异议不成立，维持原结果"
	}
	return "待答复"
}

// Result states of a published year.
const (
	// ResultPublic: 公示中, objections may be raised or are being answered.
	ResultPublic = "public"
	// ResultFinal: 已确定.
	ResultFinal = "final"
)

// ResultStateLabel names a result state in Chinese.
func ResultStateLabel(s string) string {
	if s == ResultFinal {
		return "已确定"
	}
	return "公示中"
}

// ResultStateAt is the state of a year's published result at now: public
// (公示中) until the objection period has ended (ends, nil for a result
// published without one), every objection is answered (open is how many
// are not) and every accepted correction is in the published run (pending
// is how many are not); final (已确定) from then on.
func ResultStateAt(ends *time.Time, now time.Time, open, pending int) string {
	if (ends != nil && now.Before(*ends)) || open > 0 || pending > 0 {
		return ResultPublic
	}
	return ResultFinal
}

// ObjectionPeriodEnd is the instant the objection period of a result
// published at t ends: the end of the ObjectionDays-th working day after
// the day of publication, in the plan's zone, on the plan's calendar (a
// 调休 weekend day counts, a holiday does not). Published on Friday
// September 27 2019 with 5 days, it ends at the end of Thursday October 10
// (Sunday September 29 is a working day, October 1–7 are off).
func (p *Plan) ObjectionPeriodEnd(t time.Time) time.Time {
	d := p.LocalDate(t)
	for range max(1, p.ObjectionDays) {
		d = p.Calendar.WorkdayAfter(d)
	}
	return d.AddDays(1).In(p.Location())
}

// Comparison is a unit's own monthly figure against the member information
// system's: the difference (unit − system), the difference in percent of
// the system's figure (hundredths of a percent, truncated; nil when the
// system's figure is 0), and whether it exceeds the plan's threshold.
type Comparison struct {
	Difference int64   `json:"difference"`
	Percent    *Points `json:"percent"`
	Flagged    bool    `json:"flagged"`
}

// CompareCounts compares a unit's figure with the system's against the
// threshold in percent (Points: 5% is 500): flagged when the unit's figure
// exceeds the system's by more than threshold percent of it, decided
// exactly in integers (a system figure of 0 flags any positive figure).
func CompareCounts(unit, system int64, threshold Points) Comparison {
	c := Comparison{Difference: unit - system}
	if system > 0 {
		pct := Points(c.Difference * 100 * int64(Point) / system)
		c.Percent = &pct
	}
	// unit − system > system × threshold / 100%, without division.
	c.Flagged = c.Difference > 0 && c.Difference*100*int64(Point) > system*int64(threshold)
	return c
}

// Refs of the lines of a breakdown that are not deductions.

// IndicatorRef names an indicator's line: "indicator:B3".
func IndicatorRef(code string) string { return "indicator:" + code }

// InnovationRef names an innovation item's line by its index:
// "innovation[0]".
func InnovationRef(index int) string { return fmt.Sprintf("innovation[%d]", index) }

// MonthlyRef names a month's monthly-report deduction: "monthly:2019-06".
func MonthlyRef(m Month) string { return "monthly:" + m.String() }

// ManualRef names a manual deduction: "deduction:12".
func ManualRef(id int64) string { return fmt.Sprintf("deduction:%d", id) }

// ParseNodeRef reads a node's path ("business[2].works[0].nodes[1]",
// "innovation[0].nodes[1]") back into its position.
func ParseNodeRef(ref string) (NodePosition, bool) {
	cat, rest, ok := strings.Cut(ref, "[")
	if !ok {
		return NodePosition{}, false
	}
	idx := func(s, prefix string) (int, string, bool) {
		if !strings.HasPrefix(s, prefix) {
			return 0, "", false
		}
		s = s[len(prefix):]
		n, after, ok := strings.Cut(s, "]")
		if !ok || n == "" || (len(n) > 1 && n[0] == '0') {
			return 0, "", false
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return 0, "", false
		}
		return v, after, true
	}
	var pos NodePosition
	var ok1, ok2, ok3 bool
	switch cat {
	case CategoryParty, CategoryBusiness:
		pos.Category = cat
		pos.ItemIndex, rest, ok1 = idx(rest, "")
		pos.WorkIndex, rest, ok2 = idx(rest, ".works[")
		pos.NodeIndex, rest, ok3 = idx(rest, ".nodes[")
	case CategoryInnovation:
		pos.Category = cat
		pos.ItemIndex, rest, ok1 = idx(rest, "")
		ok2 = true
		pos.NodeIndex, rest, ok3 = idx(rest, ".nodes[")
	default:
		return NodePosition{}, false
	}
	if !ok1 || !ok2 || !ok3 || rest != "" {
		return NodePosition{}, false
	}
	return pos, true
}

// RefWords names a line of a breakdown in words, from its ref alone, for
// a page or a message that cannot show the line itself: "业务指标第3项 第1项工作
// 节点2", "2019年7月会员实名制信息采集数量", "第12号人工扣分". A ref it does
// not know is returned as it is.
func RefWords(ref string) string {
	if pos, ok := ParseNodeRef(ref); ok {
		switch pos.Category {
		case CategoryInnovation:
			return fmt.Sprintf("创新指标%d 节点%d", pos.ItemIndex+1, pos.NodeIndex+1)
		case CategoryParty:
			return fmt.Sprintf("党建指标第%d项 第%d项工作 节点%d", pos.ItemIndex+1, pos.WorkIndex+1, pos.NodeIndex+1)
		default:
			return fmt.Sprintf("业务指标第%d项 第%d项工作 节点%d", pos.ItemIndex+1, pos.WorkIndex+1, pos.NodeIndex+1)
		}
	}
	kind, rest, _ := strings.Cut(ref, ":")
	switch kind {
	case "indicator":
		return "指标" + rest
	case "monthly":
		if m, err := ParseMonth(rest); err == nil {
			return fmt.Sprintf("%d年%d月会员实名制信息采集数量", m.Year, m.Month)
		}
	case "deduction":
		return "第" + rest + "号人工扣分"
	case "submission":
		return "指标表报送"
	}
	if i, ok := strings.CutPrefix(ref, "innovation["); ok {
		if n, err := strconv.Atoi(strings.TrimSuffix(i, "]")); err == nil && strings.HasSuffix(i, "]") {
			return fmt.Sprintf("创新指标%d", n+1)
		}
	}
	return ref
}

// Path is the position's JSON path in the submission document (NodeFact.Path).
func (a NodePosition) Path() string {
	return NodeFact{Category: a.Category, ItemIndex: a.ItemIndex, WorkIndex: a.WorkIndex, NodeIndex: a.NodeIndex}.Path()
}

// Deadline kinds of the notices about a published result. They are not
// deadlines a unit owes something for: they name what a notice is about in
// its outbox key.
const (
	// DeadlineResult is a year's objection period ("result:2019").
	DeadlineResult DeadlineKind = "result"
	// DeadlineObjection is one answered objection ("objection:12").
	DeadlineObjection DeadlineKind = "objection"
	// DeadlineObjections is one working day's office digest of open
	// objections ("objections:2019/2019-12-23").
	DeadlineObjections DeadlineKind = "objections"
)

// PublicationNotice is the notice that a year's result was published at
// published and may be objected to until ends: sent from publication to
// the end of the period, once per contact (the outbox key names the year,
// so a correction published later sends none).
func (p *Plan) PublicationNotice(published, ends time.Time) Notice {
	return Notice{Kind: NoticePublication, SendDate: p.LocalDate(published), SendAt: published, Until: ends,
		Deadline: PlanDeadline{Kind: DeadlineResult, Key: fmt.Sprintf("result:%d", p.Year), Date: p.LocalDate(ends.Add(-time.Nanosecond)), At: ends}}
}

// AnswerNotice is the notice of the answer to objection id given at
// answered: sent for OverdueWindow after the answer.
func (p *Plan) AnswerNotice(id int64, answered time.Time) Notice {
	return Notice{Kind: NoticeAnswer, SendDate: p.LocalDate(answered), SendAt: answered, Until: answered.Add(OverdueWindow),
		Deadline: PlanDeadline{Kind: DeadlineObjection, Key: fmt.Sprintf("objection:%d", id), Date: p.LocalDate(answered), At: answered}}
}

// ObjectionDigest is the office's digest of open objections due at now:
// one a working day, at the reminders' time of day, until the end of that
// day; ok is false on a day off and before the time of day.
func (p *Plan) ObjectionDigest(now time.Time, r ReminderRules) (n Notice, ok bool) {
	day := p.LocalDate(now)
	at := day.At(r.at(), p.Location())
	if !p.Calendar.IsWorkday(day) || now.Before(at) {
		return Notice{}, false
	}
	end := day.AddDays(1).In(p.Location())
	return Notice{Kind: NoticeObjections, SendDate: day, SendAt: at, Until: end,
		Deadline: PlanDeadline{Kind: DeadlineObjections, Key: fmt.Sprintf("objections:%d/%s", p.Year, day), Date: day, At: end}}, true
}
