package workflow

import (
	"slices"
	"strings"
	"testing"
)

// TestProposeCovers reads the works of the realistic 2019 tables without
// their 须包括 column and proposes covers from their text: no work gets an
// item it does not cover, and 28 of the 30 required items are found (the
// two misses share no rare words with their works: 就业招聘 for 促进就业服务,
// 机关和基层工会改革 for 工会系统改革).
func TestProposeCovers(t *testing.T) {
	p := loadPlan2019(t)
	d := loadValidDoc(t)
	found, required := 0, 0
	var missed []string
	for _, ind := range d.Business {
		item, _ := p.Business.Item(ind.Code)
		required += len(item.Required)
		got := ProposeCovers(&p.Business, item, ind.Works)
		if len(got) != len(ind.Works) {
			t.Fatalf("%s: %d proposals for %d works", ind.Code, len(got), len(ind.Works))
		}
		for j, w := range ind.Works {
			for _, c := range got[j] {
				if !slices.Contains(w.Covers, c) {
					t.Errorf("%s work %q: proposed %s, which it does not cover", ind.Code, w.Title, c)
				}
			}
			for _, c := range w.Covers {
				if slices.Contains(got[j], c) {
					found++
				} else {
					missed = append(missed, c)
				}
			}
		}
	}
	if required != 30 || found < 28 {
		t.Fatalf("found %d of %d required items; missed %s", found, required, strings.Join(missed, " "))
	}
}

func TestProposeCoversWithoutText(t *testing.T) {
	p := loadPlan2019(t)
	item, _ := p.Business.Item("B7")
	got := ProposeCovers(&p.Business, item, []Work{{Title: ""}, {Title: "组织女职工开展“两癌”筛查"}})
	if len(got[0]) != 0 || strings.Join(got[1], ",") != "B7.1" {
		t.Fatalf("proposals %v", got)
	}
	item, _ = p.Business.Item("B8") // no required contents
	if got := ProposeCovers(&p.Business, item, []Work{{Title: "疗休养"}}); len(got[0]) != 0 {
		t.Fatalf("proposals %v", got)
	}
}

// TestProposedCoversAreAWarning: covers that an import proposed do not
// block, but each such work is pointed at until the unit confirms them.
func TestProposedCoversAreAWarning(t *testing.T) {
	p := loadPlan2019(t)
	d := loadValidDoc(t)
	d.Business[6].Works[0].CoversProposed = true
	errs, warns := Validate(p, d, loadContacts(t))
	if len(errs) != 0 {
		t.Fatalf("a proposal must not block: %v", flat(errs))
	}
	if got := flat(warns); strings.Join(got, ",") != "business[6].works[0].covers "+RuleCoversProposed {
		t.Fatalf("warnings %v", got)
	}
}
