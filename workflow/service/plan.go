package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"kaohe/workflow"
)

// Plans are the office's documents. Each year's plan has versions,
// numbered from 1: the office starts a year from an earlier one (or from a
// file), saves its edits (each save is a new version, so nothing is ever
// overwritten), checks it and publishes it. A published version never
// changes; a correction is a new version, and publishing it re-validates
// every stored table of the year and names the units whose tables it
// breaks before the office confirms. The latest published version is the
// plan in force, which units draft against and every request reads.
//
//	POST /plans {year, from}     version 1 (draft)
//	PUT  /plans/Y/draft          version n+1 (draft)   — as often as needed
//	POST …/versions/n/publish    version n published   — the plan in force
//	PUT  /plans/Y/draft          version n+1 (a correction, draft)
//	POST …/versions/n+1/publish  refused with the broken units unless confirmed

// Plan returns the plan in force of year (ENOTFOUND when none is
// published).
func (s *Service) Plan(ctx context.Context, year int) (*workflow.Plan, error) {
	var p *workflow.Plan
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		p, err = tx.Plan(year)
		return err
	})
	return p, err
}

// Plans returns every plan in force, oldest first.
func (s *Service) Plans(ctx context.Context) ([]*workflow.Plan, error) {
	var ps []*workflow.Plan
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		ps, err = tx.Plans()
		return err
	})
	return ps, err
}

// PlanVersionItem is one version of a year's plan in a list (without its
// plan). State is "draft" (never published), "published" (the plan in
// force) or "superseded" (published, then corrected); Latest marks the
// newest version, the one the next save must name.
type PlanVersionItem struct {
	workflow.PlanVersion
	State  string `json:"state"`
	Latest bool   `json:"latest"`
}

// PlanVersionView is one version with its plan and what the plan checks
// find in it (workflow.CheckPlan): Problems stop it from being published,
// Warnings do not. Both are lists, empty when there is nothing.
type PlanVersionView struct {
	PlanVersionItem
	Problems []workflow.Violation `json:"problems"`
	Warnings []workflow.Violation `json:"warnings"`
}

// Version states.
const (
	PlanDraft      = "draft"
	PlanPublished  = "published"
	PlanSuperseded = "superseded"
)

// versionItems labels the versions of one year (newest first).
func versionItems(vs []workflow.PlanVersion) []PlanVersionItem {
	out := make([]PlanVersionItem, 0, len(vs))
	inForce := true
	for i, v := range vs {
		pv := PlanVersionItem{PlanVersion: v, State: PlanDraft, Latest: i == 0}
		if v.PublishedAt != nil {
			pv.State = PlanSuperseded
			if inForce {
				pv.State, inForce = PlanPublished, false
			}
		}
		out = append(out, pv)
	}
	return out
}

// checked is a version read with its plan, with the plan's check.
func checked(item PlanVersionItem) PlanVersionView {
	v := PlanVersionView{PlanVersionItem: item}
	v.Problems, v.Warnings = workflow.CheckPlan(v.Plan)
	if v.Problems == nil {
		v.Problems = []workflow.Violation{}
	}
	if v.Warnings == nil {
		v.Warnings = []workflow.Violation{}
	}
	return v
}

// planEditor is who may edit plans: the office, and the command line as
// the system.
func (a Actor) planEditor() error {
	return a.requireRole(workflow.RoleOffice, workflow.RoleSystem)
}

// YearsView is what the overview opens on: the year of the server's clock
// and every year that has a plan. CreateFrom, when the current year has no
// plan in force, is the latest earlier year that has one, to start the new
// year from.
type YearsView struct {
	Now        time.Time  `json:"now"`
	Current    int        `json:"current"`
	CreateFrom int        `json:"create_from,omitempty"`
	Years      []YearView `json:"years"`
}

// YearView is one year's plan: the title and version in force (0 when
// none is published), and for the office the latest version and whether
// it is a draft not yet published. Running says the year's jobs run
// (workflow.Plan.Running).
type YearView struct {
	Year      int    `json:"year"`
	Title     string `json:"title"`
	Published int    `json:"published"`
	Latest    int    `json:"latest,omitempty"`
	Draft     bool   `json:"draft,omitempty"`
	Running   bool   `json:"running"`
}

// Years lists the years with a plan and the current year (any role; units
// and viewers see only years with a plan in force, the office also its
// drafts).
func (s *Service) Years(ctx context.Context, a Actor) (*YearsView, error) {
	if a.Role == "" {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "当前账号没有执行此操作的权限")
	}
	out := &YearsView{Years: []YearView{}}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		plans, err := tx.Plans()
		if err != nil {
			return err
		}
		vs, err := tx.PlanVersions(0)
		if err != nil {
			return err
		}
		out.Now, out.Current = now, workflow.CurrentYear(now, plans)
		byYear := map[int]*YearView{}
		for _, p := range plans {
			y := &YearView{Year: p.Year, Title: p.Title, Running: p.Running(now)}
			byYear[p.Year] = y
		}
		for _, v := range vs { // by year, newest first
			y := byYear[v.Year]
			if y == nil {
				if a.planEditor() != nil {
					continue
				}
				y = &YearView{Year: v.Year, Title: v.Title}
				byYear[v.Year] = y
			}
			if y.Published == 0 && v.PublishedAt != nil {
				y.Published = v.Version
			}
			if a.planEditor() == nil && y.Latest == 0 {
				y.Latest, y.Draft = v.Version, v.PublishedAt == nil
			}
		}
		for _, y := range byYear {
			out.Years = append(out.Years, *y)
		}
		sort.Slice(out.Years, func(i, j int) bool { return out.Years[i].Year < out.Years[j].Year })
		if cur := byYear[out.Current]; cur == nil || cur.Published == 0 {
			for _, p := range plans {
				if p.Year < out.Current {
					out.CreateFrom = p.Year
				}
			}
		}
		return nil
	})
	return out, err
}

// NewPlan starts a year's plan: from the plan in force of an earlier year
// (From: workflow.NewPlanFrom, the calendar left empty), or from a whole
// document (Plan), as a file or a client sends it.
type NewPlan struct {
	Year int            `json:"year"`
	From int            `json:"from"`
	Plan *workflow.Plan `json:"plan"`
	// Note says where a document came from (a file name); optional.
	Note string `json:"note"`
}

// CreatePlan stores version 1 of a year's plan, as a draft (office or
// system). ECONFLICT when the year has a plan already (save a new version
// of it instead), ENOTFOUND when From has no plan in force, EINVALID when
// the request names no source or both, or a document of another year.
func (s *Service) CreatePlan(ctx context.Context, a Actor, n NewPlan) (*PlanVersionView, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	if (n.From == 0) == (n.Plan == nil) {
		return nil, workflow.Errorf(workflow.EINVALID, "请指定来源：from（以往年度）或 plan（方案内容），二者取一")
	}
	var doc *workflow.Plan
	if n.Plan != nil {
		var err error
		if doc, err = n.Plan.Clone(); err != nil {
			return nil, err
		}
		if n.Year == 0 {
			n.Year = doc.Year
		}
	}
	if n.Year < 2000 || n.Year > 2200 {
		return nil, workflow.Errorf(workflow.EINVALID, "年度%d不在2000-2200之间", n.Year)
	}
	var out *PlanVersionView
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		vs, err := tx.PlanVersions(n.Year)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return workflow.Errorf(workflow.ECONFLICT, "%d年度已有考核方案（第%d版），请在其基础上修改", n.Year, vs[0].Version)
		}
		note := strings.TrimSpace(n.Note)
		if utf8.RuneCountInString(note) > 200 {
			return &workflow.Error{Code: workflow.EINVALID, Message: "说明不能超过200字", Details: []workflow.Violation{{Path: "note", Rule: "text.too_long", Message: "说明不能超过200字"}}}
		}
		if doc == nil {
			src, err := planOf(tx, n.From)
			if err != nil {
				return err
			}
			if doc, err = workflow.NewPlanFrom(src, n.Year); err != nil {
				return err
			}
			note = fmt.Sprintf("从%d年度方案新建", n.From)
		}
		if doc.Year != n.Year {
			return workflow.Errorf(workflow.EINVALID, "方案内容是%d年度的，不是%d年度的", doc.Year, n.Year)
		}
		if note == "" {
			note = "新建"
		}
		out, err = s.addVersion(tx, a, now, doc, 1, note)
		return err
	})
	return out, err
}

// addVersion stores doc as version v of its year and returns it checked.
func (s *Service) addVersion(tx Tx, a Actor, now time.Time, doc *workflow.Plan, v int, note string) (*PlanVersionView, error) {
	pv := &workflow.PlanVersion{Year: doc.Year, Version: v, Title: doc.Title, Note: note, CreatedAt: now, CreatedBy: a.Username, Plan: doc}
	if err := tx.AddPlanVersion(pv); err != nil {
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			return nil, workflow.Errorf(workflow.ESTALE, "%d年度方案已被他人修改（已有第%d版），请刷新后再改", doc.Year, v)
		}
		return nil, err
	}
	if err := audit(tx, now, a, "", "plan.save", planTarget(doc.Year), fmt.Sprintf("第%d版：%s", v, note)); err != nil {
		return nil, err
	}
	view := checked(PlanVersionItem{PlanVersion: *pv, State: PlanDraft, Latest: true})
	return &view, nil
}

func planTarget(year int) string { return fmt.Sprintf("plan:%d", year) }

// SavePlanRequest is a whole plan document and the latest version the
// client read (0 for a year without a plan). Every field of the plan is
// edited this way, those added later included.
type SavePlanRequest struct {
	Version int            `json:"version"`
	Plan    *workflow.Plan `json:"plan"`
	// Note says what changed ("修改" when empty); optional.
	Note string `json:"note"`
}

// SavePlanDraft stores the document as the next version of the year's
// plan, a draft, whatever problems it has (they come back with it, and
// stop it from being published). Office or system. ESTALE when Version is
// not the latest version, EINVALID when the document is missing or of
// another year.
func (s *Service) SavePlanDraft(ctx context.Context, a Actor, year int, r SavePlanRequest) (*PlanVersionView, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	if r.Plan == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "缺少方案内容 plan")
	}
	doc, err := r.Plan.Clone()
	if err != nil {
		return nil, err
	}
	if doc.Year != year {
		return nil, &workflow.Error{Code: workflow.EINVALID, Message: fmt.Sprintf("方案内容是%d年度的，不是%d年度的", doc.Year, year),
			Details: []workflow.Violation{{Path: "plan.year", Rule: "plan.year.mismatch", Message: fmt.Sprintf("年度应为%d", year)}}}
	}
	var out *PlanVersionView
	err = s.update(ctx, func(tx Tx, now time.Time) error {
		vs, err := tx.PlanVersions(year)
		if err != nil {
			return err
		}
		latest := 0
		if len(vs) > 0 {
			latest = vs[0].Version
		}
		if r.Version != latest {
			return workflow.Errorf(workflow.ESTALE, "%d年度方案的最新版本是第%d版，提交的是第%d版，请刷新后再改", year, latest, r.Version)
		}
		note := strings.TrimSpace(r.Note)
		switch {
		case utf8.RuneCountInString(note) > 200:
			return &workflow.Error{Code: workflow.EINVALID, Message: "说明不能超过200字", Details: []workflow.Violation{{Path: "note", Rule: "text.too_long", Message: "说明不能超过200字"}}}
		case note == "" && latest == 0:
			note = "新建"
		case note == "":
			note = "修改"
		}
		out, err = s.addVersion(tx, a, now, doc, latest+1, note)
		return err
	})
	return out, err
}

// PlanVersions lists a year's versions, newest first (office or system;
// ENOTFOUND for a year without any).
func (s *Service) PlanVersions(ctx context.Context, a Actor, year int) ([]PlanVersionItem, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	var out []PlanVersionItem
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		vs, err := yearVersions(tx, year)
		if err != nil {
			return err
		}
		out = versionItems(vs)
		return nil
	})
	return out, err
}

func yearVersions(tx Tx, year int) ([]workflow.PlanVersion, error) {
	vs, err := tx.PlanVersions(year)
	if err == nil && len(vs) == 0 {
		err = workflow.Errorf(workflow.ENOTFOUND, "没有%d年度的考核方案", year)
	}
	return vs, err
}

// PlanVersion returns one version with its plan and its check (office or
// system); version 0 is the latest. ENOTFOUND when absent.
func (s *Service) PlanVersion(ctx context.Context, a Actor, year, version int) (*PlanVersionView, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	var out *PlanVersionView
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		v, err := loadVersion(tx, year, version)
		out = v
		return err
	})
	return out, err
}

// loadVersion reads one version (0: the latest), labelled and checked.
func loadVersion(tx Tx, year, version int) (*PlanVersionView, error) {
	vs, err := yearVersions(tx, year)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = vs[0].Version
	}
	for _, item := range versionItems(vs) {
		if item.Version != version {
			continue
		}
		full, err := tx.PlanVersion(year, version)
		if err != nil {
			return nil, err
		}
		item.Plan = full.Plan
		v := checked(item)
		return &v, nil
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "%d年度的考核方案没有第%d版", year, version)
}

// CheckPlanDocument runs the plan checks on doc, or on the year's latest
// version when doc is nil, and stores nothing (office or system). It
// returns the warnings when there is no problem, and EVALIDATION with
// every problem (and the warnings) otherwise.
func (s *Service) CheckPlanDocument(ctx context.Context, a Actor, year int, doc *workflow.Plan) ([]workflow.Violation, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	if doc == nil {
		err := s.view(ctx, func(tx Tx, _ time.Time) error {
			v, err := loadVersion(tx, year, 0)
			if err == nil {
				doc = v.Plan
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	} else {
		var err error
		if doc, err = doc.Clone(); err != nil {
			return nil, err
		}
	}
	problems, warnings := workflow.CheckPlan(doc)
	if doc.Year != year {
		problems = append(problems, workflow.Violation{Path: "year", Rule: "plan.year.mismatch", Message: fmt.Sprintf("方案内容是%d年度的，不是%d年度的", doc.Year, year)})
	}
	return warnings, problemsError(problems, warnings)
}

// problemsError is EVALIDATION listing a plan's problems, or nil.
func problemsError(problems, warnings []workflow.Violation) error {
	if len(problems) == 0 {
		return nil
	}
	return &workflow.Error{Code: workflow.EVALIDATION, Message: fmt.Sprintf("考核方案有%d处问题", len(problems)), Details: problems, Warnings: warnings}
}

// PlanImpact is what publishing a version would do to the year's stored
// tables: Checked tables re-validated against it, and Units, the units
// whose tables it breaks, each with the violations it adds to those the
// plan in force finds.
type PlanImpact struct {
	Year    int           `json:"year"`
	Version int           `json:"version"`
	Checked int           `json:"checked"`
	Units   []BrokenTable `json:"units"`
}

// BrokenTable is one unit's stored tables that a plan version breaks.
type BrokenTable struct {
	Unit       string               `json:"unit"`
	Name       string               `json:"name"`
	State      workflow.State       `json:"state"`
	Violations []workflow.Violation `json:"violations"`
}

// PlanImpact re-validates every stored table of the year against a version
// (0: the latest) and lists the units whose tables it breaks (office or
// system). It stores nothing.
func (s *Service) PlanImpact(ctx context.Context, a Actor, year, version int) (*PlanImpact, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	var out *PlanImpact
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		v, err := loadVersion(tx, year, version)
		if err != nil {
			return err
		}
		out, err = impactOf(tx, v.Plan, v.Version)
		return err
	})
	return out, err
}

// impactOf re-validates the year's stored tables against p. A violation
// counts when the plan in force does not find it too: a draft that was
// already incomplete is not broken by the correction.
func impactOf(tx Tx, p *workflow.Plan, version int) (*PlanImpact, error) {
	out := &PlanImpact{Year: p.Year, Version: version, Units: []BrokenTable{}}
	subs, err := tx.Submissions(p.Year)
	if err != nil || len(subs) == 0 {
		return out, err
	}
	current, err := tx.Plan(p.Year)
	if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return nil, err
	}
	names, err := unitNames(tx)
	if err != nil {
		return nil, err
	}
	contacts, err := tx.AllContacts()
	if err != nil {
		return nil, err
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Unit < subs[j].Unit })
	for _, sub := range subs {
		out.Checked++
		now, _ := workflow.Validate(p, &sub.Doc, contacts[sub.Unit])
		had := map[string]bool{}
		if current != nil {
			before, _ := workflow.Validate(current, &sub.Doc, contacts[sub.Unit])
			for _, v := range before {
				had[v.Path+" "+v.Rule] = true
			}
		}
		var added []workflow.Violation
		for _, v := range now {
			if !had[v.Path+" "+v.Rule] {
				added = append(added, v)
			}
		}
		if len(added) > 0 {
			out.Units = append(out.Units, BrokenTable{Unit: sub.Unit, Name: names[sub.Unit], State: sub.State, Violations: added})
		}
	}
	return out, nil
}

// PublishRequest publishes a version. Confirm must be true when the
// version breaks stored tables: the office has seen the list.
type PublishRequest struct {
	Confirm bool `json:"confirm"`
}

// PublishPlan publishes a version, which becomes the plan in force: units
// draft against it from then on (office or system). Errors: ENOTFOUND;
// ESTATE when it is published already; ESTALE when a newer version exists
// (publish that, or save this one again); EVALIDATION with every problem
// of the plan; ECONFLICT, listing the units (path units.CODE) whose stored
// tables it breaks, unless Confirm.
func (s *Service) PublishPlan(ctx context.Context, a Actor, year, version int, r PublishRequest) (*PlanVersionView, error) {
	if err := a.planEditor(); err != nil {
		return nil, err
	}
	var out *PlanVersionView
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		v, err := loadVersion(tx, year, version)
		if err != nil {
			return err
		}
		switch {
		case v.PublishedAt != nil:
			return workflow.Errorf(workflow.ESTATE, "%d年度方案第%d版已经发布，不能再改；修改请保存为新版本", year, version)
		case !v.Latest:
			return workflow.Errorf(workflow.ESTALE, "%d年度方案已有比第%d版更新的版本，请发布最新版本", year, version)
		}
		if err := problemsError(v.Problems, v.Warnings); err != nil {
			return err
		}
		impact, err := impactOf(tx, v.Plan, version)
		if err != nil {
			return err
		}
		if len(impact.Units) > 0 && !r.Confirm {
			e := &workflow.Error{Code: workflow.ECONFLICT, Message: fmt.Sprintf("发布后有%d个单位已填报的指标表不再符合方案，请确认后再发布", len(impact.Units))}
			for _, u := range impact.Units {
				e.Details = append(e.Details, workflow.Violation{Path: "units." + u.Unit, Rule: "plan.publish.breaks_tables",
					Message: fmt.Sprintf("%s（%s）：%d处不符合，如“%s”", u.Name, u.State.Label(), len(u.Violations), u.Violations[0].Message)})
			}
			return e
		}
		if err := tx.PublishPlanVersion(year, version, now, a.Username); err != nil {
			return err
		}
		detail := fmt.Sprintf("发布第%d版", version)
		if len(impact.Units) > 0 {
			detail += fmt.Sprintf("（确认影响%d个单位的指标表）", len(impact.Units))
		}
		if err := audit(tx, now, a, "", "plan.publish", planTarget(year), detail); err != nil {
			return err
		}
		t := now
		v.PublishedAt, v.PublishedBy, v.State = &t, a.Username, PlanPublished
		out = v
		return nil
	})
	return out, err
}

// PlanLoad is what LoadPlanFile did with a plan file.
type PlanLoad struct {
	// Stored is false when a version of the year already held the plan.
	Stored  bool
	Version int
	// Problems are what the plan checks find in the file (it is loaded
	// anyway, as plan files always were); Broken the units whose stored
	// tables it breaks.
	Problems []workflow.Violation
	Broken   []BrokenTable
}

// LoadPlanFile brings a plan file into the database when the server
// starts (the system): nothing when a version of its year already holds
// the same plan (the file was loaded before, and perhaps corrected since
// by the office), else a new version, published at once as plan files
// always were. A file with problems is still loaded; the caller logs them
// and the units whose tables it breaks.
func (s *Service) LoadPlanFile(ctx context.Context, p *workflow.Plan, source string) (*PlanLoad, error) {
	out := &PlanLoad{}
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		vs, err := tx.PlanVersions(p.Year)
		if err != nil {
			return err
		}
		for _, v := range vs {
			stored, err := tx.PlanVersion(v.Year, v.Version)
			if err != nil {
				return err
			}
			if workflow.SamePlan(stored.Plan, p) {
				out.Version = v.Version
				return nil
			}
		}
		out.Problems, _ = workflow.CheckPlan(p)
		impact, err := impactOf(tx, p, 0)
		if err != nil {
			return err
		}
		out.Broken = impact.Units
		out.Stored, out.Version = true, 1
		if len(vs) > 0 {
			out.Version = vs[0].Version + 1
		}
		pv := &workflow.PlanVersion{Year: p.Year, Version: out.Version, Title: p.Title, Note: "载入 " + source, CreatedAt: now, CreatedBy: SystemActor.Username, Plan: p}
		if err := tx.AddPlanVersion(pv); err != nil {
			return err
		}
		// Not in the audit log, which records what people did: the
		// version itself says it came from the file, when, and that the
		// system published it.
		return tx.PublishPlanVersion(p.Year, out.Version, now, SystemActor.Username)
	})
	return out, err
}
