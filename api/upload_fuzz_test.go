package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"testing"
)

// FuzzUpload sends any bytes as the multipart body of an evidence upload,
// with any boundary, to a real server: the answer is never a 5xx, and a
// refusal is in the error shape. Seeds: testdata/fuzz/FuzzUpload, a real
// upload of two files and a note, and an empty form.
//
//	go test ./api/ -run '^$' -fuzz FuzzUpload -fuzztime 10m
func FuzzUpload(f *testing.F) {
	e := newEnv(f, "sqlite")
	node := e.executing()[0].ID
	body, ct := multipartBody(f, "说明", []upFile{{"会议纪要.pdf", pdfOfSize(f, 2000)}, {"../照片.png", evidenceFixture(f, "活动照片.png")}})
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(params["boundary"], body)
	f.Add("x", []byte("--x--\r\n"))
	url := fmt.Sprintf("%s/api/v1/nodes/%d/evidence", e.srv.URL, node)
	token := e.tokens["unitA"]
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		req, err := http.NewRequest("POST", url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mime.FormatMediaType("multipart/form-data", map[string]string{"boundary": boundary}))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%d: %s", resp.StatusCode, out)
		}
		if resp.StatusCode >= 400 {
			var er apiError
			if json.Unmarshal(out, &er) != nil || er.Error.Code == "" {
				t.Fatalf("%d not in the error shape: %s", resp.StatusCode, out)
			}
		}
	})
}
