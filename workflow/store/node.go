package store

import (
	"fmt"
	"slices"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// nodeRow is one node of an executing submission; its position in the
// document (year, unit, category, item, work, node) is unique and Version is
// the optimistic lock. Due is the date as "2006-01-02". The index
// nodes_scoring holds every column year-end scoring reads, state and late
// right after the unit, so that ScoringNodes never reads the table's rows
// (with their long texts) and finds a unit's accepted, on-time nodes in one
// contiguous range.
type nodeRow struct {
	ID         int64      `gorm:"primaryKey"`
	Year       int        `gorm:"not null;uniqueIndex:nodes_position,priority:1;index:nodes_scoring,priority:1"`
	Unit       ident      `gorm:"size:64;not null;uniqueIndex:nodes_position,priority:2;index:nodes_scoring,priority:2"`
	Category   string     `gorm:"size:16;not null;uniqueIndex:nodes_position,priority:3;index:nodes_scoring,priority:5"`
	ItemIndex  int        `gorm:"not null;uniqueIndex:nodes_position,priority:4;index:nodes_scoring,priority:6"`
	WorkIndex  int        `gorm:"not null;uniqueIndex:nodes_position,priority:5;index:nodes_scoring,priority:8"`
	NodeIndex  int        `gorm:"not null;uniqueIndex:nodes_position,priority:6;index:nodes_scoring,priority:9"`
	Indicator  string     `gorm:"size:16;not null;index:nodes_scoring,priority:7"`
	Work       string     `gorm:"type:longtext;not null"`
	Due        string     `gorm:"size:10;not null;index:nodes_scoring,priority:10"`
	Points     int64      `gorm:"not null;index:nodes_scoring,priority:11"`
	Target     string     `gorm:"type:longtext;not null"`
	Standard   string     `gorm:"type:longtext;not null"`
	Evidence   string     `gorm:"type:longtext;not null"`
	State      string     `gorm:"size:16;not null;index:nodes_scoring,priority:3"`
	Late       bool       `gorm:"not null;index:nodes_scoring,priority:4"`
	Note       string     `gorm:"type:longtext;not null"`
	ReportedAt *time.Time `gorm:"precision:6"`
	Awarded    int64      `gorm:"not null;index:nodes_scoring,priority:12"`
	ReviewedAt *time.Time `gorm:"precision:6"`
	Version    int        `gorm:"not null"`
}

// TableName is the table of nodeRow.
func (nodeRow) TableName() string { return "nodes" }

func nodeValues(n *workflow.NodeRecord) nodeRow {
	return nodeRow{
		ID: n.ID, Year: n.Year, Unit: ident(n.Unit), Category: n.Category, ItemIndex: n.ItemIndex,
		WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Indicator: n.Indicator, Work: n.Work, Due: n.Due.String(),
		Points: int64(n.Points), Target: n.Target, Standard: n.Standard, Evidence: n.Evidence, State: string(n.State),
		Late: n.Late, Note: n.Note, ReportedAt: utcPtr(n.ReportedAt), Awarded: int64(n.Awarded),
		ReviewedAt: utcPtr(n.ReviewedAt), Version: n.Version,
	}
}

func (r nodeRow) node() (workflow.NodeRecord, error) {
	due, err := workflow.ParseDate(r.Due)
	if err != nil {
		return workflow.NodeRecord{}, internal(err, "stored node due date")
	}
	return workflow.NodeRecord{
		ID: r.ID, Year: r.Year, Unit: string(r.Unit), Category: r.Category, Indicator: r.Indicator,
		ItemIndex: r.ItemIndex, WorkIndex: r.WorkIndex, NodeIndex: r.NodeIndex, Work: r.Work, Due: due,
		Points: workflow.Points(r.Points), Target: r.Target, Standard: r.Standard, Evidence: r.Evidence,
		State: workflow.NodeState(r.State), Late: r.Late, Note: r.Note, ReportedAt: utcPtr(r.ReportedAt),
		Awarded: workflow.Points(r.Awarded), ReviewedAt: utcPtr(r.ReviewedAt), Version: r.Version,
	}, nil
}

func nodeName(id int64) string { return fmt.Sprintf("节点%d", id) }

// CreateNodes stores ns in batches, sets their IDs and normalises their
// times, and writes their units' node_facts again. A node at a taken
// position is ECONFLICT and nothing is stored when the caller rolls back.
func (t *tx) CreateNodes(ns []workflow.NodeRecord) error {
	if len(ns) == 0 {
		return nil
	}
	rows := make([]nodeRow, len(ns))
	for i := range ns {
		rows[i] = nodeValues(&ns[i])
		rows[i].ID = 0
	}
	if err := t.db.CreateInBatches(rows, 200).Error; err != nil {
		return translate(err, "create nodes", fmt.Sprintf("单位“%s”%d年度的节点", ns[0].Unit, ns[0].Year))
	}
	var units []nodeUnit
	for i := range ns {
		ns[i].ID, ns[i].ReportedAt, ns[i].ReviewedAt = rows[i].ID, rows[i].ReportedAt, rows[i].ReviewedAt
		if u := (nodeUnit{ns[i].Year, ns[i].Unit}); !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	for _, u := range units {
		if err := t.rewriteUnit(u); err != nil {
			return err
		}
	}
	return nil
}

// Nodes returns the nodes matching f, by unit, category (party, business,
// innovation), item, work and node, each with its table's release time.
func (t *tx) Nodes(f service.NodeFilter) ([]workflow.NodeRecord, error) {
	q := t.db.Where("year = ?", f.Year)
	if f.Unit != "" {
		q = q.Where("unit = ?", f.Unit)
	}
	if len(f.Units) > 0 {
		q = q.Where("unit IN ?", f.Units)
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		q = q.Where("state IN ?", states)
	}
	var rows []nodeRow
	if err := q.Order("unit").Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "nodes")
	}
	released, err := t.Releases(f.Year)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.NodeRecord, 0, len(rows))
	for _, r := range rows {
		n, err := r.node()
		if err != nil {
			return nil, err
		}
		n.Released = released[n.Unit]
		out = append(out, n)
	}
	workflow.SortNodes(out)
	return out, nil
}

// Node returns the node with id (ENOTFOUND when absent).
func (t *tx) Node(id int64) (*workflow.NodeRecord, error) {
	var r nodeRow
	if err := t.db.Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "node", nodeName(id))
	}
	n, err := r.node()
	if err != nil {
		return nil, err
	}
	var released []*time.Time
	if err := t.db.Model(&submissionRow{}).Where("year = ? AND unit = ?", n.Year, n.Unit).Pluck("released_at", &released).Error; err != nil {
		return nil, internal(err, "node's release")
	}
	if len(released) == 1 && released[0] != nil {
		n.Released = released[0].UTC()
	}
	return &n, nil
}

// UpdateNode writes n's mutable fields in one conditional UPDATE that
// matches only while the stored version is prevVersion (ESTALE otherwise,
// nothing written), then writes its unit's node_facts again; on MySQL its
// unit's other writers wait for the transaction to end (lockUnit).
func (t *tx) UpdateNode(n *workflow.NodeRecord, prevVersion int) error {
	u, err := t.unitOf(n.ID)
	if err != nil {
		return err
	}
	if err := t.lockUnit(u); err != nil {
		return err
	}
	r := nodeValues(n)
	res := t.db.Model(&nodeRow{}).Where("id = ? AND version = ?", n.ID, prevVersion).Updates(map[string]any{
		"state":       r.State,
		"late":        r.Late,
		"note":        r.Note,
		"reported_at": r.ReportedAt,
		"awarded":     r.Awarded,
		"reviewed_at": r.ReviewedAt,
		"version":     r.Version,
	})
	if err := touched(res, "update node", workflow.Errorf(workflow.ESTALE, "%s已被修改（不再是版本%d），请刷新后重试", nodeName(n.ID), prevVersion)); err != nil {
		return err
	}
	n.ReportedAt, n.ReviewedAt = r.ReportedAt, r.ReviewedAt
	return t.rewriteUnit(u)
}

// evidenceRow is one evidence file of a node; the file itself lives in the
// data directory under its SHA256.
type evidenceRow struct {
	ID          int64      `gorm:"primaryKey"`
	NodeID      int64      `gorm:"not null;index:evidence_node"`
	Year        int        `gorm:"not null;index:evidence_year_unit,priority:1"`
	Unit        ident      `gorm:"size:64;not null;index:evidence_year_unit,priority:2"`
	Name        string     `gorm:"size:1000;not null"`
	Size        int64      `gorm:"not null"`
	SHA256      string     `gorm:"column:sha256;size:64;not null"`
	Type        string     `gorm:"column:media_type;size:255;not null"`
	Note        string     `gorm:"type:longtext;not null"`
	UploadedAt  time.Time  `gorm:"not null;precision:6"`
	UploadedBy  string     `gorm:"size:255;not null"`
	WithdrawnAt *time.Time `gorm:"precision:6"`
	WithdrawnBy string     `gorm:"size:255;not null"`
}

// TableName is the table of evidenceRow.
func (evidenceRow) TableName() string { return "evidence" }

func (r evidenceRow) evidence() workflow.Evidence {
	return workflow.Evidence{ID: r.ID, NodeID: r.NodeID, Year: r.Year, Unit: string(r.Unit), Name: r.Name, Size: r.Size,
		SHA256: r.SHA256, Type: r.Type, Note: r.Note, UploadedAt: r.UploadedAt.UTC(), UploadedBy: r.UploadedBy,
		WithdrawnAt: utcPtr(r.WithdrawnAt), WithdrawnBy: r.WithdrawnBy}
}

func evidenceName(id int64) string { return fmt.Sprintf("佐证材料%d", id) }

// AddEvidence stores e, sets e.ID and normalises its times.
func (t *tx) AddEvidence(e *workflow.Evidence) error {
	r := evidenceRow{NodeID: e.NodeID, Year: e.Year, Unit: ident(e.Unit), Name: e.Name, Size: e.Size, SHA256: e.SHA256,
		Type: e.Type, Note: e.Note, UploadedAt: utc(e.UploadedAt), UploadedBy: e.UploadedBy,
		WithdrawnAt: utcPtr(e.WithdrawnAt), WithdrawnBy: e.WithdrawnBy}
	if err := t.db.Create(&r).Error; err != nil {
		return internal(err, "add evidence")
	}
	e.ID, e.UploadedAt, e.WithdrawnAt = r.ID, r.UploadedAt, r.WithdrawnAt
	return nil
}

// Evidence returns the file row with id, withdrawn or not (ENOTFOUND when
// absent).
func (t *tx) Evidence(id int64) (*workflow.Evidence, error) {
	var r evidenceRow
	if err := t.db.Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "evidence", evidenceName(id))
	}
	e := r.evidence()
	return &e, nil
}

// EvidenceList returns the current files matching f in upload order.
func (t *tx) EvidenceList(f service.EvidenceFilter) ([]workflow.Evidence, error) {
	q := t.db.Where("year = ? AND withdrawn_at IS NULL", f.Year)
	if f.Unit != "" {
		q = q.Where("unit = ?", f.Unit)
	}
	if f.NodeID != 0 {
		q = q.Where("node_id = ?", f.NodeID)
	}
	var rows []evidenceRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "evidence list")
	}
	out := make([]workflow.Evidence, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.evidence())
	}
	return out, nil
}

// WithdrawEvidence marks a current file withdrawn (ENOTFOUND when absent or
// withdrawn already).
func (t *tx) WithdrawEvidence(id int64, at time.Time, by string) error {
	res := t.db.Model(&evidenceRow{}).Where("id = ? AND withdrawn_at IS NULL", id).
		Updates(map[string]any{"withdrawn_at": utc(at), "withdrawn_by": by})
	return touched(res, "withdraw evidence", workflow.Errorf(workflow.ENOTFOUND, "%s不存在", evidenceName(id)))
}

// reviewRow is one review of a node by the office.
type reviewRow struct {
	ID       int64     `gorm:"primaryKey"`
	NodeID   int64     `gorm:"not null;index:reviews_node"`
	Year     int       `gorm:"not null"`
	Unit     ident     `gorm:"size:64;not null"`
	Verdict  string    `gorm:"size:16;not null"`
	Points   int64     `gorm:"not null"`
	Comment  string    `gorm:"type:longtext;not null"`
	Reviewer string    `gorm:"size:255;not null"`
	At       time.Time `gorm:"not null;precision:6"`
}

// TableName is the table of reviewRow.
func (reviewRow) TableName() string { return "node_reviews" }

// AddReview stores r, sets r.ID and normalises r.At.
func (t *tx) AddReview(r *workflow.Review) error {
	row := reviewRow{NodeID: r.NodeID, Year: r.Year, Unit: ident(r.Unit), Verdict: r.Verdict, Points: int64(r.Points),
		Comment: r.Comment, Reviewer: r.By, At: utc(r.At)}
	if err := t.db.Create(&row).Error; err != nil {
		return internal(err, "add review")
	}
	r.ID, r.At = row.ID, row.At
	return nil
}

// Reviews returns a node's reviews in the order they were made.
func (t *tx) Reviews(nodeID int64) ([]workflow.Review, error) {
	return t.reviews("reviews", "node_id = ?", nodeID)
}

// ReviewsOf returns every review of the year's nodes of unit, oldest
// first.
func (t *tx) ReviewsOf(year int, unit string) ([]workflow.Review, error) {
	return t.reviews("reviews of unit", "year = ? AND unit = ?", year, unit)
}

// reviews returns the reviews that the condition query selects, oldest
// first; what names them in an error.
func (t *tx) reviews(what, query string, args ...any) ([]workflow.Review, error) {
	var rows []reviewRow
	if err := t.db.Where(query, args...).Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, what)
	}
	out := make([]workflow.Review, 0, len(rows))
	for _, r := range rows {
		out = append(out, workflow.Review{ID: r.ID, NodeID: r.NodeID, Year: r.Year, Unit: string(r.Unit), Verdict: r.Verdict,
			Points: workflow.Points(r.Points), Comment: r.Comment, By: r.Reviewer, At: r.At.UTC()})
	}
	return out, nil
}
