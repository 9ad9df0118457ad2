package store

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm/clause"

	"kaohe/workflow"
)

// planRow is the plan in force of one year, stored as the JSON of
// workflow.Plan: the body of the year's latest published version, read
// on almost every request without looking at the versions.
type planRow struct {
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Body string `gorm:"type:longtext;not null"`
}

// TableName is the table of planRow.
func (planRow) TableName() string { return "plans" }

// planVersionRow is one version of a year's plan (workflow.PlanVersion).
type planVersionRow struct {
	Year        int        `gorm:"primaryKey;autoIncrement:false"`
	Version     int        `gorm:"primaryKey;autoIncrement:false"`
	Title       string     `gorm:"size:500;not null"`
	Body        string     `gorm:"type:longtext;not null"`
	Note        string     `gorm:"size:500;not null"`
	CreatedAt   time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	CreatedBy   string     `gorm:"size:255;not null"`
	PublishedAt *time.Time `gorm:"precision:6"`
	PublishedBy string     `gorm:"size:255;not null"`
}

// TableName is the table of planVersionRow.
func (planVersionRow) TableName() string { return "plan_versions" }

// Plan returns the plan in force of year (ENOTFOUND when none is
// published). The plan is shared with other transactions (planCache):
// callers read it and never change it.
func (t *tx) Plan(year int) (*workflow.Plan, error) {
	var r planRow
	if err := t.db.Where("year = ?", year).Take(&r).Error; err != nil {
		return nil, translate(err, "plan", planName(year))
	}
	return t.decodePlan(r)
}

// Plans returns every plan in force, oldest first (shared, as Plan's).
func (t *tx) Plans() ([]*workflow.Plan, error) {
	return findDecoded(t.db.Order("year"), t.decodePlan, "plans")
}

// planCache keeps each year's plan in force decoded, with the body it was
// decoded from. Almost every request reads its year's plan: it still reads
// the row (so that a plan published by another server is seen at once)
// but decodes the JSON only when the body changed. Its plans are shared
// between transactions and goroutines, read only.
type planCache struct {
	mu     sync.Mutex
	byYear map[int]cachedPlan
}

type cachedPlan struct {
	body string
	plan *workflow.Plan
}

func newPlanCache() *planCache { return &planCache{byYear: map[int]cachedPlan{}} }

// decodePlan returns the plan of r, decoded once per body.
func (t *tx) decodePlan(r planRow) (*workflow.Plan, error) {
	c := t.plans
	if c == nil {
		return decodePlan(r)
	}
	c.mu.Lock()
	hit, ok := c.byYear[r.Year]
	c.mu.Unlock()
	if ok && hit.body == r.Body {
		return hit.plan, nil
	}
	p, err := decodePlan(r)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.byYear[r.Year] = cachedPlan{r.Body, p}
	c.mu.Unlock()
	return p, nil
}

// SavePlan stores p as the next version of its year, published at at by
// the system, and makes it the plan in force. A plan that would not load
// back is refused with EINVALID.
func (t *tx) SavePlan(p *workflow.Plan, at time.Time) error {
	var last int
	if err := t.db.Model(&planVersionRow{}).Where("year = ?", p.Year).Select("COALESCE(MAX(version), 0)").Scan(&last).Error; err != nil {
		return internal(err, "save plan")
	}
	v := &workflow.PlanVersion{Year: p.Year, Version: last + 1, Note: "系统载入", CreatedAt: at, CreatedBy: "system", Plan: p}
	if err := t.AddPlanVersion(v); err != nil {
		return err
	}
	return t.PublishPlanVersion(p.Year, v.Version, at, "system")
}

// AddPlanVersion stores v (its plan as JSON). ECONFLICT when the year
// already has v.Version.
func (t *tx) AddPlanVersion(v *workflow.PlanVersion) error {
	b, err := json.Marshal(v.Plan)
	if err != nil {
		return internal(err, "add plan version")
	}
	r := planVersionRow{Year: v.Year, Version: v.Version, Title: v.Plan.Title, Body: string(b), Note: v.Note,
		CreatedAt: utc(v.CreatedAt), CreatedBy: v.CreatedBy}
	return translate(t.db.Create(&r).Error, "add plan version", fmt.Sprintf("%s第%d版", planName(v.Year), v.Version))
}

// PublishPlanVersion marks a version published and makes its plan the plan
// in force of its year: ENOTFOUND when absent, ESTATE when published
// already, EINVALID when its plan would not load back.
func (t *tx) PublishPlanVersion(year, version int, at time.Time, by string) error {
	var r planVersionRow
	if err := t.db.Where("year = ? AND version = ?", year, version).Take(&r).Error; err != nil {
		return translate(err, "publish plan", fmt.Sprintf("%s第%d版", planName(year), version))
	}
	if _, err := workflow.PlanFromJSON([]byte(r.Body)); err != nil {
		return workflow.Errorf(workflow.EINVALID, "考核方案无效：%v", err)
	}
	res := t.db.Model(&planVersionRow{}).Where("year = ? AND version = ? AND published_at IS NULL", year, version).
		Updates(map[string]any{"published_at": utc(at), "published_by": by})
	if err := touched(res, "publish plan", workflow.Errorf(workflow.ESTATE, "%s第%d版已经发布", planName(year), version)); err != nil {
		return err
	}
	err := t.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}},
		DoUpdates: clause.AssignmentColumns([]string{"body"}),
	}).Create(&planRow{Year: year, Body: r.Body}).Error
	return internal(err, "publish plan")
}

// PlanVersions lists the versions of year (every year when 0), by year
// and then newest first, without their plans.
func (t *tx) PlanVersions(year int) ([]workflow.PlanVersion, error) {
	q := t.db.Model(&planVersionRow{}).Omit("body").Order("year").Order("version DESC")
	if year != 0 {
		q = q.Where("year = ?", year)
	}
	return find(q, versionOf, "plan versions")
}

// PlanVersion returns one version with its plan read as a document
// (workflow.DecodePlan: a draft may have problems). ENOTFOUND when absent.
func (t *tx) PlanVersion(year, version int) (*workflow.PlanVersion, error) {
	var r planVersionRow
	if err := t.db.Where("year = ? AND version = ?", year, version).Take(&r).Error; err != nil {
		return nil, translate(err, "plan version", fmt.Sprintf("%s第%d版", planName(year), version))
	}
	v := versionOf(r)
	p, err := workflow.DecodePlan([]byte(r.Body))
	if err != nil {
		return nil, internal(err, "stored plan version")
	}
	v.Plan = p
	return &v, nil
}

func versionOf(r planVersionRow) workflow.PlanVersion {
	v := workflow.PlanVersion{Year: r.Year, Version: r.Version, Title: r.Title, Note: r.Note, CreatedAt: r.CreatedAt.UTC(),
		CreatedBy: r.CreatedBy, PublishedBy: r.PublishedBy}
	if r.PublishedAt != nil {
		at := r.PublishedAt.UTC()
		v.PublishedAt = &at
	}
	return v
}

func decodePlan(r planRow) (*workflow.Plan, error) {
	p, err := workflow.PlanFromJSON([]byte(r.Body))
	if err != nil {
		return nil, internal(err, "stored plan")
	}
	return p, nil
}

// planName names a year's plan in messages.
func planName(year int) string {
	return fmt.Sprintf("%d年度的考核方案", year)
}
