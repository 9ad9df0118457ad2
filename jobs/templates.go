package jobs

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
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

// parsedTemplates parses the embedded templates once, for the reminder
// pass and the dispatcher alike; the parsed templates are only read
// afterwards (executing a template is safe for concurrent use).
var parsedTemplates = sync.OnceValues(loadTemplates)

// templates holds the parsed message templates.
type templates struct {
	text  map[workflow.NoticeKind]*texttemplate.Template
	html  map[workflow.NoticeKind]*htmltemplate.Template
	robot map[workflow.NoticeKind]*texttemplate.Template
	// sharedSubject holds the kinds whose email subject (false) or robot
	// title (true) names no field called Name or Link: the same for every
	// recipient of a unit, so the reminder pass renders it once per unit.
	sharedSubject map[workflow.NoticeKind]map[bool]bool
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
	t.sharedSubject = map[workflow.NoticeKind]map[bool]bool{}
	for k, tt := range t.text {
		t.sharedSubject[k] = map[bool]bool{
			false: !namesField(tt.Lookup("subject").Root, "Name", "Link"),
			true:  !namesField(t.robot[k].Lookup("title").Root, "Name", "Link"),
		}
	}
	return t, nil
}

// namesField reports whether the template tree under n may read a field
// called one of names, of any value: a field or a chain naming one of
// them, or a call of another template (not followed), counts.
func namesField(n parse.Node, names ...string) bool {
	if n == nil {
		return false
	}
	switch n := n.(type) {
	case *parse.ListNode:
		return n != nil && anyNamesField(n.Nodes, names)
	case *parse.ActionNode:
		return namesField(n.Pipe, names...)
	case *parse.PipeNode:
		return n != nil && anyNamesField(n.Cmds, names)
	case *parse.CommandNode:
		return anyNamesField(n.Args, names)
	case *parse.IfNode:
		return branchNamesField(&n.BranchNode, names)
	case *parse.RangeNode:
		return branchNamesField(&n.BranchNode, names)
	case *parse.WithNode:
		return branchNamesField(&n.BranchNode, names)
	case *parse.FieldNode:
		return anyNamed(n.Ident, names)
	case *parse.VariableNode:
		return anyNamed(n.Ident, names)
	case *parse.ChainNode:
		return namesField(n.Node, names...) || anyNamed(n.Field, names)
	case *parse.TemplateNode, *parse.BreakNode, *parse.ContinueNode:
		return true
	}
	return false
}

// anyNamesField is namesField of any of nodes.
func anyNamesField[N parse.Node](nodes []N, names []string) bool {
	return slices.ContainsFunc(nodes, func(n N) bool { return namesField(n, names...) })
}

// branchNamesField is namesField of an if, range or with: its pipeline
// and both of its lists.
func branchNamesField(n *parse.BranchNode, names []string) bool {
	return namesField(n.Pipe, names...) || namesField(n.List, names...) || namesField(n.ElseList, names...)
}

// anyNamed reports whether any of idents is one of names.
func anyNamed(idents, names []string) bool {
	return slices.ContainsFunc(idents, func(id string) bool { return slices.Contains(names, id) })
}

// mailView is what a template sees. Its JSON is a message's facts
// (workflow.OutboxMessage.Facts): the reminder pass stores it and the
// dispatcher renders the message from it when it sends, so the names are
// short and empty fields left out.
type mailView struct {
	PlanTitle string `json:"plan,omitempty"`
	Sender    string `json:"sender,omitempty"`
	// Name is the recipient's name; UnitName and Unit the unit's.
	Name     string `json:"name,omitempty"`
	Unit     string `json:"unit,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	// What names the deadline's duty, DueText the day (and time) it ends
	// on, moved off a day off. DueNote, when the deadline moved, states the
	// date the plan writes beside the day it moved to.
	What    string `json:"what,omitempty"`
	DueText string `json:"due,omitempty"`
	DueNote string `json:"due_note,omitempty"`
	// Now is when the message was composed, in the plan's zone.
	Now   string   `json:"now,omitempty"`
	Lead  int      `json:"lead,omitempty"`
	Items []string `json:"items,omitempty"`
	// Late lists every late unit (digest only).
	Late []unitItems `json:"late,omitempty"`
	// Backup names a failed or missing backup (digest only; "" when fine).
	Backup string `json:"backup,omitempty"`
	// Unreachable names the units no reminder reaches by mail (digest only).
	Unreachable []string `json:"unreachable,omitempty"`
	// Office are the office's contacts every message ends with (the
	// plan's office_contacts).
	Office []workflow.OfficeContact `json:"office,omitempty"`
	// Link is the page of the notice in the web pages ("" without
	// public_url); robot messages end with it.
	Link string `json:"link,omitempty"`
	// Published is when the result was published and Result the unit's
	// result (publication notices).
	Published string      `json:"published,omitempty"`
	Result    *resultMail `json:"result,omitempty"`
	// Objection is the answered objection (answer notices).
	Objection *objectionMail `json:"objection,omitempty"`
	// Open lists the objections awaiting an answer (objection digest).
	Open []objectionMail `json:"open,omitempty"`
}

// unitFacts is the part of a mailView that is a unit's (the same keys):
// what the reminder pass writes once per owing unit. Marshalling it takes
// about half as long as a mailView with the other fields empty (1.0 µs
// against 1.8 µs, measured), which walks all of them.
type unitFacts struct {
	Unit      string         `json:"unit,omitempty"`
	UnitName  string         `json:"unit_name,omitempty"`
	Items     []string       `json:"items,omitempty"`
	Result    *resultMail    `json:"result,omitempty"`
	Objection *objectionMail `json:"objection,omitempty"`
}

// unitPart returns the JSON of v's unit fields.
func unitPart(v *mailView) ([]byte, error) {
	return json.Marshal(&unitFacts{Unit: v.Unit, UnitName: v.UnitName, Items: v.Items, Result: v.Result, Objection: v.Objection})
}

// resultMail is a unit's published result as a message shows it.
type resultMail struct {
	Scored         bool   `json:"scored,omitempty"`
	Total          string `json:"total,omitempty"`
	Party          string `json:"party,omitempty"`
	Business       string `json:"business,omitempty"`
	Innovation     string `json:"innovation,omitempty"`
	Deductions     string `json:"deductions,omitempty"`
	Rank           int    `json:"rank,omitempty"`
	DeductionCount int    `json:"deduction_count,omitempty"`
	Grade          string `json:"grade,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

// objectionMail is an objection as a message shows it: times in the
// plan's zone, the verdict and the correction in words.
type objectionMail struct {
	ID         int64  `json:"id,omitempty"`
	Unit       string `json:"unit,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
	Line       string `json:"line,omitempty"`
	Text       string `json:"text,omitempty"`
	At         string `json:"at,omitempty"`
	Verdict    string `json:"verdict,omitempty"`
	Answer     string `json:"answer,omitempty"`
	Correction string `json:"correction,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
	AnsweredAt string `json:"answered_at,omitempty"`
	Files      int    `json:"files,omitempty"`
}

// unitItems is one unit's outstanding items.
type unitItems struct {
	Unit     string   `json:"unit,omitempty"`
	UnitName string   `json:"unit_name,omitempty"`
	Items    []string `json:"items,omitempty"`
}

// content is one rendered message.
type content struct{ Subject, Text, HTML string }

// render renders an email: its subject, its text and its HTML.
func (t *templates) render(kind workflow.NoticeKind, v *mailView) (content, error) {
	subject, err := t.subject(kind, workflow.ChannelEmail, v)
	if err != nil {
		return content{}, err
	}
	c, err := t.body(kind, v)
	c.Subject = subject
	return c, err
}

// subject renders the subject of an email of kind, or the title of a robot
// message (a robot channel), which the outbox row keeps beside its facts.
func (t *templates) subject(kind workflow.NoticeKind, channel workflow.Channel, v *mailView) (string, error) {
	tpl, name := t.text[kind], "subject"
	if channel.IsRobot() {
		tpl, name = t.robot[kind], "title"
	}
	if tpl == nil {
		return "", fmt.Errorf("no template for %s messages", kind)
	}
	var b strings.Builder
	if err := tpl.ExecuteTemplate(&b, name, v); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// body renders an email's text and HTML.
func (t *templates) body(kind workflow.NoticeKind, v *mailView) (content, error) {
	var c content
	var b bytes.Buffer
	tt, ht := t.text[kind], t.html[kind]
	if tt == nil || ht == nil {
		return c, fmt.Errorf("no template for %s messages", kind)
	}
	if err := tt.ExecuteTemplate(&b, "text", v); err != nil {
		return c, err
	}
	c.Text = b.String()
	b.Reset()
	if err := ht.ExecuteTemplate(&b, "html", v); err != nil {
		return c, err
	}
	c.HTML = b.String()
	return c, nil
}

// joinFacts joins JSON objects into one: the facts of a message written
// in parts (the notice's, the unit's, the recipient's), each part a
// mailView with only its own fields set. A key in two parts takes the
// later part's value, as json.Unmarshal does.
func joinFacts(parts ...[]byte) string {
	var b strings.Builder
	b.WriteByte('{')
	for _, p := range parts {
		inner := bytes.TrimSpace(p)
		inner = inner[1 : len(inner)-1]
		if len(inner) == 0 {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(inner)
	}
	b.WriteByte('}')
	return b.String()
}

// recipientFacts is the part of v's facts that is the recipient's: its
// name, and a robot message's link.
func recipientFacts(v *mailView) []byte {
	b, err := json.Marshal(&mailView{Name: v.Name, Link: v.Link})
	if err != nil {
		panic(err) // two strings always marshal
	}
	return b
}

// withRecipient is joinFacts(unit, recipientFacts(v)), byte for byte,
// written in one buffer: the reminder pass makes it for every message
// (10,000 for a deadline of 5,000 owing units), and the general join took
// almost three times as long (measured: 1.8 µs against 0.65 µs).
func withRecipient(unit []byte, v *mailView) string {
	unit = bytes.TrimSpace(unit)
	b := make([]byte, 0, len(unit)+len(v.Name)+len(v.Link)+24)
	b = append(b, unit[:len(unit)-1]...)
	for _, f := range [2]struct{ key, value string }{{`"name":`, v.Name}, {`"link":`, v.Link}} {
		if f.value == "" {
			continue
		}
		q, err := json.Marshal(f.value)
		if err != nil {
			panic(err) // a string always marshals
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(append(b, f.key...), q...)
	}
	return string(append(b, '}'))
}

// Render fills in the text and HTML of a message stored with facts, as
// the dispatcher renders them when it sends it; a message stored rendered
// (no facts) is left as it is. It fails when the facts do not render (they
// never will).
func Render(m *workflow.OutboxMessage) error {
	if m.Facts == "" && m.NoticeRow == 0 && m.NoticeFacts == "" {
		return nil
	}
	t, err := parsedTemplates()
	if err != nil {
		return err
	}
	return t.renderFacts(m)
}

// renderFacts fills in the text (and for an email the HTML) of a message
// stored with facts, as its template renders them; a message without
// facts is left as stored. The facts its notice shares are read first and
// its own over them, which joins them as joinFacts does.
func (t *templates) renderFacts(m *workflow.OutboxMessage) error {
	if m.NoticeRow != 0 && m.NoticeFacts == "" {
		return fmt.Errorf("facts of message %d: its notice's (%d) are missing", m.ID, m.NoticeRow)
	}
	if m.Facts == "" && m.NoticeFacts == "" {
		return nil
	}
	var v mailView
	for _, facts := range []string{m.NoticeFacts, m.Facts} {
		if facts == "" {
			continue
		}
		if err := json.Unmarshal([]byte(facts), &v); err != nil {
			return fmt.Errorf("facts of message %d: %w", m.ID, err)
		}
	}
	if m.Channel.IsRobot() {
		text, err := t.robotBody(m.Kind, &v)
		m.Text = text
		return err
	}
	c, err := t.body(m.Kind, &v)
	m.Text, m.HTML = c.Text, c.HTML
	return err
}

// maxRobotMarkdown bounds a robot message (WeCom takes 4096 bytes), with
// room to spare.
const maxRobotMarkdown = 4000

// renderRobot renders a robot message: its title and its markdown (see
// robotBody).
func (t *templates) renderRobot(kind workflow.NoticeKind, v *mailView) (content, error) {
	title, err := t.subject(kind, workflow.ChannelWeCom, v)
	if err != nil {
		return content{}, err
	}
	text, err := t.robotBody(kind, v)
	return content{Subject: title, Text: text}, err
}

// robotBody renders a robot message's markdown: the body cut at a line
// when it is too long (a digest of many late units), then the link to the
// page and the signature, which are never cut.
func (t *templates) robotBody(kind workflow.NoticeKind, v *mailView) (string, error) {
	rt := t.robot[kind]
	if rt == nil {
		return "", fmt.Errorf("no template for %s messages", kind)
	}
	var b bytes.Buffer
	if err := rt.ExecuteTemplate(&b, "markdown", v); err != nil {
		return "", err
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
	return body + foot.String(), nil
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
