package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Reminders is the reminder pass: at each tick it asks the service which
// notices are due now and whom they still have to reach
// (service.DueNotices), and makes one message per owing unit and contact
// and one per owing unit and group robot (markdown, with the same facts and
// a link to the page), plus one office digest per overdue notice to each
// office address and office robot, and enqueues them (service.Enqueue). A
// message is enqueued as its subject and its facts (the template's view,
// as JSON); the dispatcher renders its text and HTML when it sends it, so
// that enqueueing thousands of reminders writes small rows.
// The notices about a published result go the same way, by mail: the
// publication to every unit's contacts, each answer to its unit's
// contacts, and a digest of open objections to the office on each working
// day. The outbox's unique key makes a repeated pass a no-op
// for messages already enqueued, so a late, repeated or restarted run sends
// each reminder once.
type Reminders struct {
	Service *service.Service
	// Sender signs the messages ("大连市总工会办公室" when empty).
	Sender string
	// PublicURL is the address of the web pages (public_url), for the
	// robot messages' links; without it they have none.
	PublicURL string
	Log       *slog.Logger

	tpl *templates
}

// Run runs one pass and returns how many messages were new in the outbox.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	ms, err := r.Due(ctx)
	if err != nil {
		return 0, err
	}
	n, err := r.Service.Enqueue(ctx, service.SystemActor, ms)
	if err == nil && n > 0 && r.Log != nil {
		r.Log.Info("reminders enqueued", "messages", n)
	}
	return n, err
}

// Due returns the messages a pass would enqueue now, without writing
// anything; messages whose key is already in the outbox are left out.
func (r *Reminders) Due(ctx context.Context) ([]workflow.OutboxMessage, error) {
	ms, _, err := r.drafts(ctx, false)
	return ms, err
}

// drafts returns the messages a pass would enqueue now and, when views is
// set, the view each one's facts hold (for the tests, which render them
// whole; the pass itself does not keep 10,000 copies of a view).
func (r *Reminders) drafts(ctx context.Context, views bool) ([]workflow.OutboxMessage, []mailView, error) {
	if r.tpl == nil {
		t, err := parsedTemplates()
		if err != nil {
			return nil, nil, err
		}
		r.tpl = t
	}
	due, err := r.Service.DueNotices(ctx, service.SystemActor)
	if err != nil {
		return nil, nil, err
	}
	b := &noticeDrafts{r: r, keepViews: views}
	for _, d := range due {
		if err := b.notice(d); err != nil {
			return nil, nil, err
		}
	}
	return b.out, b.views, nil
}

// notice adds the messages of one due notice: one per contact and robot
// of each owing unit, and the office's digest.
func (b *noticeDrafts) notice(d service.DueNotice) error {
	r := b.r
	base := r.noticeView(d)
	// The facts of the notice, of each unit and of each recipient are
	// written once each: thousands of messages of one notice share all
	// but a unit and a name, and the outbox stores the notice's once for
	// all of them (OutboxMessage.NoticeFacts).
	shared, err := json.Marshal(&base)
	if err != nil {
		return fmt.Errorf("facts of %s: %w", d.Notice.Kind, err)
	}
	size := len(d.Office) + len(d.OfficeRobots)
	for _, o := range d.Owed {
		size += len(o.Contacts) + len(o.Robots)
	}
	until := d.Notice.Until.UTC() // the notice's own: its messages point to it
	b.n, b.now, b.until, b.subjects = d.Notice, d.At, &until, map[subjectKey]string{}
	b.out = slices.Grow(b.out, size)
	for _, o := range d.Owed {
		if err := b.unit(d, o, base, string(shared)); err != nil {
			return err
		}
	}
	if len(d.Office) > 0 || len(d.OfficeRobots) > 0 {
		if err := b.office(d, base); err != nil {
			return err
		}
	}
	return nil
}

// noticeView is what every message of a due notice shows: the plan, the
// deadline in words, the office's contacts, and for a published result
// when it was published and when its objection period ends.
func (r *Reminders) noticeView(d service.DueNotice) mailView {
	p, n := d.Plan, d.Notice
	what, dueText, dueNote := describe(p, n.Deadline)
	sender := r.Sender
	if sender == "" {
		sender = "大连市总工会办公室"
	}
	v := mailView{PlanTitle: p.Title, Sender: sender, What: what, DueText: dueText, DueNote: dueNote, Now: fmtLocal(d.At, p), Lead: n.Lead, Office: p.OfficeContacts}
	switch n.Kind {
	case workflow.NoticePublication, workflow.NoticeAnswer, workflow.NoticeObjections:
		v.What = fmt.Sprintf("%d年度实绩考核结果", p.Year)
		if d.Result != nil {
			v.Published = fmtLocal(*d.Result.PublishedAt, p)
			if e := d.Result.ObjectionPeriodEnds; e != nil {
				v.DueText = chineseDate(p.LocalDate(e.Add(-time.Nanosecond)))
			}
		}
	}
	return v
}

// subjectKey names a subject that is the same for every recipient of a
// unit (or of the office's digest, unit ""), so that it is rendered once.
type subjectKey struct {
	kind  workflow.NoticeKind
	robot bool
	unit  string
}

// noticeDrafts collects the messages of a pass, one due notice after the
// other (n, now, until and subjects are the notice's), and when keepViews
// is set the view of each.
type noticeDrafts struct {
	r         *Reminders
	keepViews bool
	n         workflow.Notice
	now       time.Time
	until     *time.Time
	subjects  map[subjectKey]string
	out       []workflow.OutboxMessage
	views     []mailView
}

// add appends one message: its subject (rendered now, once per unit when
// it names no recipient's field) and its facts (v's JSON, in parts: the
// notice's, shared by all its messages, and the message's own, see
// joinFacts); the dispatcher renders the rest when it sends.
func (b *noticeDrafts) add(kind workflow.NoticeKind, channel workflow.Channel, unit, to, name string, v *mailView, notice, facts string) error {
	key := subjectKey{kind, channel.IsRobot(), unit}
	subject, ok := b.subjects[key]
	if !ok {
		var err error
		if subject, err = b.r.tpl.subject(kind, channel, v); err != nil {
			return fmt.Errorf("render %s for %s: %w", kind, channel, err)
		}
		if b.r.tpl.sharedSubject[kind][key.robot] {
			b.subjects[key] = subject
		}
	}
	b.out = append(b.out, workflow.OutboxMessage{
		Channel: channel, Kind: kind, Unit: unit, Deadline: b.n.Deadline.Key, Lead: b.n.Lead, Recipient: to, Name: name,
		Subject: subject, Facts: facts, NoticeFacts: notice, State: workflow.OutboxPending,
		NextAttemptAt: b.now, ExpiresAt: b.until, CreatedAt: b.now,
	})
	if b.keepViews {
		b.views = append(b.views, *v)
	}
	return nil
}

// unit adds the messages to an owing unit's contacts and robots.
func (b *noticeDrafts) unit(d service.DueNotice, o service.OwedUnit, base mailView, shared string) error {
	v := base
	v.Unit, v.UnitName, v.Items = o.Unit, o.UnitName, items(o.Owing)
	v.Result = resultOf(o.Result)
	if d.Answer != nil {
		m := objectionOf(d.Plan, d.Answer, o.UnitName)
		v.Objection = &m
	}
	unit, err := unitPart(&v)
	if err != nil {
		return fmt.Errorf("facts of %s: %w", b.n.Kind, err)
	}
	for _, c := range o.Contacts {
		v.Name = c.Name
		if err := b.add(b.n.Kind, workflow.ChannelEmail, o.Unit, c.Email, c.Name, &v, shared, withRecipient(unit, &v)); err != nil {
			return err
		}
	}
	v.Name, v.Link = "", pageLink(b.r.PublicURL, b.n.Kind, b.n.Deadline, o.Unit)
	for _, to := range o.Robots {
		if err := b.add(b.n.Kind, to.Kind, o.Unit, to.Recipient(), to.Label, &v, shared, withRecipient(unit, &v)); err != nil {
			return err
		}
	}
	return nil
}

// office adds the office's digest (or its list of open objections) to its
// addresses and robots: who is late, who no mail reaches, the backups.
func (b *noticeDrafts) office(d service.DueNotice, base mailView) error {
	v := base
	v.Backup = strings.Join(d.Backup, "；")
	for _, u := range d.Unreachable {
		v.Unreachable = append(v.Unreachable, u.Name)
	}
	for _, o := range d.Late {
		v.Late = append(v.Late, unitItems{Unit: o.Unit, UnitName: o.UnitName, Items: items(o)})
	}
	for i := range d.Open {
		v.Open = append(v.Open, objectionOf(d.Plan, &d.Open[i], d.UnitNames[d.Open[i].Unit]))
	}
	kind := workflow.NoticeDigest
	if b.n.Kind == workflow.NoticeObjections {
		kind = b.n.Kind
	}
	digest, err := json.Marshal(&v)
	if err != nil {
		return fmt.Errorf("facts of %s: %w", kind, err)
	}
	for _, to := range d.Office {
		if err := b.add(kind, workflow.ChannelEmail, "", to, "市总工会办公室", &v, "", string(digest)); err != nil {
			return err
		}
	}
	v.Link = pageLink(b.r.PublicURL, kind, b.n.Deadline, "")
	for _, to := range d.OfficeRobots {
		if err := b.add(kind, to.Kind, "", to.Recipient(), to.Label, &v, "", joinFacts(digest, recipientFacts(&v))); err != nil {
			return err
		}
	}
	return nil
}

// pageLink is the address of the page where a notice's items are done:
// the unit's tables, its nodes or the monthly counts, and for the office's
// digest the overview, the progress or the month's counts. It is "" when
// no public_url is set.
func pageLink(base string, kind workflow.NoticeKind, d workflow.PlanDeadline, unit string) string {
	if base == "" {
		return ""
	}
	base = strings.TrimRight(base, "/") + "/#/"
	switch kind {
	case workflow.NoticePublication, workflow.NoticeAnswer:
		return base + "result/" + url.PathEscape(unit)
	case workflow.NoticeObjections:
		return base + "scoring"
	}
	if kind == workflow.NoticeDigest {
		switch d.Kind {
		case workflow.DeadlineCheckpoint:
			return base + "progress"
		case workflow.DeadlineMonthly:
			return base + "monthly/" + d.Month.String()
		}
		return base
	}
	switch d.Kind {
	case workflow.DeadlineCheckpoint:
		return base + "exec/" + url.PathEscape(unit)
	case workflow.DeadlineMonthly:
		return base + "monthly"
	}
	return base + "units/" + url.PathEscape(unit)
}
