package jobs

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"kaohe/workflow"
)

// templateFiles are the message templates, three per notice kind: KIND.txt
// defines an email's "subject" and "text", KIND.html its "html", KIND.md a
// robot message's "title" and "markdown" (the body: the link and the
// signature are added after it, see renderRobot).
//
//go:embed templates/*.txt templates/*.html templates/*.md
var templateFiles embed.FS

// templates holds the parsed message templates.
type templates struct {
	text  map[workflow.NoticeKind]*texttemplate.Template
	html  map[workflow.NoticeKind]*htmltemplate.Template
	robot map[workflow.NoticeKind]*texttemplate.Template
}

func loadTemplates() (*templates, error) {
	t := &templates{text: map[workflow.NoticeKind]*texttemplate.Template{}, html: map[workflow.NoticeKind]*htmltemplate.Template{},
		robot: map[workflow.NoticeKind]*texttemplate.Template{}}
	for _, k := range []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticeDigest,
		workflow.NoticePublication, workflow.NoticeAnswer, workflow.NoticeObjections} {
		tt, err := texttemplate.ParseFS(templateFiles, "templates/"+string(k)+".txt", "templates/footer.txt")
		if err != nil {
			return nil, err
		}
		ht, err := htmltemplate.ParseFS(templateFiles, "templates/"+string(k)+".html", "templates/footer.html")
		if err != nil {
			return nil, err
		}
		t.text[k], t.html[k] = tt, ht
	}
	for _, k := range []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticeDigest,
		workflow.NoticePublication, workflow.NoticeAnswer, workflow.NoticeObjections} {
		rt, err := texttemplate.New(string(k)+".md").Funcs(texttemplate.FuncMap{"md": markdownText}).
			ParseFS(templateFiles, "templates/"+string(k)+".md")
		if err != nil {
			return nil, err
		}
		t.robot[k] = rt
	}
	return t, nil
}

// mailView is what a template sees.
type mailView struct {
	PlanTitle string
	Sender    string
	// Name is the recipient's name; UnitName and Unit the unit's.
	Name     string
	Unit     string
	UnitName string
	// What names the deadline's duty, DueText the day (and time) it ends
	// on, moved off a day off. DueNote, when the deadline moved, states the
	// date the plan writes beside the day it moved to.
	What    string
	DueText string
	DueNote string
	// Now is when the message was composed, in the plan's zone.
	Now   string
	Lead  int
	Items []string
	// Late lists every late unit (digest only).
	Late []unitItems
	// Backup names a failed or missing backup (digest only; "" when fine).
	Backup string
	// Unreachable names the units no reminder reaches by mail (digest only).
	Unreachable []string
	// Office are the office's contacts every message ends with (the
	// plan's office_contacts).
	Office []workflow.OfficeContact
	// Link is the page of the notice in the web pages ("" without
	// public_url); robot messages end with it.
	Link string
	// Published is when the result was published and Result the unit's
	// result (publication notices).
	Published string
	Result    *resultMail
	// Objection is the answered objection (answer notices).
	Objection *objectionMail
	// Open lists the objections awaiting an answer (objection digest).
	Open []objectionMail
}

// resultMail is a unit's published result as a message shows it.
type resultMail struct {
	Scored                                         bool
	Total, Party, Business, Innovation, Deductions string
	Rank, DeductionCount                           int
	Grade, Reason                                  string
}

// objectionMail is an objection as a message shows it: times in the
// plan's zone, the verdict and the correction in words.
type objectionMail struct {
	ID                                                  int64
	Unit, UnitName, Line, Text, At                      string
	Verdict, Answer, Correction, AnsweredBy, AnsweredAt string
	Files                                               int
}

// unitItems is one unit's outstanding items.
type unitItems struct {
	Unit     string
	UnitName string
	Items    []string
}

// content is one rendered message.
type content struct{ Subject, Text, HTML string }

func (t *templates) render(kind workflow.NoticeKind, v *mailView) (content, error) {
	var c content
	var b bytes.Buffer
	tt := t.text[kind]
	if err := tt.ExecuteTemplate(&b, "subject", v); err != nil {
		return c, err
	}
	c.Subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := tt.ExecuteTemplate(&b, "text", v); err != nil {
		return c, err
	}
	c.Text = b.String()
	b.Reset()
	if err := t.html[kind].ExecuteTemplate(&b, "html", v); err != nil {
		return c, err
	}
	c.HTML = b.String()
	return c, nil
}

// maxRobotMarkdown bounds a robot message (WeCom takes 4096 bytes), with
// room to spare.
const maxRobotMarkdown = 4000

// renderRobot renders a robot message: its title and its markdown, the
// body cut at a line when it is too long (a digest of many late units),
// then the link to the page and the signature, which are never cut.
func (t *templates) renderRobot(kind workflow.NoticeKind, v *mailView) (content, error) {
	var c content
	var b bytes.Buffer
	rt := t.robot[kind]
	if err := rt.ExecuteTemplate(&b, "title", v); err != nil {
		return c, err
	}
	c.Subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := rt.ExecuteTemplate(&b, "markdown", v); err != nil {
		return c, err
	}
	body := strings.TrimSpace(b.String())
	var foot strings.Builder
	if v.Link != "" {
		foot.WriteString("\n\n[打开考核系统](" + v.Link + ")")
	}
	foot.WriteString("\n\n" + markdownText(v.Sender))
	const more = "\n\n……（内容较多，其余请在考核系统中查看）"
	if room := maxRobotMarkdown - foot.Len(); len(body) > room {
		cut := strings.LastIndexByte(body[:room-len(more)], '\n')
		if cut < 0 {
			cut = 0
		}
		body = strings.TrimRight(body[:cut], "\n") + more
	}
	c.Text = body + foot.String()
	return c, nil
}

// markdownText makes text safe inside the robots' markdown: the
// characters that would start a link, an image, emphasis, a heading, a
// quote, code or HTML (WeCom's <font>) become their full-width forms, and
// line breaks spaces, so that what a unit typed shows as typed and never
// as markup.
func markdownText(s string) string { return markdownEscaper.Replace(s) }

var markdownEscaper = strings.NewReplacer(
	"\\", "＼", "*", "＊", "_", "＿", "`", "｀", "#", "＃", "[", "［", "]", "］",
	"<", "＜", ">", "＞", "|", "｜", "~", "～", "\r\n", " ", "\n", " ", "\r", " ",
)

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// chineseDate writes 2019年6月13日（星期四）.
func chineseDate(d workflow.Date) string {
	return fmt.Sprintf("%d年%d月%d日（%s）", d.Year, d.Month, d.Day, weekdays[d.Weekday()])
}

// describe returns what a deadline asks for, the day it ends on (moved off
// a day off, workflow.Due) and, when it moved, a sentence giving the date
// the plan writes: 考核方案规定为6月30日前（遇休息日顺延至7月1日）.
func describe(p *workflow.Plan, d workflow.PlanDeadline) (what, due, note string) {
	ends := d.Due.EndsOn
	if ends.IsZero() {
		ends = d.Date
	}
	due = chineseDate(ends)
	if d.Due.Moved {
		note = "考核方案规定为" + d.Due.Label
	}
	switch d.Kind {
	case workflow.DeadlineSubmission:
		return fmt.Sprintf("%d年度实绩考核指标表报送", p.Year), due + " " + p.Deadline.Time.String(), note
	case workflow.DeadlineCheckpoint:
		name := fmt.Sprintf("%d月%d日前", d.Date.Month, d.Date.Day)
		if c, ok := p.Checkpoint(d.Date); ok && c.Name != "" {
			name = c.Name
		}
		return name + "序时进度节点任务", due, note
	case workflow.DeadlineMonthly:
		return fmt.Sprintf("%d年%d月会员实名制信息采集数量", d.Month.Year, d.Month.Month), due, note
	}
	return d.Key, due, note
}

// items lists what a unit owes, one line each, in Chinese.
func items(o workflow.Owing) []string {
	var out []string
	if o.NotSubmitted {
		out = append(out, "指标表（党建、业务、创新指标）及督查工作联系人尚未报送")
	}
	if o.Returned {
		out = append(out, "指标表已退回修改，尚未重新报送")
	}
	for _, n := range o.Nodes {
		state := "尚未报送佐证材料"
		if n.State == "rejected" {
			state = "佐证材料被退回，尚未重新报送"
		}
		out = append(out, fmt.Sprintf("%s「%s」%d月%d日节点（%s分）%s", n.Indicator, n.Work, n.Due.Month, n.Due.Day, n.Points, state))
	}
	if o.Month != (workflow.Month{}) {
		out = append(out, fmt.Sprintf("%d年%d月会员实名制信息采集数量尚未报送", o.Month.Year, o.Month.Month))
	}
	return out
}

func fmtLocal(t time.Time, p *workflow.Plan) string {
	return t.In(p.Location()).Format("2006年1月2日 15:04")
}

// resultOf is a unit's result in a message's words.
func resultOf(r *workflow.UnitResult) *resultMail {
	if r == nil {
		return nil
	}
	return &resultMail{Scored: r.Scored(), Total: r.Total.String(), Party: r.Party.String(), Business: r.Business.String(),
		Innovation: r.Innovation.String(), Deductions: r.DeductionTotal.String(), Rank: r.Rank, DeductionCount: len(r.Deductions),
		Grade: r.Grade, Reason: r.Reason}
}

// objectionOf is an objection in a message's words.
func objectionOf(p *workflow.Plan, o *workflow.Objection, unitName string) objectionMail {
	m := objectionMail{ID: o.ID, Unit: o.Unit, UnitName: unitName, Line: o.Line, Text: o.Text, At: fmtLocal(o.At, p),
		Verdict: workflow.VerdictLabel(o.Verdict), Answer: o.Answer, Correction: o.Correction.Describe(o.Ref), AnsweredBy: o.AnsweredBy,
		Files: len(o.Files)}
	if o.AnsweredAt != nil {
		m.AnsweredAt = fmtLocal(*o.AnsweredAt, p)
	}
	return m
}
