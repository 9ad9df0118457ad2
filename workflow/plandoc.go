package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A plan is also a document the office edits: a draft may hold anything
// that decodes (a checkpoint out of order, a calendar entry outside the
// year, ranges that cannot reach the total), because the office fixes it
// step by step. DecodePlan and ReadPlanYAML read such a document without
// refusing what the plan checks (CheckPlan) report; LoadPlan and
// PlanFromJSON read a plan that is in force, and refuse a plan they cannot
// run on.

// DecodePlan reads a plan document as JSON (the database's and the API's
// form): malformed JSON, a value of the wrong type or points with more than
// two decimals are errors; anything CheckPlan reports is not.
func DecodePlan(b []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	p.prepare()
	return &p, nil
}

// ReadPlanYAML reads a plan file as DecodePlan reads JSON, refusing unknown
// fields so that a misspelt field is found rather than ignored.
func ReadPlanYAML(b []byte) (*Plan, error) {
	p, err := decodePlanYAML(b)
	if err != nil {
		return nil, err
	}
	p.prepare()
	return p, nil
}

// prepare gives a plan being edited its defaults, its zone when the zone
// exists, and its calendar's entries that parse. It refuses nothing and
// reorders nothing, so that the checks see the plan as written.
func (p *Plan) prepare() {
	p.defaults()
	if loc, err := time.LoadLocation(p.Zone); err == nil {
		p.loc = loc
	}
	p.Calendar.prepare()
}

// Clone returns a deep copy of p, prepared as DecodePlan prepares a plan.
func (p *Plan) Clone() (*Plan, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return DecodePlan(b)
}

// NewPlanFrom returns the plan of year, drafted from src: every rule kept,
// the title and notes naming the new year, the dates moved to the same day
// of the new year (February 29 to February 28), the submission deadline
// moved back to a Friday when the new date is a weekend day, the monthly
// counts' months moved, and the calendar left empty for the office to fill
// from the year's official holiday arrangement (the plan checks report it
// until it is filled).
func NewPlanFrom(src *Plan, year int) (*Plan, error) {
	p, err := src.Clone()
	if err != nil {
		return nil, err
	}
	shift := year - src.Year
	from, to := strconv.Itoa(src.Year), strconv.Itoa(year)
	p.Year = year
	p.Title = strings.ReplaceAll(p.Title, from, to)
	p.Party.Note = strings.ReplaceAll(p.Party.Note, from, to)
	p.Business.Note = strings.ReplaceAll(p.Business.Note, from, to)
	p.Innovation.Note = strings.ReplaceAll(p.Innovation.Note, from, to)
	p.Deadline.Date = weekdayOnOrBefore(moveYears(p.Deadline.Date, shift))
	for i := range p.Checkpoints {
		p.Checkpoints[i].Date = moveYears(p.Checkpoints[i].Date, shift)
	}
	p.Scoring.Date = moveYears(p.Scoring.Date, shift)
	for _, m := range []*string{&p.Monthly.From, &p.Monthly.To} {
		if v, err := ParseMonth(*m); err == nil {
			*m = Month{v.Year + shift, v.Month}.String()
		}
	}
	p.Calendar = Calendar{Holidays: []string{}, Workdays: []string{}}
	p.prepare()
	return p, nil
}

// moveYears moves d by n years, to February 28 when d is February 29 and
// the new year has none.
func moveYears(d Date, n int) Date {
	if d.IsZero() {
		return d
	}
	m := Date{d.Year + n, d.Month, d.Day}
	if DateOf(m.In(time.UTC)) != m {
		m.Day = 28
	}
	return m
}

// weekdayOnOrBefore returns d, or the Friday before when d is a Saturday or
// a Sunday.
func weekdayOnOrBefore(d Date) Date {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDays(-1)
	}
	return d
}

// EncodePlanYAML writes p as a plan file that ReadPlanYAML and LoadPlan
// read back: points as numbers, the calendar's runs of consecutive days as
// ranges ("2019-10-01..2019-10-07"), and a comment asking for the calendar
// when it is empty.
func EncodePlanYAML(p *Plan) ([]byte, error) {
	q := *p
	q.Calendar = Calendar{Holidays: compactDates(p.Calendar.Holidays), Workdays: compactDates(p.Calendar.Workdays)}
	var doc yaml.Node
	if err := doc.Encode(&q); err != nil {
		return nil, err
	}
	if len(q.Calendar.Holidays) == 0 {
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "calendar" {
				doc.Content[i].HeadComment = fmt.Sprintf("请按国务院办公厅关于%d年部分节假日安排的通知填写：holidays 放假日期（可写区间 %d-10-01..%d-10-07），workdays 调休上班的周末日期", q.Year, q.Year, q.Year)
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// compactDates lists a calendar's entries with runs of consecutive days
// written as ranges; entries that are not dates are kept as they are.
func compactDates(entries []string) []string {
	m, bad := expandEach(entries)
	days := make([]Date, 0, len(m))
	for d := range m {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	out := []string{}
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j].AddDays(1) == days[j+1] {
			j++
		}
		if j == i {
			out = append(out, days[i].String())
		} else {
			out = append(out, days[i].String()+".."+days[j].String())
		}
		i = j + 1
	}
	return append(out, bad...)
}

// MarshalYAML writes points as a YAML number ("100", "2.5").
func (p Points) MarshalYAML() (any, error) {
	s := p.String()
	tag := "!!int"
	if strings.Contains(s, ".") {
		tag = "!!float"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}, nil
}

// RunningGrace is how long after the last date a plan schedules it still
// counts as running, so that a server that was down over the new year
// still finishes the year's work when it comes back.
const RunningGrace = 31 * 24 * time.Hour

// Running reports whether now falls in the plan's year of work: from the
// first day of its year to RunningGrace after the latest of the year's end,
// its last deadline and its scoring. The scheduled jobs act only on running
// plans, so that a server started years later neither reminds, nor
// gathers, nor summarises for a year long gone.
func (p *Plan) Running(now time.Time) bool {
	start := Date{p.Year, time.January, 1}.In(p.Location())
	end := Date{p.Year + 1, time.January, 1}.In(p.Location())
	if ye := p.YearEnd(); ye.After(end) {
		end = ye
	}
	if ds := p.Deadlines(); len(ds) > 0 && ds[len(ds)-1].At.After(end) {
		end = ds[len(ds)-1].At
	}
	return !now.Before(start) && now.Before(end.Add(RunningGrace))
}

// CurrentYear returns the year of now in the zone of the plans (the first
// plan's, Asia/Shanghai when there is none): the year the office's
// overview opens on.
func CurrentYear(now time.Time, plans []*Plan) int {
	loc := time.UTC
	if len(plans) > 0 {
		loc = plans[0].Location()
	} else if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		loc = l
	}
	return now.In(loc).Year()
}

// SamePlan reports whether a and b are the same plan: the same JSON.
func SamePlan(a, b *Plan) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && slices.Equal(x, y)
}

// PlanVersion is one version of a year's plan, numbered from 1 per year.
// A version never changes once stored, except that it may be published
// once; the published version with the highest number is the plan in
// force. Plan is nil in lists.
type PlanVersion struct {
	Year    int    `json:"year"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	// Note says how the version was made (从2019年度方案新建, 导入 2027.yaml,
	// 修改).
	Note        string     `json:"note"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	PublishedAt *time.Time `json:"published_at"`
	PublishedBy string     `json:"published_by,omitempty"`
	Plan        *Plan      `json:"plan,omitempty"`
}
