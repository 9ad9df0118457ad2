package workflow

import "testing"

// TestStateMachine checks every (state, action, role) triple: exactly the
// moves of the table are allowed, a role that may never do the action gets
// EFORBIDDEN, and the right role from the wrong state gets ESTATE.
func TestStateMachine(t *testing.T) {
	states := []State{StateDraft, StateSubmitted, StateReturned, StateCertified, StateExecuting, StateScored}
	actions := []Action{ActionSave, ActionSubmit, ActionReturn, ActionCertify, ActionRelease, ActionScore}
	roles := []Role{RoleOffice, RoleUnit, RoleViewer, RoleSystem}
	allowed := map[[3]string]State{
		{"draft", "save", "unit"}:          StateDraft,
		{"draft", "save", "office"}:        StateDraft,
		{"returned", "save", "unit"}:       StateReturned,
		{"returned", "save", "office"}:     StateReturned,
		{"draft", "submit", "unit"}:        StateSubmitted,
		{"draft", "submit", "office"}:      StateSubmitted,
		{"returned", "submit", "unit"}:     StateSubmitted,
		{"returned", "submit", "office"}:   StateSubmitted,
		{"submitted", "return", "office"}:  StateReturned,
		{"submitted", "certify", "office"}: StateCertified,
		{"certified", "release", "office"}: StateExecuting,
		{"executing", "score", "office"}:   StateScored,
		{"executing", "score", "system"}:   StateScored,
	}
	everAllowed := map[[2]string]bool{}
	for k := range allowed {
		everAllowed[[2]string{k[1], k[2]}] = true
	}
	for _, s := range states {
		for _, a := range actions {
			for _, r := range roles {
				name := string(s) + "/" + string(a) + "/" + string(r)
				t.Run(name, func(t *testing.T) {
					got, err := Next(s, a, r)
					want, ok := allowed[[3]string{string(s), string(a), string(r)}]
					switch {
					case ok:
						if err != nil || got != want {
							t.Fatalf("Next = %s, %v; want %s", got, err, want)
						}
					case everAllowed[[2]string{string(a), string(r)}]:
						if ErrorCode(err) != ESTATE || got != s {
							t.Fatalf("want ESTATE and unchanged state, got %s, %v", got, err)
						}
					default:
						if ErrorCode(err) != EFORBIDDEN || got != s {
							t.Fatalf("want EFORBIDDEN, got %s, %v", got, err)
						}
					}
				})
			}
		}
	}
}
