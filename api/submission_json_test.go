package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestSubmissionJSONIsTheView: the GET of a submission, written around the
// stored document, is byte for byte encoding/json's encoding of
// Service.GetSubmission's view, in every state (comments, certification,
// submission dates, a late flag, text that JSON escapes, the office's
// receipt of the tables), and for a stored
// document that is not in the stored form (nulls), which is normalized.
func TestSubmissionJSONIsTheView(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	office := service.Actor{Username: "admin", Role: workflow.RoleOffice}
	check := func(name string) {
		t.Helper()
		v, err := e.svc.GetSubmission(ctx, office, 2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got := e.mustDo("GET", subPath, "unitA", nil, 200)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: GET differs from the view:\n%s\n%s", name, got, want)
		}
	}
	doc := validDoc(t)
	party := doc["party"].([]any)
	party[0].(map[string]any)["works"].([]any)[0].(map[string]any)["title"] = `<b>"引号" & \反斜杠 null</b>` + "\u2028"
	var v subView
	e.mustDecode("PUT", subPath, "unitA", withVersion(doc, 0), 201, &v)
	check("a draft with text to escape")
	doc = validDoc(t)
	e.mustDecode("PUT", subPath, "unitA", withVersion(doc, v.Version), 200, &v)
	check("a draft")
	e.clock.Set(e.plan.DeadlineTime().Add(1))
	e.mustDo("POST", subPath+"/submit", "unitA", nil, 200)
	check("submitted late")
	e.mustDo("POST", subPath+"/return", "office", map[string]any{"comment": "请修改 \"party\":[]", "comments": map[string]string{"P1": "补充", "B1": `"party":[],"business":[],"innovation":[]`}}, 200)
	check("returned with comments")
	e.mustDo("POST", subPath+"/submit", "unitA", nil, 200)
	e.mustDo("POST", subPath+"/certify", "office", map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}}}, 200)
	check("certified")
	e.mustDo("POST", "/api/v1/plans/2019/release", "office", nil, 200)
	check("executing")
	e.mustDo("POST", subPath+"/received", "office", map[string]any{"at": "2019-06-13T09:00:00+08:00", "reason": "纸质报送"}, 200)
	check("with the office's receipt")

	// A document stored with nulls (not through the service) reads back
	// normalized, on the slow path.
	err := e.app.Store.Update(ctx, func(tx service.Tx) error {
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			return err
		}
		prev := sub.Version
		sub.Doc = workflow.Document{Party: []workflow.Indicator{{Code: "P1", Points: 20 * workflow.Point}}}
		sub.Version++
		return tx.UpdateSubmission(sub, prev)
	})
	if err != nil {
		t.Fatal(err)
	}
	check("a document stored with nulls")
	if got := e.mustDo("GET", subPath, "unitA", nil, 200); bytes.Contains(got, []byte("null")) && !bytes.Contains(got, []byte(`"submitted_at":`)) {
		t.Fatalf("nulls in %s", got)
	}
	e.mustDo("GET", "/api/v1/plans/2019/units/zs/submission", "unitB", nil, 404)
	e.mustDo("GET", "/api/v1/plans/2018/units/gjz/submission", "unitA", nil, 404)
}
