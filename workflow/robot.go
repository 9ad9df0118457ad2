package workflow

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Group robots are a channel beside email: a unit, or the office, registers
// the webhook of a WeCom (企业微信) group robot or of a DingTalk (钉钉)
// custom robot, and every notice that goes to its contacts also goes to the
// group as a markdown message, through the same outbox.
//
// The robots' documentation this follows:
//   - WeCom 群机器人配置说明: https://developer.work.weixin.qq.com/document/path/91770
//     (also https://work.weixin.qq.com/api/doc/90000/90136/91770): POST JSON
//     to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY, markdown
//     content at most 4096 bytes, at most 20 messages a minute per robot;
//     global error codes https://developer.work.weixin.qq.com/document/path/90313
//     (-1 busy: retry; 45009 over the call limit).
//   - DingTalk 自定义机器人接入: https://open.dingtalk.com/document/robots/custom-robot-access
//     and 发送群消息 https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages:
//     POST JSON to https://oapi.dingtalk.com/robot/send?access_token=TOKEN,
//     signed (加签) with timestamp (ms, within an hour of DingTalk's clock)
//     and sign = urlencode(base64(HMAC-SHA256(key=secret, timestamp+"\n"+secret)));
//     at most 20 messages a minute per robot, then throttled for 10 minutes
//     (errcode 410100); 310000 a failed check (signature, timestamp,
//     keywords, IP), 400101/400102/400106/400013 a robot or group that is
//     gone.

// Channel is how an outbox message is delivered.
type Channel string

// Channels.
const (
	ChannelEmail    Channel = "email"
	ChannelWeCom    Channel = "wecom"
	ChannelDingTalk Channel = "dingtalk"
)

// RobotKind is the kind of a group robot: its channel.
type RobotKind = Channel

// Robot kinds.
const (
	RobotWeCom    = ChannelWeCom
	RobotDingTalk = ChannelDingTalk
)

// Robot is one group robot of a unit or of the office. Its webhook and
// secret are credentials: they never leave the server (json "-"); clients
// see the host and the last four characters of each.
type Robot struct {
	ID int64 `json:"id"`
	// Unit owns the robot; "" is the office.
	Unit string    `json:"unit"`
	Kind RobotKind `json:"kind"`
	// Name is what the office and the unit call the group.
	Name string `json:"name"`
	// Webhook is the canonical webhook URL with its key or access token.
	Webhook string `json:"-"`
	// Secret is DingTalk's signing secret (SEC…); empty for WeCom.
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// LastTestAt is when a test message was last sent (nil: never), and
	// LastTestError what the robot answered ("" when it accepted it).
	LastTestAt    *time.Time `json:"last_test_at"`
	LastTestError string     `json:"last_test_error"`
}

// Recipient is the robot's outbox recipient, "robot:<id>".
func (r *Robot) Recipient() string { return RobotRecipient(r.ID) }

// Label is the robot's display name in messages and lists: its name, or
// its kind's when it has none.
func (r *Robot) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Kind.Label()
}

// Label names a channel in Chinese.
func (c Channel) Label() string {
	switch c {
	case ChannelWeCom:
		return "企业微信群机器人"
	case ChannelDingTalk:
		return "钉钉群机器人"
	case ChannelEmail, "":
		return "电子邮件"
	}
	return string(c)
}

// IsRobot reports whether c is a robot's channel.
func (c Channel) IsRobot() bool { return c == ChannelWeCom || c == ChannelDingTalk }

// RobotRecipient is the outbox recipient of robot id.
func RobotRecipient(id int64) string { return "robot:" + strconv.FormatInt(id, 10) }

// ParseRobotRecipient returns the robot id of a recipient "robot:<id>".
func ParseRobotRecipient(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, "robot:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// officialHost is each robot's API host.
var officialHost = map[RobotKind]string{RobotWeCom: "qyapi.weixin.qq.com", RobotDingTalk: "oapi.dingtalk.com"}

// webhookPath and webhookKey are the path and the credential parameter of
// each robot's webhook.
var (
	webhookPath = map[RobotKind]string{RobotWeCom: "/cgi-bin/webhook/send", RobotDingTalk: "/robot/send"}
	webhookKey  = map[RobotKind]string{RobotWeCom: "key", RobotDingTalk: "access_token"}
)

var (
	robotKeyPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)
	robotSecretPattern = regexp.MustCompile(`^SEC[A-Za-z0-9]{8,125}$`)
)

// Webhook is a robot's webhook as the server checked it.
type Webhook struct {
	// URL is the canonical form: scheme, host, path and the one credential
	// parameter.
	URL string
	// Key is the credential (WeCom's key, DingTalk's access_token).
	Key string
}

// CheckWebhook checks a robot's webhook: kind is wecom or dingtalk, the URL
// is https on the robot's official host (qyapi.weixin.qq.com,
// oapi.dingtalk.com), or http(s) on a host[:port] of allowed, with the
// robot's path and its credential as the only query parameter. Any other
// host is refused, so that an account cannot make the server send requests
// into the office's own network. It returns every violation, with paths
// "kind" and "webhook".
func CheckWebhook(kind RobotKind, raw string, allowed []string) (Webhook, []Violation) {
	bad := func(rule, msg string) (Webhook, []Violation) {
		return Webhook{}, []Violation{{Path: "webhook", Rule: rule, Message: msg}}
	}
	if kind != RobotWeCom && kind != RobotDingTalk {
		return Webhook{}, []Violation{{Path: "kind", Rule: "robot.kind", Message: "机器人类型应为 wecom（企业微信）或 dingtalk（钉钉）"}}
	}
	raw = strings.TrimSpace(raw)
	example := "https://" + officialHost[kind] + webhookPath[kind] + "?" + webhookKey[kind] + "=…"
	if raw == "" {
		return bad("robot.webhook.empty", "请填写机器人的Webhook地址（"+example+"）")
	}
	if len(raw) > 1000 {
		return bad("robot.webhook.too_long", "Webhook地址过长")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		return bad("robot.webhook.invalid", "Webhook地址格式不正确，应为 "+example)
	}
	if u.User != nil || u.Fragment != "" {
		return bad("robot.webhook.invalid", "Webhook地址不能包含用户名、密码或#片段")
	}
	host := strings.ToLower(u.Host)
	official := host == officialHost[kind] || host == officialHost[kind]+":443"
	switch {
	case official && u.Scheme != "https":
		return bad("robot.webhook.https", "Webhook地址应以 https:// 开头")
	case official:
		host = officialHost[kind]
	case !slices.Contains(allowed, host):
		return bad("robot.webhook.host", fmt.Sprintf("%s的Webhook地址应在 %s 上，不能是“%s”", kind.Label(), officialHost[kind], u.Host))
	}
	if u.Path != webhookPath[kind] {
		return bad("robot.webhook.path", "Webhook地址的路径应为 "+webhookPath[kind]+"（"+example+"）")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("robot.webhook.invalid", "Webhook地址的参数格式不正确")
	}
	name := webhookKey[kind]
	key := q.Get(name)
	if len(q[name]) != 1 || !robotKeyPattern.MatchString(key) {
		return bad("robot.webhook.key", "Webhook地址缺少有效的 "+name+" 参数（从机器人设置中完整复制）")
	}
	if len(q) != 1 {
		return bad("robot.webhook.params", "Webhook地址只应带 "+name+" 一个参数（请复制机器人设置中的原始地址，签名由系统计算）")
	}
	canonical := url.URL{Scheme: u.Scheme, Host: host, Path: webhookPath[kind], RawQuery: url.Values{name: {key}}.Encode()}
	return Webhook{URL: canonical.String(), Key: key}, nil
}

// CheckRobotSecret checks a robot's signing secret: DingTalk robots must
// sign (加签, the secret starts with SEC); WeCom robots have no secret.
func CheckRobotSecret(kind RobotKind, secret string) []Violation {
	switch {
	case kind == RobotWeCom && secret != "":
		return []Violation{{Path: "secret", Rule: "robot.secret.unused", Message: "企业微信群机器人没有加签密钥，请不要填写secret"}}
	case kind == RobotDingTalk && secret == "":
		return []Violation{{Path: "secret", Rule: "robot.secret.empty", Message: "请在钉钉机器人的安全设置中选择“加签”，并填写以SEC开头的密钥"}}
	case kind == RobotDingTalk && !robotSecretPattern.MatchString(secret):
		return []Violation{{Path: "secret", Rule: "robot.secret.invalid", Message: "加签密钥应为机器人安全设置中以SEC开头的字符串"}}
	}
	return nil
}

// AllowedHost reports whether a webhook may be sent to: it is on its
// kind's official host over https, or on a host[:port] of allowed. The
// senders check it again at send time, so that a robot registered under a
// host the configuration no longer allows is not called.
func AllowedHost(kind RobotKind, webhook string, allowed []string) bool {
	u, err := url.Parse(webhook)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	if u.Scheme == "https" && host == officialHost[kind] {
		return true
	}
	return (u.Scheme == "http" || u.Scheme == "https") && slices.Contains(allowed, host)
}

// LastFour returns the last four characters of a credential, for lists:
// enough to tell two robots apart, too few to use one.
func LastFour(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return string(r)
	}
	return string(r[len(r)-4:])
}
