package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Plan is one year's assessment rules (考核方案), loaded from a YAML file in
// configs/plans and stored in the database. Nothing in the rule code is
// specific to 2019: a new year is a new file.
type Plan struct {
	Year  int    `yaml:"year" json:"year"`
	Title string `yaml:"title" json:"title"`
	// Zone is the IANA zone of every date in the plan (Asia/Shanghai).
	Zone string `yaml:"zone" json:"zone"`
	// Deadline is when the indicator tables are due (下班前).
	Deadline Deadline `yaml:"deadline" json:"deadline"`
	// Checkpoints are the dates a node may be due on (序时进度).
	Checkpoints []Checkpoint `yaml:"checkpoints" json:"checkpoints"`
	// Calendar is the year's official calendar of days off and 调休 working days.
	Calendar Calendar `yaml:"calendar" json:"calendar"`
	// DueOnDayOff says what becomes of a deadline whose date is a day off:
	// NextWorkingDay (the default) or AsIs. It applies to the submission
	// deadline, the checkpoints and the monthly due days (due.go).
	DueOnDayOff DayOffRule `yaml:"due_on_day_off" json:"due_on_day_off"`
	// ReleaseGraceDays is how many working days after the office releases a
	// unit's tables (返各单位执行) its nodes stay open at the least: a node
	// falls due at the later of its checkpoint and the end of that working
	// day, so that a late release never costs the unit points (5 when
	// zero).
	ReleaseGraceDays int `yaml:"release_grace_days" json:"release_grace_days"`
	// OfficeContacts are the office's own contacts, with which the notice
	// ends (联系人：林浩 82610211 …): every reminder, overdue notice and digest
	// ends with them, and the units' pages show them.
	OfficeContacts []OfficeContact `yaml:"office_contacts" json:"office_contacts"`
	// ForbiddenPhrases may not appear in a completion standard.
	ForbiddenPhrases []string `yaml:"forbidden_phrases" json:"forbidden_phrases"`
	// Nodes bounds the number of nodes of one work.
	Nodes NodeRules `yaml:"nodes" json:"nodes"`
	// Party is annex 1 (党建指标), Business annex 2 (业务指标).
	Party    Category `yaml:"party" json:"party"`
	Business Category `yaml:"business" json:"business"`
	// Innovation is annex 3 (创新指标).
	Innovation InnovationRules `yaml:"innovation" json:"innovation"`
	// Contacts lists what a complete supervision contact must carry.
	Contacts ContactRules `yaml:"contacts" json:"contacts"`
	// Monthly is the monthly member real-name count of business item 1.
	Monthly MonthlyRules `yaml:"monthly" json:"monthly"`
	// Deductions holds the amounts the office deducts for each kind of fault.
	Deductions DeductionRules `yaml:"deductions" json:"deductions"`
	// Grades are the bands of 拉开等次, highest first.
	Grades []Grade `yaml:"grades" json:"grades"`
	// Scoring is when the year-end scoring job runs by itself.
	Scoring Deadline `yaml:"scoring" json:"scoring"`
	// ObjectionDays is the length of the objection period (公示期) of a
	// published result, in working days after the day of publication (5
	// when zero).
	ObjectionDays int `yaml:"objection_days" json:"objection_days"`

	loc *time.Location
}

// Deadline is a date and a time of day in the plan's zone.
type Deadline struct {
	Date Date      `yaml:"date" json:"date"`
	Time ClockTime `yaml:"time" json:"time"`
	// Due is the submission deadline as it applies (SubmissionDue), written
	// in the plan JSON for clients; never read from a plan file.
	Due *Due `yaml:"-" json:"due,omitempty"`
}

// Checkpoint is a date a node may be due on. Without a time of day a
// checkpoint lasts to the end of its day in the plan's zone.
type Checkpoint struct {
	Date Date       `yaml:"date" json:"date"`
	Time *ClockTime `yaml:"time,omitempty" json:"time,omitempty"`
	Name string     `yaml:"name" json:"name"`
	// Due is the checkpoint as it applies (CheckpointDue), written in the
	// plan JSON for clients; never read from a plan file.
	Due *Due `yaml:"-" json:"due,omitempty"`
}

// NodeRules bounds the nodes of a work.
type NodeRules struct {
	Min int `yaml:"min" json:"min"`
	Max int `yaml:"max" json:"max"`
}

// Category is one annex of indicators: their names, the range and step of
// each indicator's points and the total they must reach.
type Category struct {
	Name  string `yaml:"name" json:"name"`
	Annex int    `yaml:"annex" json:"annex"`
	// Total is the exact sum of the category's indicators.
	Total Points `yaml:"total" json:"total"`
	Min   Points `yaml:"min" json:"min"`
	Max   Points `yaml:"max" json:"max"`
	Step  Points `yaml:"step" json:"step"`
	// Items are the indicators, in the notice's order.
	Items []Item `yaml:"items" json:"items"`
	// Note is the 备注 line of the annex.
	Note string `yaml:"note" json:"note"`
}

// Item is one indicator of a category.
type Item struct {
	Code     string     `yaml:"code" json:"code"`
	Name     string     `yaml:"name" json:"name"`
	Required []Required `yaml:"required,omitempty" json:"required"`
}

// Required is a content an indicator's works must cover (须包括).
type Required struct {
	Code string `yaml:"code" json:"code"`
	Text string `yaml:"text" json:"text"`
}

// InnovationRules are the limits of annex 3.
type InnovationRules struct {
	Name      string `yaml:"name" json:"name"`
	Annex     int    `yaml:"annex" json:"annex"`
	MaxItems  int    `yaml:"max_items" json:"max_items"`
	MaxPoints Points `yaml:"max_points" json:"max_points"`
	Step      Points `yaml:"step" json:"step"`
	Note      string `yaml:"note" json:"note"`
}

// OfficeContact is one person of the office whom the units may ask.
type OfficeContact struct {
	Name  string `yaml:"name" json:"name"`
	Phone string `yaml:"phone" json:"phone"`
	Email string `yaml:"email" json:"email"`
}

// ContactRules says which fields of a supervision contact must be filled for
// it to count as complete, how many complete contacts a submission needs,
// and which duties they must cover (the notice: 负责人、工作人员).
type ContactRules struct {
	Required []string `yaml:"required" json:"required"`
	MinCount int      `yaml:"min_count" json:"min_count"`
	// Duties are the duties that at least one complete contact each must
	// hold (DutyHead, DutyStaff).
	Duties []string `yaml:"duties" json:"duties"`
}

// MonthlyRules describe the monthly member real-name count.
type MonthlyRules struct {
	// Indicator and Required name the business item and required content
	// that demand the count (B1, B1.2).
	Indicator string `yaml:"indicator" json:"indicator"`
	Required  string `yaml:"required" json:"required"`
	// From and To are the first and last months reported, "2019-06".
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
	// DueDay is the day of the following month by which a month is due.
	DueDay int `yaml:"due_day" json:"due_day"`
	// DiscrepancyPercent is how far, in percent of the member information
	// system's figure, a unit's own figure may exceed it before the month
	// is flagged (5 when zero; 0.01 flags nearly any excess).
	DiscrepancyPercent Points `yaml:"discrepancy_percent" json:"discrepancy_percent"`
	// Dues are each month's deadline as it applies (MonthDeadline), written
	// in the plan JSON for clients; never read from a plan file.
	Dues []MonthlyDue `yaml:"-" json:"dues,omitempty"`
}

// DeductionRules are the amounts of the automatic deductions. The notice
// leaves amounts to the nature of the problem; these are plan data.
type DeductionRules struct {
	LateSubmissionPerDay Points   `yaml:"late_submission_per_day" json:"late_submission_per_day"`
	LateSubmissionCap    Points   `yaml:"late_submission_cap" json:"late_submission_cap"`
	LateNode             Points   `yaml:"late_node" json:"late_node"`
	MissingNode          Points   `yaml:"missing_node" json:"missing_node"`
	MonthlyMissing       Points   `yaml:"monthly_missing" json:"monthly_missing"`
	MonthlyLate          Points   `yaml:"monthly_late" json:"monthly_late"`
	ManualRules          []string `yaml:"manual_rules" json:"manual_rules"`
}

// Grade is a band of the ranking: every total at or above Min and below the
// band above it.
type Grade struct {
	Name string `yaml:"name" json:"name"`
	Min  Points `yaml:"min" json:"min"`
}

// Category names used in paths, node records and results.
const (
	CategoryParty      = "party"
	CategoryBusiness   = "business"
	CategoryInnovation = "innovation"
)

// LoadPlan reads a plan from YAML and checks that it is coherent. Unknown
// fields are refused so that a typo in a plan file is not silently ignored.
func LoadPlan(b []byte) (*Plan, error) {
	p, err := decodePlanYAML(b)
	if err != nil {
		return nil, err
	}
	if err := p.init(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodePlanYAML decodes a plan file as it is written, refusing unknown
// fields so that a misspelt field is found rather than ignored.
func decodePlanYAML(b []byte) (*Plan, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return &p, nil
}

// PlanFromJSON restores a plan stored as JSON (the database form).
func PlanFromJSON(b []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if err := p.init(); err != nil {
		return nil, err
	}
	return &p, nil
}

// init sets what a loaded plan derives (its zone, sorted checkpoints and
// grades, the calendar's days) after its defaults, and refuses a plan
// that cannot work.
func (p *Plan) init() error {
	if p.Year < 2000 || p.Year > 2200 {
		return fmt.Errorf("plan: year %d out of range", p.Year)
	}
	p.defaults()
	loc, err := time.LoadLocation(p.Zone)
	if err != nil {
		return fmt.Errorf("plan %d: zone: %w", p.Year, err)
	}
	p.loc = loc
	if p.Deadline.Date.IsZero() {
		return fmt.Errorf("plan %d: no submission deadline", p.Year)
	}
	if len(p.Checkpoints) == 0 {
		return fmt.Errorf("plan %d: no checkpoints", p.Year)
	}
	sort.Slice(p.Checkpoints, func(i, j int) bool { return p.Checkpoints[i].Date.Before(p.Checkpoints[j].Date) })
	if err := p.Calendar.init(); err != nil {
		return fmt.Errorf("plan %d: %w", p.Year, err)
	}
	if err := p.checkRules(); err != nil {
		return fmt.Errorf("plan %d: %w", p.Year, err)
	}
	sort.SliceStable(p.Grades, func(i, j int) bool { return p.Grades[i].Min > p.Grades[j].Min })
	return nil
}

// checkRules refuses settings out of their range, unknown duties, and
// categories that cannot be scored.
func (p *Plan) checkRules() error {
	switch p.DueOnDayOff {
	case NextWorkingDay, AsIs:
	default:
		return fmt.Errorf("due_on_day_off %q: want %s or %s", p.DueOnDayOff, NextWorkingDay, AsIs)
	}
	if p.ReleaseGraceDays < 1 || p.ReleaseGraceDays > 60 {
		return fmt.Errorf("release_grace_days %d: want 1 to 60 working days", p.ReleaseGraceDays)
	}
	for _, d := range p.Contacts.Duties {
		if d != DutyHead && d != DutyStaff {
			return fmt.Errorf("contacts.duties: %q is not %s or %s", d, DutyHead, DutyStaff)
		}
	}
	for _, c := range []*Category{&p.Party, &p.Business} {
		if err := c.check(); err != nil {
			return err
		}
	}
	if p.Monthly.DiscrepancyPercent < 0 {
		return errors.New("monthly.discrepancy_percent is negative")
	}
	if p.ObjectionDays < 0 {
		return errors.New("objection_days is negative")
	}
	if p.Monthly.From != "" {
		if _, err := ParseMonth(p.Monthly.From); err != nil {
			return fmt.Errorf("monthly.from: %w", err)
		}
		if _, err := ParseMonth(p.Monthly.To); err != nil {
			return fmt.Errorf("monthly.to: %w", err)
		}
	}
	return nil
}

// check refuses a category without items or with bad ranges, and a code
// used twice among its items and their required contents.
func (c *Category) check() error {
	if len(c.Items) == 0 {
		return fmt.Errorf("category %q has no items", c.Name)
	}
	if c.Min > c.Max || c.Total <= 0 {
		return fmt.Errorf("category %q has bad ranges", c.Name)
	}
	seen := map[string]bool{}
	for _, it := range c.Items {
		if seen[it.Code] {
			return fmt.Errorf("duplicate item code %s", it.Code)
		}
		seen[it.Code] = true
		for _, r := range it.Required {
			if seen[r.Code] {
				return fmt.Errorf("duplicate required code %s", r.Code)
			}
			seen[r.Code] = true
		}
	}
	return nil
}

// defaults fills the fields a plan may leave out. It refuses nothing: a
// plan being edited gets the same defaults as a loaded one.
func (p *Plan) defaults() {
	if p.Zone == "" {
		p.Zone = "Asia/Shanghai"
	}
	if p.Nodes.Min == 0 {
		p.Nodes.Min = 1
	}
	if p.Nodes.Max == 0 {
		p.Nodes.Max = len(p.Checkpoints)
	}
	if p.DueOnDayOff == "" {
		p.DueOnDayOff = NextWorkingDay
	}
	if p.ReleaseGraceDays == 0 {
		p.ReleaseGraceDays = 5
	}
	if len(p.Contacts.Required) == 0 {
		p.Contacts.Required = []string{"name", "position", "phone", "mobile"}
	}
	if p.Contacts.Duties == nil {
		p.Contacts.Duties = []string{} // clients read a list, never null
	}
	if p.OfficeContacts == nil {
		p.OfficeContacts = []OfficeContact{}
	}
	if p.Contacts.MinCount == 0 {
		p.Contacts.MinCount = 1
	}
	for _, c := range []*Category{&p.Party, &p.Business} {
		for i := range c.Items {
			if c.Items[i].Required == nil {
				c.Items[i].Required = []Required{} // clients read a list, never null
			}
		}
	}
	if p.Monthly.DueDay == 0 {
		p.Monthly.DueDay = 5
	}
	if p.Monthly.DiscrepancyPercent == 0 {
		p.Monthly.DiscrepancyPercent = 5 * Point
	}
	if p.ObjectionDays == 0 {
		p.ObjectionDays = 5
	}
	if p.Scoring.Date.IsZero() {
		p.Scoring = Deadline{Date: Date{p.Year, time.December, 20}, Time: ClockTime{9, 0}}
	}
}

// MarshalJSON writes the plan with each deadline as it applies beside the
// date the plan writes (deadline.due, checkpoints[].due, monthly.dues), so
// that a client shows "6月30日前（遇休息日顺延至7月1日）" without knowing the
// rule. They are worked out at each call from the plan's current fields.
func (p Plan) MarshalJSON() ([]byte, error) {
	type plain Plan // no methods: no recursion
	q := plain(p)
	sd := p.SubmissionDue()
	q.Deadline.Due = &sd
	q.Checkpoints = make([]Checkpoint, len(p.Checkpoints))
	for i, c := range p.Checkpoints {
		cd := p.CheckpointDue(c.Date)
		c.Due = &cd
		q.Checkpoints[i] = c
	}
	q.Monthly.Dues = nil
	for _, m := range p.Months() {
		q.Monthly.Dues = append(q.Monthly.Dues, MonthlyDue{Month: m, Due: p.MonthDeadline(m)})
	}
	return json.Marshal(q)
}

// Location returns the plan's time zone.
func (p *Plan) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// Checkpoint returns the checkpoint on date d, if any.
func (p *Plan) Checkpoint(d Date) (Checkpoint, bool) {
	for _, c := range p.Checkpoints {
		if c.Date == d {
			return c, true
		}
	}
	return Checkpoint{}, false
}

// LocalDate returns the civil date of t in the plan's zone.
func (p *Plan) LocalDate(t time.Time) Date { return DateOf(t.In(p.Location())) }

// Category returns the party or business category by name.
func (p *Plan) Category(name string) *Category {
	switch name {
	case CategoryParty:
		return &p.Party
	case CategoryBusiness:
		return &p.Business
	}
	return nil
}

// Item returns the indicator with code in c.
func (c *Category) Item(code string) (Item, bool) {
	for _, it := range c.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// Months lists the months of the monthly report, "2019-06" … "2019-11".
func (p *Plan) Months() []Month {
	if p.Monthly.From == "" {
		return nil
	}
	from, _ := ParseMonth(p.Monthly.From)
	to, _ := ParseMonth(p.Monthly.To)
	var ms []Month
	for m := from; !m.After(to); m = m.Next() {
		ms = append(ms, m)
	}
	return ms
}

// MonthDue is the date a month's count is due: DueDay of the next month.
func (p *Plan) MonthDue(m Month) Date {
	n := m.Next()
	return Date{n.Year, n.Month, p.Monthly.DueDay}
}

// GradeOf returns the band a total falls in ("" when the plan has none).
func (p *Plan) GradeOf(total Points) string {
	for _, g := range p.Grades {
		if total >= g.Min {
			return g.Name
		}
	}
	if len(p.Grades) > 0 {
		return p.Grades[len(p.Grades)-1].Name
	}
	return ""
}

// Calendar is a year's official calendar: which days are days off and which
// weekend days are working days (调休). Entries are dates, or ranges written
// "2019-02-04..2019-02-10".
type Calendar struct {
	Holidays []string `yaml:"holidays" json:"-"`
	Workdays []string `yaml:"workdays" json:"-"`

	off  map[Date]bool
	work map[Date]bool
}

func (c *Calendar) init() error {
	var err error
	if c.off, err = expandDates(c.Holidays); err != nil {
		return fmt.Errorf("calendar holidays: %w", err)
	}
	if c.work, err = expandDates(c.Workdays); err != nil {
		return fmt.Errorf("calendar workdays: %w", err)
	}
	for d := range c.work {
		if c.off[d] {
			return fmt.Errorf("calendar: %s is both a holiday and a working day", d)
		}
	}
	return nil
}

func expandDates(entries []string) (map[Date]bool, error) {
	m := map[Date]bool{}
	for _, e := range entries {
		a, b, isRange := strings.Cut(e, "..")
		from, err := ParseDate(strings.TrimSpace(a))
		if err != nil {
			return nil, err
		}
		to := from
		if isRange {
			if to, err = ParseDate(strings.TrimSpace(b)); err != nil {
				return nil, err
			}
			if to.Before(from) {
				return nil, fmt.Errorf("range %q ends before it starts", e)
			}
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			m[d] = true
		}
	}
	return m, nil
}

// prepare expands the entries that parse and refuses nothing: the plan
// checks report the others.
func (c *Calendar) prepare() {
	c.off, _ = expandEach(c.Holidays)
	c.work, _ = expandEach(c.Workdays)
}

// expandEach expands every entry that parses and returns the others.
func expandEach(entries []string) (map[Date]bool, []string) {
	m := map[Date]bool{}
	var bad []string
	for _, e := range entries {
		one, err := expandDates([]string{e})
		if err != nil {
			bad = append(bad, e)
			continue
		}
		for d := range one {
			m[d] = true
		}
	}
	return m, bad
}

// IsWorkday reports whether d is a working day: a 调休 weekend day is, a
// holiday is not, otherwise Monday to Friday are.
func (c *Calendar) IsWorkday(d Date) bool {
	if c.work[d] {
		return true
	}
	if c.off[d] {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// WorkdayOnOrBefore returns d if it is a working day, else the last working
// day before it.
func (c *Calendar) WorkdayOnOrBefore(d Date) Date {
	for !c.IsWorkday(d) {
		d = d.AddDays(-1)
	}
	return d
}

// WorkdayAfter returns the first working day strictly after d.
func (c *Calendar) WorkdayAfter(d Date) Date {
	d = d.AddDays(1)
	for !c.IsWorkday(d) {
		d = d.AddDays(1)
	}
	return d
}

// MarshalJSON writes the calendar with every date listed, worked out from
// its entries. An entry that is not a date or a range is written as it
// is, so that a plan being edited never loses what the office typed (the
// plan checks report it).
func (c Calendar) MarshalJSON() ([]byte, error) {
	list := func(entries []string) []string {
		m, bad := expandEach(entries)
		out := make([]string, 0, len(m)+len(bad))
		for d := range m {
			out = append(out, d.String())
		}
		sort.Strings(out)
		return append(out, bad...)
	}
	return json.Marshal(struct {
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}{list(c.Holidays), list(c.Workdays)})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var v struct {
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.Holidays, c.Workdays = v.Holidays, v.Workdays
	return nil
}

// Month is a calendar month, "2019-06".
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2006-01".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("月份 %q 格式应为 YYYY-MM", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

// String formats m as "2006-01".
func (m Month) String() string {
	b := make([]byte, 0, 7)
	return string(appendPadded(append(appendPadded(b, m.Year, 4), '-'), int(m.Month), 2))
}

// Next returns the following month.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{m.Year + 1, time.January}
	}
	return Month{m.Year, m.Month + 1}
}

// Prev returns the month before.
func (m Month) Prev() Month {
	if m.Month == time.January {
		return Month{m.Year - 1, time.December}
	}
	return Month{m.Year, m.Month - 1}
}

// After reports whether m is later than o.
func (m Month) After(o Month) bool {
	return m.Year > o.Year || (m.Year == o.Year && m.Month > o.Month)
}

// MarshalText writes "2006-01".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// FormatTime shows an instant in the plan's zone, to the minute, as people
// write it: "2019年6月13日 17:30".
func (p *Plan) FormatTime(t time.Time) string {
	return t.In(p.Location()).Format("2006年1月2日 15:04")
}
