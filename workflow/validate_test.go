package workflow

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func loadValidDoc(t testing.TB) *Document {
	t.Helper()
	b, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		t.Fatal(err)
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	d.Normalize()
	return &d
}

func loadContacts(t testing.TB) []Contact {
	t.Helper()
	b, err := os.ReadFile("../testdata/contacts.json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []Contact
	if err := json.Unmarshal(b, &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestFixtureIsValid(t *testing.T) {
	p := loadPlan2019(t)
	errs, warns := Validate(p, loadValidDoc(t), loadContacts(t))
	if len(errs) > 0 {
		t.Fatalf("the realistic 2019 submission must be valid: %+v", errs)
	}
	if len(warns) > 0 {
		t.Fatalf("its standards are all quantifiable: %+v", warns)
	}
}

// TestEachRule applies one mutation per rule to the valid submission and
// checks that exactly the expected violations appear, at their paths.
// TestContactsWithoutEmail: the email is kaohe's addition, not the
// notice's: a submission whose contacts have none is valid.
func TestContactsWithoutEmail(t *testing.T) {
	d, cs := loadValidDoc(t), loadContacts(t)
	for i := range cs {
		cs[i].Email = ""
	}
	if errs, _ := Validate(loadPlan2019(t), d, cs); len(errs) != 0 || Reachable(cs) {
		t.Fatalf("contacts without email: %v (reachable %v)", flat(errs), Reachable(cs))
	}
}

// TestCheckContacts: each field of a contact in its form, located.
func TestCheckContacts(t *testing.T) {
	good := Contact{Name: "王明", Duty: DutyHead, Position: "主任", Phone: "0411-86641234", Mobile: "13804110001"}
	tests := []struct {
		name   string
		mutate func(c *Contact)
		want   string // "path rule", "" for none
	}{
		{"complete without email", func(c *Contact) {}, ""},
		{"phone with extension", func(c *Contact) { c.Phone = "0411-86641234-805" }, ""},
		{"phone with 转", func(c *Contact) { c.Phone = "041186641234转8" }, ""},
		{"phone without area code", func(c *Contact) { c.Phone = "86641234" }, "contacts[0].phone contact.phone.invalid"},
		{"mobile of 10 digits", func(c *Contact) { c.Mobile = "1380411000" }, "contacts[0].mobile contact.mobile.invalid"},
		{"mobile not starting with 1", func(c *Contact) { c.Mobile = "23804110001" }, "contacts[0].mobile contact.mobile.invalid"},
		{"no duty", func(c *Contact) { c.Duty = "" }, "contacts[0].duty contact.duty.invalid"},
		{"a duty that is not one", func(c *Contact) { c.Duty = "boss" }, "contacts[0].duty contact.duty.invalid"},
		{"a bad email", func(c *Contact) { c.Email = "a@b@c" }, "contacts[0].email contact.email.invalid"},
		{"no name", func(c *Contact) { c.Name = " " }, "contacts[0].name contact.name.empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.mutate(&c)
			_, vs := CheckContacts("contacts", []Contact{c})
			if got := strings.Join(flat(vs), ","); got != tt.want {
				t.Errorf("violations %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEachRule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *Document, cs *[]Contact)
		want   []string // "path rule"
	}{
		{"party item missing", func(d *Document, _ *[]Contact) {
			d.Party[3].Code = "P1"
		}, []string{"party[3].code indicator.duplicate", "party indicator.missing"}},
		{"party item dropped", func(d *Document, _ *[]Contact) {
			d.Party = d.Party[:4]
		}, []string{"party indicator.missing", "party category.total"}},
		{"unknown business code", func(d *Document, _ *[]Contact) {
			d.Business[12].Code = "B14"
		}, []string{"business[12].code indicator.unknown", "business indicator.missing", "business[12].works[0].covers[0] work.covers.unknown", "business[12].works[0].covers[1] work.covers.unknown"}},
		{"party points above 25", func(d *Document, _ *[]Contact) {
			movePoints(d.Party, 0, 1, Points(2600)-d.Party[0].Points)
		}, []string{"party[0].points indicator.points.range", "party[1].points indicator.points.range"}},
		{"party points below 15", func(d *Document, _ *[]Contact) {
			movePoints(d.Party, 0, 1, Points(1400)-d.Party[0].Points)
		}, []string{"party[0].points indicator.points.range", "party[1].points indicator.points.range"}},
		{"party half point", func(d *Document, _ *[]Contact) {
			movePoints(d.Party, 0, 1, 50)
		}, []string{"party[0].points indicator.points.step", "party[1].points indicator.points.step",
			"party[0].works[0].points work.points.step", "party[1].works[0].points work.points.step",
			"party[0].works[0].nodes[0].points node.points.step", "party[1].works[0].nodes[0].points node.points.step"}},
		// 最小分值单位为1分 binds the 具体工作 and 序时进度 columns too (annexes 1
		// and 2, 备注): sums that still add up do not make half points whole.
		{"business nodes of 1.5 points", func(d *Document, _ *[]Contact) {
			ns := d.Business[0].Works[0].Nodes
			ns[0].Points -= 50
			ns[1].Points += 50
		}, []string{"business[0].works[0].nodes[0].points node.points.step", "business[0].works[0].nodes[1].points node.points.step"}},
		{"business node of 0.25 points", func(d *Document, _ *[]Contact) {
			ns := d.Business[2].Works[1].Nodes
			ns[0].Points -= 25
			ns[1].Points += 25
		}, []string{"business[2].works[1].nodes[0].points node.points.step", "business[2].works[1].nodes[1].points node.points.step"}},
		{"business works of 1.5 points", func(d *Document, _ *[]Contact) {
			ws := d.Business[0].Works
			ws[0].Points -= 50
			ws[0].Nodes[0].Points -= 50
			ws[1].Points += 50
			ws[1].Nodes[0].Points += 50
		}, []string{"business[0].works[0].points work.points.step", "business[0].works[1].points work.points.step",
			"business[0].works[0].nodes[0].points node.points.step", "business[0].works[1].nodes[0].points node.points.step"}},
		{"party node of 0.5 points", func(d *Document, _ *[]Contact) {
			ns := d.Party[0].Works[0].Nodes
			ns[0].Points -= 50
			ns[2].Points += 50
		}, []string{"party[0].works[0].nodes[0].points node.points.step", "party[0].works[0].nodes[2].points node.points.step"}},
		{"business points above 11", func(d *Document, _ *[]Contact) {
			movePoints(d.Business, 0, 1, Points(1200)-d.Business[0].Points)
		}, nil}, // computed below: range at [0], maybe at [1]
		{"party total 99", func(d *Document, _ *[]Contact) {
			d.Party[0].Points -= 100
			addToFirstNode(&d.Party[0], -100)
		}, []string{"party category.total"}},
		{"works do not sum to indicator", func(d *Document, _ *[]Contact) {
			d.Party[2].Works[0].Points += 100
			d.Party[2].Works[0].Nodes[0].Points += 100
		}, []string{"party[2].works indicator.works.sum"}},
		{"nodes do not sum to work", func(d *Document, _ *[]Contact) {
			d.Party[1].Works[0].Nodes[0].Points += 100
		}, []string{"party[1].works[0].nodes work.nodes.sum"}},
		{"indicator without works", func(d *Document, _ *[]Contact) {
			d.Business[7].Works = nil
		}, []string{"business[7].works indicator.works.empty"}},
		{"empty work title", func(d *Document, _ *[]Contact) {
			d.Party[0].Works[0].Title = "  "
		}, []string{"party[0].works[0].title work.title.empty"}},
		{"four nodes", func(d *Document, _ *[]Contact) {
			w := &d.Party[0].Works[0]
			for len(w.Nodes) < 4 {
				w.Nodes = append(w.Nodes, w.Nodes[len(w.Nodes)-1])
			}
		}, nil},
		{"no nodes", func(d *Document, _ *[]Contact) {
			d.Party[0].Works[0].Nodes = nil
		}, []string{"party[0].works[0].nodes work.nodes.count"}},
		{"due not a date", func(d *Document, _ *[]Contact) {
			d.Party[0].Works[0].Nodes[0].Due = "6月30日"
		}, []string{"party[0].works[0].nodes[0].due node.due.invalid"}},
		{"due after November 30", func(d *Document, _ *[]Contact) {
			last := &d.Party[0].Works[0].Nodes[len(d.Party[0].Works[0].Nodes)-1]
			last.Due = "2019-12-31"
		}, nil},
		{"due not a checkpoint", func(d *Document, _ *[]Contact) {
			d.Party[0].Works[0].Nodes[0].Due = "2019-06-15"
		}, []string{"party[0].works[0].nodes[0].due node.due.checkpoint"}},
		{"zero node points", func(d *Document, _ *[]Contact) {
			w := &d.Party[0].Works[0]
			w.Nodes = append(w.Nodes, Node{Due: "2019-11-30", Target: "x", Standard: "完成1次", Evidence: "y"})
			if len(w.Nodes) > 3 {
				w.Nodes = w.Nodes[len(w.Nodes)-3:]
			}
		}, nil},
		{"empty target", func(d *Document, _ *[]Contact) {
			d.Business[4].Works[0].Nodes[0].Target = ""
		}, []string{"business[4].works[0].nodes[0].target node.target.empty"}},
		{"empty standard", func(d *Document, _ *[]Contact) {
			d.Business[4].Works[0].Nodes[0].Standard = ""
		}, []string{"business[4].works[0].nodes[0].standard node.standard.empty"}},
		{"empty evidence", func(d *Document, _ *[]Contact) {
			d.Business[4].Works[0].Nodes[0].Evidence = " "
		}, []string{"business[4].works[0].nodes[0].evidence node.evidence.empty"}},
		{"forbidden phrase 进一步", func(d *Document, _ *[]Contact) {
			d.Party[4].Works[0].Nodes[0].Standard = "进一步完善制度3项"
		}, []string{"party[4].works[0].nodes[0].standard node.standard.forbidden"}},
		{"forbidden phrase 加大", func(d *Document, _ *[]Contact) {
			d.Party[4].Works[0].Nodes[0].Standard = "加大宣传力度，发稿10篇"
		},
			[]string{"party[4].works[0].nodes[0].standard node.standard.forbidden"}},
		{"forbidden phrase 增强", func(d *Document, _ *[]Contact) {
			d.Party[4].Works[0].Nodes[0].Standard = "增强服务意识，走访20家"
		},
			[]string{"party[4].works[0].nodes[0].standard node.standard.forbidden"}},
		{"forbidden phrase 积极", func(d *Document, _ *[]Contact) {
			d.Party[4].Works[0].Nodes[0].Standard = "积极参与，覆盖率100%"
		},
			[]string{"party[4].works[0].nodes[0].standard node.standard.forbidden"}},
		{"uncovered required item", func(d *Document, _ *[]Contact) {
			dropCover(&d.Business[6], "B7.1")
		}, []string{"business[6].works indicator.required.uncovered"}},
		{"covers another indicator's item", func(d *Document, _ *[]Contact) {
			d.Business[7].Works[0].Covers = []string{"B7.1"}
		}, []string{"business[7].works[0].covers[0] work.covers.unknown"}},
		{"three innovation items", func(d *Document, _ *[]Contact) {
			it := d.Innovation[0]
			it.Title = "第三项完全不同的创新工作"
			d.Innovation = append(d.Innovation, it)
		}, []string{"innovation innovation.count"}},
		{"innovation over 3 points", func(d *Document, _ *[]Contact) {
			d.Innovation[0].Points = 350
			d.Innovation[0].Nodes[0].Points += 350 - sumNodes(d.Innovation[0].Nodes)
		}, []string{"innovation[0].points innovation.points.range"}},
		{"innovation quarter point", func(d *Document, _ *[]Contact) {
			d.Innovation[1].Points -= 25
			d.Innovation[1].Nodes[0].Points -= 25
		}, []string{"innovation[1].points innovation.points.step", "innovation[1].nodes[0].points node.points.step"}},
		{"innovation duplicates a business work", func(d *Document, _ *[]Contact) {
			d.Innovation[0].Title = "“" + d.Business[3].Works[0].Title + "”"
		}, []string{"innovation[0].title innovation.duplicate"}},
		{"innovation without content", func(d *Document, _ *[]Contact) {
			d.Innovation[0].Content = ""
			d.Innovation[0].Effect = ""
		}, []string{"innovation[0].content innovation.content.empty", "innovation[0].effect innovation.effect.empty"}},
		{"innovation nodes do not sum", func(d *Document, _ *[]Contact) {
			d.Innovation[0].Nodes[0].Points += 50
		}, []string{"innovation[0].nodes work.nodes.sum"}},
		{"no contacts", func(_ *Document, cs *[]Contact) {
			*cs = nil
		}, []string{"contacts contacts.missing", "contacts contacts.duty.missing", "contacts contacts.duty.missing"}},
		{"contact without mobile", func(_ *Document, cs *[]Contact) {
			for i := range *cs {
				(*cs)[i].Mobile = ""
			}
		}, []string{"contacts contacts.missing", "contacts contacts.duty.missing", "contacts contacts.duty.missing"}},
		// The notice asks for the department's 负责人 and its 工作人员.
		{"no head", func(_ *Document, cs *[]Contact) {
			(*cs)[0].Duty = DutyStaff
		}, []string{"contacts contacts.duty.missing"}},
		{"a contact without a duty does not count", func(_ *Document, cs *[]Contact) {
			(*cs)[1].Duty = ""
		}, []string{"contacts contacts.missing", "contacts contacts.duty.missing"}},
	}
	p := loadPlan2019(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cs := loadValidDoc(t), loadContacts(t)
			tt.mutate(d, &cs)
			errs, _ := Validate(p, d, cs)
			if len(errs) == 0 {
				t.Fatal("mutation not detected")
			}
			for _, e := range errs {
				if e.Message == "" || !hasHan(e.Message) {
					t.Errorf("violation without a Chinese message: %+v", e)
				}
			}
			if tt.want == nil {
				t.Logf("violations: %v", flat(errs))
				return
			}
			if got, want := flat(errs), sorted(tt.want); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("violations\n got: %v\nwant: %v", got, want)
			}
		})
	}
}

func TestRulesWithComputedExpectations(t *testing.T) {
	p := loadPlan2019(t)
	d, cs := loadValidDoc(t), loadContacts(t)
	w := &d.Party[0].Works[0]
	for len(w.Nodes) < 4 {
		w.Nodes = append(w.Nodes, w.Nodes[len(w.Nodes)-1])
	}
	errs, _ := Validate(p, d, cs)
	if !hasRule(errs, "party[0].works[0].nodes", RuleNodesCount) {
		t.Fatalf("four nodes not refused: %v", flat(errs))
	}

	d = loadValidDoc(t)
	w = &d.Party[0].Works[0]
	w.Nodes[len(w.Nodes)-1].Due = "2019-12-31"
	errs, _ = Validate(p, d, cs)
	if !hasRule(errs, "party[0].works[0].nodes["+strconv.Itoa(len(w.Nodes)-1)+"].due", RuleNodeDueCheckpoint) || len(errs) != 1 {
		t.Fatalf("node after November 30: %v", flat(errs))
	}
}

func TestNodeOrderAndDuplicates(t *testing.T) {
	p := loadPlan2019(t)
	cs := loadContacts(t)
	base := Work{Title: "测试工作", Points: 300}
	mk := func(dues ...string) *Document {
		d := loadValidDoc(t)
		w := base
		for _, due := range dues {
			w.Nodes = append(w.Nodes, Node{Due: due, Target: "目标", Points: 100, Standard: "完成3次", Evidence: "通知"})
		}
		d.Party[0].Works = append(d.Party[0].Works[:0:0], w)
		d.Party[0].Points = 300 // out of range on purpose; ignore those
		return d
	}
	tests := []struct {
		dues []string
		want string
	}{
		{[]string{"2019-06-30", "2019-09-30", "2019-11-30"}, ""},
		{[]string{"2019-09-30", "2019-06-30", "2019-11-30"}, "party[0].works[0].nodes[1].due " + RuleNodeDueOrder},
		{[]string{"2019-06-30", "2019-06-30", "2019-11-30"}, "party[0].works[0].nodes[1].due " + RuleNodeDueDuplicate},
	}
	for _, tt := range tests {
		errs, _ := Validate(p, mk(tt.dues...), cs)
		var nodeErrs []string
		for _, e := range errs {
			if strings.Contains(e.Path, "nodes[") {
				nodeErrs = append(nodeErrs, e.Path+" "+e.Rule)
			}
		}
		if got := strings.Join(nodeErrs, ","); got != tt.want {
			t.Errorf("%v: got %q want %q", tt.dues, got, tt.want)
		}
	}
}

func TestUnquantifiableStandardIsAWarning(t *testing.T) {
	p := loadPlan2019(t)
	d := loadValidDoc(t)
	d.Party[0].Works[0].Nodes[0].Standard = "按要求完成相关工作，取得良好效果"
	errs, warns := Validate(p, d, loadContacts(t))
	if len(errs) != 0 {
		t.Fatalf("a warning must not block: %v", flat(errs))
	}
	if len(warns) != 1 || warns[0].Path != "party[0].works[0].nodes[0].standard" || warns[0].Rule != RuleNodeUnquantifiable {
		t.Fatalf("warnings %v", warns)
	}
}

func TestQuantifiable(t *testing.T) {
	for s, want := range map[string]bool{
		"6月30日前组织专题学习不少于4次": true,
		"覆盖率达到百分之九十":        true,
		"全年开展三次集中宣讲":        true,
		"按要求完成相关工作，取得良好效果":  false,
		"建立健全工作机制，形成长效管理制度": false,
	} {
		if got := Quantifiable(s); got != want {
			t.Errorf("Quantifiable(%q) = %v", s, got)
		}
	}
}

func TestEmptyDocumentReportsEverythingAtOnce(t *testing.T) {
	p := loadPlan2019(t)
	errs, _ := Validate(p, &Document{}, nil)
	missing := 0
	for _, e := range errs {
		if e.Rule == RuleIndicatorMissing {
			missing++
		}
	}
	if missing != 18 || !hasRule(errs, "contacts", RuleContactsMissing) || !hasRule(errs, "party", RuleCategoryTotal) {
		t.Fatalf("empty document: %v", flat(errs))
	}
}

func movePoints(inds []Indicator, from, to int, delta Points) {
	inds[from].Points += delta
	addToFirstNode(&inds[from], delta)
	inds[to].Points -= delta
	addToFirstNode(&inds[to], -delta)
}

// addToFirstNode changes an indicator's first work and its first node by
// delta, so that the works still sum to the indicator once the caller moves
// the indicator's points by the same delta.
func addToFirstNode(ind *Indicator, delta Points) {
	ind.Works[0].Points += delta
	ind.Works[0].Nodes[0].Points += delta
}

func dropCover(ind *Indicator, code string) {
	for i := range ind.Works {
		var keep []string
		for _, c := range ind.Works[i].Covers {
			if c != code {
				keep = append(keep, c)
			}
		}
		ind.Works[i].Covers = keep
	}
}

func sumNodes(ns []Node) Points {
	var s Points
	for _, n := range ns {
		s += n.Points
	}
	return s
}

func flat(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Path+" "+v.Rule)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func hasRule(vs []Violation, path, rule string) bool {
	for _, v := range vs {
		if v.Path == path && v.Rule == rule {
			return true
		}
	}
	return false
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// BenchmarkValidate validates the whole example submission (18 indicators,
// their works and nodes, two innovation items, two contacts), as every
// save, check and submit does. Aim: 50 µs. Beside the wall time per
// validation it reports cpu-ns/op, the process's CPU time (user and
// system) per validation, which other work on a shared machine disturbs
// less.
func BenchmarkValidate(b *testing.B) {
	p := loadPlan2019(b)
	d := loadValidDoc(b)
	cs := loadContacts(b)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if errs, _ := Validate(p, d, cs); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system time so far, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// TestForbiddenIn: the phrases a text holds are found wherever they stand
// (first, last, overlapping, in ASCII and in ideographs), once each, in the
// plan's order, as a search for each phrase finds them, for plans of one-
// byte phrases and of more phrases than one pass indexes; an empty phrase
// (refused by plan checks) is never found.
func TestForbiddenIn(t *testing.T) {
	many := make([]string, 70)
	for i := range many {
		many[i] = "词" + strconv.Itoa(i)
	}
	plans := [][]string{
		{"进一步", "加大", "增强", "积极"},
		{"a", "ab", "", "进"},
		many,
	}
	texts := []string{
		"", "进", "进一步", "进一", "加大力度，进一步增强积极性", "积极积极加大",
		"abc", "b", "全年开展3次活动", "词69与词7和词0", "词6", "\xe8\xbf", "x\xe8进一步\xff",
	}
	for _, phrases := range plans {
		v := &validator{plan: &Plan{ForbiddenPhrases: phrases}}
		for _, s := range texts {
			var want []string
			for _, ph := range phrases {
				if ph != "" && strings.Contains(s, ph) {
					want = append(want, ph)
				}
			}
			if got := v.forbiddenIn(s); !slices.Equal(got, want) {
				t.Errorf("phrases %q, text %q: %q, want %q", phrases[:min(len(phrases), 4)], s, got, want)
			}
		}
	}
}

// TestNormalizeTitle: spaces, punctuation and symbols go and letters are
// lower-cased; a title already normal is itself.
func TestNormalizeTitle(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"职工之家建设":           "职工之家建设",
		"“职工之家”建设":         "职工之家建设",
		" 开展 DIY 活动 2019 ": "开展diy活动2019",
		"ＡＢＣ工程（一期）":        "ａｂｃ工程一期",
		"abc123":           "abc123",
		"a\xffb":           "ab",
		"工会+互联网★":          "工会互联网",
	} {
		if got := normalizeTitle(in); got != want {
			t.Errorf("normalizeTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIndicatorLabelInMessages: a message names a known indicator by its
// code and name, and an unknown one by its code alone.
func TestIndicatorLabelInMessages(t *testing.T) {
	d := loadValidDoc(t)
	d.Party[0].Points += 100
	d.Party[1].Code = "P9"
	d.Party[1].Points += 100
	errs, _ := Validate(loadPlan2019(t), d, loadContacts(t))
	found := map[string]string{}
	for _, e := range errs {
		found[e.Path] = e.Message
	}
	for path, want := range map[string]string{
		"party[0].works": "指标P1（党的政治建设）各项具体工作分值合计为20分，应等于指标分值21分",
		"party[1].works": "指标P9各项具体工作分值合计为20分，应等于指标分值21分",
	} {
		if found[path] != want {
			t.Errorf("%s: %q, want %q (all: %v)", path, found[path], want, errs)
		}
	}
}
