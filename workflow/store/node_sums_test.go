package store

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"kaohe/workflow"
)

// TestNodeSumsText: a unit's sums are written one line a group and read
// back as the same facts, whatever characters a plan's codes hold; a text
// cut short or with a field out of place is refused, not half read.
func TestNodeSumsText(t *testing.T) {
	raw, err := os.ReadFile("testdata/node-sums.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string
		Facts []struct {
			Category, Indicator          string
			Item, Count, Points, Awarded int
		}
		Text string
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	str := func(b []byte) string { return string(b) }
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var text []byte
			want := []workflow.NodeFact{}
			for _, f := range c.Facts {
				g := workflow.NodeFact{Unit: "gjz", Category: f.Category, Indicator: f.Indicator, ItemIndex: f.Item, Count: f.Count,
					Points: workflow.Points(f.Points), Awarded: workflow.Points(f.Awarded), State: string(workflow.NodeAccepted)}
				text = appendNodeSum(text, &g)
				want = append(want, g)
			}
			if string(text) != c.Text {
				t.Errorf("written %q, want %q", text, c.Text)
			}
			got, err := parseNodeSums([]workflow.NodeFact{}, "gjz", []byte(c.Text), str)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("read back %+v, %v; want %+v", got, err, want)
			}
		})
	}
	for _, bad := range []string{
		`"party" 0 "P1" 2 1500 1400`,          // no end of line
		`"party" 0 "P1" 2 1500` + "\n",        // a field missing
		`"party" 0 "P1" 2 1500 1400 7` + "\n", // a field too many
		`party 0 "P1" 2 1500 1400` + "\n",     // a code unquoted
		`"party" x "P1" 2 1500 1400` + "\n",
		`"party 0 P1 2 1500 1400` + "\n",
	} {
		if got, err := parseNodeSums(nil, "gjz", []byte(bad), str); err == nil {
			t.Errorf("%q read as %+v", bad, got)
		}
	}
}
