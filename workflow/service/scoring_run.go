package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"kaohe/workflow"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// scoringBatch is how many units are read and scored at a time.
const scoringBatch = 200

// DeductionInput is the office's request for a manual deduction. Month,
// when set ("2019-08"), cites a month flagged in the member counts
// (MonthlyComparison): the deduction then records the unit's and the
// system's figures of that month.
type DeductionInput struct {
	Points workflow.Points `json:"points"`
	Reason string          `json:"reason"`
	Rule   string          `json:"rule"`
	Month  string          `json:"month"`
}

// maxManualDeduction bounds one manual deduction: no unit can lose more
// than everything it can score.
const maxManualDeduction = 200 * workflow.Point

// Deduction rule codes of request validation.
const (
	RuleDeductionPoints = "deduction.points.range"
	RuleDeductionReason = "deduction.reason.empty"
	RuleDeductionRule   = "deduction.rule.unknown"
	RuleDeductionMonth  = "deduction.month.not_flagged"
	RuleNodeUnreviewed  = "node.unreviewed"
)

// AddDeduction records a manual deduction (office only). It returns
// EVALIDATION for points outside (0, 200], an empty reason, a rule the
// plan does not list or a cited month that is not flagged, ENOTFOUND for
// an unknown plan or unit and ESTATE once the year's result is published.
func (s *Service) AddDeduction(ctx context.Context, a Actor, year int, unit string, in DeductionInput) (*workflow.ManualDeduction, error) {
	if err := a.checkUnit(unit, workflow.RoleOffice); err != nil {
		return nil, err
	}
	in.Reason, in.Rule = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Rule)
	var out *workflow.ManualDeduction
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, err := planUnit(tx, year, unit)
		if err != nil {
			return err
		}
		var vs []workflow.Violation
		if in.Points <= 0 || in.Points > maxManualDeduction {
			vs = append(vs, workflow.Violation{Path: "points", Rule: RuleDeductionPoints, Message: fmt.Sprintf("扣分应大于0且不超过%s分", maxManualDeduction)})
		}
		if in.Reason == "" || utf8.RuneCountInString(in.Reason) > workflow.MaxTextRunes {
			vs = append(vs, workflow.Violation{Path: "reason", Rule: RuleDeductionReason, Message: fmt.Sprintf("须写明扣分原因（不超过%d字）", workflow.MaxTextRunes)})
		}
		if !manualRule(p, in.Rule) {
			vs = append(vs, workflow.Violation{Path: "rule", Rule: RuleDeductionRule, Message: fmt.Sprintf("扣分事项应为：%s", strings.Join(p.Deductions.ManualRules, "、"))})
		}
		if len(vs) > 0 {
			return &workflow.Error{Code: workflow.EVALIDATION, Message: "扣分信息有误", Details: vs}
		}
		if err := notPublished(tx, year); err != nil {
			return err
		}
		d := &workflow.ManualDeduction{Year: year, Unit: unit, Rule: in.Rule, Points: in.Points, Reason: in.Reason, Actor: a.Username, CreatedAt: now}
		if in.Month != "" {
			l, err := flaggedMonth(tx, p, unit, in.Month)
			if err != nil {
				return err
			}
			d.Month, d.UnitCount, d.SystemCount = l.Month.String(), l.UnitCount, l.SystemCount
		}
		if err := tx.AddDeduction(d); err != nil {
			return err
		}
		out = d
		detail := fmt.Sprintf("%s 扣%s分：%s", d.Rule, d.Points, d.Reason)
		if c := d.Citation(); c != "" {
			detail += "（" + c + "）"
		}
		return audit(tx, now, a, unit, "deduction.add", workflow.ManualRef(d.ID), detail)
	})
	return out, err
}

func manualRule(p *workflow.Plan, rule string) bool {
	if rule == "" {
		return false
	}
	if len(p.Deductions.ManualRules) == 0 {
		return true
	}
	for _, r := range p.Deductions.ManualRules {
		if r == rule {
			return true
		}
	}
	return false
}

func notPublished(tx Tx, year int) error {
	run, err := tx.PublishedScoringRun(year)
	switch {
	case err == nil:
		return workflow.Errorf(workflow.ESTATE, "%d年度考核结果已发布（第%d次计分），不能再修改", year, run.ID)
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		return nil
	}
	return err
}

// Deductions lists a unit's manual deductions (office and viewers).
func (s *Service) Deductions(ctx context.Context, a Actor, year int, unit string) ([]workflow.ManualDeduction, error) {
	return unitList(s, ctx, a, year, unit, func(tx Tx) ([]workflow.ManualDeduction, error) { return tx.Deductions(year, unit) },
		workflow.RoleOffice, workflow.RoleViewer)
}

// DeleteDeduction removes a manual deduction (office only): ENOTFOUND when
// the unit has no such deduction, ESTATE once the year is published.
func (s *Service) DeleteDeduction(ctx context.Context, a Actor, year int, unit string, id int64) error {
	return s.beforePublication(ctx, a, year, unit, func(tx Tx, now time.Time) error {
		ds, err := tx.Deductions(year, unit)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ds, func(d workflow.ManualDeduction) bool { return d.ID == id })
		if i < 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”没有编号为%d的扣分", unit, id)
		}
		gone := &ds[i]
		if err := tx.DeleteDeduction(year, unit, id); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "deduction.delete", fmt.Sprintf("deduction:%d", id), fmt.Sprintf("%s 扣%s分：%s", gone.Rule, gone.Points, gone.Reason))
	})
}

// gathered is what one pass over the facts produced.
type gathered struct {
	results []workflow.UnitResult
	digest  string
}

// scoringInputsHeader is the part of the inputs digest that is not a unit:
// the whole plan and which of its deadlines had passed.
type scoringInputsHeader struct {
	Plan      *workflow.Plan `json:"plan"`
	PassedDue []string       `json:"passed_due"`
	MonthsDue []string       `json:"months_due"`
}

func inputsHeader(p *workflow.Plan, now time.Time) scoringInputsHeader {
	hdr := scoringInputsHeader{Plan: p, PassedDue: []string{}, MonthsDue: []string{}}
	for _, c := range p.Checkpoints {
		if !now.Before(p.CheckpointDue(c.Date).At) {
			hdr.PassedDue = append(hdr.PassedDue, c.Date.String())
		}
	}
	for _, m := range p.Months() {
		if !now.Before(p.MonthDueTime(m)) {
			hdr.MonthsDue = append(hdr.MonthsDue, m.String())
		}
	}
	return hdr
}

// gatherAndScore reads every unit's facts a batch at a time, scores each
// unit, and hashes the inputs as it goes: the digest is the SHA-256 of the
// header and every unit's facts in unit-code order, so equal digests mean
// equal inputs as scoring reads them. The store sums accepted, on-time
// nodes per indicator (NodeFact.Count) and the digest hashes the sums:
// moving awarded points between two such nodes of one indicator leaves the
// digest, like every result, unchanged; any change that can change a
// result changes it: the facts, the manual deductions, the waivers in
// force (with the objections that granted them), the times tables were
// received, and the reviews that corrections changed (they are node
// facts).
func (s *Service) gatherAndScore(tx Tx, p *workflow.Plan, now time.Time) (*gathered, error) {
	h := sha256.New()
	if err := hashJSON(h, inputsHeader(p, now)); err != nil {
		return nil, err
	}
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Code < units[j].Code })
	yf, err := readYearFacts(tx, p.Year, "")
	if err != nil {
		return nil, err
	}
	opt := workflow.ScoringOptions{AsOf: now, MonthlyTracked: true}
	out := &gathered{results: make([]workflow.UnitResult, 0, len(units))}
	batches, done := readBatches(tx, p.Year, units, yf)
	defer done()
	var buf []byte
	for su := range batches {
		for i := range su {
			sortFacts(&su[i])
			buf = digestUnit(buf[:0], &su[i])
			h.Write(buf)
			out.results = append(out.results, workflow.ScoreUnit(p, &su[i], opt))
		}
	}
	if err := done(); err != nil {
		return nil, err
	}
	workflow.Rank(p, out.results)
	out.digest = hex.EncodeToString(h.Sum(nil))
	return out, nil
}

// readBatches reads the facts of units a batch at a time (readScoringBatch)
// in a goroutine of its own, one batch ahead of the caller, who scores and
// hashes batch k on one core while batch k+1 is read on the other.
// batches is closed after the last batch or the first error. done stops
// the reader if it still runs, waits until it no longer uses tx, and
// returns its error: the caller must call it (deferred too, for a panic)
// before using tx again.
func readBatches(tx Tx, year int, units []workflow.Unit, yf *yearFacts) (batches <-chan []workflow.ScoringUnit, done func() error) {
	ch := make(chan []workflow.ScoringUnit, 1)
	stop, exited := make(chan struct{}), make(chan struct{})
	var err error // written before exited is closed, read after
	go func() {
		defer close(exited)
		defer close(ch)
		for start := 0; start < len(units); start += scoringBatch {
			su, e := readScoringBatch(tx, year, units[start:min(start+scoringBatch, len(units))], yf)
			if e != nil {
				err = e
				return
			}
			select {
			case ch <- su:
			case <-stop:
				return
			}
		}
	}()
	var once sync.Once
	return ch, func() error {
		once.Do(func() {
			close(stop)
			<-exited
		})
		return err
	}
}

// yearFacts are the facts of a year that scoring reads once, not by batch:
// each unit's manual deductions, waivers in force and receipt.
type yearFacts struct {
	manual   map[string][]workflow.ManualDeduction
	waivers  map[string][]workflow.Waiver
	received map[string]*workflow.Receipt
}

// readYearFacts reads the year's manual deductions, waivers in force and
// receipts, of unit ("" for every unit).
func readYearFacts(tx Tx, year int, unit string) (*yearFacts, error) {
	yf := &yearFacts{manual: map[string][]workflow.ManualDeduction{}, waivers: map[string][]workflow.Waiver{}, received: map[string]*workflow.Receipt{}}
	manual, err := tx.Deductions(year, unit)
	if err != nil {
		return nil, err
	}
	for _, d := range manual {
		yf.manual[d.Unit] = append(yf.manual[d.Unit], d)
	}
	ws, err := tx.Waivers(year, unit)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if w.WithdrawnAt == nil {
			yf.waivers[w.Unit] = append(yf.waivers[w.Unit], w)
		}
	}
	rs, err := tx.Receipts(year, unit)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		yf.received[rs[i].Unit] = &rs[i]
	}
	return yf, nil
}

// readScoringBatch reads what scoring needs of a batch of units: each
// unit's submission facts, manual deductions, waivers and receipt, and for
// the units whose tables were released, their nodes and monthly reports,
// in no particular order (sortFacts orders them, on the scoring side of
// readBatches).
func readScoringBatch(tx Tx, year int, batch []workflow.Unit, yf *yearFacts) ([]workflow.ScoringUnit, error) {
	codes := make([]string, len(batch))
	for i, u := range batch {
		codes[i] = u.Code
	}
	subs, err := tx.SubmissionFacts(year, codes)
	if err != nil {
		return nil, err
	}
	subOf := make(map[string]*workflow.SubmissionFact, len(subs))
	for i := range subs {
		subOf[subs[i].Unit] = &subs[i]
	}
	var eligible []string
	su := make([]workflow.ScoringUnit, len(batch))
	for i, u := range batch {
		su[i] = workflow.ScoringUnit{Code: u.Code, Name: u.Name, State: workflow.StateNone, Innovation: []workflow.InnovationFact{},
			Nodes: []workflow.NodeFact{}, Monthly: []workflow.MonthlyFact{}, Manual: yf.manual[u.Code],
			Waivers: yf.waivers[u.Code], Received: yf.received[u.Code]}
		if su[i].Manual == nil {
			su[i].Manual = []workflow.ManualDeduction{}
		}
		if sub := subOf[u.Code]; sub != nil {
			su[i].State = string(sub.State)
			su[i].FirstSubmittedAt = sub.FirstSubmittedAt
			if sub.ReleasedAt != nil {
				su[i].Released = *sub.ReleasedAt
			}
			su[i].Innovation = append(su[i].Innovation, sub.Innovation...)
		}
		if su[i].Eligible() {
			// executing and scored score alike: publishing (which moves
			// executing to scored) must not change the inputs.
			su[i].State = string(workflow.StateExecuting)
			eligible = append(eligible, u.Code)
		}
	}
	if len(eligible) > 0 {
		if err := readExecutionFacts(tx, year, eligible, su); err != nil {
			return nil, err
		}
	}
	return su, nil
}

// sortFacts puts a unit's nodes in document order and its months in
// order, as ScoreUnit and the digest read them.
func sortFacts(u *workflow.ScoringUnit) {
	workflow.SortNodeFacts(u.Nodes)
	sort.SliceStable(u.Monthly, func(a, b int) bool { return u.Monthly[b].Month.After(u.Monthly[a].Month) })
}

// readExecutionFacts hands the units of su their nodes and monthly
// reports. Nodes come from Tx.ScoringNodes: the accepted nodes reported on
// time summed per indicator (NodeFact.Count), which scores exactly as the
// nodes one by one; every node that can cost a deduction or score nothing
// comes alone. A month is reported when either source has a figure, and
// its lateness is decided by the first figure of either.
func readExecutionFacts(tx Tx, year int, units []string, su []workflow.ScoringUnit) error {
	nodes, err := tx.ScoringNodes(year, units)
	if err != nil {
		return err
	}
	ms, err := tx.MonthlyFactsOf(year, units)
	if err != nil {
		return err
	}
	monthly := ms[:0]
	for _, m := range ms {
		// Both sources of a month come one after the other (by unit, month
		// and source): keep the earlier first figure.
		if n := len(monthly); n > 0 && monthly[n-1].Unit == m.Unit && monthly[n-1].Month == m.Month {
			if m.ReportedAt.Before(monthly[n-1].ReportedAt) {
				monthly[n-1].ReportedAt, monthly[n-1].Late = m.ReportedAt, m.Late
			}
			continue
		}
		monthly = append(monthly, m)
	}
	idx := make(map[string]int, len(su))
	for i := range su {
		idx[su[i].Code] = i
	}
	spread(nodes, su, idx, func(n *workflow.NodeFact) string { return n.Unit }, func(u *workflow.ScoringUnit, ns []workflow.NodeFact) { u.Nodes = ns })
	spread(monthly, su, idx, func(m *workflow.MonthlyFact) string { return m.Unit }, func(u *workflow.ScoringUnit, ms []workflow.MonthlyFact) { u.Monthly = ms })
	return nil
}

// spread hands each unit of su its facts, in the order they come, as
// slices of one array (facts of units not in idx are dropped): a batch's
// facts cost two allocations, not a growing slice per unit.
func spread[T any](facts []T, su []workflow.ScoringUnit, idx map[string]int, unit func(*T) string, set func(*workflow.ScoringUnit, []T)) {
	at := make([]int, len(su)+1)
	for i := range facts {
		if u, ok := idx[unit(&facts[i])]; ok {
			at[u+1]++
		}
	}
	for u := range su {
		at[u+1] += at[u]
	}
	out := make([]T, at[len(su)])
	next := append([]int(nil), at[:len(su)]...)
	for i := range facts {
		if u, ok := idx[unit(&facts[i])]; ok {
			out[next[u]] = facts[i]
			next[u]++
		}
	}
	for u := range su {
		if at[u+1] > at[u] {
			set(&su[u], out[at[u]:at[u+1]:at[u+1]])
		}
	}
}

// digestUnit appends one unit's facts to b in a fixed text form, one line
// per fact, for the inputs digest (JSON through reflection costs more than
// the scoring itself on large years).
func digestUnit(b []byte, u *workflow.ScoringUnit) []byte {
	d := digest{b: b}
	d.word("unit").str(u.Code).str(u.Name).str(u.State)
	if u.FirstSubmittedAt != nil {
		d.num(u.FirstSubmittedAt.UnixMicro())
	}
	d.end()
	if r := u.Received; r != nil {
		d.word("received").num(r.At.UnixMicro()).str(r.Reason).str(r.By).num(r.RecordedAt.UnixMicro()).end()
	}
	for _, it := range u.Innovation {
		d.word("innovation").str(it.Title).num(int64(it.Points)).last(it.Certified)
	}
	for _, n := range u.Nodes {
		d.word("node").str(n.Category).str(n.Indicator).num(int64(n.ItemIndex)).num(int64(n.WorkIndex)).num(int64(n.NodeIndex)).
			word(n.Due.String()).num(int64(n.Points)).str(n.State).flag(n.Late).num(int64(n.Awarded)).num(int64(n.Count)).end()
	}
	for _, m := range u.Monthly {
		d.word("monthly").word(m.Month.String()).num(m.ReportedAt.UnixMicro()).last(m.Late)
	}
	for _, x := range u.Manual {
		d.word("manual").num(x.ID).str(x.Rule).num(int64(x.Points)).str(x.Reason)
		if x.Month != "" && x.UnitCount != nil && x.SystemCount != nil {
			d.str(x.Month).num(*x.UnitCount).num(*x.SystemCount)
		}
		d.end()
	}
	for _, w := range u.Waivers {
		d.word("waiver").num(w.ID).str(w.Ref).num(int64(w.Points)).num(w.Objection).str(w.Reason).str(w.By).num(w.At.UnixMicro()).end()
	}
	return d.b
}

// digest writes the fields of digestUnit's lines: each field but a line's
// last boolean followed by a space, strings quoted.
type digest struct{ b []byte }

func (d *digest) word(w string) *digest { d.b = append(append(d.b, w...), ' '); return d }

func (d *digest) str(s string) *digest { d.b = append(strconv.AppendQuote(d.b, s), ' '); return d }

func (d *digest) num(n int64) *digest { d.b = append(strconv.AppendInt(d.b, n, 10), ' '); return d }

func (d *digest) flag(v bool) *digest { d.b = append(strconv.AppendBool(d.b, v), ' '); return d }

// last ends a line with a boolean, with no space before the newline.
func (d *digest) last(v bool) { d.b = append(strconv.AppendBool(d.b, v), '\n') }

func (d *digest) end() { d.b = append(d.b, '\n') }

func hashJSON(h hash.Hash, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("scoring digest: %w", err)
	}
	h.Write(b)
	h.Write([]byte{'\n'})
	return nil
}

// RunScoring computes every unit's result now and stores it as a new
// immutable run (the office, or the system for `kaohe score`). ENOTFOUND
// when the plan does not exist.
func (s *Service) RunScoring(ctx context.Context, a Actor, year int) (*workflow.ScoringRun, error) {
	return s.runScoring(ctx, a, year, "")
}

// runScoring is RunScoring that also records the job mark, when not empty,
// in the same transaction (ECONFLICT, and no run, when it was recorded).
func (s *Service) runScoring(ctx context.Context, a Actor, year int, mark string) (*workflow.ScoringRun, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return nil, err
	}
	// Read and score in a read transaction, store in a write one: a year
	// of many units takes seconds to score, which must not hold the write
	// lock. The run records the digest of what it read; publishing checks
	// it again (ESTALE when the inputs changed in between).
	now := s.clock.Now().UTC()
	var g *gathered
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		g, err = s.gatherAndScore(tx, p, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out *workflow.ScoringRun
	err = s.store.Update(ctx, func(tx Tx) error {
		if mark != "" {
			if err := tx.MarkJobDone(mark, now); err != nil {
				return err
			}
		}
		run := &workflow.ScoringRun{Year: year, CreatedAt: now, CreatedBy: a.Username, InputsDigest: g.digest, Units: len(g.results), Results: g.results}
		if err := tx.CreateScoringRun(run); err != nil {
			return err
		}
		out = run
		return audit(tx, now, a, "", "scoring.run", fmt.Sprintf("scoring-run:%d/%d", year, run.ID), "inputs "+g.digest[:12])
	})
	return out, err
}

// ScoringRuns lists the year's runs, newest first, without results (office
// and viewers).
func (s *Service) ScoringRuns(ctx context.Context, a Actor, year int) ([]workflow.ScoringRun, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	out := []workflow.ScoringRun{}
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		rs, err := tx.ScoringRuns(year)
		if err == nil && rs != nil {
			out = rs
		}
		return err
	})
	return out, err
}

// ScoringRun returns one run with every unit's result (office and
// viewers; ENOTFOUND when absent).
func (s *Service) ScoringRun(ctx context.Context, a Actor, year int, id int64) (*workflow.ScoringRun, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out *workflow.ScoringRun
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		if _, err := planOf(tx, year); err != nil {
			return err
		}
		r, err := tx.ScoringRun(year, id)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.ENOTFOUND, "%d年度没有第%d次计分", year, id)
		}
		out = r
		return err
	})
	return out, err
}

// publicationOf is what publishing run makes of the year's latest
// published run (nil for the first publication): the publication's number
// and the end of its objection period, which a correction keeps. A run
// older than the latest published one cannot be published, and a
// correction must answer every accepted objection since.
func publicationOf(tx Tx, p *workflow.Plan, run *workflow.ScoringRun, now time.Time) (latest *workflow.ScoringRun, publication int, periodEnds *time.Time, err error) {
	latest, err = latestPublished(tx, p.Year)
	if err != nil || latest == nil {
		ends := p.ObjectionPeriodEnd(now)
		return nil, 1, &ends, err
	}
	if run.ID < latest.ID {
		return nil, 0, nil, workflow.Errorf(workflow.ECONFLICT, "%d年度已发布第%d次计分的结果，第%d次计分早于它，不能发布", p.Year, latest.ID, run.ID)
	}
	if err := correctionsSince(tx, p, latest); err != nil {
		return nil, 0, nil, err
	}
	return latest, latest.Publication + 1, latest.ObjectionPeriodEnds, nil
}

// PublishScoring publishes run id as the year's result, in one
// transaction (office, or the system).
//
// The first publication opens the objection period (the plan's
// ObjectionDays working days after the day of publication,
// workflow.Plan.ObjectionPeriodEnd) and moves every executing submission to
// scored through the state machine. A later publication publishes a
// correction: a run computed after the latest published one, once an
// objection has been accepted since that publication. It keeps the
// period's end and becomes the year's result; every earlier publication
// stays as it was published.
//
// Refused with ECONFLICT, listing them, while any reported node is
// unreviewed; with ESTATE when this run is published already, or when no
// objection was accepted since the latest publication (there is nothing to
// correct); with ECONFLICT when the run was computed before the latest
// published run, or another publication won a race; and with ESTALE when
// the inputs changed since the run was computed (the office must run again
// and publish the new run).
func (s *Service) PublishScoring(ctx context.Context, a Actor, year int, id int64) (*workflow.ScoringRun, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out *workflow.ScoringRun
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		run, err := tx.ScoringRun(year, id)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.ENOTFOUND, "%d年度没有第%d次计分", year, id)
		}
		if err != nil {
			return err
		}
		if run.Published {
			return workflow.Errorf(workflow.ESTATE, "第%d次计分已于%s发布，发布后不能再修改", run.ID, p.FormatTime(*run.PublishedAt))
		}
		latest, publication, periodEnds, err := publicationOf(tx, p, run, now)
		if err != nil {
			return err
		}
		if err := allReviewed(tx, year); err != nil {
			return err
		}
		g, err := s.gatherAndScore(tx, p, now)
		if err != nil {
			return err
		}
		if g.digest != run.InputsDigest {
			return workflow.Errorf(workflow.ESTALE, "第%d次计分后考核数据已有变化，请重新计分后发布新的结果", run.ID)
		}
		if err := tx.PublishScoringRun(year, id, now, a.Username, publication, periodEnds); err != nil {
			return err
		}
		if err := s.markScored(tx, year, a, now); err != nil {
			return err
		}
		detail := "inputs " + run.InputsDigest[:12]
		if periodEnds != nil {
			detail += "; 异议期至" + p.FormatTime(*periodEnds)
		}
		if latest != nil {
			detail += fmt.Sprintf("; 更正第%d次计分", latest.ID)
		}
		if err := audit(tx, now, a, "", "scoring.publish", fmt.Sprintf("scoring-run:%d/%d", year, id), detail); err != nil {
			return err
		}
		out, err = tx.ScoringRun(year, id)
		return err
	})
	return out, err
}

// latestPublished returns the year's latest published run, or nil before
// the first publication.
func latestPublished(tx Tx, year int) (*workflow.ScoringRun, error) {
	run, err := tx.PublishedScoringRun(year)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, nil
	}
	return run, err
}

// correctionsSince returns ESTATE unless an objection was accepted since
// run was published: only a correction may replace a published result.
func correctionsSince(tx Tx, p *workflow.Plan, run *workflow.ScoringRun) error {
	n, err := acceptedSince(tx, p.Year, *run.PublishedAt)
	if err != nil {
		return err
	}
	if n == 0 {
		return workflow.Errorf(workflow.ESTATE, "%d年度的结果已于%s发布（第%d次计分），此后没有成立的异议，无需发布更正",
			p.Year, p.FormatTime(*run.PublishedAt), run.ID)
	}
	return nil
}

// acceptedSince counts the year's objections accepted at or after t.
func acceptedSince(tx Tx, year int, t time.Time) (int, error) {
	os, err := tx.Objections(ObjectionFilter{Year: year, Answered: true, AnsweredSince: t})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range os {
		if o.Verdict == workflow.VerdictAccept {
			n++
		}
	}
	return n, nil
}

// markScored moves every executing submission of year to scored.
func (s *Service) markScored(tx Tx, year int, a Actor, now time.Time) error {
	subs, err := tx.Submissions(year)
	if err != nil {
		return err
	}
	for i := range subs {
		sub := &subs[i]
		if sub.State != workflow.StateExecuting {
			continue
		}
		if err := advance(tx, a, sub, workflow.ActionScore, nil, now, nil); err != nil {
			return err
		}
	}
	return nil
}

// allReviewed returns ECONFLICT, listing them, while any node of the year
// is reported and not yet reviewed: publication waits for them.
func allReviewed(tx Tx, year int) error {
	ns, err := tx.Nodes(NodeFilter{Year: year, States: []workflow.NodeState{workflow.NodeReported}})
	if err != nil || len(ns) == 0 {
		return err
	}
	vs := make([]workflow.Violation, 0, len(ns))
	for _, n := range ns {
		f := workflow.NodeFact{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
			ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due}
		vs = append(vs, workflow.Violation{Path: n.Unit + ":" + f.Path(), Rule: RuleNodeUnreviewed,
			Message: fmt.Sprintf("单位“%s”%s 已报送，尚未审核", n.Unit, f.Label())})
	}
	return &workflow.Error{Code: workflow.ECONFLICT, Message: fmt.Sprintf("还有%d个已报送的节点未审核，审核完毕后才能发布", len(ns)), Details: vs}
}
