package api_test

import (
	"kaohe/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// toPDF converts a workbook with LibreOffice and returns the PDF's path.
func toPDF(t *testing.T, name string, xlsx []byte) string {
	t.Helper()
	soffice := testenv.LibreOffice(t)
	dir := t.TempDir()
	src := filepath.Join(dir, name+".xlsx")
	if err := os.WriteFile(src, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	if out, err := exec.CommandContext(t.Context(), soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("libreoffice --convert-to pdf: %v\n%s", err, out)
	}
	return filepath.Join(dir, name+".pdf")
}

// pdfPageTexts returns the text of each page of a PDF (pdftotext).
func pdfPageTexts(t *testing.T, file string) []string {
	t.Helper()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found (apt-get install -y poppler-utils)")
	}
	out, err := exec.CommandContext(t.Context(), pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// TestAnnexWorkbookPrints: the tables' workbook prints on A4 landscape,
// every column on every page (the header row repeated, 完成标准 and 佐证材料
// included), on a handful of pages rather than sixteen.
func TestAnnexWorkbookPrints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.draft()
	xlsx := e.mustDo("GET", subPath+"/export.xlsx", "unitA", nil, 200)
	file := toPDF(t, "annexes", xlsx)
	sizes := pdfPages(t, file)
	texts := pdfPageTexts(t, file)
	if len(sizes) == 0 || len(sizes) > 8 || len(texts) != len(sizes) {
		t.Fatalf("the annexes print on %d pages (%d with text), want 1 to 8", len(sizes), len(texts))
	}
	for i, size := range sizes {
		if size != "842 x 595" {
			t.Errorf("page %d is %s pt, want A4 landscape", i+1, size)
		}
		flat := strings.Join(strings.Fields(texts[i]), "")
		for _, col := range []string{"序时进度", "完成标准", "佐证材料", "填报单位"} {
			if !strings.Contains(flat, col) {
				t.Errorf("page %d lacks %s:\n%s", i+1, col, texts[i][:min(600, len(texts[i]))])
			}
		}
	}
}
