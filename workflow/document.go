package workflow

// Document is a unit's three indicator tables (annexes 1–3), the body of a
// submission. Drafts may be incomplete; Validate says what is missing.
type Document struct {
	Party      []Indicator      `json:"party"`
	Business   []Indicator      `json:"business"`
	Innovation []InnovationItem `json:"innovation"`
}

// Indicator is one party (P1–P5) or business (B1–B13) indicator with its
// points and works.
type Indicator struct {
	Code   string `json:"code"`
	Points Points `json:"points"`
	Works  []Work `json:"works"`
}

// Work is one concrete work (具体工作) of an indicator. A business work names
// the required contents (须包括) it covers.
type Work struct {
	Title  string   `json:"title"`
	Points Points   `json:"points"`
	Covers []string `json:"covers,omitempty"`
	// CoversProposed says Covers were proposed from the work's text by an
	// import of a table without a 须包括 column (ProposeCovers) and wait for
	// the unit to confirm them; the editor clears it. Validation warns
	// about it and does not block.
	CoversProposed bool   `json:"covers_proposed,omitempty"`
	Nodes          []Node `json:"nodes"`
}

// Node is one milestone (序时进度) of a work.
type Node struct {
	// Due is the checkpoint date, "2019-06-30". It is text so that a bad
	// date is reported at its path, not as a malformed request.
	Due      string `json:"due"`
	Target   string `json:"target"`
	Points   Points `json:"points"`
	Standard string `json:"standard"`
	Evidence string `json:"evidence"`
}

// InnovationItem is one innovation work (创新指标), outside the two 100-point
// totals.
type InnovationItem struct {
	Title   string `json:"title"`
	Content string `json:"content"`
	Effect  string `json:"effect"`
	Points  Points `json:"points"`
	Nodes   []Node `json:"nodes"`
}

// Normalize makes nil slices empty so that stored documents compare and
// serialise the same way whatever the client sent.
func (d *Document) Normalize() {
	if d.Party == nil {
		d.Party = []Indicator{}
	}
	if d.Business == nil {
		d.Business = []Indicator{}
	}
	if d.Innovation == nil {
		d.Innovation = []InnovationItem{}
	}
	for _, list := range [][]Indicator{d.Party, d.Business} {
		for i := range list {
			if list[i].Works == nil {
				list[i].Works = []Work{}
			}
			for j := range list[i].Works {
				if list[i].Works[j].Nodes == nil {
					list[i].Works[j].Nodes = []Node{}
				}
			}
		}
	}
	for i := range d.Innovation {
		if d.Innovation[i].Nodes == nil {
			d.Innovation[i].Nodes = []Node{}
		}
	}
}

// Contact is a unit's supervision contact (督查工作部门负责人、工作人员), the
// address reminders go to.
type Contact struct {
	Name string `json:"name"`
	// Duty is DutyHead (负责人) or DutyStaff (工作人员) of the unit's
	// supervision department.
	Duty     string `json:"duty"`
	Position string `json:"position"`
	Phone    string `json:"phone"`
	Mobile   string `json:"mobile"`
	// Email is where reminders go; the notice does not ask for one, so it
	// may be empty.
	Email string `json:"email"`
}
