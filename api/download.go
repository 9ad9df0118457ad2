package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// attachment sends body as a download named name, with fallback as its
// ASCII name ("" derives one from name).
func attachment(c *gin.Context, contentType, name, fallback string, body []byte) {
	c.Header("Content-Disposition", contentDisposition(name, fallback))
	c.Data(http.StatusOK, contentType, body)
}

// contentDisposition is the one attachment header of every download
// (evidence, exports, the object store's signed links): the name as an
// ASCII fallback and as RFC 5987 UTF-8 for Chinese names (RFC 6266),
// without bidirectional controls, which would show a name other than the
// file's (workflow.IsBidiControl). An empty fallback is the name with
// every character outside printable ASCII (and " \ %) replaced by _.
func contentDisposition(name, fallback string) string {
	return disposition("attachment", name, fallback)
}

// disposition is a Content-Disposition of kind (attachment, or inline for
// a file shown in a page) with the names of contentDisposition.
func disposition(kind, name, fallback string) string {
	name = workflow.WithoutBidiControls(name)
	if fallback == "" {
		fallback = name
	}
	var ascii strings.Builder
	for _, r := range fallback {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + pctEncode(name)
}

// pctEncode escapes every byte that is not an RFC 5987 attr-char.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
