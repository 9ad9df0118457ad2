package workflow

import (
	"strings"
	"testing"
)

func TestCheckWebhook(t *testing.T) {
	allowed := []string{"127.0.0.1:8901"}
	tests := []struct {
		name, kind, raw string
		want            string // the canonical URL, or the rule broken
	}{
		{"WeCom as copied", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
			"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"},
		{"DingTalk as copied, spaces around", "dingtalk", "  https://oapi.dingtalk.com/robot/send?access_token=98975521a1b23c02cdd1a9a08c  ",
			"https://oapi.dingtalk.com/robot/send?access_token=98975521a1b23c02cdd1a9a08c"},
		{"official host with its port", "wecom", "https://QYAPI.weixin.qq.com:443/cgi-bin/webhook/send?key=693a91f6-7aaa",
			"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa"},
		{"an allowed test host over http", "dingtalk", "http://127.0.0.1:8901/robot/send?access_token=0123456789",
			"http://127.0.0.1:8901/robot/send?access_token=0123456789"},
		{"unknown kind", "feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", "robot.kind"},
		{"empty", "wecom", "", "robot.webhook.empty"},
		{"not a URL", "wecom", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6", "robot.webhook.invalid"},
		{"plain http to the official host", "wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa", "robot.webhook.https"},
		{"the office's network", "wecom", "http://10.0.0.5/cgi-bin/webhook/send?key=693a91f6-7aaa", "robot.webhook.host"},
		{"loopback not allowed", "dingtalk", "http://127.0.0.1:8902/robot/send?access_token=0123456789", "robot.webhook.host"},
		{"the other robot's host", "dingtalk", "https://qyapi.weixin.qq.com/robot/send?access_token=0123456789", "robot.webhook.host"},
		{"a look-alike host", "wecom", "https://qyapi.weixin.qq.com.evil.cn/cgi-bin/webhook/send?key=693a91f6-7aaa", "robot.webhook.host"},
		{"credentials in the URL", "wecom", "https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa", "robot.webhook.invalid"},
		{"wrong path", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=693a91f6-7aaa", "robot.webhook.path"},
		{"no key", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "robot.webhook.key"},
		{"two keys", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa&key=693a91f6-7bbb", "robot.webhook.key"},
		{"a signed URL pasted", "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=0123456789&timestamp=1&sign=x", "robot.webhook.params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, vs := CheckWebhook(RobotKind(tt.kind), tt.raw, allowed)
			got := w.URL
			if len(vs) > 0 {
				got = vs[0].Rule
				if vs[0].Message == "" || (vs[0].Path != "webhook" && vs[0].Path != "kind") {
					t.Errorf("violation %+v", vs[0])
				}
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(vs) == 0 && !AllowedHost(RobotKind(tt.kind), w.URL, allowed) {
				t.Errorf("a checked webhook is not allowed at send time: %s", w.URL)
			}
		})
	}
	// Taking a host off the list stops the sends to it.
	if AllowedHost(RobotDingTalk, "http://127.0.0.1:8901/robot/send?access_token=0123456789", nil) {
		t.Error("a host no longer allowed is still allowed")
	}
}

func TestCheckRobotSecret(t *testing.T) {
	tests := []struct {
		kind, secret, want string
	}{
		{"dingtalk", "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc", ""},
		{"dingtalk", "", "robot.secret.empty"},
		{"dingtalk", "5a3ecf88f2b3eb50db30", "robot.secret.invalid"}, // the token pasted instead
		{"dingtalk", "SEC 5a3ecf88", "robot.secret.invalid"},
		{"wecom", "", ""},
		{"wecom", "SEC5a3ecf88f2b3eb50db30", "robot.secret.unused"},
	}
	for _, tt := range tests {
		var got string
		if vs := CheckRobotSecret(RobotKind(tt.kind), tt.secret); len(vs) > 0 {
			got = vs[0].Rule
		}
		if got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.kind, tt.secret, got, tt.want)
		}
	}
}

func TestRobotRecipient(t *testing.T) {
	if id, ok := ParseRobotRecipient(RobotRecipient(42)); !ok || id != 42 {
		t.Errorf("robot:42 reads %d %v", id, ok)
	}
	for _, s := range []string{"head@gjz.example.cn", "robot:", "robot:x", "robot:-1", "robot:0"} {
		if _, ok := ParseRobotRecipient(s); ok {
			t.Errorf("%q reads as a robot", s)
		}
	}
	if LastFour("693a91f6-7xxx-5aaa") != "5aaa" || LastFour("abc") != "abc" || !strings.HasSuffix("SEC甘井子区", LastFour("SEC甘井子区")) {
		t.Error("LastFour")
	}
}
