package jobs

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEMLTempFilesAreNotMessages: while a message is written it has a name
// that a reader globbing the outbox folder for *.eml does not pick up (the
// acceptance test once read a half-written file and got EOF).
func TestEMLTempFilesAreNotMessages(t *testing.T) {
	t.Parallel()
	name := strings.Replace(emlTempPattern, "*", "123456", 1)
	if ok, err := filepath.Match("*.eml", name); err != nil || ok {
		t.Fatalf("the temporary name %q matches *.eml", name)
	}
}
