package service

import (
	"context"
	"time"

	"kaohe/workflow"
)

// Todo is the signed-in person's to-do list (工作台) for year, most urgent
// first, read in one transaction: a unit's tables, nodes and monthly
// counts; the office's tables to certify and release, nodes to review,
// failed mail and whatever else the office's sources report; the units at
// risk for leaders and the office. Year 0 is the newest plan. ENOTFOUND
// for an unknown plan.
func (s *Service) Todo(ctx context.Context, a Actor, year int) ([]workflow.TodoItem, error) {
	out := []workflow.TodoItem{}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		p, err := newestPlan(tx, year)
		if err != nil {
			return err
		}
		var items []workflow.TodoItem
		switch a.Role {
		case workflow.RoleUnit:
			items, err = s.unitTodo(tx, p, a.Unit, now)
		case workflow.RoleOffice:
			items, err = s.officeTodo(tx, p, now)
		case workflow.RoleViewer:
			items, err = s.riskTodo(tx, p, now)
		default:
			err = a.requireRole(workflow.RoleOffice, workflow.RoleUnit, workflow.RoleViewer)
		}
		out = append(out, items...)
		return err
	})
	return out, err
}

func (s *Service) unitTodo(tx Tx, p *workflow.Plan, unit string, now time.Time) ([]workflow.TodoItem, error) {
	in := workflow.UnitTodoInput{Unit: unit, State: workflow.StateNone, Reported: map[workflow.Month]bool{}}
	sub, err := tx.Submission(p.Year, unit)
	switch {
	case err == nil:
		in.State = sub.State
		if sub.State == workflow.StateReturned {
			in.Comments = len(sub.Comments)
			if sub.Comment != "" {
				in.Comments++
			}
		}
	case workflow.ErrorCode(err) != workflow.ENOTFOUND:
		return nil, err
	}
	if in.Nodes, err = tx.Nodes(NodeFilter{Year: p.Year, Unit: unit}); err != nil {
		return nil, err
	}
	ms, err := tx.MonthlyReportsOf(p.Year, []string{unit})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		in.Reported[m.Month] = true
	}
	return workflow.UnitTodo(p, in, now, s.warning()), nil
}

// officeTodoSource adds lines to the office's to-do list. Each source
// reads what it needs in the list's transaction; a feature that gives the
// office something to do adds its source to officeTodoSources and its
// kind to workflow's Todo kinds, as the objections do.
type officeTodoSource func(s *Service, tx Tx, p *workflow.Plan, now time.Time) ([]workflow.TodoItem, error)

// officeTodoSources are the office's to-do sources, in the list's order.
var officeTodoSources = []officeTodoSource{workflowTodo, objectionsTodo, riskTodoSource}

func (s *Service) officeTodo(tx Tx, p *workflow.Plan, now time.Time) ([]workflow.TodoItem, error) {
	var out []workflow.TodoItem
	for _, src := range officeTodoSources {
		items, err := src(s, tx, p, now)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// workflowTodo is the office's part of the workflow: tables, reviews, mail.
func workflowTodo(_ *Service, tx Tx, p *workflow.Plan, _ time.Time) ([]workflow.TodoItem, error) {
	states, err := tx.SubmissionStates(p.Year)
	if err != nil {
		return nil, err
	}
	reported, err := tx.Nodes(NodeFilter{Year: p.Year, States: []workflow.NodeState{workflow.NodeReported}})
	if err != nil {
		return nil, err
	}
	counts, err := tx.CountMessages()
	if err != nil {
		return nil, err
	}
	return workflow.OfficeTodo(workflow.OfficeTodoInput{States: states, Reported: len(reported), FailedMail: counts[workflow.OutboxFailed]}), nil
}

// objectionsTodo counts the objections waiting for the office's answer.
func objectionsTodo(_ *Service, tx Tx, p *workflow.Plan, _ time.Time) ([]workflow.TodoItem, error) {
	os, err := tx.Objections(ObjectionFilter{Year: p.Year, Open: true})
	if err != nil {
		return nil, err
	}
	return workflow.ObjectionsTodo(len(os)), nil
}

func riskTodoSource(s *Service, tx Tx, p *workflow.Plan, now time.Time) ([]workflow.TodoItem, error) {
	return s.riskTodo(tx, p, now)
}

// riskTodo counts the units whose light is red.
func (s *Service) riskTodo(tx Tx, p *workflow.Plan, now time.Time) ([]workflow.TodoItem, error) {
	ns, err := tx.Nodes(NodeFilter{Year: p.Year})
	if err != nil {
		return nil, err
	}
	risk := map[string]*workflow.NodeRisk{}
	for _, n := range ns {
		r := risk[n.Unit]
		if r == nil {
			r = &workflow.NodeRisk{}
			risk[n.Unit] = r
		}
		r.Add(p, n, now, s.warning())
	}
	red := 0
	for _, r := range risk {
		if r.Light() == workflow.Red {
			red++
		}
	}
	return workflow.RiskTodo(red), nil
}

// newestPlan is the plan of year, or the newest plan when year is 0.
func newestPlan(tx Tx, year int) (*workflow.Plan, error) {
	if year != 0 {
		return planOf(tx, year)
	}
	ps, err := tx.Plans()
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "还没有载入任何考核方案")
	}
	newest := ps[0]
	for _, p := range ps[1:] {
		if p.Year > newest.Year {
			newest = p
		}
	}
	return newest, nil
}
