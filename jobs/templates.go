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

// templateFiles are the mail templates, one pair per notice kind: KIND.txt
// defines "subject" and "text", KIND.html defines "html".
//
//go:embed templates/*.txt templates/*.html
var templateFiles embed.FS

// templates holds the parsed mail templates.
type templates struct {
	text map[workflow.NoticeKind]*texttemplate.Template
	html map[workflow.NoticeKind]*htmltemplate.Template
}

func loadTemplates() (*templates, error) {
	t := &templates{text: map[workflow.NoticeKind]*texttemplate.Template{}, html: map[workflow.NoticeKind]*htmltemplate.Template{}}
	for _, k := range []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticeDigest} {
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
