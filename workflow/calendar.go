package workflow

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Each unit, and the office, has a private calendar feed of its deadlines
// (RFC 5545), read through a long random token in its address. A feed
// carries titles and times only: no points, no names of people, nothing
// a lost phone could give away beyond what is due when.

// CalendarFeed is the private address of one calendar feed.
type CalendarFeed struct {
	// Owner is the unit whose deadlines it lists; "" is the office's, with
	// every unit's.
	Owner string
	// Token is the secret part of its address; rotating it makes the old
	// address answer 404.
	Token     string
	CreatedAt time.Time
}

// CalendarEvent is one deadline in a feed.
type CalendarEvent struct {
	// UID stays the same from one read of the feed to the next, so that a
	// calendar updates the event rather than adding another.
	UID   string
	Title string
	// At is the instant the deadline passes.
	At time.Time
	// AllDay says the deadline is the end of Date in the plan's zone (a
	// checkpoint or a month's count): the event is that whole day.
	AllDay bool
	Date   Date
}

// NodeDue is one node's due instant as the node views show it (after any
// move of its checkpoint).
type NodeDue struct {
	Unit string
	// Due is the checkpoint the tables gave the node; At when it is late.
	Due Date
	At  time.Time
}

// CalendarEvents lists the plan's deadlines for a feed, in time order.
// For a unit (units holds that unit, nodes its nodes): the submission
// deadline, each month's count, and its nodes' due times, one event per
// checkpoint and due instant with the number of nodes; before its tables
// are released (no nodes) each checkpoint of the plan. For the office
// (owner "", every unit and node): the same deadlines, the node events
// counting units and nodes, and every checkpoint that no node is due on.
// Once a result is published, objectionEnds (zero before) is the end of
// its objection period, an event of both kinds of feed.
func (p *Plan) CalendarEvents(owner string, units []Unit, nodes []NodeDue, objectionEnds time.Time) []CalendarEvent {
	who := owner
	if who == "" {
		who = "office"
	}
	uid := func(parts ...string) string {
		return fmt.Sprintf("kaohe-%d-%s-%s@kaohe", p.Year, strings.Join(parts, "-"), who)
	}
	groups := groupNodes(units, nodes)
	out, covered := p.nodeEvents(owner, groups, uid)
	out = append(out, p.planEvents(owner, covered, len(groups) > 0, uid)...)
	if !objectionEnds.IsZero() {
		out = append(out, p.deadlineEvent(uid("objections"), fmt.Sprintf("%d年度考核结果公示期结束（异议截止）", p.Year), Date{}, objectionEnds))
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].UID < out[j].UID
	})
	return out
}

// nodeGroup is the nodes of a feed due at one instant on one checkpoint.
type nodeGroup struct {
	due   Date
	at    time.Time
	nodes int
	units map[string]bool
}

// groupNodes groups the nodes of units by checkpoint and due instant.
func groupNodes(units []Unit, nodes []NodeDue) map[string]*nodeGroup {
	inFeed := map[string]bool{}
	for _, u := range units {
		inFeed[u.Code] = true
	}
	groups := map[string]*nodeGroup{}
	for _, n := range nodes {
		if !inFeed[n.Unit] {
			continue
		}
		key := n.Due.String() + "/" + n.At.UTC().Format("20060102T150405Z")
		g := groups[key]
		if g == nil {
			g = &nodeGroup{due: n.Due, at: n.At, units: map[string]bool{}}
			groups[key] = g
		}
		g.nodes++
		g.units[n.Unit] = true
	}
	return groups
}

// nodeEvents is an event per group of nodes, counting units too in the
// office's feed, and the checkpoints the groups cover.
func (p *Plan) nodeEvents(owner string, groups map[string]*nodeGroup, uid func(...string) string) ([]CalendarEvent, map[Date]bool) {
	covered := map[Date]bool{}
	var out []CalendarEvent
	for _, g := range groups {
		covered[g.due] = true
		title := p.checkpointName(g.due) + "序时进度节点截止"
		if owner == "" {
			title += fmt.Sprintf("（%d个单位%d项）", len(g.units), g.nodes)
		} else {
			title += fmt.Sprintf("（%d项）", g.nodes)
		}
		out = append(out, p.deadlineEvent(uid("nodes", g.due.String(), g.at.UTC().Format("20060102T150405Z")), title, g.due, g.at))
	}
	return out, covered
}

// planEvents is an event per deadline of the plan: the submission, each
// month's count, and each checkpoint no node event covers, which a unit's
// feed lists only while the unit has no nodes (hasNodes false).
func (p *Plan) planEvents(owner string, covered map[Date]bool, hasNodes bool, uid func(...string) string) []CalendarEvent {
	var out []CalendarEvent
	for _, d := range p.Deadlines() {
		switch d.Kind {
		case DeadlineSubmission:
			out = append(out, p.deadlineEvent(uid("submission"), fmt.Sprintf("%d年度实绩考核指标表报送截止", p.Year), d.Date, d.At))
		case DeadlineMonthly:
			out = append(out, p.deadlineEvent(uid("monthly", d.Month.String()),
				fmt.Sprintf("%d年%d月会员实名制信息采集数量报送截止", d.Month.Year, d.Month.Month), d.Date, d.At))
		case DeadlineCheckpoint:
			if covered[d.Date] || (owner != "" && hasNodes) {
				continue // a unit's released tables say which checkpoints it has
			}
			out = append(out, p.deadlineEvent(uid("checkpoint", d.Date.String()), p.checkpointName(d.Date)+"序时进度节点截止", d.Date, d.At))
		}
	}
	return out
}

// checkpointName is the plan's name of the checkpoint on d ("6月30日前").
func (p *Plan) checkpointName(d Date) string {
	if c, ok := p.Checkpoint(d); ok && c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("%d月%d日前", d.Month, d.Day)
}

// deadlineEvent is the event of a deadline written for the date written
// and passing at at: a whole-day event of the day before when at is
// midnight in the plan's zone (the deadline lasts to the end of that day),
// else an event at that instant. An event on another day than written (a
// day off, a late release) says so in its title, as the pages do.
func (p *Plan) deadlineEvent(uid, title string, written Date, at time.Time) CalendarEvent {
	local := at.In(p.Location())
	e := CalendarEvent{UID: uid, Title: title, At: at.UTC()}
	day := DateOf(local)
	if local.Hour() == 0 && local.Minute() == 0 && local.Second() == 0 && local.Nanosecond() == 0 {
		day = day.AddDays(-1)
		e.AllDay, e.Date = true, day
	}
	if !written.IsZero() && day != written {
		e.Title += "（原定" + monthDay(written) + "，顺延至" + monthDay(day) + "）"
	}
	return e
}
