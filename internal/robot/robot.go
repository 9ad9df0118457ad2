// Package robot sends markdown messages to group robots: WeCom (企业微信)
// group robots and DingTalk (钉钉) custom robots signed with their secret
// (加签). It speaks each robot's documented request and response (the pages
// are cited in workflow/robot.go) and says of every failure whether to try
// again, later, or not at all.
package robot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"kaohe/workflow"
)

// MaxMarkdownBytes bounds a message's markdown: WeCom takes at most 4096
// bytes of UTF-8; DingTalk's limit is larger.
const MaxMarkdownBytes = 4096

// Class says what to do about a failed send.
type Class int

// Classes of failure.
const (
	// Temporary: the robot's server was busy or unreachable, or broke
	// off; try again with backoff.
	Temporary Class = iota
	// Throttled: the robot's rate limit (about 20 messages a minute); try
	// again after Error.After without counting an attempt.
	Throttled
	// Permanent: the robot refused the message for good (a wrong key or
	// signature, a deleted robot or group, a host not allowed); resending
	// as it is would fail again.
	Permanent
)

// Error is a send that failed. Its message never carries the webhook's
// key, token or signature.
type Error struct {
	Kind workflow.RobotKind
	// Status is the HTTP status (0 when there was no answer); Code and
	// Msg the robot's errcode and errmsg.
	Status int
	Code   int
	Msg    string
	Class  Class
	// After is how long a throttled robot should be left alone.
	After time.Duration
}

func (e *Error) Error() string {
	who := e.Kind.Label()
	switch {
	case e.Code != 0:
		return fmt.Sprintf("%s返回错误 %d：%s", who, e.Code, e.Msg)
	case e.Status != 0:
		return fmt.Sprintf("%s返回HTTP %d：%s", who, e.Status, e.Msg)
	}
	return fmt.Sprintf("%s无法访问：%s", who, e.Msg)
}

// Client sends messages to robots. Its zero value is usable: official
// hosts only, a 10-second timeout, the wall clock.
type Client struct {
	// AllowedHosts are the host[:port]s allowed besides the official hosts
	// (robots.allowed_hosts); a robot on any other host is not called.
	AllowedHosts []string
	// Timeout bounds one send, connecting included (10 s when zero).
	Timeout time.Duration
	// Now dates DingTalk's signature (time.Now when nil). DingTalk refuses
	// a timestamp more than an hour from its own clock, so this is the
	// wall clock even when the server runs on a demo clock.
	Now func() time.Time
	// Transport carries the requests (http.DefaultTransport when nil).
	Transport http.RoundTripper
}

// Send delivers title and markdown to r. It follows no redirect. A failure
// is an *Error.
func (c *Client) Send(ctx context.Context, r workflow.Robot, title, markdown string) error {
	fail := func(class Class, msg string) error { return &Error{Kind: r.Kind, Msg: msg, Class: class} }
	if !workflow.AllowedHost(r.Kind, r.Webhook, c.AllowedHosts) {
		return fail(Permanent, "Webhook地址的主机不在允许范围内")
	}
	target, err := url.Parse(r.Webhook)
	if err != nil {
		return fail(Permanent, "Webhook地址格式不正确")
	}
	markdown = truncate(markdown, MaxMarkdownBytes)
	var body any
	switch r.Kind {
	case workflow.RobotWeCom:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": markdown}}
	case workflow.RobotDingTalk:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": title, "text": markdown}}
		q := target.Query()
		ts, sign := Sign(r.Secret, c.now())
		q.Set("timestamp", ts)
		q.Set("sign", sign)
		target.RawQuery = q.Encode()
	default:
		return fail(Permanent, "未知的机器人类型")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(b))
	if err != nil {
		return fail(Permanent, "Webhook地址格式不正确")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	hc := &http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error's text holds the URL, key and signature included:
		// keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(Temporary, fmt.Sprintf("%s内没有应答", timeout))
		}
		return fail(Temporary, err.Error())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return classify(r.Kind, resp.StatusCode, raw)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Sign returns DingTalk's signature parameters for secret at t: the
// timestamp in milliseconds and base64(HMAC-SHA256(key secret,
// timestamp+"\n"+secret)), which the URL's query encoding then escapes.
func Sign(secret string, t time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(t.UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// answer is both robots' response body.
type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// classify reads a robot's answer: errcode 0 is success; each robot's
// codes for "busy" and "too fast" are retried; any other code is final.
func classify(kind workflow.RobotKind, status int, raw []byte) error {
	e := &Error{Kind: kind, Status: status, Class: Permanent}
	switch {
	case status == http.StatusTooManyRequests:
		e.Class, e.After, e.Msg = Throttled, throttle(kind), "请求过多"
		return e
	case status >= 500:
		e.Class, e.Msg = Temporary, "服务器错误"
		return e
	case status >= 300 && status < 400:
		e.Msg = "Webhook地址被重定向（不跟随重定向），请检查地址"
		return e
	case status >= 400:
		e.Msg = "请求被拒绝，请检查Webhook地址"
		return e
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil || a.ErrCode == nil {
		e.Class, e.Msg = Temporary, "应答不是机器人接口的格式"
		return e
	}
	if *a.ErrCode == 0 {
		return nil
	}
	e.Status, e.Code, e.Msg = 0, *a.ErrCode, truncate(a.ErrMsg, 300)
	switch {
	case e.Code == -1:
		e.Class = Temporary // both: system busy, try again later
	case kind == workflow.RobotWeCom && e.Code == 45009,
		kind == workflow.RobotDingTalk && (e.Code == 410100 || e.Code == 130101):
		e.Class, e.After = Throttled, throttle(kind)
	}
	return e
}

// throttle is how long a robot that said "too fast" is left alone: WeCom
// counts 20 messages a minute; DingTalk, past 20 a minute, refuses for 10
// minutes.
func throttle(kind workflow.RobotKind) time.Duration {
	if kind == workflow.RobotDingTalk {
		return 10 * time.Minute
	}
	return time.Minute
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
