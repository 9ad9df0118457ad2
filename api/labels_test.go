package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"kaohe/workflow"
)

// labelsJSON is GET /api/v1/labels as the pages read it.
type labelsJSON struct {
	States         map[string]string `json:"states"`
	Actions        map[string]string `json:"actions"`
	AuditActions   map[string]string `json:"audit_actions"`
	Roles          map[string]string `json:"roles"`
	NodeStates     map[string]string `json:"node_states"`
	Colours        map[string]string `json:"colours"`
	Categories     map[string]string `json:"categories"`
	Fields         map[string]string `json:"fields"`
	DeductionRules map[string]string `json:"deduction_rules"`
	NoticeKinds    map[string]string `json:"notice_kinds"`
	OutboxStates   map[string]string `json:"outbox_states"`
	MonthlySources map[string]string `json:"monthly_sources"`
	Channels       map[string]string `json:"channels"`
}

// TestLabels: every signed-in role reads the labels, an anonymous caller
// gets 401, and every code the Go code defines for a state, a role, a
// colour, a kind of mail or an audit action has its Chinese name.
func TestLabels(t *testing.T) {
	e := newEnv(t, "sqlite")
	status, body := e.do("GET", "/api/v1/labels", "", nil)
	if status != 401 {
		t.Fatalf("anonymous: status %d, want 401: %s", status, body)
	}
	decodeError(t, body)
	var l labelsJSON
	for _, role := range []string{"office", "unitA", "unitB", "viewer"} {
		var got labelsJSON
		e.mustDecode("GET", "/api/v1/labels", role, nil, 200, &got)
		if got.States["submitted"] != "已报送" || got.NodeStates["accepted"] != "已通过" {
			t.Fatalf("%s reads states %v, node states %v", role, got.States, got.NodeStates)
		}
		l = got
	}

	consts := workflowConsts(t)
	for _, tt := range []struct {
		typ    string
		labels map[string]string
		min    int
	}{
		{"State", l.States, 6},
		{"NodeState", l.NodeStates, 6},
		{"Action", l.Actions, 6},
		{"Role", l.Roles, 4},
		{"Colour", l.Colours, 3},
		{"NoticeKind", l.NoticeKinds, 3},
		{"OutboxState", l.OutboxStates, 4},
		{"Channel", l.Channels, 3},
	} {
		t.Run("every "+tt.typ+" has a label", func(t *testing.T) {
			codes := consts[tt.typ]
			if len(codes) < tt.min {
				t.Fatalf("found %d constants of type %s in ../workflow, want at least %d: %v", len(codes), tt.typ, tt.min, codes)
			}
			for _, c := range codes {
				if tt.labels[c] == "" {
					t.Errorf("%s %q has no label in %v", tt.typ, c, tt.labels)
				}
			}
		})
	}

	t.Run("the overview's none, the automatic deductions and the monthly sources", func(t *testing.T) {
		if l.States["none"] != "未填报" {
			t.Errorf("states[none] = %q", l.States["none"])
		}
		for _, r := range []string{workflow.RuleLateSubmission, workflow.RuleLateNode, workflow.RuleMissingNode, workflow.RuleMonthlyMissing, workflow.RuleMonthlyLate} {
			if l.DeductionRules[r] == "" {
				t.Errorf("deduction rule %q has no label", r)
			}
		}
		for _, s := range []string{"api", "import"} {
			if l.MonthlySources[s] == "" {
				t.Errorf("monthly source %q has no label", s)
			}
		}
		for _, c := range []string{workflow.CategoryParty, workflow.CategoryBusiness, workflow.CategoryInnovation, "contacts"} {
			if l.Categories[c] == "" {
				t.Errorf("category %q has no label", c)
			}
		}
	})

	t.Run("every audit action has a label", func(t *testing.T) {
		actions := auditActions(t)
		if len(actions) < 15 {
			t.Fatalf("found %d audit actions in ../workflow, want at least 15: %v", len(actions), actions)
		}
		// A state change is audited as "submission." + its action.
		for _, a := range consts["Action"] {
			actions = append(actions, "submission."+a)
		}
		for _, a := range actions {
			if l.AuditActions[a] == "" {
				t.Errorf("audit action %q has no label", a)
			}
		}
	})

	t.Run("a violation's path reads in words", func(t *testing.T) {
		for _, f := range []string{"points", "due", "target", "standard", "evidence", "title", "covers", "email", "mobile", "unit_code"} {
			if l.Fields[f] == "" {
				t.Errorf("field %q has no label", f)
			}
		}
	})
}

// workflowConsts reads the Go source of workflow and its subpackages and
// returns, by type name, the string values of the typed constants.
func workflowConsts(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, f := range parseWorkflow(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			d, ok := n.(*ast.GenDecl)
			if !ok || d.Tok != token.CONST {
				return true
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out[typ.Name] = append(out[typ.Name], s)
					}
				}
			}
			return false
		})
	}
	return out
}

// auditActions returns the actions written literally in the calls that
// write the audit log (a function whose name contains "audit").
func auditActions(t *testing.T) []string {
	t.Helper()
	code := regexp.MustCompile(`^[a-z]+(\.[a-z]+)*$`)
	seen := map[string]bool{}
	for _, f := range parseWorkflow(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if !strings.Contains(strings.ToLower(name), "audit") {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); code.MatchString(s) {
						seen[s] = true
						break
					}
				}
			}
			return true
		})
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// parseWorkflow parses the non-test Go files of ../workflow and below.
func parseWorkflow(t *testing.T) []*ast.File {
	t.Helper()
	var files []*ast.File
	fset := token.NewFileSet()
	err := filepath.WalkDir("../workflow", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
