package sheets

import (
	"bytes"
	"kaohe/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestBlankAnnexesWorkbook: the blank workbook has the three annexes with
// the plan's indicators, required contents, limits and notes, each
// indicator a block of merged rows.
func TestBlankAnnexesWorkbook(t *testing.T) {
	p := loadPlan(t)
	var buf bytes.Buffer
	if err := BlankAnnexes(p, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != PartySheet+"|"+BusinessSheet+"|"+InnovationSheet {
		t.Fatalf("sheets %s", got)
	}
	get := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ sheet, ref, want string }{
		{PartySheet, "A1", "附件1"},
		{PartySheet, "A2", "各区市县（开放先导区）总工会党建指标表"},
		{PartySheet, "A3", "填报单位："},
		{PartySheet, "D4", "节点不超过3个，可以是6月30日前、9月30日前、11月30日前，最后一个时间节点要设定在11月30日前"},
		{PartySheet, "E4", "不能使用“进一步”“加大”“增强”“积极”等语言表述"},
		{PartySheet, "B5", "党的政治建设（XX分）"},
		{PartySheet, "C5", "工作1（XX分）"},
		{PartySheet, "D7", "节点3：时间、工作目标（XX分）"},
		{PartySheet, "C8", "工作2（XX分）…"},
		{PartySheet, "B21", "党的纪律建设（XX分）"},
		{PartySheet, "A25", "5项党建指标的分值设定区间为：15-25分"},
		{BusinessSheet, "B5", "须包括：1.落实《关于推进全市货车司机等群体入会和集中开展100人以上企业建会攻坚行动的通知》情况；2.须于每月提供会员实名制信息采集数量；"},
		{BusinessSheet, "B33", "推进职工集体福利保障工作（XX分）"}, // B8, no required contents
		{BusinessSheet, "A57", "每项业务指标分值设定区间为4-11分"},
		{InnovationSheet, "A1", "附件3"},
		{InnovationSheet, "A5", "创新工作1（XX分，不超过3分）"},
		{InnovationSheet, "A8", "创新工作2（XX分，不超过3分）"},
		{InnovationSheet, "A11", "最小分值单位为0.5分"},
	} {
		if got := get(c.sheet, c.ref); !strings.Contains(got, c.want) {
			t.Errorf("%s!%s = %q, want it to contain %q", c.sheet, c.ref, got, c.want)
		}
	}
	merged, err := f.GetMergeCells(BusinessSheet)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"A5:A8": false, "B5:B8": false, "C5:C7": false, "B53:B56": false}
	for _, m := range merged {
		if _, ok := want[m.GetStartAxis()+":"+m.GetEndAxis()]; ok {
			want[m.GetStartAxis()+":"+m.GetEndAxis()] = true
		}
	}
	for r, found := range want {
		if !found {
			t.Errorf("%s is not merged", r)
		}
	}
}

// TestBlankAnnexesFollowThePlan: a plan with two nodes per work and one
// innovation item has blocks of that size.
func TestBlankAnnexesFollowThePlan(t *testing.T) {
	p := loadPlan(t)
	p.Nodes.Max, p.Innovation.MaxItems = 2, 1
	tables := blankLayout(p)
	if n := len(tables[0].Rows); n != 5*3 {
		t.Errorf("party rows %d, want 15 (5 indicators × 2 nodes and a line for more works)", n)
	}
	if n := len(tables[2].Rows); n != 2 {
		t.Errorf("innovation rows %d, want 2", n)
	}
	if !strings.Contains(tables[0].Header[3], "节点不超过2个") {
		t.Errorf("header %q", tables[0].Header[3])
	}
}

// TestBlankAnnexesOpenInLibreOffice: LibreOffice reads the Word document
// and the workbook; the text it finds is the plan's.
func TestBlankAnnexesOpenInLibreOffice(t *testing.T) {
	soffice := testenv.LibreOffice(t)
	p := loadPlan(t)
	dir := t.TempDir()
	var docx, xlsx bytes.Buffer
	if err := BlankAnnexesDOCX(p, &docx); err != nil {
		t.Fatal(err)
	}
	if err := BlankAnnexes(p, &xlsx); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	convert := func(src, to string) {
		cmd := exec.CommandContext(t.Context(), soffice, profile, "--headless", "--convert-to", to, "--outdir", dir, src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice --convert-to %s: %v\n%s", to, err, out)
		}
	}
	convert(write("annexes.docx", docx.Bytes()), "txt:Text (encoded):UTF8")
	text, err := os.ReadFile(filepath.Join(dir, "annexes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"附件1", "各区市县（开放先导区）总工会党建指标表", "党的纪律建设（XX分）",
		"附件2", "须包括：1.加强职工思想政治引领和工会意识形态工作情况", "做好督查、信息、统计工作（XX分）",
		"附件3", "创新工作2（XX分，不超过3分）", "如内容较多，可另附文字材料",
		"每项业务指标分值设定区间为4-11分", "不能使用“进一步”“加大”“增强”“积极”等语言表述"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("LibreOffice's text of the Word document lacks %q", want)
		}
	}
	convert(filepath.Join(dir, "annexes.docx"), "pdf")
	convert(write("workbook.xlsx", xlsx.Bytes()), "pdf")
	for _, name := range []string{"annexes.pdf", "workbook.pdf"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("no PDF of %s: %v", name, err)
		}
	}
}
