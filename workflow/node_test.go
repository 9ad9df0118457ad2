package workflow

import (
	"testing"
	"time"
)

// TestNodeStateAndColour walks a node due 2019-09-30 (a working Monday)
// across its checkpoint and the year end: overdue and missing come from the
// clock, lateness of a report does not make it overdue, and yellow starts
// seven days before the end of the checkpoint day.
func TestNodeStateAndColour(t *testing.T) {
	p := loadPlan2019(t)
	sh := p.Location()
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2019, m, d, h, min, 0, 0, sh) }
	warn := 7 * 24 * time.Hour
	tests := []struct {
		name   string
		stored NodeState
		now    time.Time
		state  NodeState
		colour Colour
	}{
		{"pending long before the checkpoint is green", NodePending, at(9, 20, 9, 0), NodePending, Green},
		{"pending just before the warning window is green", NodePending, at(9, 23, 23, 59), NodePending, Green},
		{"pending within seven days is yellow", NodePending, at(9, 24, 0, 0), NodePending, Yellow},
		{"pending at 23:59 on the checkpoint day is still on time", NodePending, at(9, 30, 23, 59), NodePending, Yellow},
		{"pending at midnight after the checkpoint is overdue and red", NodePending, at(10, 1, 0, 0), NodeOverdue, Red},
		{"rejected after the checkpoint owes a report: overdue", NodeRejected, at(10, 10, 9, 0), NodeOverdue, Red},
		{"rejected before the window is green", NodeRejected, at(9, 15, 9, 0), NodeRejected, Green},
		{"reported near the checkpoint is green", NodeReported, at(9, 29, 9, 0), NodeReported, Green},
		{"reported after the checkpoint stays reported", NodeReported, at(10, 2, 9, 0), NodeReported, Green},
		{"accepted is green for good", NodeAccepted, at(12, 31, 9, 0), NodeAccepted, Green},
		{"pending at the year end is missing", NodePending, p.YearEnd(), NodeMissing, Red},
		{"rejected at the year end stays overdue: it was reported, so scoring does not count it missing", NodeRejected, p.YearEnd().Add(time.Hour), NodeOverdue, Red},
		{"reported at the year end is not missing", NodeReported, p.YearEnd(), NodeReported, Green},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NodeRecord{Due: MustDate("2019-09-30"), State: tt.stored}
			if got := n.StateAt(p, tt.now); got != tt.state {
				t.Errorf("state %s, want %s", got, tt.state)
			}
			if got := n.ColourAt(p, tt.now, warn); got != tt.colour {
				t.Errorf("colour %s, want %s", got, tt.colour)
			}
		})
	}
}

func TestRollUp(t *testing.T) {
	tests := []struct {
		in   []Colour
		want Colour
	}{
		{nil, Green},
		{[]Colour{Green, Green}, Green},
		{[]Colour{Green, Yellow, Green}, Yellow},
		{[]Colour{Yellow, Red, Green}, Red},
	}
	for _, tt := range tests {
		if got := RollUp(tt.in...); got != tt.want {
			t.Errorf("RollUp(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestDisplayName: a client's name is shown without any path, and never
// empty.
func TestDisplayName(t *testing.T) {
	tests := map[string]string{
		"会议纪要.pdf":          "会议纪要.pdf",
		"../../etc/passwd":  "passwd",
		`a/b\c.pdf`:         "c.pdf",
		`C:\Users\王\照片.jpg`: "照片.jpg",
		"..":                "file",
		"dir/":              "file",
		"":                  "file",
		"a\x00b\nc.pdf":     "abc.pdf",
		"  空格.pdf  ":        "空格.pdf",
		// Bidirectional controls would show "报告exe.pdf" for an .exe.
		"报告\u202Efdp.exe":                   "报告fdp.exe",
		"a\u202Ab\u202Bc\u202Cd\u202De.pdf": "abcde.pdf",
		"\u2066x\u2067y\u2068z\u2069.pdf":   "xyz.pdf",
		"\u200Eleft\u200Fright\u061C.pdf":   "leftright.pdf",
		"\u202E":                            "file",
	}
	for in, want := range tests {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNodesOf: one record per node of the party and business
// works and of the certified innovation items only, in document order.
func TestNodesOf(t *testing.T) {
	doc := Document{
		Party: []Indicator{{Code: "P1", Points: 2000, Works: []Work{
			{Title: "工作一", Points: 2000, Nodes: []Node{{Due: "2019-06-30", Points: 1000}, {Due: "2019-11-30", Points: 1000}}}}}},
		Business: []Indicator{{Code: "B1", Points: 800, Works: []Work{
			{Title: "工作二", Points: 800, Nodes: []Node{{Due: "2019-09-30", Points: 800, Evidence: "报表"}}}}}},
		Innovation: []InnovationItem{
			{Title: "未认定", Points: 300, Nodes: []Node{{Due: "2019-06-30", Points: 300}}},
			{Title: "已认定", Points: 250, Nodes: []Node{{Due: "2019-09-30", Points: 250}}},
		},
	}
	sub := &Submission{Year: 2019, Unit: "gjz", Doc: doc, Certified: []bool{false, true}}
	got, err := NodesOf(sub)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		cat, code   string
		i, j, k     int
		work        string
		due         string
		points      Points
		state       NodeState
		versionOne  bool
		evidenceTxt string
	}
	var keys []key
	for _, n := range got {
		keys = append(keys, key{n.Category, n.Indicator, n.ItemIndex, n.WorkIndex, n.NodeIndex, n.Work, n.Due.String(), n.Points, n.State, n.Version == 1, n.Evidence})
	}
	want := []key{
		{"party", "P1", 0, 0, 0, "工作一", "2019-06-30", 1000, NodePending, true, ""},
		{"party", "P1", 0, 0, 1, "工作一", "2019-11-30", 1000, NodePending, true, ""},
		{"business", "B1", 0, 0, 0, "工作二", "2019-09-30", 800, NodePending, true, "报表"},
		{"innovation", "I2", 1, 0, 0, "已认定", "2019-09-30", 250, NodePending, true, ""},
	}
	if len(keys) != len(want) {
		t.Fatalf("%d nodes, want %d: %+v", len(keys), len(want), keys)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("node %d: %+v, want %+v", i, keys[i], want[i])
		}
	}
}
