package api_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The index of docs/API.md lies between these two lines; TestAPIDocIndex
// writes it from the route table and the authorization matrix, so that the
// roles it states are those the matrix proves.
const (
	indexStart = "<!-- route index: written by TestAPIDocIndex (KAOHE_WRITE_DOCS=1) -->"
	indexEnd   = "<!-- end of route index -->"
)

var (
	ginParam = regexp.MustCompile(`[:*]([a-z_]+)`)
	docParam = regexp.MustCompile(`\{[a-z_-]+\}`)
)

// docPath writes a gin path the way docs/API.md does: {name} for :name.
func docPath(p string) string {
	return ginParam.ReplaceAllString(p, "{$1}")
}

// allowed reads a matrix status: a caller the route turns away gets 401,
// 403 or 404; any other answer (a 409 of a state, a 422 of a body) means
// the route let the caller in.
func allowed(status int) bool {
	return status != 401 && status != 403 && status != 404
}

// routeIndex is the markdown table of every route with the callers it
// admits, in path order.
func routeIndex(routes gin.RoutesInfo) string {
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	var b strings.Builder
	b.WriteString("| route | anonymous | viewer | the unit itself | another unit | office |\n")
	b.WriteString("| --- | :-: | :-: | :-: | :-: | :-: |\n")
	for _, r := range routes {
		want := authzMatrix[r.Method+" "+r.Path].want
		b.WriteString("| `" + r.Method + " " + docPath(r.Path) + "` |")
		// Columns in matrixRoles' order, without the unknown token, which
		// always fares as anonymous.
		for _, i := range []int{0, 2, 3, 4, 5} {
			mark := " — |"
			if allowed(want[i]) {
				mark = " ✓ |"
			}
			b.WriteString(mark)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestAPIDocIndex: docs/API.md opens with an index of every route and the
// roles that may call it, as the authorization matrix tests them, and
// every route has its own section. KAOHE_WRITE_DOCS=1 rewrites the index.
func TestAPIDocIndex(t *testing.T) {
	const file = "../docs/API.md"
	probe := newEnv(t, "sqlite")
	routes := probe.handler.(*gin.Engine).Routes()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, indexStart), strings.Index(doc, indexEnd)
	if start < 0 || end < start {
		t.Fatalf("docs/API.md has no route index between %q and %q", indexStart, indexEnd)
	}
	index := routeIndex(routes)
	written := strings.TrimSpace(doc[start+len(indexStart) : end])
	if written != strings.TrimSpace(index) {
		if os.Getenv("KAOHE_WRITE_DOCS") == "1" {
			doc = doc[:start+len(indexStart)] + "\n" + index + doc[end:]
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("docs/API.md: route index rewritten")
		} else {
			t.Errorf("docs/API.md's route index is not the route table's; run KAOHE_WRITE_DOCS=1 go test ./api -run TestAPIDocIndex")
		}
	}
	// The sections may name a parameter for what it holds ({code} for a
	// unit, {yyyy-mm} for a month): paths compare with their names erased.
	body := docParam.ReplaceAllString(doc[end:], "{}")
	for _, r := range routes {
		if r.Method == "HEAD" || r.Path == "/" {
			continue
		}
		if !strings.Contains(body, docParam.ReplaceAllString(docPath(r.Path), "{}")) {
			t.Errorf("docs/API.md describes no %s %s", r.Method, docPath(r.Path))
		}
	}
}
