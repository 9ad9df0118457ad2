// Package webhook is the receiving end of the group robots' webhooks, as
// their documentation describes it (the pages are cited in
// workflow/robot.go): the request a robot reads, the signature DingTalk
// checks and the answer it gives. The robots served on loopback use it:
// the demo's (internal/demo) and the tests' (internal/robottest). It is
// apart from the sending client (internal/robot), so that the tests check
// the client's signature with code that does not come from the client.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
)

// Message is a markdown message as either robot receives it: WeCom's
// carries Markdown.Content, DingTalk's Markdown.Title and Markdown.Text.
type Message struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Content string `json:"content"`
		Title   string `json:"title"`
		Text    string `json:"text"`
	} `json:"markdown"`
}

// Read reads a POSTed JSON message of at most 1 MiB; false, with 405 or
// 400 written, when the request is not one.
func Read(w http.ResponseWriter, r *http.Request) (Message, bool) {
	var m Message
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return m, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(b, &m) != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return m, false
	}
	return m, true
}

// Signed checks DingTalk's signature: sign is base64(HMAC-SHA256(key
// secret, ts+"\n"+secret)), ts and sign as the query parser returns them
// (their URL encoding undone).
func Signed(secret, ts, sign string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	got, err := base64.StdEncoding.DecodeString(sign)
	return err == nil && hmac.Equal(got, mac.Sum(nil))
}

// Answer is both robots' response body: errcode 0 for a message taken.
type Answer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Reply writes a robot's answer (status 200, as both robots answer
// refusals too).
func Reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Answer{ErrCode: code, ErrMsg: msg})
}
