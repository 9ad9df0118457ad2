package sheets

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/testenv"
	"kaohe/workflow"
)

// This file writes a unit's tables the way a unit fills annexes 1–3 of the
// notice in Word or Excel, and reads them back.

// annexCell is one cell of an annex table as the test writes it: its text
// and, for a cell merged down over the rows below, how many rows it spans.
type annexCell struct {
	text string
	rows int // 0 or 1: not merged
}

// annexTable is one annex: the lines above it and its rows, header first.
// A row has one entry per column; the cells that a merge above covers are
// left out of the row (nil entries).
type annexTable struct {
	above []string
	rows  [][]*annexCell
}

// The notice's own headers, with the hints it prints under them.
var (
	noticeIndicatorHeader = []string{"序号", "指标\n名称", "具体工作", "序时进度\n（节点不超过3个，最后一个时间节点要设定在11月30日前）",
		"完成标准\n（要可量化；或采用于什么时间、用什么方法、完成哪些工作、达到什么标准的形式表述，不能使用“进一步”“加大”“增强”“积极”等语言表述）",
		"佐证材料\n（侧重于工作成果，过程痕迹尽可能简化）"}
	noticeInnovationHeader = []string{"指标名称", "核心内容", "预期成效", "序时进度\n（节点不超过3个，最后一个时间节点要设定在11月30日前）",
		"完成标准\n（要可量化；或采用于什么时间、用什么方法、完成哪些工作、达到什么标准的形式表述，不能使用“进一步”“加大”“增强”“积极”等语言表述）",
		"佐证材料\n（侧重于工作成果，过程痕迹尽可能简化）"}
)

// noticeNames are the names as the notice writes them where they differ
// from the plan: annex 2 writes B1 with a trailing 工作.
var noticeNames = map[string]string{"B1": "加强基层工会组织建设工作"}

// dateForms writes a checkpoint date in each of the spellings units use.
var dateForms = []func(d workflow.Date) string{
	func(d workflow.Date) string { return fmt.Sprintf("%d月%d日前", d.Month, d.Day) },
	func(d workflow.Date) string { return fmt.Sprintf("%d.%d", d.Month, d.Day) },
	func(d workflow.Date) string { return fmt.Sprintf("%d年%d月%d日前", d.Year, d.Month, d.Day) },
	func(d workflow.Date) string { return d.String() },
}

// workForms writes a work in each of the ways units write it.
var workForms = []func(j int, w workflow.Work) string{
	func(j int, w workflow.Work) string {
		return fmt.Sprintf("工作%d：%s（%s分）", j+1, w.Title, w.Points)
	},
	func(j int, w workflow.Work) string { return fmt.Sprintf("%d.%s（%s分）", j+1, w.Title, w.Points) },
	func(j int, w workflow.Work) string { return fmt.Sprintf("%s(%s分)", w.Title, w.Points) },
}

// annexTables lays doc out as annexes 1–3: the notice's titles and
// headers, indicators and works merged down over their nodes, node cells
// in the annex's form with dates in every spelling, no 须包括 column.
func annexTables(p *workflow.Plan, doc *workflow.Document) []annexTable {
	form := 0
	nodeCell := func(k int, n workflow.Node, sep string) string {
		d := workflow.MustDate(n.Due)
		form++
		return fmt.Sprintf("节点%d%s%s，%s（%s分）", k+1, sep, dateForms[form%len(dateForms)](d), n.Target, n.Points)
	}
	indicators := func(c *workflow.Category, inds []workflow.Indicator) [][]*annexCell {
		rows := [][]*annexCell{cells(noticeIndicatorHeader...)}
		for _, ind := range inds {
			item, _ := c.Item(ind.Code)
			name := item.Name
			if n, ok := noticeNames[ind.Code]; ok {
				name = n
			}
			count := 0
			for _, w := range ind.Works {
				count += len(w.Nodes)
			}
			first := true
			for j, w := range ind.Works {
				for k, n := range w.Nodes {
					row := make([]*annexCell, 6)
					if first {
						row[0] = &annexCell{text: fmt.Sprint(slices.IndexFunc(c.Items, func(it workflow.Item) bool { return it.Code == ind.Code }) + 1), rows: count}
						row[1] = &annexCell{text: fmt.Sprintf("%s（%s分）", name, ind.Points), rows: count}
						first = false
					}
					if k == 0 {
						form++
						row[2] = &annexCell{text: workForms[form%len(workForms)](j, w), rows: len(w.Nodes)}
					}
					row[3] = &annexCell{text: nodeCell(k, n, "：")}
					row[4], row[5] = &annexCell{text: n.Standard}, &annexCell{text: n.Evidence}
					rows = append(rows, row)
				}
			}
		}
		return rows
	}
	innov := [][]*annexCell{cells(noticeInnovationHeader...)}
	for _, it := range doc.Innovation {
		for k, n := range it.Nodes {
			row := make([]*annexCell, 6)
			if k == 0 {
				row[0] = &annexCell{text: fmt.Sprintf("%s（%s分）", it.Title, it.Points), rows: len(it.Nodes)}
				row[1] = &annexCell{text: it.Content, rows: len(it.Nodes)}
				row[2] = &annexCell{text: it.Effect, rows: len(it.Nodes)}
			}
			row[3] = &annexCell{text: nodeCell(k, n, "，")}
			row[4], row[5] = &annexCell{text: n.Standard}, &annexCell{text: n.Evidence}
			innov = append(innov, row)
		}
	}
	return []annexTable{
		{above: []string{"附件1", "各区市县（开放先导区）总工会党建指标表", "填报单位: 甘井子区总工会"}, rows: indicators(&p.Party, doc.Party)},
		{above: []string{p.Party.Note, "附件2", "各区市县（开放先导区）总工会业务指标表", "填报单位: 甘井子区总工会"}, rows: indicators(&p.Business, doc.Business)},
		{above: []string{p.Business.Note, "附件3", "各区市县（开放先导区）总工会创新指标表", "填报单位: 甘井子区总工会"}, rows: innov},
	}
}

func cells(texts ...string) []*annexCell {
	out := make([]*annexCell, len(texts))
	for i, t := range texts {
		out[i] = &annexCell{text: t}
	}
	return out
}

// writeDocx writes the tables as a Word document: each line above a table
// a paragraph, each cell's lines paragraphs, merged cells as w:vMerge.
func writeDocx(t testing.TB, tables []annexTable, after string) []byte {
	t.Helper()
	var body strings.Builder
	para := func(s string) {
		body.WriteString("<w:p>")
		if s != "" {
			body.WriteString(`<w:r><w:t xml:space="preserve">`)
			xml.EscapeText(&body, []byte(s))
			body.WriteString("</w:t></w:r>")
		}
		body.WriteString("</w:p>")
	}
	for _, tb := range tables {
		for _, l := range tb.above {
			para(l)
		}
		body.WriteString("<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr>")
		open := make([]int, len(tb.rows[0])) // rows still covered by a merge above
		for _, row := range tb.rows {
			body.WriteString("<w:tr>")
			for c, cl := range row {
				body.WriteString("<w:tc><w:tcPr>")
				switch {
				case cl == nil && open[c] > 0:
					body.WriteString(`<w:vMerge/></w:tcPr><w:p/></w:tc>`)
					open[c]--
					continue
				case cl != nil && cl.rows > 1:
					body.WriteString(`<w:vMerge w:val="restart"/>`)
					open[c] = cl.rows - 1
				}
				body.WriteString("</w:tcPr>")
				text := ""
				if cl != nil {
					text = cl.text
				}
				for _, l := range strings.Split(text, "\n") {
					para(l)
				}
				body.WriteString("</w:tc>")
			}
			body.WriteString("</w:tr>")
		}
		body.WriteString("</w:tbl>")
	}
	para(after)
	return zipOf(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `<w:sectPr/></w:body></w:document>`,
	})
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeAnnexXLSX writes the tables as a workbook of the unit's own: one
// sheet per annex named Sheet1…, the lines above each table as rows,
// merged cells merged.
func writeAnnexXLSX(t testing.TB, tables []annexTable) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, tb := range tables {
		sheet := fmt.Sprintf("Sheet%d", i+1)
		if i > 0 {
			if _, err := f.NewSheet(sheet); err != nil {
				t.Fatal(err)
			}
		}
		r := 1
		for _, l := range tb.above {
			if err := f.SetCellStr(sheet, cell(1, r), l); err != nil {
				t.Fatal(err)
			}
			r++
		}
		for _, row := range tb.rows {
			for c, cl := range row {
				if cl == nil {
					continue
				}
				if err := f.SetCellStr(sheet, cell(c+1, r), cl.text); err != nil {
					t.Fatal(err)
				}
				if cl.rows > 1 {
					if err := f.MergeCell(sheet, cell(c+1, r), cell(c+1, r+cl.rows-1)); err != nil {
						t.Fatal(err)
					}
				}
			}
			r++
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withoutCovers returns doc's business works without their covers, as a
// table without a 须包括 column gives them.
func withoutCovers(doc *workflow.Document) *workflow.Document {
	out := *doc
	out.Business = slices.Clone(doc.Business)
	for i := range out.Business {
		out.Business[i].Works = slices.Clone(out.Business[i].Works)
		for j := range out.Business[i].Works {
			out.Business[i].Works[j].Covers = nil
			out.Business[i].Works[j].CoversProposed = false
		}
	}
	return &out
}

// TestAnnexTablesImport reads the realistic 2019 tables laid out as the
// notice's annexes, in Word and in Excel: every indicator, work and node
// comes back, whatever spelling of names, works and dates; the business
// works carry proposed covers, each flagged for the unit to confirm and
// none of them wrong.
func TestAnnexTablesImport(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	want := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, want)
	for name, file := range map[string][]byte{
		"docx": writeDocx(t, tables, p.Innovation.Note),
		"xlsx": writeAnnexXLSX(t, tables),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadTables(p, file)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if a, b := jsonOf(t, withoutCovers(got)), jsonOf(t, withoutCovers(want)); a != b {
				t.Fatalf("import changed the tables:\n got %s\nwant %s", a, b)
			}
			proposed := 0
			for i, ind := range got.Business {
				for j, w := range ind.Works {
					if !w.CoversProposed {
						t.Errorf("%s work %d: covers not flagged as proposed", ind.Code, j)
					}
					for _, c := range w.Covers {
						proposed++
						if !slices.Contains(want.Business[i].Works[j].Covers, c) {
							t.Errorf("%s work %q: proposed %s", ind.Code, w.Title, c)
						}
					}
				}
			}
			if proposed < 28 {
				t.Errorf("%d covers proposed, want at least 28 of 30", proposed)
			}
			for _, ind := range got.Party {
				for _, w := range ind.Works {
					if w.CoversProposed || len(w.Covers) > 0 {
						t.Errorf("party work %q has covers", w.Title)
					}
				}
			}
		})
	}
}

// TestAnnexSpellings reads single annex rows written the ways the notice
// and units write them.
func TestAnnexSpellings(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	row := func(seq, name, work, node string) []*annexCell {
		return cells(seq, name, work, node, "完成3次", "通知")
	}
	party := func(rows ...[]*annexCell) annexTable {
		return annexTable{above: []string{"党建指标表"}, rows: append([][]*annexCell{cells(noticeIndicatorHeader...)}, rows...)}
	}
	business := func(rows ...[]*annexCell) annexTable {
		return annexTable{above: []string{"业务指标表"}, rows: append([][]*annexCell{cells(noticeIndicatorHeader...)}, rows...)}
	}
	p1 := row("1", "党的政治建设（20分）", "工作1：学习（20分）", "节点1：11月30日前，学习（20分）")
	b1 := row("1", "加强基层工会组织建设（8分）", "工作1：建会（8分）", "节点1：11月30日前，建会（8分）")
	tests := []struct {
		name string
		row  []*annexCell
		// party: the row is a party row; else a business row.
		party bool
		code  string
		ind   workflow.Points
		work  workflow.Work
	}{
		{"the notice's B1 with 工作", row("1", "加强基层工会组织建设工作（8分）", "工作1：建会（8分）", "节点1：6月30日前，完成建会（8分）"), false,
			"B1", 800, workflow.Work{Title: "建会", Points: 800, Nodes: []workflow.Node{{Due: "2019-06-30", Target: "完成建会", Points: 800}}}},
		{"by number alone", row("3", "", "精准帮扶（6分）", "节点1：9.30 走访100户（6分）"), false,
			"B3", 600, workflow.Work{Title: "精准帮扶", Points: 600, Nodes: []workflow.Node{{Due: "2019-09-30", Target: "走访100户", Points: 600}}}},
		{"a name without punctuation or spaces", row("", "抓好学习教育 做好职工思想文化宣传工作（9分）", "1、宣讲（9分）", "节点1：2019年11月30日前完成宣讲10场（9分）"), false,
			"B2", 900, workflow.Work{Title: "宣讲", Points: 900, Nodes: []workflow.Node{{Due: "2019-11-30", Target: "完成宣讲10场", Points: 900}}}},
		{"a shortened name the number confirms", row("4", "提高职工职业技能（7分）", "竞赛（7分）", "节点1：2019-09-30，竞赛（7分）"), false,
			"B4", 700, workflow.Work{Title: "竞赛", Points: 700, Nodes: []workflow.Node{{Due: "2019-09-30", Target: "竞赛", Points: 700}}}},
		{"points left out: the sums", row("2", "党的思想建设", "工作1：学习", "节点1：6月30日，学习（20分）"), true,
			"P2", 2000, workflow.Work{Title: "学习", Points: 2000, Nodes: []workflow.Node{{Due: "2019-06-30", Target: "学习", Points: 2000}}}},
		{"half-width brackets, full-width digits and 月底", row("5", "党的纪律建设(２０分)", "廉政教育(２０分)", "节点1:１１月底前，廉政教育（２０分）"), true,
			"P5", 2000, workflow.Work{Title: "廉政教育", Points: 2000, Nodes: []workflow.Node{{Due: "2019-11-30", Target: "廉政教育", Points: 2000}}}},
		{"（部分） is part of a title, not points", row("8", "推进职工集体福利保障工作（6分）", "工作1：疗休养（部分）", "节点1：9月30日前，疗休养（6分）"), false,
			"B8", 600, workflow.Work{Title: "疗休养（部分）", Points: 600, Nodes: []workflow.Node{{Due: "2019-09-30", Target: "疗休养", Points: 600}}}},
		{"kaohe's own moved-date note", row("1", "党的政治建设（20分）", "工作1：学习（20分）", "节点1：6月30日前（遇休息日顺延至7月1日），学习（20分）"), true,
			"P1", 2000, workflow.Work{Title: "学习", Points: 2000, Nodes: []workflow.Node{{Due: "2019-06-30", Target: "学习", Points: 2000}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables := []annexTable{party(p1), business(b1)}
			if tt.party {
				tables[0] = party(tt.row)
			} else {
				tables[1] = business(tt.row)
			}
			for format, file := range map[string][]byte{"docx": writeDocx(t, tables, ""), "xlsx": writeAnnexXLSX(t, tables)} {
				got, err := ReadTables(p, file)
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				inds := got.Business
				if tt.party {
					inds = got.Party
				}
				if len(inds) != 1 {
					t.Fatalf("%s: %d indicators", format, len(inds))
				}
				w := inds[0].Works[0]
				w.Covers, w.CoversProposed = nil, false
				for i := range w.Nodes {
					w.Nodes[i].Standard, w.Nodes[i].Evidence = "", ""
				}
				if inds[0].Code != tt.code || inds[0].Points != tt.ind || !reflect.DeepEqual(w, tt.work) {
					t.Fatalf("%s: got %s %s %+v, want %s %s %+v", format, inds[0].Code, inds[0].Points, w, tt.code, tt.ind, tt.work)
				}
			}
		})
	}
}

// TestAnnexErrorsAreLocated: every cell that cannot be read is reported
// at its table and cell, and nothing is imported.
func TestAnnexErrorsAreLocated(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	doc := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, doc)
	tables[0].rows[1][3].text = "节点1：6月31日前，学习（7分）" // no such date (表1!D2)
	tables[0].rows[2][3].text = "节点2：九月底前完成调研"      // no date, no points (表1!D3)
	tables[1].rows[1][1].text = "加强基层工会阵地建设（8分）"    // no such indicator (表2!B2)
	tables[2].rows[1][0].text = "“互联网+”普惠服务（三分）"    // points not a number (表3!A2)
	got, err := ReadTables(p, writeDocx(t, tables, ""))
	we, paths := refusal(t, got != nil, err, "Word文件第", "行")
	if want := []string{"表1!D2", "表1!D3", "表2!B2", "表3!A2"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("paths %v, want %v\n%v", paths, want, we.Details)
	}
	if !strings.Contains(we.Details[0].Message, "6月31日") || !strings.Contains(we.Details[0].Message, "“序时进度”") {
		t.Errorf("first message %q", we.Details[0].Message)
	}
}

// TestAnnexTableSplitAcrossPages: a Word table broken in two (the second
// part without its header, nothing but an empty paragraph between) reads
// as one table.
func TestAnnexTableSplitAcrossPages(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	doc := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, doc)
	biz := tables[1]
	cut := 1
	for i, row := range biz.rows {
		if i > 1 && row[0] != nil { // the first row of an indicator past the middle
			cut = i
			if i > len(biz.rows)/2 {
				break
			}
		}
	}
	first := annexTable{above: biz.above, rows: biz.rows[:cut]}
	second := annexTable{above: []string{""}, rows: biz.rows[cut:]}
	split := []annexTable{tables[0], first, second, tables[2]}
	got, err := ReadTables(p, writeDocx(t, split, ""))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, withoutCovers(got)), jsonOf(t, withoutCovers(doc)); a != b {
		t.Fatalf("split table read differently:\n got %s\nwant %s", a, b)
	}
}

// TestImportRefusesWhatItCannotRead: old binary formats are 415, other
// files 400, and a file that unzips beyond the limits is 413 before it is
// expanded.
func TestImportRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	big := strings.Repeat(" ", MaxDocumentXML+1)
	bigXLSX := strings.Repeat("0", MaxXLSXUnzipped+1)
	tests := []struct {
		name string
		file []byte
		code string
	}{
		{"old .doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), workflow.EUNSUPPORTED},
		{"text", []byte("序号,指标名称\n1,党的政治建设"), workflow.EINVALID},
		{"a zip that is neither", zipOf(t, map[string]string{"a.txt": "x"}), workflow.EINVALID},
		{"document.xml over the limit", zipOf(t, map[string]string{"word/document.xml": big}), workflow.ETOOLARGE},
		{"a workbook over the limit", zipOf(t, map[string]string{"xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": bigXLSX}), workflow.ETOOLARGE},
		{"broken XML", zipOf(t, map[string]string{"word/document.xml": "<w:document><w:body><w:tbl>"}), workflow.EINVALID},
		{"a Word file without tables", writeDocx(t, nil, "正文"), workflow.EVALIDATION},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTables(p, tt.file)
			if got != nil || workflow.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, %v; want %s", got, err, tt.code)
			}
		})
	}
}

var updateFixtures = flag.Bool("update-fixtures", false, "rewrite testdata/annexes-2019.docx and .xlsx from the 2019 fixture")

// annexFixtures are the realistic 2019 tables laid out as the annexes, as
// files, for the API's tests: written by annexTables (-update-fixtures).
var annexFixtures = map[string]func(t testing.TB, tables []annexTable, note string) []byte{
	"../../testdata/annexes-2019.docx": func(t testing.TB, tables []annexTable, note string) []byte { return writeDocx(t, tables, note) },
	"../../testdata/annexes-2019.xlsx": func(t testing.TB, tables []annexTable, _ string) []byte { return writeAnnexXLSX(t, tables) },
}

// TestAnnexFixtures: the annex files in testdata read as the 2019 fixture
// (its covers proposed).
func TestAnnexFixtures(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	want := loadDoc(t, "../../testdata/submission-2019.json")
	for path, write := range annexFixtures {
		if *updateFixtures {
			if err := os.WriteFile(path, write(t, annexTables(p, want), p.Innovation.Note), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadTables(p, b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if a, b := jsonOf(t, withoutCovers(got)), jsonOf(t, withoutCovers(want)); a != b {
			t.Fatalf("%s reads differently (go test -run TestAnnexFixtures -update-fixtures):\n got %s\nwant %s", path, a, b)
		}
	}
}

// TestAnnexFilesSavedByLibreOffice: the annex files opened and saved again
// by an office suite (LibreOffice Writer and Calc, whose XML is not the
// test's: table grids, widths, revision ids, its own merges) read the same.
func TestAnnexFilesSavedByLibreOffice(t *testing.T) {
	t.Parallel()
	soffice := testenv.LibreOffice(t)
	p := loadPlan(t)
	want := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, want)
	dir := t.TempDir()
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	for _, c := range []struct{ name, filter string }{
		{"annexes.docx", `docx:MS Word 2007 XML`},
		{"annexes.xlsx", `xlsx:Calc MS Excel 2007 XML`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(dir, "in", c.name)
			if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
				t.Fatal(err)
			}
			file := writeDocx(t, tables, p.Innovation.Note)
			if strings.HasSuffix(c.name, ".xlsx") {
				file = writeAnnexXLSX(t, tables)
			}
			if err := os.WriteFile(src, file, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			cmd := exec.CommandContext(t.Context(), soffice, profile, "--headless", "--convert-to", c.filter, "--outdir", out, src)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("libreoffice --convert-to %s: %v\n%s", c.filter, err, b)
			}
			saved, err := os.ReadFile(filepath.Join(out, c.name))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(saved, file) {
				t.Fatal("LibreOffice wrote the file unchanged")
			}
			got, err := ReadTables(p, saved)
			if err != nil {
				t.Fatalf("import of LibreOffice's file: %v", err)
			}
			if a, b := jsonOf(t, withoutCovers(got)), jsonOf(t, withoutCovers(want)); a != b {
				t.Fatalf("LibreOffice's file reads differently:\n got %s\nwant %s", a, b)
			}
		})
	}
}

// TestAnnexTableProblems: tables that are missing, lack a column, cannot
// be told apart or come twice are reported, and nothing is imported.
func TestAnnexTableProblems(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	doc := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, doc)
	noEvidence := tables[0]
	noEvidence.rows = append([][]*annexCell{cells(noticeIndicatorHeader[:5]...)}, noEvidence.rows[1:]...)
	untitled := tables[0]
	untitled.above = []string{"表一"}
	untitled.rows = [][]*annexCell{cells(noticeIndicatorHeader...), cells("1", "其他工作（20分）", "工作1：学习（20分）", "节点1：6月30日前，学习（20分）", "3次", "通知")}
	tests := []struct {
		name  string
		file  []byte
		paths []string
		rules []string
	}{
		{"the business table left out", writeDocx(t, []annexTable{tables[0], tables[2]}, ""),
			[]string{BusinessSheet}, []string{RuleImportSheet}},
		{"a header without 佐证材料", writeDocx(t, []annexTable{noEvidence, tables[1]}, ""),
			[]string{"表1!A1"}, []string{RuleImportHeader}},
		{"a table neither title nor names place", writeDocx(t, []annexTable{untitled, tables[1]}, ""),
			[]string{"表1!B1", PartySheet}, []string{RuleImportHeader, RuleImportSheet}},
		{"two party sheets in a workbook", writeAnnexXLSX(t, []annexTable{tables[0], tables[0], tables[1]}),
			[]string{"Sheet2!A4"}, []string{RuleImportDuplicate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTables(p, tt.file)
			var we *workflow.Error
			if got != nil || !errors.As(err, &we) || we.Code != workflow.EVALIDATION {
				t.Fatalf("got %v, %v", got, err)
			}
			var paths, rules []string
			for _, d := range we.Details {
				paths, rules = append(paths, d.Path), append(rules, d.Rule)
			}
			if !reflect.DeepEqual(paths, tt.paths) || !reflect.DeepEqual(rules, tt.rules) {
				t.Fatalf("errors %v %v, want %v %v\n%+v", paths, rules, tt.paths, tt.rules, we.Details)
			}
		})
	}
}

// TestAnnexCellsRepeatedInsteadOfMerged: a unit that writes the 序号, the
// indicator and the work again on every row instead of merging the cells
// gets the same tables.
func TestAnnexCellsRepeatedInsteadOfMerged(t *testing.T) {
	t.Parallel()
	p := loadPlan(t)
	doc := loadDoc(t, "../../testdata/submission-2019.json")
	tables := annexTables(p, doc)
	for _, tb := range tables {
		last := make([]*annexCell, len(tb.rows[0]))
		for _, row := range tb.rows[1:] {
			for c, cl := range row {
				switch {
				case cl == nil && last[c] != nil:
					row[c] = &annexCell{text: last[c].text}
				case cl != nil:
					cl.rows = 0
					last[c] = cl
				}
			}
		}
	}
	got, err := ReadTables(p, writeDocx(t, tables, ""))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, withoutCovers(got)), jsonOf(t, withoutCovers(doc)); a != b {
		t.Fatalf("repeated cells read differently:\n got %s\nwant %s", a, b)
	}
}
