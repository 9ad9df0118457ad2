package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// objectionRow is a unit's objection to a line of its published result and
// the office's answer. Verdict is "" while it is open; Correction is the
// JSON of what an acceptance corrected ("" otherwise).
type objectionRow struct {
	ID         int64      `gorm:"primaryKey"`
	Year       int        `gorm:"not null;index:objections_year_unit,priority:1"`
	Unit       ident      `gorm:"size:64;not null;index:objections_year_unit,priority:2"`
	Ref        ident      `gorm:"size:128;not null"`
	Line       string     `gorm:"type:longtext;not null"`
	Text       string     `gorm:"type:longtext;not null"`
	RunID      int64      `gorm:"not null"`
	CreatedBy  string     `gorm:"size:255;not null"`
	CreatedAt  time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	Verdict    string     `gorm:"size:16;not null"`
	Answer     string     `gorm:"type:longtext;not null"`
	AnsweredBy string     `gorm:"size:255;not null"`
	AnsweredAt *time.Time `gorm:"precision:6"`
	Correction string     `gorm:"type:longtext;not null"`
}

// TableName is the table of objectionRow.
func (objectionRow) TableName() string { return "objections" }

func (r objectionRow) objection() (workflow.Objection, error) {
	o := workflow.Objection{ID: r.ID, Year: r.Year, Unit: string(r.Unit), Ref: string(r.Ref), Line: r.Line, Text: r.Text,
		Run: r.RunID, By: r.CreatedBy, At: r.CreatedAt.UTC(), Files: []workflow.ObjectionFile{}, Verdict: r.Verdict,
		Answer: r.Answer, AnsweredBy: r.AnsweredBy, AnsweredAt: utcPtr(r.AnsweredAt)}
	if r.Correction != "" {
		o.Correction = &workflow.Correction{}
		if err := fromJSON(r.Correction, o.Correction); err != nil {
			return o, internal(err, "stored correction")
		}
	}
	return o, nil
}

// objectionFileRow is one file of an objection, stored by hash in the
// evidence store.
type objectionFileRow struct {
	ID          int64     `gorm:"primaryKey"`
	ObjectionID int64     `gorm:"not null;index:objection_files_objection"`
	Year        int       `gorm:"not null"`
	Unit        ident     `gorm:"size:64;not null"`
	Name        string    `gorm:"size:1000;not null"`
	Size        int64     `gorm:"not null"`
	SHA256      string    `gorm:"column:sha256;size:64;not null"`
	Type        string    `gorm:"column:media_type;size:255;not null"`
	UploadedAt  time.Time `gorm:"not null;precision:6"`
	UploadedBy  string    `gorm:"size:255;not null"`
}

// TableName is the table of objectionFileRow.
func (objectionFileRow) TableName() string { return "objection_files" }

func (r objectionFileRow) file() workflow.ObjectionFile {
	return workflow.ObjectionFile{ID: r.ID, Objection: r.ObjectionID, Year: r.Year, Unit: string(r.Unit), Name: r.Name, Size: r.Size,
		SHA256: r.SHA256, Type: r.Type, UploadedAt: r.UploadedAt.UTC(), UploadedBy: r.UploadedBy}
}

// AddObjection stores o open, with its files, and sets the IDs and
// normalises the times of both.
func (t *tx) AddObjection(o *workflow.Objection) error {
	r := objectionRow{Year: o.Year, Unit: ident(o.Unit), Ref: ident(o.Ref), Line: o.Line, Text: o.Text, RunID: o.Run,
		CreatedBy: o.By, CreatedAt: utc(o.At)}
	if err := t.db.Create(&r).Error; err != nil {
		return internal(err, "add objection")
	}
	o.ID, o.At = r.ID, r.CreatedAt
	for i := range o.Files {
		f := &o.Files[i]
		fr := objectionFileRow{ObjectionID: r.ID, Year: o.Year, Unit: ident(o.Unit), Name: f.Name, Size: f.Size, SHA256: f.SHA256,
			Type: f.Type, UploadedAt: utc(f.UploadedAt), UploadedBy: f.UploadedBy}
		if err := t.db.Create(&fr).Error; err != nil {
			return internal(err, "add objection file")
		}
		f.ID, f.Objection, f.Year, f.Unit, f.UploadedAt = fr.ID, r.ID, o.Year, o.Unit, fr.UploadedAt
	}
	return nil
}

// Objection returns one objection with its files (ENOTFOUND when absent).
func (t *tx) Objection(id int64) (*workflow.Objection, error) {
	os, err := t.objections(t.db.Where("id = ?", id))
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "异议%d不存在", id)
	}
	return &os[0], nil
}

// Objections lists the objections matching f with their files, by ID.
func (t *tx) Objections(f service.ObjectionFilter) ([]workflow.Objection, error) {
	q := t.db.Where("year = ?", f.Year)
	if f.Unit != "" {
		q = q.Where("unit = ?", f.Unit)
	}
	switch {
	case f.Open:
		q = q.Where("verdict = ''")
	case f.Answered:
		q = q.Where("verdict <> ''")
	}
	if !f.AnsweredSince.IsZero() {
		q = q.Where("answered_at >= ?", utc(f.AnsweredSince))
	}
	return t.objections(q)
}

func (t *tx) objections(q *gorm.DB) ([]workflow.Objection, error) {
	var rows []objectionRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "objections")
	}
	out := make([]workflow.Objection, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		o, err := r.objection()
		if err != nil {
			return nil, err
		}
		ids[i], at[r.ID] = r.ID, i
		out = append(out, o)
	}
	var files []objectionFileRow
	if err := t.db.Where("objection_id IN ?", ids).Order("id").Find(&files).Error; err != nil {
		return nil, internal(err, "objection files")
	}
	for _, f := range files {
		o := &out[at[f.ObjectionID]]
		o.Files = append(o.Files, f.file())
	}
	return out, nil
}

// AnswerObjection records o's answer (verdict, answer, who, when and the
// correction) if o is still open: ESTATE when it was answered meanwhile.
func (t *tx) AnswerObjection(o *workflow.Objection) error {
	correction := ""
	if o.Correction != nil {
		c, err := toJSON(o.Correction)
		if err != nil {
			return internal(err, "encode correction")
		}
		correction = c
	}
	res := t.db.Model(&objectionRow{}).Where("id = ? AND verdict = ''", o.ID).Updates(map[string]any{
		"verdict": o.Verdict, "answer": o.Answer, "answered_by": o.AnsweredBy, "answered_at": utcPtr(o.AnsweredAt), "correction": correction})
	if res.Error != nil {
		return internal(res.Error, "answer objection")
	}
	if res.RowsAffected == 0 {
		if _, err := t.Objection(o.ID); err != nil {
			return err
		}
		return workflow.Errorf(workflow.ESTATE, "异议%d已答复", o.ID)
	}
	o.AnsweredAt = utcPtr(o.AnsweredAt)
	return nil
}

// ObjectionFile returns one file's row (ENOTFOUND when absent).
func (t *tx) ObjectionFile(id int64) (*workflow.ObjectionFile, error) {
	return take(t.db.Where("id = ?", id), objectionFileRow.file, "objection file", fmt.Sprintf("异议材料%d", id))
}
