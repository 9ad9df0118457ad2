package demo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"kaohe/internal/robot/webhook"
	"kaohe/workflow"
)

// Robots stands in for the group robots' servers in the demo: a loopback
// HTTP server that answers WeCom's group robot webhook and DingTalk's
// signed custom robot webhook as their documentation says (the pages are
// cited in workflow/robot.go), and writes every message it accepts as a
// markdown file, one directory per robot, so that a person trying the
// demo reads what each group was told. The server's robot client and the
// outbox's sender reach it over HTTP as they reach the real robots: the
// configuration's robots.allowed_hosts must name its Host.
//
// It checks what the robots check (the key or access token, DingTalk's
// timestamp and signature, a markdown message within WeCom's 4096 bytes)
// but keeps no rate limit: the outbox's sender paces itself to the robots'
// limit anyway.
type Robots struct {
	// Host is 127.0.0.1:PORT, for robots.allowed_hosts; URL is
	// http://Host.
	Host string
	URL  string
	// Dir holds one directory of messages per robot.
	Dir string

	clock workflow.Clock
	srv   *http.Server
	done  chan struct{}

	mu    sync.Mutex
	byKey map[string]*sinkRobot
}

// sinkRobot is one robot the server plays.
type sinkRobot struct {
	kind   workflow.RobotKind
	name   string // its directory under Dir
	label  string // the group's name, in the files' headers
	secret string // DingTalk's signing secret
	n      int    // messages written
}

// StartRobots starts the robots' server on a loopback port; it writes the
// messages under dir, each file named by its number and the time on clock
// it arrived. Close stops it.
func StartRobots(dir string, clock workflow.Clock) (*Robots, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo robots: %w", err)
	}
	r := &Robots{Host: ln.Addr().String(), Dir: dir, clock: clock, done: make(chan struct{}), byKey: map[string]*sinkRobot{}}
	r.URL = "http://" + r.Host
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/webhook/send", r.handleWeCom)
	mux.HandleFunc("/robot/send", r.handleDingTalk)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln) // ErrServerClosed once Close is called
	}()
	return r, nil
}

// Close stops the server.
func (r *Robots) Close() error {
	err := r.srv.Close()
	<-r.done
	return err
}

// WeCom creates a WeCom group robot called label whose messages go to
// Dir/name, and returns its webhook.
func (r *Robots) WeCom(name, label string) string {
	key := r.add(&sinkRobot{kind: workflow.RobotWeCom, name: name, label: label})
	return r.URL + "/cgi-bin/webhook/send?key=" + key
}

// DingTalk creates a DingTalk custom robot with signing (加签) called label
// whose messages go to Dir/name, and returns its webhook and secret.
func (r *Robots) DingTalk(name, label string) (webhook, secret string) {
	secret = "SEC" + randomHex(32)
	token := r.add(&sinkRobot{kind: workflow.RobotDingTalk, name: name, label: label, secret: secret})
	return r.URL + "/robot/send?access_token=" + token, secret
}

func (r *Robots) add(s *sinkRobot) string {
	key := randomHex(16)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byKey[key] = s
	return key
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func (r *Robots) robot(kind workflow.RobotKind, key string) *sinkRobot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.byKey[key]; s != nil && s.kind == kind {
		return s
	}
	return nil
}

// handleWeCom answers as WeCom's group robot: errcode 0, or 93000 for an
// unknown key, 40008 for a message that is not markdown, 44004 for empty
// content, 40058 for content over 4096 bytes.
func (r *Robots) handleWeCom(w http.ResponseWriter, req *http.Request) {
	m, ok := webhook.Read(w, req)
	if !ok {
		return
	}
	s := r.robot(workflow.RobotWeCom, req.URL.Query().Get("key"))
	switch {
	case s == nil:
		webhook.Reply(w, 93000, "invalid webhook url")
	case m.MsgType != "markdown":
		webhook.Reply(w, 40008, "invalid message type")
	case m.Markdown.Content == "":
		webhook.Reply(w, 44004, "empty content")
	case len(m.Markdown.Content) > 4096:
		webhook.Reply(w, 40058, "markdown.content exceed max length 4096")
	default:
		r.keep(w, s, "", m.Markdown.Content)
	}
}

// handleDingTalk answers as DingTalk's custom robot with signing: errcode
// 0, or 400101 for an unknown access token, 310000 for a missing or wrong
// signature or a timestamp more than an hour from the wall clock (DingTalk
// checks it on its own clock), 400105 for a message that is not markdown
// with a title and a text.
func (r *Robots) handleDingTalk(w http.ResponseWriter, req *http.Request) {
	m, ok := webhook.Read(w, req)
	if !ok {
		return
	}
	q := req.URL.Query()
	s := r.robot(workflow.RobotDingTalk, q.Get("access_token"))
	ts, sign := q.Get("timestamp"), q.Get("sign")
	ms, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case s == nil:
		webhook.Reply(w, 400101, "access_token不存在")
	case err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour:
		webhook.Reply(w, 310000, "invalid timestamp")
	case !webhook.Signed(s.secret, ts, sign):
		webhook.Reply(w, 310000, "sign not match")
	case m.MsgType != "markdown" || m.Markdown.Title == "" || m.Markdown.Text == "":
		webhook.Reply(w, 400105, "不支持的消息类型")
	default:
		r.keep(w, s, m.Markdown.Title, m.Markdown.Text)
	}
}

// keep writes an accepted message as the robot's next file and answers
// errcode 0; a file that cannot be written is the robot's "system busy"
// (-1), which the sender tries again.
func (r *Robots) keep(w http.ResponseWriter, s *sinkRobot, title, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now().In(shanghai)
	s.n++
	name := filepath.Join(r.Dir, s.name, fmt.Sprintf("%04d-%s.md", s.n, now.Format("2006-01-02-1504")))
	if err := writeMessage(name, messageHeader(s.kind, s.label, title, now), text); err != nil {
		s.n--
		webhook.Reply(w, -1, "系统繁忙")
		return
	}
	webhook.Reply(w, 0, "ok")
}

// messageHeader is what a message's file says before the message: the
// robot, its group and when it arrived, and DingTalk's title (WeCom's
// messages have none). It ends with a blank line; the message follows
// unchanged.
func messageHeader(kind workflow.RobotKind, label, title string, at time.Time) string {
	h := fmt.Sprintf("> %s“%s”收到于 %s\n", kind.Label(), label, at.In(shanghai).Format("2006年1月2日 15:04"))
	if title != "" {
		h += "> 标题：" + title + "\n"
	}
	return h + "\n"
}

// writeMessage creates name (never over another file) with header and
// text.
func writeMessage(name, header, text string) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, header+text+"\n")
	return errors.Join(err, f.Close())
}
