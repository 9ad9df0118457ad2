package workflow

import (
	"fmt"
	"time"
)

// This file is the one place where a date the plan or a table writes (6月30日前,
// 次月5日前, 6月13日下班前) becomes the instant it passes. Lateness, colours,
// reminders, overdue notices, scoring, node views, the plan JSON and the
// exports all ask these functions, so that they never disagree.
//
//	written date d ──dayOff rule──► EndsOn ──time of day──► At
//
// The rule for days off (due_on_day_off): a deadline whose date is a day off
// on the plan's calendar moves to the next working day and lasts to its end
// (or to its time of day: 17:30 stays 17:30). This is how Chinese law counts
// a period whose last day is a statutory holiday (民法总则 第二百零三条, the
// same article of 民法典 since 2021: 期间的最后一日是法定休假日的，以法定休假日
// 结束的次日为期间的最后一日; 有业务时间的，停止业务活动的时间为截止时间). The
// notice sets 6月30日 (2019: a Sunday) and 11月30日 (a Saturday) as
// checkpoints; the monthly count of September is due on 10月5日, inside the
// National Day holiday.

// DayOffRule says what becomes of a deadline whose date is a day off.
type DayOffRule string

// Rules for deadlines on days off.
const (
	// NextWorkingDay moves the deadline to the next working day (the
	// default).
	NextWorkingDay DayOffRule = "next_working_day"
	// AsIs keeps every deadline on its date.
	AsIs DayOffRule = "as_is"
)

// Due is a deadline as the plan applies it: the date as written and the day
// and instant it really passes.
type Due struct {
	// Date is the date as written: the checkpoint, the monthly due day,
	// the submission deadline's date.
	Date Date `json:"date"`
	// EndsOn is the day the deadline ends on: Date, or the working day it
	// moved to.
	EndsOn Date `json:"ends_on"`
	// At is the instant the deadline passes: the end of EndsOn in the
	// plan's zone, or EndsOn at the deadline's time of day.
	At time.Time `json:"at"`
	// Moved says EndsOn is not Date.
	Moved bool `json:"moved"`
	// Label writes the deadline for people: "6月30日前", "6月13日17:30前", or
	// "6月30日前（遇休息日顺延至7月1日）" when moved.
	Label string `json:"label"`
}

// DueEndsOn returns the day a deadline written for d ends on: d itself if it
// is a working day or the plan keeps deadlines as written, else the first
// working day after d.
func (p *Plan) DueEndsOn(d Date) Date {
	if p.DueOnDayOff == AsIs || p.Calendar.IsWorkday(d) {
		return d
	}
	return p.Calendar.WorkdayAfter(d)
}

// due applies the plan's rule for days off to a deadline written for d that
// passes at the time of day tod on its day (nil: at the end of the day).
// Every deadline of the plan goes through it.
func (p *Plan) due(d Date, tod *ClockTime) Due {
	ends := p.DueEndsOn(d)
	at := ends.AddDays(1).In(p.Location())
	if tod != nil {
		at = ends.At(*tod, p.Location())
	}
	return Due{Date: d, EndsOn: ends, At: at, Moved: ends != d, Label: dueLabel(d, ends, tod)}
}

// dueLabel writes 6月30日前, 6月13日17:30前, 6月30日前（遇休息日顺延至7月1日）.
func dueLabel(d, ends Date, tod *ClockTime) string {
	s := monthDay(d)
	if tod != nil {
		s += tod.String()
	}
	s += "前"
	if ends != d {
		to := monthDay(ends)
		if ends.Year != d.Year {
			to = fmt.Sprintf("%d年%s", ends.Year, to)
		}
		s += "（遇休息日顺延至" + to + "）"
	}
	return s
}

func monthDay(d Date) string {
	b := make([]byte, 0, 14)
	return string(append(appendPadded(append(appendPadded(b, int(d.Month), 0), "月"...), d.Day, 0), "日"...))
}

// SubmissionDue is the indicator tables' deadline (下班前), moved off a day
// off with its time of day kept.
func (p *Plan) SubmissionDue() Due {
	tod := p.Deadline.Time
	return p.due(p.Deadline.Date, &tod)
}

// DeadlineTime is the instant the submission deadline passes.
func (p *Plan) DeadlineTime() time.Time { return p.SubmissionDue().At }

// CheckpointDue is the deadline of the checkpoint on d: to the end of its
// day, or to the checkpoint's time of day if the plan sets one, moved off a
// day off. A date that is not a checkpoint is treated alike.
func (p *Plan) CheckpointDue(d Date) Due {
	if c, ok := p.Checkpoint(d); ok && c.Time != nil {
		return p.due(d, c.Time)
	}
	return p.due(d, nil)
}

// ReleaseDue is the earliest a node of a table released at released may
// fall due: the end of the plan's ReleaseGraceDays-th working day after
// the day of the release.
func (p *Plan) ReleaseDue(released time.Time) Due {
	day := DateOf(released.In(p.Location()))
	ends := day
	for range p.ReleaseGraceDays {
		ends = p.Calendar.WorkdayAfter(ends)
	}
	return Due{Date: day, EndsOn: ends, At: ends.AddDays(1).In(p.Location()), Moved: true,
		Label: fmt.Sprintf("指标表%s返回执行后第%d个工作日（%s）前", monthDay(day), p.ReleaseGraceDays, monthDay(ends))}
}

// NodeDue is when a node whose table sets it on checkpoint d falls due,
// its table having been released at released (zero: not known, the
// checkpoint alone decides): the later of the checkpoint's deadline and
// ReleaseDue. Every decision about a node (lateness of a report, overdue,
// colour, reminders, missing at year end, its view) reads it, so a further
// rule about when nodes fall due belongs here and nowhere else.
func (p *Plan) NodeDue(d Date, released time.Time) Due {
	cd := p.CheckpointDue(d)
	if released.IsZero() {
		return cd
	}
	rd := p.ReleaseDue(released)
	if !rd.At.After(cd.At) {
		return cd
	}
	return Due{Date: d, EndsOn: rd.EndsOn, At: rd.At, Moved: true,
		Label: fmt.Sprintf("%s前（指标表%s返回执行，顺延至%s）", monthDay(d), monthDay(rd.Date), monthDay(rd.EndsOn))}
}

// MonthDeadline is the deadline of a month's count: to the end of the due
// day of the following month, moved off a day off.
func (p *Plan) MonthDeadline(m Month) Due { return p.due(p.MonthDue(m), nil) }

// MonthDueTime is the instant a month's count becomes late.
func (p *Plan) MonthDueTime(m Month) time.Time { return p.MonthDeadline(m).At }

// MonthlyDue is one month's deadline, as the plan JSON lists them.
type MonthlyDue struct {
	Month Month `json:"month"`
	Due   Due   `json:"due"`
}
