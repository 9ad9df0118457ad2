package jobs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	texttemplate "text/template"

	"kaohe/workflow"
)

// TestRobotMarkdownShowsTextAsTyped: what a unit typed (a work's title)
// cannot turn into a link, an image, a heading or WeCom's coloured text.
func TestRobotMarkdownShowsTextAsTyped(t *testing.T) {
	tpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	v := &mailView{PlanTitle: "2019年度", Sender: "大连市总工会办公室", What: "6月30日前序时进度节点任务", DueText: "2019年6月30日（星期日）",
		Now: "2019年6月21日 09:00", UnitName: "甘井子区总工会", Unit: "gjz", Link: "https://kaohe.example.cn/#/exec/gjz",
		Items: []string{"B1「[点这里](http://10.0.0.1/) ![x](http://10.0.0.1/a.png) <font color=\"warning\">急</font>\n# 标题 **粗** _斜_ `代码`」6月30日节点（3分）尚未报送佐证材料"}}
	c, err := tpl.renderRobot(workflow.NoticeReminder, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"[点这里](", "![x](", "<font", "\n# 标题", "**粗**", "_斜_", "`代码`"} {
		if strings.Contains(c.Text, bad) {
			t.Errorf("markup %q passed through:\n%s", bad, c.Text)
		}
	}
	for _, shown := range []string{"［点这里］(http://10.0.0.1/)", "＜font color=\"warning\"＞急＜/font＞", "＃ 标题 ＊＊粗＊＊", "[打开考核系统](https://kaohe.example.cn/#/exec/gjz)"} {
		if !strings.Contains(c.Text, shown) {
			t.Errorf("%q not shown:\n%s", shown, c.Text)
		}
	}
}

// TestLongDigestsAreCutAtALine: a digest of many late units fits WeCom's
// 4096 bytes, ends with a note that there is more, the link and the
// signature.
func TestLongDigestsAreCutAtALine(t *testing.T) {
	tpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	v := &mailView{Sender: "大连市总工会办公室", What: "6月30日前序时进度节点任务", DueText: "2019年6月30日（星期日）", Now: "2019年7月1日 09:00",
		Link: "https://kaohe.example.cn/#/progress"}
	for u := 0; u < 14; u++ {
		ui := unitItems{Unit: fmt.Sprintf("u%02d", u), UnitName: fmt.Sprintf("第%d区总工会", u)}
		for i := 0; i < 10; i++ {
			ui.Items = append(ui.Items, fmt.Sprintf("B%d「具体工作%d」6月30日节点（3分）尚未报送佐证材料", i+1, i))
		}
		v.Late = append(v.Late, ui)
	}
	c, err := tpl.renderRobot(workflow.NoticeDigest, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Text) > maxRobotMarkdown {
		t.Fatalf("%d bytes", len(c.Text))
	}
	if !strings.HasSuffix(c.Text, "……（内容较多，其余请在考核系统中查看）\n\n[打开考核系统](https://kaohe.example.cn/#/progress)\n\n大连市总工会办公室") {
		t.Errorf("the end:\n%s", c.Text[len(c.Text)-300:])
	}
	if c.Subject != "【逾期汇总】6月30日前序时进度节点任务：14个单位逾期" || !strings.Contains(c.Text, "**第0区总工会**（u00）") {
		t.Errorf("subject %q, text starts %q", c.Subject, c.Text[:200])
	}
}

// TestJoinedFactsAreTheView: facts written in parts (the notice's, the
// unit's, the recipient's) read back as the whole view.
func TestJoinedFactsAreTheView(t *testing.T) {
	v := mailView{PlanTitle: "2019年度", Sender: "大连市总工会办公室", What: "指标表报送", DueText: "2019年6月13日（星期四） 17:30",
		Now: "2019年6月12日 09:00", Lead: 1, Office: []workflow.OfficeContact{{Name: "林浩", Phone: "82610211"}},
		Unit: "gjz", UnitName: "甘井子区总工会", Items: []string{"指标表\"尚未\"报送<b>"}, Name: "王明", Link: "https://kaohe.example.cn/#/units/gjz",
		Result: &resultMail{Total: "98.5", Rank: 2}}
	notice := v
	notice.Unit, notice.UnitName, notice.Items, notice.Result, notice.Name, notice.Link = "", "", nil, nil, "", ""
	shared, _ := json.Marshal(&notice)
	v.Objection = &objectionMail{ID: 7, Line: "B1", Verdict: "驳回"}
	unit, _ := unitPart(&v)
	for _, parts := range [][][]byte{{shared, unit, recipientFacts(&v)}, {[]byte("{}"), shared, []byte(" {} "), unit, recipientFacts(&v)}} {
		var got mailView
		if err := json.Unmarshal([]byte(joinFacts(parts...)), &got); err != nil {
			t.Fatalf("%s: %v", joinFacts(parts...), err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("joined facts read back as\n%+v\nwant\n%+v", got, v)
		}
	}
}

// TestWithRecipientIsTheJoin: the reminder pass's own join of a unit's
// and a recipient's facts writes what the general one writes.
func TestWithRecipientIsTheJoin(t *testing.T) {
	units := [][]byte{[]byte(`{}`), []byte(` {"unit":"gjz","items":["指标表\"尚未\"报送<b>"]} `)}
	views := []mailView{{}, {Name: "王明"}, {Link: "https://kaohe.example.cn/#/units/gjz?a=1&b=<2>"}, {Name: "\"李\"\\\u2028<婷>", Link: "x"}}
	for _, unit := range units {
		for _, v := range views {
			if got, want := withRecipient(unit, &v), joinFacts(unit, recipientFacts(&v)); got != want {
				t.Errorf("%s with %+v: %s, want %s", unit, v, got, want)
			}
		}
	}
}

// TestSubjectsNamingTheRecipient: a subject that reads the recipient's
// name or link (or calls another template) is rendered for each
// recipient; the embedded ones name neither, so the reminder pass renders
// each once per unit.
func TestSubjectsNamingTheRecipient(t *testing.T) {
	for src, want := range map[string]bool{
		`{{define "s"}}【考核提醒】{{.UnitName}}{{end}}`:                               false,
		`{{define "s"}}{{.Name}}，您好{{end}}`:                                      true,
		`{{define "s"}}{{if .Items}}{{$.Link}}{{end}}{{end}}`:                    true,
		`{{define "s"}}{{with .Result}}{{.Rank}}{{else}}{{.Name}}{{end}}{{end}}`: true,
		`{{define "s"}}{{range .Office}}{{.Phone}}{{end}}{{end}}`:                false,
		`{{define "s"}}{{template "other" .}}{{end}}{{define "other"}}x{{end}}`:  true,
	} {
		tpl := texttemplate.Must(texttemplate.New("t").Parse(src))
		if got := namesField(tpl.Lookup("s").Root, "Name", "Link"); got != want {
			t.Errorf("%s: names the recipient %v, want %v", src, got, want)
		}
	}
	tpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for kind, by := range tpl.sharedSubject {
		if !by[false] || !by[true] {
			t.Errorf("%s: subjects shared by a unit's recipients: email %v, robot %v", kind, by[false], by[true])
		}
	}
}
