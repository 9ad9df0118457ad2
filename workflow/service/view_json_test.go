package service

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"kaohe/workflow"
)

// TestViewJSONTakesTheStoredDocument: the 2019 fixture as the service
// stores it takes the fast path of viewJSON, which writes what
// encoding/json writes of the view.
func TestViewJSONTakesTheStoredDocument(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/submission-2019.json")
	if err != nil {
		t.Fatal(err)
	}
	var d workflow.Document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	d.Normalize()
	stored, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !storedCanonically(string(stored)) {
		t.Fatal("the stored form of the fixture is not recognised")
	}
	at := time.Date(2019, 6, 12, 1, 2, 3, 4000, time.UTC)
	sub := &workflow.Submission{Year: 2019, Unit: "gjz", State: workflow.StateReturned, Version: 4, Doc: d,
		Comment: "请修改", Comments: map[string]string{"P1": `<"party":[]>`}, SubmittedAt: &at, Late: true, UpdatedAt: at}
	want, err := json.Marshal(viewOf(sub))
	if err != nil {
		t.Fatal(err)
	}
	got, err := viewJSON(sub, string(stored), func(*SubmissionView) {})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("differs:\n%s\n%s", got, want)
	}
}
