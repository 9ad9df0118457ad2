// Package robottest serves a WeCom group robot and a DingTalk custom robot
// on loopback for tests, answering as each robot's documentation says
// (pages cited in workflow/robot.go):
//
//   - WeCom: POST /cgi-bin/webhook/send?key=KEY with a JSON markdown
//     message; errcode 0, or 93000 for an unknown key, 40008 for another
//     message type, 40058 for content over 4096 bytes, 45009 past 20
//     messages a minute.
//   - DingTalk: POST /robot/send?access_token=TOKEN&timestamp=MS&sign=SIGN;
//     the signature must be base64(HMAC-SHA256(secret, timestamp+"\n"+
//     secret)) and the timestamp within an hour of the server's wall clock,
//     else errcode 310000; 400101 for an unknown token; past 20 messages a
//     minute 410100, and every message for the 10 minutes after.
//
// Rate windows are counted on the clock the test gives (so that a test
// walks past them); timestamps are checked on the wall clock, as DingTalk
// checks them on its own.
package robottest

import (
	"crypto/rand"
	"encoding/hex"
	"kaohe/internal/robot/webhook"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Limit is how many messages a robot takes a minute, unless the test sets
// Server.Limit.
const Limit = 20

// Message is one message a robot accepted.
type Message struct {
	// Kind is wecom or dingtalk; Key the robot's key or access token.
	Kind string
	Key  string
	// Title is DingTalk's markdown title (empty for WeCom); Text the
	// markdown.
	Title string
	Text  string
	// At is when it was accepted, on the test's clock.
	At time.Time
}

// Server is the two robots' server.
type Server struct {
	// URL is http://127.0.0.1:PORT; Host 127.0.0.1:PORT, for
	// robots.allowed_hosts.
	URL  string
	Host string
	// Limit is how many messages a robot takes a minute (robottest.Limit;
	// a test lowers it to play a group that others post to as well).
	Limit int

	clock   func() time.Time
	mu      sync.Mutex
	wecom   map[string]bool
	secrets map[string]string
	got     []Message
	sends   map[string][]time.Time
	blocked map[string]time.Time
	refused map[string][]int
	fail    map[string]webhook.Answer
}

// New starts a server, stopped when t ends; clock counts the rate
// windows (the test's manual clock).
func New(t testing.TB, clock func() time.Time) *Server {
	t.Helper()
	s := &Server{Limit: Limit, clock: clock, wecom: map[string]bool{}, secrets: map[string]string{}, sends: map[string][]time.Time{},
		blocked: map[string]time.Time{}, refused: map[string][]int{}, fail: map[string]webhook.Answer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/webhook/send", s.handleWeCom)
	mux.HandleFunc("/robot/send", s.handleDingTalk)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL, s.Host = srv.URL, srv.Listener.Addr().String()
	return s
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WeCom creates a WeCom robot and returns its webhook and key.
func (s *Server) WeCom() (webhook, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key = random(16)
	s.wecom[key] = true
	return s.URL + "/cgi-bin/webhook/send?key=" + key, key
}

// DingTalk creates a DingTalk robot with signing and returns its webhook,
// access token and secret.
func (s *Server) DingTalk() (webhook, token, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	token, secret = random(32), "SEC"+random(32)
	s.secrets[token] = secret
	return s.URL + "/robot/send?access_token=" + token, token, secret
}

// FailNext makes the robot key answer errcode code to its next message.
func (s *Server) FailNext(key string, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[key] = webhook.Answer{ErrCode: code, ErrMsg: msg}
}

// Messages returns what robot key accepted, in order.
func (s *Server) Messages(key string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.got {
		if m.Key == key {
			out = append(out, m)
		}
	}
	return out
}

// Refused returns the errcodes robot key answered, in order.
func (s *Server) Refused(key string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.refused[key]...)
}

func (s *Server) reply(w http.ResponseWriter, key string, code int, msg string) {
	if code != 0 {
		s.refused[key] = append(s.refused[key], code)
	}
	webhook.Reply(w, code, msg)
}

// failed answers the failure FailNext set for robot key, once, and says
// whether there was one.
func (s *Server) failed(w http.ResponseWriter, key string) bool {
	a, ok := s.fail[key]
	if ok {
		delete(s.fail, key)
		s.reply(w, key, a.ErrCode, a.ErrMsg)
	}
	return ok
}

// limited counts a message of key on the test's clock and says whether it
// is over the limit: blockFor after the limit is passed (DingTalk: 10
// minutes; WeCom: the rest of the minute).
func (s *Server) limited(key string, blockFor time.Duration) bool {
	now := s.clock()
	if until, ok := s.blocked[key]; ok && now.Before(until) {
		return true
	}
	var recent []time.Time
	for _, t := range s.sends[key] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	s.sends[key] = recent
	if len(recent) >= s.Limit {
		if blockFor > 0 {
			s.blocked[key] = now.Add(blockFor)
		}
		return true
	}
	s.sends[key] = append(s.sends[key], now)
	return false
}

func (s *Server) handleWeCom(w http.ResponseWriter, r *http.Request) {
	m, ok := webhook.Read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.URL.Query().Get("key")
	switch {
	case !s.wecom[key]:
		s.reply(w, key, 93000, "invalid webhook url")
	case s.failed(w, key):
	case m.MsgType != "markdown":
		s.reply(w, key, 40008, "invalid message type")
	case m.Markdown.Content == "":
		s.reply(w, key, 44004, "empty content")
	case len(m.Markdown.Content) > 4096:
		s.reply(w, key, 40058, "markdown.content exceed max length 4096")
	case s.limited(key, 0):
		s.reply(w, key, 45009, "api freq out of limit")
	default:
		s.got = append(s.got, Message{Kind: "wecom", Key: key, Text: m.Markdown.Content, At: s.clock()})
		s.reply(w, key, 0, "ok")
	}
}

func (s *Server) handleDingTalk(w http.ResponseWriter, r *http.Request) {
	m, ok := webhook.Read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	token, ts, sign := q.Get("access_token"), q.Get("timestamp"), q.Get("sign")
	secret, known := s.secrets[token]
	ms, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case !known:
		s.reply(w, token, 400101, "access_token不存在")
	case ts == "" || sign == "":
		s.reply(w, token, 310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
	case err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour:
		s.reply(w, token, 310000, "invalid timestamp")
	case !webhook.Signed(secret, ts, sign):
		s.reply(w, token, 310000, "sign not match")
	case s.failed(w, token):
	case m.MsgType != "markdown" || m.Markdown.Title == "" || m.Markdown.Text == "":
		s.reply(w, token, 400105, "不支持的消息类型")
	case s.limited(token, 10*time.Minute):
		s.reply(w, token, 410100, "发送速度太快而限流")
	default:
		s.got = append(s.got, Message{Kind: "dingtalk", Key: token, Title: m.Markdown.Title, Text: m.Markdown.Text, At: s.clock()})
		s.reply(w, token, 0, "ok")
	}
}
