package workflow

import "fmt"

// State is where a submission stands in the workflow.
type State string

// Submission states.
const (
	StateDraft     State = "draft"
	StateSubmitted State = "submitted"
	StateReturned  State = "returned"
	StateCertified State = "certified"
	StateExecuting State = "executing"
	StateScored    State = "scored"
)

// Action is something done to a submission.
type Action string

// Actions on a submission.
const (
	ActionSave    Action = "save"
	ActionSubmit  Action = "submit"
	ActionReturn  Action = "return"
	ActionCertify Action = "certify"
	ActionRelease Action = "release"
	ActionScore   Action = "score"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	RoleOffice Role = "office" // 市总工会办公室
	RoleUnit   Role = "unit"   // a district union, bound to one unit
	RoleViewer Role = "viewer" // leaders: read only
	// RoleSystem is the scheduler acting on its own.
	RoleSystem Role = "system"
)

// Valid reports whether r is a role an account can have.
func (r Role) Valid() bool { return r == RoleOffice || r == RoleUnit || r == RoleViewer }

// Transition is one allowed move of the state machine.
type Transition struct {
	From   State
	Action Action
	To     State
	Roles  []Role
}

// Transitions is the whole submission state machine; every path (API, web
// page, job, command line) goes through Next. A unit and the office may both
// edit and submit a draft (the office enters tables a unit sent by email);
// only the office returns, certifies and releases.
var Transitions = []Transition{
	{StateDraft, ActionSave, StateDraft, []Role{RoleUnit, RoleOffice}},
	{StateReturned, ActionSave, StateReturned, []Role{RoleUnit, RoleOffice}},
	{StateDraft, ActionSubmit, StateSubmitted, []Role{RoleUnit, RoleOffice}},
	{StateReturned, ActionSubmit, StateSubmitted, []Role{RoleUnit, RoleOffice}},
	{StateSubmitted, ActionReturn, StateReturned, []Role{RoleOffice}},
	{StateSubmitted, ActionCertify, StateCertified, []Role{RoleOffice}},
	{StateCertified, ActionRelease, StateExecuting, []Role{RoleOffice}},
	{StateExecuting, ActionScore, StateScored, []Role{RoleOffice, RoleSystem}},
}

var stateNames = map[State]string{
	StateDraft:     "草稿",
	StateSubmitted: "已报送",
	StateReturned:  "已退回",
	StateCertified: "已认定",
	StateExecuting: "执行中",
	StateScored:    "已计分",
}

var actionNames = map[Action]string{
	ActionSave:    "修改",
	ActionSubmit:  "报送",
	ActionReturn:  "退回",
	ActionCertify: "认定",
	ActionRelease: "返各单位执行",
	ActionScore:   "计分",
}

// Label is the state's Chinese name.
func (s State) Label() string {
	return nameOf(stateNames, s)
}

// Next returns the state that action by role leads to from s. It returns
// EFORBIDDEN when no transition of the action admits the role at all, and
// ESTATE when the role may do it but not from s.
func Next(s State, a Action, role Role) (State, error) {
	roleMay := false
	for _, t := range Transitions {
		if t.Action != a || !hasRole(t.Roles, role) {
			continue
		}
		roleMay = true
		if t.From == s {
			return t.To, nil
		}
	}
	if !roleMay {
		return s, Errorf(EFORBIDDEN, "当前角色不能执行“%s”操作", actionNames[a])
	}
	return s, Errorf(ESTATE, "指标表当前状态为“%s”，不能执行“%s”操作", s.Label(), actionNames[a])
}

func hasRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// String returns the state's code.
func (s State) String() string { return string(s) }

// ParseState reads a state code.
func ParseState(s string) (State, error) {
	if _, ok := stateNames[State(s)]; ok {
		return State(s), nil
	}
	return "", fmt.Errorf("unknown state %q", s)
}

// StateNone is the summary state of a unit without a submission.
const StateNone = "none"

// SubmissionRef names a unit's submission of a year in the audit log and
// in deduction references ("submission:2019/gjz").
func SubmissionRef(year int, unit string) string {
	return fmt.Sprintf("submission:%d/%s", year, unit)
}
