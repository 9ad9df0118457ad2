package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	"kaohe/workflow"
)

// FuzzDecodeStrict decodes any bytes as the body of a PUT of a
// submission: nothing panics, a refusal is EINVALID (400), and whatever the
// strict decoder accepts, encoding/json accepts too and reads the same
// (so the strictness never changes the meaning of a body). Seeds:
// testdata/fuzz/FuzzDecodeStrict and the 2019 fixture.
//
//	go test ./api/ -run '^$' -fuzz FuzzDecodeStrict -fuzztime 10m
func FuzzDecodeStrict(f *testing.F) {
	valid, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"version":3,"party":[{"code":"P1","points":20.5,"works":[]}],"state":"draft","warnings":[]}`))
	f.Add([]byte(`{"version":0,"party":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var strict documentInput
		err := decodeStrict(b, &strict)
		if err != nil {
			var we *workflow.Error
			if !errors.As(err, &we) || we.Code != workflow.EINVALID || we.Message == "" {
				t.Fatalf("a refusal that is not a 400: %v", err)
			}
			return
		}
		var loose documentInput
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&loose); err != nil {
			t.Fatalf("accepted strictly, refused by encoding/json: %v", err)
		}
		if !reflect.DeepEqual(strict, loose) {
			t.Fatalf("read differently:\n%+v\n%+v", strict, loose)
		}
	})
}
