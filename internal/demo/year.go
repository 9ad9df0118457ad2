package demo

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"kaohe"
	"kaohe/internal/app"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// play is one run of the year.
type play struct {
	ctx      context.Context
	app      *app.App
	svc      *service.Service
	clock    *workflow.ManualClock
	opt      Options
	plan     *workflow.Plan
	units    []workflow.Unit
	base     workflow.Document
	contacts []workflow.Contact
	evidence []evidenceFile
	office   service.Actor
	accounts []Account
	events   []event
	ledger   *Ledger
	sched    *jobs.Scheduler
	disp     *jobs.Dispatcher
	// jobErr is the first error of a job in the current tick (the
	// scheduler only logs them).
	jobErr error
}

type evidenceFile struct {
	name string
	data []byte
}

func newPlay(ctx context.Context, a *app.App, clock *workflow.ManualClock, o Options) (*play, error) {
	p := &play{ctx: ctx, app: a, svc: a.Service, clock: clock, opt: o, ledger: newLedger(),
		office: service.Actor{Username: "admin", Role: workflow.RoleOffice}}
	var err error
	if p.plan, err = p.svc.Plan(ctx, Year); err != nil {
		return nil, fmt.Errorf("demo: the %d plan: %w", Year, err)
	}
	if us, err := p.svc.Units(ctx, service.SystemActor); err != nil || len(us) > 0 {
		return nil, cmp.Or(err, errors.New("demo: the database has units already: the demo plays into an empty one"))
	}
	if err := readJSON("testdata/units-2019.json", &p.units); err != nil {
		return nil, err
	}
	if err := readJSON("testdata/submission-2019.json", &p.base); err != nil {
		return nil, err
	}
	if err := readJSON("testdata/contacts.json", &p.contacts); err != nil {
		return nil, err
	}
	for _, name := range []string{"会议纪要.pdf", "签到表.jpg", "活动照片.png", "工作总结.docx", "统计报表.xlsx", "电子公文.ofd", "材料汇编.zip"} {
		b, err := fs.ReadFile(kaohe.Testdata, path.Join("testdata/evidence", name))
		if err != nil {
			return nil, err
		}
		p.evidence = append(p.evidence, evidenceFile{name, b})
	}
	reminders := &jobs.Reminders{Service: p.svc, PublicURL: a.Config.PublicURL, Log: o.Log}
	monthly := &jobs.Monthly{Service: p.svc, Log: o.Log}
	scoring := &jobs.Scoring{Service: p.svc, Log: o.Log}
	job := func(name string, run func(context.Context) error) jobs.Job {
		return jobs.Job{Name: name, Run: func(ctx context.Context) error {
			err := run(ctx)
			if err != nil && p.jobErr == nil {
				p.jobErr = fmt.Errorf("job %s: %w", name, err)
			}
			return err
		}}
	}
	p.sched = &jobs.Scheduler{Store: a.Store, Clock: clock, Location: p.plan.Location(), Holder: "kaohe-demo", Log: o.Log, Jobs: []jobs.Job{
		job("reminders", func(ctx context.Context) error { _, err := reminders.Run(ctx); return err }),
		job("monthly", monthly.Run),
		job("scoring", scoring.Run),
	}}
	if err := p.sched.Prepare(ctx); err != nil {
		return nil, err
	}
	p.disp = &jobs.Dispatcher{Store: a.Store, Clock: clock, Mailer: o.Mailer, Robots: a.RobotSender(),
		From: cmp.Or(o.From, "kaohe@localhost"), Name: "kaohe-demo", Log: o.Log}
	return p, nil
}

func readJSON(name string, v any) error {
	b, err := fs.ReadFile(kaohe.Testdata, name)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// script writes the whole year, phase by phase. Each phase schedules its
// events; run plays them in time order, so the phases interleave as the
// year does.
func (p *play) script() {
	p.on(Start, "seed", p.seed)
	p.tables()
	p.execution()
	p.monthly()
	p.robots()
	p.waivers()
	p.yearEnd()
	p.objections()
	// The jobs at the reminders' time of every working day: every notice
	// goes out on a working day, and the monthly summaries and the year-end
	// scoring wait for the next tick at the latest.
	for d := Start; !d.After(EndOfYear); d = d.AddDate(0, 0, 1) {
		if p.plan.Calendar.IsWorkday(workflow.DateOf(d)) {
			p.on(time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, shanghai), "jobs", p.tick)
		}
	}
}

// unitIndex is the position of unit code among the units.
func (p *play) unitIndex(code string) int {
	for i, u := range p.units {
		if u.Code == code {
			return i
		}
	}
	return -1
}

// unitActor is unit code's account.
func unitActor(code string) service.Actor {
	return service.Actor{Username: code, Role: workflow.RoleUnit, Unit: code}
}

// contactNames are the supervision contacts' names, two per unit.
var contactNames = []string{"王明", "李婷", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "徐涛", "孙悦", "马超", "朱琳",
	"胡斌", "郭欣", "何军", "高雪", "林峰", "罗佳", "郑凯", "梁爽", "谢宁", "宋洁", "唐亮", "许娜", "韩冰", "冯晨"}

// seed creates the units with two contacts each and the accounts.
func (p *play) seed() error {
	ctx, pw := p.ctx, p.opt.Password
	if _, err := p.svc.EnsureAdmin(ctx, pw); err != nil {
		return err
	}
	p.accounts = append(p.accounts, Account{Username: "admin", Role: workflow.RoleOffice, Name: "市总工会办公室"})
	for i, u := range p.units {
		cs := make([]workflow.Contact, len(p.contacts))
		for k, c := range p.contacts {
			c.Name = contactNames[(2*i+k)%len(contactNames)]
			c.Email = strings.Replace(c.Email, "gjz", u.Code, 1)
			c.Mobile = fmt.Sprintf("139%04d%04d", 4110+i, 1000+k)
			c.Phone = fmt.Sprintf("0411-8%03d%04d", 660+i, 1234+k)
			cs[k] = c
		}
		if _, err := p.svc.CreateUnit(ctx, p.office, service.NewUnit{Code: u.Code, Name: u.Name, Contacts: cs}); err != nil {
			return fmt.Errorf("unit %s: %w", u.Code, err)
		}
		if _, err := p.svc.CreateUser(ctx, p.office, service.NewUser{Username: u.Code, Password: pw, Role: workflow.RoleUnit, UnitCode: u.Code}); err != nil {
			return fmt.Errorf("account %s: %w", u.Code, err)
		}
		p.accounts = append(p.accounts, Account{Username: u.Code, Role: workflow.RoleUnit, Unit: u.Code, Name: u.Name})
	}
	if _, err := p.svc.CreateUser(ctx, p.office, service.NewUser{Username: "leader", Password: pw, Role: workflow.RoleViewer}); err != nil {
		return err
	}
	p.accounts = append(p.accounts, Account{Username: "leader", Role: workflow.RoleViewer, Name: "领导（只读）"})
	return nil
}

// The units whose year is not ordinary, by code.
const (
	lateUnit     = "pl"  // submits its tables four days late, but had emailed them the day after the deadline: the office records the receipt
	returnedUnit = "cd"  // returned with comments, submits again
	lastMinute   = "zh"  // submits an hour before the deadline; one node late; a manual deduction
	lateNodeUnit = "sh"  // reports B4's September nodes on October 9; the office waives one of those deductions
	missingUnit  = "wfd" // never reports its November nodes of P5 and B13; objects to one deduction, rejected
	rejectedUnit = "jp"  // one November node rejected and never reported again; objects with a file, accepted; has a WeCom group robot
	reworkUnit   = "gx"  // one September node rejected, reported again, accepted
	reworkUnit2  = "cxd" // one June node rejected, reported again, accepted
	lateMonth    = "lsk" // reports September's count on October 9
	missingMonth = "hyk" // never reports August's count
)

// tables is June: the units draft and submit their tables, the office
// returns one, certifies them all with its decisions on the innovation
// items, and releases them for execution on June 19.
func (p *play) tables() {
	for i, u := range p.units {
		code := u.Code
		doc := p.variant(i)
		draftAt := at(time.June, 3+i%5, 10, i*3)
		submitAt := at(time.June, 4+i%5+i%4, 15, i*3)
		switch code {
		case lateUnit:
			submitAt = at(time.June, 17, 10, 0)
		case lastMinute:
			submitAt = at(time.June, 13, 16, 30)
		case returnedUnit:
			draftAt, submitAt = at(time.June, 3, 10, 0), at(time.June, 5, 10, 0)
		}
		p.on(draftAt, "draft "+code, func() error {
			_, _, err := p.svc.PutSubmission(p.ctx, unitActor(code), Year, code, 0, doc)
			return err
		})
		p.on(submitAt, "submit "+code, func() error { return p.submit(code) })
	}
	p.on(at(time.June, 10, 10, 0), "return "+returnedUnit, func() error {
		_, err := p.svc.Return(p.ctx, p.office, Year, returnedUnit, service.ReturnRequest{
			Comment:  "B3第2项工作的完成标准不够具体，请量化后重新报送。",
			Comments: map[string]string{"B3": "“加强维权服务机制建设”的完成标准须写明次数、人数或时限"}})
		return err
	})
	p.on(at(time.June, 11, 14, 0), "revise "+returnedUnit, func() error {
		v, err := p.svc.GetSubmission(p.ctx, unitActor(returnedUnit), Year, returnedUnit)
		if err != nil {
			return err
		}
		doc := v.Document
		n := &doc.Business[2].Works[1].Nodes[0]
		n.Standard = "6月30日前建立维权服务工作台账1本，受理职工法律咨询不少于30人次，办结率100%"
		_, _, err = p.svc.PutSubmission(p.ctx, unitActor(returnedUnit), Year, returnedUnit, v.Version, doc)
		return err
	})
	p.on(at(time.June, 12, 9, 30), "submit again "+returnedUnit, func() error { return p.submit(returnedUnit) })
	p.on(at(time.June, 14, 10, 0), "certify", func() error { return p.certifySubmitted() })
	p.on(at(time.June, 18, 10, 0), "certify "+lateUnit, func() error { return p.certifySubmitted() })
	p.on(at(time.June, 19, 10, 0), "release", func() error {
		if _, err := p.svc.Release(p.ctx, p.office, Year); err != nil {
			return err
		}
		for _, u := range p.units {
			ns, err := p.svc.Nodes(p.ctx, p.office, Year, u.Code, service.NodeQuery{})
			if err != nil {
				return err
			}
			for _, n := range ns {
				p.ledger.node(n)
			}
		}
		return nil
	})
}

func (p *play) submit(code string) error {
	v, err := p.svc.Submit(p.ctx, unitActor(code), Year, code, service.SubmitRequest{})
	if err != nil {
		return err
	}
	if _, ok := p.ledger.FirstSubmitted[code]; !ok {
		p.ledger.FirstSubmitted[code] = *v.SubmittedAt
	}
	return nil
}

// variant is unit i's tables: the valid tables of testdata with points
// moved between indicators (within their ranges), and none, one or two
// innovation items.
func (p *play) variant(i int) workflow.Document {
	var doc workflow.Document
	b, _ := json.Marshal(p.base)
	_ = json.Unmarshal(b, &doc) // a copy of a document that was read from JSON
	move := func(inds []workflow.Indicator, from, to int, d workflow.Points) {
		for _, k := range []struct {
			i int
			d workflow.Points
		}{{from, -d}, {to, d}} {
			ind := &inds[k.i]
			ind.Points += k.d
			ind.Works[0].Points += k.d
			ind.Works[0].Nodes[0].Points += k.d
		}
	}
	// Party items take 15–25 points and their first nodes at least 4:
	// moving 3 keeps both.
	if i%5 != 4 {
		move(doc.Party, i%5, (i+1)%5, 3*workflow.Point)
	}
	// B2 and B3 (10 points, first nodes of 2) give one point to B5, B7 or
	// B8 (6 points).
	move(doc.Business, 1+i%2, []int{4, 6, 7}[i%3], workflow.Point)
	switch i % 3 {
	case 0:
		doc.Innovation = nil
	case 1:
		doc.Innovation = doc.Innovation[:1]
	}
	for k := range doc.Innovation {
		p.ledger.Innovation[p.units[i].Code] = append(p.ledger.Innovation[p.units[i].Code], InnovationLog{Points: doc.Innovation[k].Points})
	}
	return doc
}

// certifySubmitted certifies every submitted table: every innovation item
// certified, except the second of every other unit that declares two.
func (p *play) certifySubmitted() error {
	subs, err := p.svc.Submissions(p.ctx, p.office, Year)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.State != string(workflow.StateSubmitted) {
			continue
		}
		items := p.ledger.Innovation[s.Unit]
		var dec []service.InnovationDecision
		for k := range items {
			ok := !(k == 1 && p.unitIndex(s.Unit)%2 == 0)
			items[k].Certified = ok
			dec = append(dec, service.InnovationDecision{Index: k, Certified: ok})
		}
		if _, err := p.svc.Certify(p.ctx, p.office, Year, s.Unit, service.CertifyRequest{Innovation: dec}); err != nil {
			return fmt.Errorf("certify %s: %w", s.Unit, err)
		}
	}
	return nil
}

// execution is June 20 to December: each unit reports the nodes of a
// checkpoint in one sitting (even units on the Monday of the checkpoint's
// last fortnight, odd ones on the Wednesday), with an evidence file each;
// the office reviews what is reported on Tuesday and Friday afternoons.
// The exceptions are the units of the constants above.
func (p *play) execution() {
	sittings := map[string][2]time.Time{
		"2019-06-30": {at(time.June, 24, 10, 0), at(time.June, 26, 10, 0)},
		"2019-09-30": {at(time.September, 16, 10, 0), at(time.September, 18, 10, 0)},
		"2019-11-30": {at(time.November, 18, 10, 0), at(time.November, 20, 10, 0)},
	}
	for i, u := range p.units {
		code := u.Code
		for due, days := range sittings {
			// A sitting takes under 50 minutes: the seven units of a day
			// follow one another from 10:00.
			day := days[i%2].Add(time.Duration(i/2) * 50 * time.Minute)
			skip := held(code)
			p.on(day, "report "+code+" "+due, func() error {
				return p.report(code, workflow.MustDate(due), func(n service.NodeView) bool { return skip == nil || !skip(n) })
			})
		}
	}
	rejected := func(n service.NodeView) bool { return n.State == workflow.NodeRejected }
	all := func(service.NodeView) bool { return true }
	p.on(at(time.June, 26, 17, 0), "report again "+reworkUnit2, func() error { return p.report(reworkUnit2, workflow.Date{}, rejected) })
	p.on(at(time.July, 3, 10, 0), "report late "+lastMinute, func() error { return p.report(lastMinute, workflow.MustDate("2019-06-30"), all) })
	p.on(at(time.September, 24, 10, 0), "report again "+reworkUnit, func() error { return p.report(reworkUnit, workflow.Date{}, rejected) })
	p.on(at(time.October, 9, 10, 0), "report late "+lateNodeUnit, func() error { return p.report(lateNodeUnit, workflow.MustDate("2019-09-30"), all) })
	for d := at(time.June, 21, 15, 0); d.Before(at(time.December, 19, 0, 0)); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Tuesday || d.Weekday() == time.Friday {
			p.on(d, "review", p.review)
		}
	}
	p.on(at(time.December, 19, 15, 0), "final review", p.review)
}

// held says which of a unit's nodes its regular sitting leaves out: the
// late, missing and unreported ones of the year's exceptions.
func held(code string) func(n service.NodeView) bool {
	switch code {
	case lastMinute: // P3's first June node, reported on July 3
		return func(n service.NodeView) bool { return n.Indicator == "P3" && n.WorkIndex == 0 && n.NodeIndex == 0 }
	case lateNodeUnit: // B4's September nodes, reported on October 9
		return func(n service.NodeView) bool { return n.Indicator == "B4" && n.Due == workflow.MustDate("2019-09-30") }
	case missingUnit: // P5's and B13's November nodes, never reported
		return func(n service.NodeView) bool {
			return (n.Indicator == "P5" || n.Indicator == "B13") && n.Due == workflow.MustDate("2019-11-30")
		}
	}
	return nil
}

// rejectFirst says which reported node the office rejects at its first
// review, with the comment.
func rejectFirst(n service.NodeView) (string, bool) {
	switch {
	case n.Unit == reworkUnit2 && n.Indicator == "P2" && n.WorkIndex == 0 && n.NodeIndex == 0:
		return "学习研讨记录缺少参学人员签到，请补充后重新报送", true
	case n.Unit == reworkUnit && n.Indicator == "B4" && n.Due == workflow.MustDate("2019-09-30") && n.WorkIndex == 0:
		return "技能竞赛获奖名单未加盖公章，请补充", true
	case n.Unit == rejectedUnit && n.Indicator == "B2" && n.Due == workflow.MustDate("2019-11-30") && n.WorkIndex == 0:
		return "宣传报道数量与完成标准不符（应不少于12篇），请核实", true
	}
	return "", false
}

// report reports a unit's nodes due on due (every due date when zero)
// that are pending, overdue or rejected and that want selects, one
// evidence file each, a minute apart.
func (p *play) report(code string, due workflow.Date, want func(service.NodeView) bool) error {
	ns, err := p.svc.Nodes(p.ctx, unitActor(code), Year, code, service.NodeQuery{Checkpoint: due})
	if err != nil {
		return err
	}
	start := p.clock.Now()
	k := 0
	for _, n := range ns {
		if n.State != workflow.NodePending && n.State != workflow.NodeRejected && n.State != workflow.NodeOverdue {
			continue
		}
		if !want(n) {
			continue
		}
		p.clock.Set(start.Add(time.Duration(k) * time.Minute))
		f := p.evidence[(n.ItemIndex+n.WorkIndex+n.NodeIndex+k)%len(p.evidence)]
		staged, err := p.svc.StageEvidence(bytes.NewReader(f.data))
		if err != nil {
			return err
		}
		note := fmt.Sprintf("%s：%s", n.Work, n.Target)
		if len([]rune(note)) > 200 {
			note = string([]rune(note)[:200])
		}
		if _, err := p.svc.ReportNode(p.ctx, unitActor(code), n.ID, note, []service.Upload{{Name: f.name, File: staged}}); err != nil {
			return fmt.Errorf("report node %d (%s %s): %w", n.ID, n.Indicator, n.Due, err)
		}
		p.ledger.node(n).Reports = append(p.ledger.node(n).Reports, p.clock.Now())
		k++
	}
	return nil
}

// strictness is how often the office takes half a point off a node of
// each unit (one node in n), so that the ranking spreads over the grades.
var strictness = []int{13, 7, 4, 3, 9, 5, 2, 11, 6, 3, 13, 8, 4, 2}

// review is the office's review of every reported node: accepted with
// its points, or half a point less for one node in strictness[unit] (no
// less than half a point), or rejected once for the year's exceptions.
func (p *play) review() error {
	queue, err := p.svc.ReviewQueue(p.ctx, p.office, Year, service.ReviewQuery{State: workflow.NodeReported})
	if err != nil {
		return err
	}
	for _, q := range queue {
		n := q.NodeView
		log := p.ledger.node(n)
		req := service.ReviewRequest{Verdict: workflow.VerdictAccept, Version: &n.Version}
		if comment, ok := rejectFirst(n); ok && len(log.Verdicts) == 0 {
			req = service.ReviewRequest{Verdict: workflow.VerdictReject, Comment: comment, Version: &n.Version}
		} else {
			award := n.Points
			i := p.unitIndex(n.Unit)
			if (i+n.ItemIndex+n.WorkIndex+n.NodeIndex)%strictness[i%len(strictness)] == 0 && award >= workflow.Point {
				award -= workflow.ReviewStep
			}
			req.Points = &award
		}
		if _, err := p.svc.ReviewNode(p.ctx, p.office, n.ID, req); err != nil {
			return fmt.Errorf("review node %d: %w", n.ID, err)
		}
		v := Verdict{At: p.clock.Now(), Accept: req.Verdict == workflow.VerdictAccept}
		if req.Points != nil {
			v.Points = *req.Points
		}
		log.Verdicts = append(log.Verdicts, v)
	}
	return nil
}

// monthly is the member real-name count of each month from June to
// November, reported by every unit on the second of the next month; one
// month comes late, one never.
func (p *play) monthly() {
	for i, u := range p.units {
		code := u.Code
		for m := time.June; m <= time.November; m++ {
			month := workflow.Month{Year: Year, Month: m}
			when := at(m+1, 2, 10, i*3)
			switch {
			case code == lateMonth && m == time.September:
				when = at(time.October, 9, 11, 0)
			case code == missingMonth && m == time.August:
				continue
			}
			count := int64(4200 + 650*i + 37*int(m-time.June)*(i%4+1))
			p.on(when, "monthly "+code+" "+month.String(), func() error {
				if _, err := p.svc.PutMonthly(p.ctx, unitActor(code), Year, code, month.String(), count); err != nil {
					return err
				}
				p.ledger.month(code, month, p.clock.Now(), count)
				return nil
			})
		}
	}
}

// robots is May 28: jp registers its WeCom group robot on its contacts
// page and the office its DingTalk group robot, each sending the test
// message. From then on every notice that goes to jp's contacts also goes
// to its group (reminders, overdue notices, the publication, the answer to
// its objection), and every office digest to the office's group (overdue
// units, open objections).
func (p *play) robots() {
	robots := p.opt.Robots
	p.on(at(time.May, 28, 10, 0), "robot "+rejectedUnit, func() error {
		hook := robots.WeCom(rejectedUnit+"-wecom", "金普新区总工会督查工作群")
		u := unitActor(rejectedUnit)
		v, err := p.svc.AddRobot(p.ctx, u, rejectedUnit, service.NewRobot{Kind: workflow.RobotWeCom, Webhook: hook, Name: "金普新区总工会督查工作群"})
		if err != nil {
			return err
		}
		p.ledger.Robots[workflow.RobotRecipient(v.ID)] = RobotLog{Owner: rejectedUnit, Kind: v.Kind, Dir: rejectedUnit + "-wecom"}
		return p.tested(p.svc.TestRobot(p.ctx, u, rejectedUnit, v.ID))
	})
	p.on(at(time.May, 28, 10, 30), "office robot", func() error {
		hook, secret := robots.DingTalk("office-dingtalk", "市总工会考核工作群")
		v, err := p.svc.AddOfficeRobot(p.ctx, p.office, service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: hook, Secret: secret, Name: "市总工会考核工作群"})
		if err != nil {
			return err
		}
		p.ledger.Robots[workflow.RobotRecipient(v.ID)] = RobotLog{Kind: v.Kind, Dir: "office-dingtalk"}
		return p.tested(p.svc.TestOfficeRobot(p.ctx, p.office, v.ID))
	})
}

// tested checks a robot's test message: the robot must have taken it.
func (p *play) tested(v *service.RobotView, err error) error {
	switch {
	case err != nil:
		return err
	case v.LastTest == nil || !v.LastTest.OK:
		return fmt.Errorf("robot %s refused its test message: %+v", v.Name, v.LastTest)
	}
	return nil
}

// waivers are the office's corrections before the year-end run. pl keyed
// its tables in on June 17, four days late, but had emailed them on the
// morning of June 14: the office records when they arrived, and pl is
// late one day, not four. sh reported B4's September nodes on October 9
// because the provincial federation published the contest's results only
// then: the office waives the late-node deduction of the first.
func (p *play) waivers() {
	p.on(at(time.June, 17, 15, 0), "receipt "+lateUnit, func() error {
		arrived := at(time.June, 14, 9, 20)
		r, err := p.svc.RecordReceipt(p.ctx, p.office, Year, lateUnit, service.ReceiptInput{At: &arrived,
			Reason: "6月14日9:20收到该单位通过电子邮件报送的指标表（与系统中6月17日报送的内容一致）"})
		if err != nil {
			return err
		}
		p.ledger.Receipts[lateUnit] = *r
		return nil
	})
	p.on(at(time.December, 17, 10, 0), "waiver "+lateNodeUnit, func() error {
		ref := ""
		for path, n := range p.ledger.Nodes[lateNodeUnit] {
			if n.Indicator == "B4" && n.Due == workflow.MustDate("2019-09-30") && (ref == "" || path < ref) {
				ref = path
			}
		}
		none := workflow.Points(0)
		w, err := p.svc.AddWaiver(p.ctx, p.office, Year, lateNodeUnit, service.WaiverInput{Ref: ref, Points: &none,
			Reason: "技能竞赛获奖名单须待省总工会10月8日公布后方能取得，逾期非该单位原因，经研究免除扣分"})
		if err != nil {
			return err
		}
		p.ledger.Waivers = append(p.ledger.Waivers, *w)
		return nil
	})
}

// objections is the objection period after the publication of December 23
// (five working days, to the end of December 30). jp objects to its
// rejected November node with the collection of its reports; wfd objects
// to a missing-node deduction. The office accepts jp's with the node's full
// points and rejects wfd's on December 26, runs the scoring again on
// December 27 and publishes the correction, which keeps the period's end:
// by December 31 the result is final.
func (p *play) objections() {
	p.on(at(time.December, 24, 14, 0), "objection "+rejectedUnit, func() error {
		ref := ""
		for path, n := range p.ledger.Nodes[rejectedUnit] {
			if len(n.Verdicts) > 0 && !n.Verdicts[len(n.Verdicts)-1].Accept && (ref == "" || path < ref) {
				ref = path
			}
		}
		staged, err := p.svc.StageEvidence(bytes.NewReader(p.evidenceFile("材料汇编.zip")))
		if err != nil {
			return err
		}
		return p.object(rejectedUnit, ref, "该节点要求的12篇宣传报道均已于11月底前刊发，首次报送时漏附3篇，现附全部报道汇编，请求重新认定。",
			[]service.Upload{{Name: "宣传报道汇编.zip", File: staged}})
	})
	p.on(at(time.December, 25, 10, 30), "objection "+missingUnit, func() error {
		ref := ""
		for path, n := range p.ledger.Nodes[missingUnit] {
			if n.Indicator == "P5" && len(n.Reports) == 0 && (ref == "" || path < ref) {
				ref = path
			}
		}
		return p.object(missingUnit, ref, "P5节点工作已于11月完成，因经办人岗位调整未及时上传佐证材料，请求免予扣分。", nil)
	})
	p.on(at(time.December, 26, 15, 0), "answer the objections", func() error {
		for i, o := range p.ledger.Objections {
			in := service.AnswerInput{Verdict: workflow.VerdictReject,
				Reason: "该节点在期限内未报送，提醒和逾期通知均已送达，公示期内也未提供工作完成的佐证材料，维持扣分。"}
			if o.Unit == rejectedUnit {
				full := p.ledger.Nodes[o.Unit][o.Ref].Points
				in = service.AnswerInput{Verdict: workflow.VerdictAccept,
					Reason:     "经核实，补充的报道汇编显示12篇报道均在期限内刊发，该节点已完成，按满分认定。",
					Correction: &service.CorrectionInput{Review: &service.RefPoints{Points: &full}}}
			}
			a, err := p.svc.AnswerObjection(p.ctx, p.office, o.ID, in)
			if err != nil {
				return fmt.Errorf("answer objection %d: %w", o.ID, err)
			}
			p.ledger.Objections[i] = *a
		}
		return nil
	})
	var correction *workflow.ScoringRun
	p.on(at(time.December, 27, 10, 0), "run the correction", func() (err error) {
		correction, err = p.svc.RunScoring(p.ctx, p.office, Year)
		return err
	})
	p.on(at(time.December, 27, 11, 0), "publish the correction", func() (err error) {
		p.ledger.Corrected, err = p.svc.PublishScoring(p.ctx, p.office, Year, correction.ID)
		return err
	})
}

// evidenceFile is the content of the evidence file of testdata named name.
func (p *play) evidenceFile(name string) []byte {
	for _, f := range p.evidence {
		if f.name == name {
			return f.data
		}
	}
	panic("demo: no evidence file " + name) // the names are the play's own
}

// object files unit's objection to the line ref of its result.
func (p *play) object(unit, ref, text string, files []service.Upload) error {
	o, err := p.svc.FileObjection(p.ctx, unitActor(unit), Year, unit, service.ObjectionInput{Ref: ref, Text: text}, files)
	if err != nil {
		return err
	}
	p.ledger.Objections = append(p.ledger.Objections, *o)
	return nil
}

// yearEnd is December: a manual deduction, the last reviews, the year-end
// scoring that the scheduled job runs on December 20 at 09:00, and its
// publication.
func (p *play) yearEnd() {
	p.on(at(time.December, 16, 10, 0), "manual deduction", func() error {
		d, err := p.svc.AddDeduction(p.ctx, p.office, Year, lastMinute, service.DeductionInput{
			Rule: "质量不高", Points: workflow.Point, Reason: "P3节点佐证材料与工作目标不符，完成质量不高"})
		if err != nil {
			return err
		}
		p.ledger.Manual = append(p.ledger.Manual, *d)
		return nil
	})
	p.on(at(time.December, 23, 10, 0), "publish the ranking", func() error {
		runs, err := p.svc.ScoringRuns(p.ctx, p.office, Year)
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			return errors.New("no scoring run to publish")
		}
		run, err := p.svc.PublishScoring(p.ctx, p.office, Year, runs[0].ID)
		if err != nil {
			return err
		}
		p.ledger.Published = run
		return nil
	})
}
