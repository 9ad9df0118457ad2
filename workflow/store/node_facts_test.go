package store

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"kaohe/workflow"
)

// TestNodeFactsText: a unit's node facts are written one line a fact and
// read back as the same facts, whatever characters a plan's codes hold; a
// text cut short or with a field out of place is refused, not half read.
func TestNodeFactsText(t *testing.T) {
	raw, err := os.ReadFile("testdata/node-facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string
		Facts []struct {
			Category, Indicator, Due, State          string
			Item, Work, Node, Points, Awarded, Count int
			Late                                     bool
		}
		Text string
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var text []byte
			want := []workflow.NodeFact{}
			for _, f := range c.Facts {
				g := workflow.NodeFact{Unit: "gjz", Category: f.Category, Indicator: f.Indicator, ItemIndex: f.Item, WorkIndex: f.Work,
					NodeIndex: f.Node, Points: workflow.Points(f.Points), State: f.State, Late: f.Late,
					Awarded: workflow.Points(f.Awarded), Count: f.Count}
				if f.Due != "" {
					g.Due = workflow.MustDate(f.Due)
				}
				text = appendNodeFact(text, &g)
				want = append(want, g)
			}
			if string(text) != c.Text {
				t.Errorf("written %q, want %q", text, c.Text)
			}
			got, err := newFactReader().parse([]workflow.NodeFact{}, "gjz", []byte(c.Text))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("read back %+v, %v; want %+v", got, err, want)
			}
		})
	}
	good := `"party" 0 "P1" 0 0 - 1500 "accepted" false 1400 2`
	for _, bad := range []string{
		good,                      // no end of line
		good[:len(good)-2] + "\n", // a field missing
		good + " 7\n",             // a field too many
		`party 0 "P1" 0 0 - 1500 "accepted" false 1400 2` + "\n", // a code unquoted
		`"party" x "P1" 0 0 - 1500 "accepted" false 1400 2` + "\n",
		`"party" 0 "P1" 0 0 2019-02-30 1500 "accepted" false 1400 2` + "\n",
		`"party" 0 "P1" 0 0 - 1500 "accepted" no 1400 2` + "\n",
		`"party 0 P1 0 0 - 1500 accepted false 1400 2` + "\n",
	} {
		if got, err := newFactReader().parse(nil, "gjz", []byte(bad)); err == nil {
			t.Errorf("%q read as %+v", bad, got)
		}
	}
}
