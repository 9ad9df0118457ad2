package sheets

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kaohe/workflow"
)

// This file reads a unit's tables back into a document, from kaohe's own
// workbook (Submission) or from the tables a unit filled in the layout of
// annexes 1–3 of the notice, in Excel or in Word (docx.go). Both formats
// become the same thing first, a list of tables of cell texts, and one
// reader understands every spelling the annexes invite:
//
//   - indicators by their number (序号) and by their name, ignoring a trailing
//     工作, spaces and punctuation (annex 2 writes B1 as 加强基层工会组织建设工作)
//     and the points written after it (（20分）, which may be left out: the
//     indicator then has the sum of its works, a work the sum of its nodes);
//   - works written 工作1：名称（10分）, 1.名称（10分） or 名称（10分）;
//   - nodes written 节点1：6月30日前，目标（2分） (the annex's own form), with
//     the date as 6月30日, 6.30, 2019年6月30日 or 2019-06-30;
//   - business tables without a 须包括 column: the covers are proposed from
//     the works' text (workflow.ProposeCovers) and flagged for the unit to
//     confirm (Work.CoversProposed).
//
// Every cell that cannot be read is reported, located by table and cell,
// and then nothing is imported.

// Rule codes of import errors.
const (
	RuleImportFile      = "import.file"
	RuleImportSheet     = "import.sheet.missing"
	RuleImportHeader    = "import.header"
	RuleImportIndicator = "import.indicator.unknown"
	RuleImportPoints    = "import.points"
	RuleImportNode      = "import.node"
	RuleImportOrphan    = "import.row.orphan"
	RuleImportDuplicate = "import.table.duplicate"
)

// Limits of what an import unzips. A real file needs a few hundred KB; the
// limits refuse a zip bomb before it is expanded (413).
const (
	// MaxXLSXUnzipped bounds the total unzipped size of a workbook.
	MaxXLSXUnzipped = 32 << 20
	// MaxDocumentXML bounds word/document.xml of a Word file, the only part
	// read.
	MaxDocumentXML = 8 << 20
)

// oleMagic starts the binary Office formats (.doc, .xls, .wps, .et).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ReadTables reads a unit's tables from a file, .xlsx or .docx, told apart
// by their content, never by their name. It returns no document and an
// *workflow.Error when anything is wrong: EINVALID for a file that is
// neither, EUNSUPPORTED (415) for the old binary formats, ETOOLARGE (413)
// when the file unzips beyond MaxXLSXUnzipped or its document.xml beyond
// MaxDocumentXML, and EVALIDATION listing every cell that cannot be read.
// The document is not validated against the plan's rules (a draft may be
// incomplete).
func ReadTables(p *workflow.Plan, data []byte) (*workflow.Document, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "这是旧版Word/Excel/WPS文件（.doc、.xls、.wps），请另存为.docx或.xlsx后再导入")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, notATable()
	}
	var isWord, isExcel bool
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			isWord = true
		case "xl/workbook.xml":
			isExcel = true
		}
	}
	switch {
	case isWord:
		ts, err := docxTables(zr)
		if err != nil {
			return nil, err
		}
		return readTables(p, ts, true)
	case isExcel:
		f, err := openWorkbook(data)
		if workflow.ErrorCode(err) == workflow.EINVALID {
			return nil, notATable()
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		ts, err := xlsxTables(f)
		if err != nil {
			return nil, err
		}
		return readTables(p, ts, false)
	}
	return nil, notATable()
}

func notATable() error {
	return &workflow.Error{Code: workflow.EINVALID, Message: "无法读取文件，请上传按附件1–3格式填写的.docx或.xlsx指标表（或由本系统导出的.xlsx）",
		Details: []workflow.Violation{{Path: "file", Rule: RuleImportFile, Message: "不是有效的.docx或.xlsx文件"}}}
}

func tooLarge(limit int) error {
	return workflow.Errorf(workflow.ETOOLARGE, "文件解压后超过%dMB的上限", limit>>20)
}

// table is one table as read from a file: cell texts by row and column,
// a merged cell's text in its first cell only.
type table struct {
	// name prefixes the paths of its cells ("附件2 业务指标!C12", "表2!D7").
	name string
	// label names it in messages (“附件2 业务指标”, Word文件第2个表格).
	label string
	// title is the text above the table (the sheet's name and title rows,
	// or the paragraphs before a Word table): it says which annex it is.
	title string
	// named says the sheet's name is one of kaohe's own: a sheet so named
	// must have its header.
	named bool
	// follows says nothing but blank space separates a Word table from
	// the table before it: a table split in two, the second part perhaps
	// without its header.
	follows bool
	// sheet says the table is a worksheet, whose title is its name and
	// the rows above its header (sheetTitle).
	sheet bool
	rows  [][]string

	// header is the header row, -1 when the table continues the one
	// before; cols is the column of each kind (-1: absent), known once
	// either is set.
	header int
	cols   [numCols]int
	known  bool
	kind   string
}

// Column kinds of an annex table.
const (
	colSeq = iota
	colName
	colWork
	colNode
	colStandard
	colEvidence
	colContent
	colEffect
	colCovers
	numCols
)

var colNames = [numCols]string{"序号", "指标名称", "具体工作", "序时进度", "完成标准", "佐证材料", "核心内容", "预期成效", "涵盖须包括事项"}

// headerKinds maps a header cell, without spaces and without what it says
// in brackets (序时进度（节点不超过3个…）), to its column kind.
var headerKinds = map[string]int{
	"序号": colSeq, "指标名称": colName, "具体工作": colWork, "序时进度": colNode,
	"完成标准": colStandard, "佐证材料": colEvidence, "核心内容": colContent, "预期成效": colEffect,
	"涵盖须包括事项": colCovers, "须包括事项": colCovers, "须包括": colCovers, "须包括内容": colCovers,
}

var (
	bracketed = regexp.MustCompile(`（[^）]*）|\([^)]*\)`)
	spaces    = regexp.MustCompile(`\s+`)
)

func headerKey(s string) string {
	return spaces.ReplaceAllString(bracketed.ReplaceAllString(s, ""), "")
}

// maxHeaderRow is how far down a header is looked for (title rows above).
const maxHeaderRow = 10

// findHeader finds the header row: the first with at least three known
// column names, among them 指标名称 and 序时进度.
func (t *table) findHeader() bool {
	for i := 0; i < len(t.rows) && i < maxHeaderRow; i++ {
		var cols [numCols]int
		for k := range cols {
			cols[k] = -1
		}
		n := 0
		for j, v := range t.rows[i] {
			if k, ok := headerKinds[headerKey(v)]; ok && cols[k] < 0 {
				cols[k] = j
				n++
			}
		}
		if n >= 3 && cols[colName] >= 0 && cols[colNode] >= 0 {
			t.header, t.cols, t.known = i, cols, true
			return true
		}
	}
	return false
}

// importer collects every error of a file before any is reported.
type importer struct {
	plan *workflow.Plan
	errs []workflow.Violation
}

// fail records an error at the cell of row and col (0-based) of t.
func (im *importer) fail(t *table, row, col int, rule, format string, args ...any) {
	where := fmt.Sprintf("%s第%d行", t.label, row+1)
	for k, c := range t.cols {
		if t.known && c == col && col >= 0 {
			where += "“" + colNames[k] + "”"
			break
		}
	}
	im.errs = append(im.errs, workflow.Violation{
		Path:    fmt.Sprintf("%s!%s", t.name, cell(col+1, row+1)),
		Rule:    rule,
		Message: where + "：" + fmt.Sprintf(format, args...),
	})
}

// failTable records an error about a whole table or a missing one.
func (im *importer) failTable(path, rule, format string, args ...any) {
	im.errs = append(im.errs, workflow.Violation{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// readTables finds the annex tables among ts, works out which annex each
// one is, and reads them. word says the file is a Word document, whose
// tables are told apart by the text above them.
func readTables(p *workflow.Plan, ts []*table, word bool) (*workflow.Document, error) {
	im := &importer{plan: p}
	a := im.sortTables(ts, word)
	if a.found == 0 && len(im.errs) == 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "文件中没有按附件1–3格式填写的指标表，未导入任何内容",
			Details: []workflow.Violation{{Path: "file", Rule: RuleImportSheet, Message: "没有找到表头为“序号、指标名称、具体工作、序时进度、完成标准、佐证材料”的表格"}}}
	}
	doc := im.document(a)
	if len(im.errs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION,
			Message: fmt.Sprintf("指标表有%d处无法导入，未导入任何内容", len(im.errs)), Details: im.errs}
	}
	doc.Normalize()
	return doc, nil
}

// sortedTables is a file's tables sorted by the annex each one is.
type sortedTables struct {
	// byKind holds each category's tables in file order: a table split
	// across pages or sheets comes in parts.
	byKind map[string][]*table
	// attempted names the annexes with a table that could not be read, so
	// that their absence is not reported too.
	attempted map[string]bool
	// found counts the tables with a header.
	found int
}

// sortTables works out which annex each of ts is. In a workbook each
// annex has one sheet, so a second table of the same kind is
// RuleImportDuplicate; in a Word document one annex may be several tables.
func (im *importer) sortTables(ts []*table, word bool) sortedTables {
	a := sortedTables{byKind: map[string][]*table{}, attempted: map[string]bool{}}
	var prev *table // the table a headerless one after it may continue
	for _, t := range ts {
		found := t.findHeader()
		if t.sheet {
			t.title = sheetTitle(t)
		}
		if !found {
			prev = im.headerless(t, prev, &a)
			continue
		}
		a.found++
		if !im.classify(t) {
			a.attempted[t.kind] = true
			prev = nil
			continue
		}
		if !word && len(a.byKind[t.kind]) > 0 {
			im.fail(t, t.header, 0, RuleImportDuplicate, "与“%s”重复，每种指标只能有一张表", a.byKind[t.kind][0].name)
			continue
		}
		a.byKind[t.kind] = append(a.byKind[t.kind], t)
		prev = t
	}
	return a
}

// headerless sorts a table without a header: the second part of prev
// split across pages, an annex (by its name or title) whose header is
// missing, or no annex table at all. It returns the table a next one may
// continue.
func (im *importer) headerless(t, prev *table, a *sortedTables) *table {
	switch {
	case prev != nil && t.follows && len(t.rows) > 0 && len(t.rows[0]) == len(prev.rows[0]):
		t.header, t.cols, t.known, t.kind = -1, prev.cols, true, prev.kind
		a.byKind[t.kind] = append(a.byKind[t.kind], t)
		return t
	case t.named || annexOf(t.title) != "":
		row := 0
		if t.named {
			row = headerRow - 1
		}
		a.attempted[annexOf(t.title)] = true
		want := indicatorHeader
		if annexOf(t.title) == workflow.CategoryInnovation {
			want = innovHeader
		}
		im.fail(t, row, 0, RuleImportHeader, "找不到表头，表头应为“%s”", strings.Join(want, "、"))
		return nil
	default:
		return nil // not an annex table: not continued either
	}
}

// document reads the sorted tables into a document. The party and
// business annexes are required; a missing one is reported unless a table
// of it was already reported as unreadable.
func (im *importer) document(a sortedTables) *workflow.Document {
	doc := &workflow.Document{}
	for _, k := range []struct {
		kind  string
		sheet string
	}{{workflow.CategoryParty, PartySheet}, {workflow.CategoryBusiness, BusinessSheet}} {
		if len(a.byKind[k.kind]) == 0 {
			if !a.attempted[k.kind] {
				c := im.plan.Category(k.kind)
				im.failTable(k.sheet, RuleImportSheet, "缺少附件%d%s表", c.Annex, c.Name)
			}
			continue
		}
		inds := im.indicators(im.plan.Category(k.kind), a.byKind[k.kind])
		if k.kind == workflow.CategoryParty {
			doc.Party = inds
		} else {
			doc.Business = inds
		}
	}
	doc.Innovation = im.innovation(a.byKind[workflow.CategoryInnovation])
	return doc
}

// annexOf says which annex a table's title names ("" when none): the
// name written last, nearest the table (the 备注 of the annex before it
// may name another).
func annexOf(title string) string {
	t := spaces.ReplaceAllString(title, "")
	kind, last := "", -1
	for _, k := range []struct{ word, kind string }{
		{"党建指标", workflow.CategoryParty}, {"业务指标", workflow.CategoryBusiness}, {"创新指标", workflow.CategoryInnovation},
	} {
		if i := strings.LastIndex(t, k.word); i > last {
			kind, last = k.kind, i
		}
	}
	return kind
}

// classify works out which annex t is: annex 3 by its columns, annexes 1
// and 2 by the title above the table, or else by the indicators it names.
// It checks that the columns the annex needs are there.
func (im *importer) classify(t *table) bool {
	innov := t.cols[colContent] >= 0 || t.cols[colEffect] >= 0
	switch title := annexOf(t.title); {
	case innov:
		t.kind = workflow.CategoryInnovation
	case title == workflow.CategoryParty || title == workflow.CategoryBusiness:
		t.kind = title
	default:
		party, business := 0, 0
		for _, row := range t.rows[t.header+1:] {
			name := at(row, t.cols[colName])
			if _, ok := matchName(&im.plan.Party, name); ok {
				party++
			}
			if _, ok := matchName(&im.plan.Business, name); ok {
				business++
			}
		}
		switch {
		case party > business:
			t.kind = workflow.CategoryParty
		case business > party:
			t.kind = workflow.CategoryBusiness
		default:
			im.fail(t, t.header, t.cols[colName], RuleImportHeader, "无法判断是党建指标表还是业务指标表：表格上方应有标题（如“党建指标表”），或指标名称应与考核方案一致")
			return false
		}
	}
	need := []int{colName, colWork, colNode, colStandard, colEvidence}
	if t.kind == workflow.CategoryInnovation {
		need = []int{colName, colContent, colEffect, colNode, colStandard, colEvidence}
	}
	var missing []string
	for _, k := range need {
		if t.cols[k] < 0 {
			missing = append(missing, "“"+colNames[k]+"”")
		}
	}
	if len(missing) > 0 {
		im.fail(t, t.header, 0, RuleImportHeader, "表头缺少%s列", strings.Join(missing, ""))
		return false
	}
	return true
}

// at returns row[col], "" when col is absent or beyond the row.
func at(row []string, col int) string {
	if col < 0 || col >= len(row) {
		return ""
	}
	return row[col]
}

// line is one data row of a table.
type line struct {
	t   *table
	n   int // 0-based row index in t.rows
	row []string
}

func (l line) get(k int) string { return at(l.row, l.t.cols[k]) }

func (l line) has(k int) bool { return strings.TrimSpace(l.get(k)) != "" }

// lines returns the data rows of tables (the parts of one annex), up to
// each part's 备注 line, blank rows and rows with only a 序号 left out.
func lines(ts []*table) []line {
	var out []line
	for _, t := range ts {
		for i := t.header + 1; i < len(t.rows); i++ {
			l := line{t: t, n: i, row: t.rows[i]}
			if isNote(l.row) {
				break
			}
			content := false
			for k := colName; k < numCols; k++ {
				if l.has(k) {
					content = true
				}
			}
			if content {
				out = append(out, l)
			}
		}
	}
	return out
}

// isNote reports whether a row is the 备注 line that closes a table.
func isNote(row []string) bool {
	for _, v := range row {
		if v = strings.TrimSpace(v); v != "" {
			return strings.HasPrefix(v, "备注")
		}
	}
	return false
}

// Points written after a name: （20分）, (20分), （ 20 分 ）.
const pointsSuffixRe = `[（(]\s*([-+]?[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*分\s*[)）]\s*$`

// The forms kaohe's own export writes, read back verbatim so that an
// export imports to the very same document.
var (
	reIndicator = regexp.MustCompile(`(?s)^(.*?)（(-?[0-9]+(?:\.[0-9]+)?)分）$`)
	reWork      = regexp.MustCompile(`(?s)^工作\d+[：:](.*)（(-?[0-9]+(?:\.[0-9]+)?)分）$`)
	reNode      = regexp.MustCompile(`(?s)^节点\d+[：:，,]\s*([^，,]*)[，,](.*)（(-?[0-9]+(?:\.[0-9]+)?)分）$`)
	reTitle     = regexp.MustCompile(`(?s)^(.*)（(-?[0-9]+(?:\.[0-9]+)?)分）$`)

	rePoints     = regexp.MustCompile(`(?s)^(.*?)` + pointsSuffixRe)
	reWorkPrefix = regexp.MustCompile(`^\s*(?:工作\s*[0-9０-９]+\s*[：:、.．，,]?|[0-9０-９]+\s*[、.．]|[（(][0-9０-９一二三四五六七八九十]+[)）])\s*`)
	reNodePrefix = regexp.MustCompile(`^\s*节点\s*[0-9０-９]*\s*[：:，,、.．]?\s*`)
	reOrdinal    = regexp.MustCompile(`^\s*(?:[0-9０-９]+|[一二三四五六七八九十]+|[（(][0-9０-９一二三四五六七八九十]+[)）])\s*[、.．]?\s*`)
)

// narrowDigits writes full-width digits and the full-width point as ASCII.
func narrowDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		}
		return r
	}, s)
}

// reAnyPoints finds points that are meant but not a number: （三分）, the
// template's （XX分）. （部分） is text.
var reAnyPoints = regexp.MustCompile(`(?s)^(.*?)[（(]\s*([0-9０-９.．一二三四五六七八九十百半两XxＸｘ]+)\s*分\s*[)）]\s*$`)

// splitPoints cuts the points written at the end of s. has is false when
// there are none; points that are not a number (（三分）) are an error
// (recorded; ok false).
func (im *importer) splitPoints(l line, col int, s string) (rest string, pts workflow.Points, has, ok bool) {
	m := rePoints.FindStringSubmatch(s)
	if m == nil {
		if m = reAnyPoints.FindStringSubmatch(s); m != nil {
			im.fail(l.t, l.n, col, RuleImportPoints, "分值“%s”应为数字，如（5分）", strings.TrimSpace(m[2]))
			return m[1], 0, true, false
		}
		return s, 0, false, true
	}
	v, err := workflow.ParsePoints(narrowDigits(m[2]))
	if err != nil {
		im.fail(l.t, l.n, col, RuleImportPoints, "分值“%s”有误：%v", m[2], err)
		return m[1], 0, true, false
	}
	return m[1], v, true, true
}

func (im *importer) points(l line, col int, text string) (workflow.Points, bool) {
	p, err := workflow.ParsePoints(text)
	if err != nil {
		im.fail(l.t, l.n, col, RuleImportPoints, "分值“%s”有误：%v", text, err)
		return 0, false
	}
	return p, true
}

// nameKey is an indicator name as compared: no ordinal before it, no
// points after it, no spaces, punctuation or symbols, no trailing 工作.
func nameKey(s string) string {
	if m := rePoints.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = reOrdinal.ReplaceAllString(s, "")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return strings.TrimSuffix(b.String(), "工作")
}

// matchName returns the code of the indicator of c that name names, by its
// name or its code.
func matchName(c *workflow.Category, name string) (string, bool) {
	k := nameKey(name)
	if k == "" {
		return "", false
	}
	for _, it := range c.Items {
		if nameKey(it.Name) == k || strings.EqualFold(it.Code, k) {
			return it.Code, true
		}
	}
	return "", false
}

// seqNumber reads a 序号 cell: "1", "1.", "（1）".
func seqNumber(s string) (int, bool) {
	s = strings.Trim(narrowDigits(strings.TrimSpace(s)), "、.（）() ")
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// indicator reads the 序号 and 指标名称 cells of a new indicator.
func (im *importer) indicator(c *workflow.Category, l line) (ind workflow.Indicator, hasPoints, ok bool) {
	seqText, name := strings.TrimSpace(l.get(colSeq)), strings.TrimSpace(l.get(colName))
	var pts workflow.Points
	label := name
	// Bad points are recorded and the indicator is still read, so that
	// the rows below it are read (and checked) too.
	if m := reIndicator.FindStringSubmatch(name); m != nil {
		label, hasPoints = m[1], true
		pts, _ = im.points(l, l.t.cols[colName], m[2])
	} else {
		rest, p, has, _ := im.splitPoints(l, l.t.cols[colName], name)
		label, pts, hasPoints = strings.TrimSpace(rest), p, has
	}
	byName, named := matchName(c, label)
	byNumber := ""
	if n, isNum := seqNumber(seqText); isNum && n >= 1 && n <= len(c.Items) {
		byNumber = c.Items[n-1].Code
	}
	code := ""
	switch near := nearNames(c, label); {
	case named && byNumber != "" && byName != byNumber:
		it, _ := c.Item(byNumber)
		im.fail(l.t, l.n, l.t.cols[colSeq], RuleImportIndicator, "序号%s是“%s”，与指标名称“%s”不一致", seqText, it.Name, label)
	case named:
		code = byName
	case label == "" && byNumber != "":
		code = byNumber
	case byNumber != "" && slices.Contains(near, byNumber):
		code = byNumber // a shortened name the number confirms
	case byNumber == "" && len(near) == 1:
		code = near[0]
	case label == "":
		im.fail(l.t, l.n, l.t.cols[colSeq], RuleImportIndicator, "序号“%s”不是%s的指标序号（1–%d）", seqText, c.Name, len(c.Items))
	default:
		im.fail(l.t, l.n, l.t.cols[colName], RuleImportIndicator, "“%s”不是%s的指标", label, c.Name)
	}
	if code == "" {
		return ind, false, false
	}
	return workflow.Indicator{Code: code, Points: pts, Works: []workflow.Work{}}, hasPoints, true
}

// minNear is the shortest name key that matches an indicator whose name
// contains it (or that it contains).
const minNear = 4

// nearNames returns the codes of the indicators of c whose name contains
// name's key, or is contained in it.
func nearNames(c *workflow.Category, name string) []string {
	k := nameKey(name)
	if utf8.RuneCountInString(k) < minNear {
		return nil
	}
	var out []string
	for _, it := range c.Items {
		ik := nameKey(it.Name)
		if strings.Contains(ik, k) || strings.Contains(k, ik) {
			out = append(out, it.Code)
		}
	}
	return out
}

// work reads a 具体工作 cell. Bad points are recorded and the work is still
// read, so that its nodes are checked too.
func (im *importer) work(l line) (w workflow.Work, hasPoints bool) {
	text := l.get(colWork)
	col := l.t.cols[colWork]
	if m := reWork.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
		pts, _ := im.points(l, col, m[2])
		return workflow.Work{Title: m[1], Points: pts, Nodes: []workflow.Node{}}, true
	}
	rest, pts, has, _ := im.splitPoints(l, col, strings.TrimSpace(text))
	title := strings.TrimSpace(reWorkPrefix.ReplaceAllString(rest, ""))
	return workflow.Work{Title: title, Points: pts, Nodes: []workflow.Node{}}, has
}

// addNode reads the node of l, when l has one (a 序时进度, standard or
// evidence cell), into nodes: those of the work or innovation item above
// it. A node under none (nodes nil) is RuleImportOrphan, orphan saying
// what it lacks.
func (im *importer) addNode(l line, nodes *[]workflow.Node, orphan string) {
	if !l.has(colNode) && !l.has(colStandard) && !l.has(colEvidence) {
		return
	}
	if nodes == nil {
		im.fail(l.t, l.n, l.t.cols[colNode], RuleImportOrphan, "%s", orphan)
		return
	}
	if nd, ok := im.node(l); ok {
		*nodes = append(*nodes, nd)
	}
}

// node reads a 序时进度 cell and the standard and evidence beside it.
func (im *importer) node(l line) (workflow.Node, bool) {
	text := strings.TrimSpace(l.get(colNode))
	col := l.t.cols[colNode]
	standard, evidence := l.get(colStandard), l.get(colEvidence)
	if m := reNode.FindStringSubmatch(text); m != nil {
		if due, ok := im.due(m[1]); ok {
			pts, ok := im.points(l, col, m[3])
			return workflow.Node{Due: due, Target: m[2], Points: pts, Standard: standard, Evidence: evidence}, ok
		}
	}
	s := narrowDigits(text)
	rest, pts, has, ok := im.splitPoints(l, col, s)
	if !ok {
		return workflow.Node{}, false
	}
	s = reNodePrefix.ReplaceAllString(rest, "")
	d, after, found, err := leadingDate(s, im.plan.Year)
	switch {
	case err != nil:
		im.fail(l.t, l.n, col, RuleImportNode, "%v", err)
		return workflow.Node{}, false
	case !found:
		im.fail(l.t, l.n, col, RuleImportNode, "序时进度应写作“节点1：6月30日前，工作目标（5分）”，没有可识别的时间：“%s”", text)
		return workflow.Node{}, false
	case !has:
		im.fail(l.t, l.n, col, RuleImportNode, "序时进度应在末尾写明分值，如“（5分）”：“%s”", text)
		return workflow.Node{}, false
	}
	target := strings.TrimLeftFunc(afterDate(after), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("，,：:、；;。", r)
	})
	return workflow.Node{Due: d.String(), Target: strings.TrimSpace(target), Points: pts, Standard: standard, Evidence: evidence}, true
}

// due reads the date part of kaohe's own node form: "" or a date with
// nothing after it but 前 and a note that it moved. ok is false when it
// is not that (the cell is then read as the annexes write it).
func (im *importer) due(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	d, after, found, err := leadingDate(narrowDigits(s), im.plan.Year)
	if err != nil || !found || strings.TrimSpace(afterDate(after)) != "" {
		return "", false
	}
	return d.String(), true
}

var reMovedNote = regexp.MustCompile(`^\s*[（(]\s*遇[^）)]*顺延[^）)]*[）)]`)

// afterDate drops what may follow a node's date before its target: 前,
// 之前, 以前, and the note that a day off moved it (（遇休息日顺延至7月1日）).
func afterDate(s string) string {
	s = strings.TrimLeft(s, " \t")
	for _, w := range []string{"之前", "以前", "前"} {
		if strings.HasPrefix(s, w) {
			s = s[len(w):]
			break
		}
	}
	return reMovedNote.ReplaceAllString(s, "")
}

var (
	reDateYMD   = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]`)
	reDateISO   = regexp.MustCompile(`^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})`)
	reDateMD    = regexp.MustCompile(`^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]`)
	reDateMEnd  = regexp.MustCompile(`^(\d{1,2})\s*月\s*(?:底|末)`)
	reDateDot   = regexp.MustCompile(`^(\d{1,2})[./](\d{1,2})`)
	errBadMonth = errors.New("月份有误")
)

// leadingDate reads the date s starts with: 2019年6月30日, 2019-06-30,
// 2019.6.30, 6月30日, 6月底, 6.30 (year: the plan's). found is false when
// s starts with none; err is set for an impossible date (6月31日).
func leadingDate(s string, year int) (d workflow.Date, rest string, found bool, err error) {
	s = strings.TrimLeft(s, " \t")
	var y, m, day int
	var n int
	switch {
	case reDateYMD.MatchString(s):
		g := reDateYMD.FindStringSubmatch(s)
		y, m, day, n = atoi(g[1]), atoi(g[2]), atoi(g[3]), len(g[0])
	case reDateISO.MatchString(s):
		g := reDateISO.FindStringSubmatch(s)
		y, m, day, n = atoi(g[1]), atoi(g[2]), atoi(g[3]), len(g[0])
	case reDateMD.MatchString(s):
		g := reDateMD.FindStringSubmatch(s)
		y, m, day, n = year, atoi(g[1]), atoi(g[2]), len(g[0])
	case reDateMEnd.MatchString(s):
		g := reDateMEnd.FindStringSubmatch(s)
		y, m, n = year, atoi(g[1]), len(g[0])
		if m < 1 || m > 12 {
			return d, s, true, fmt.Errorf("“%s”的%w", g[0], errBadMonth)
		}
		day = time.Date(y, time.Month(m)+1, 0, 12, 0, 0, 0, time.UTC).Day()
	case reDateDot.MatchString(s):
		g := reDateDot.FindStringSubmatch(s)
		if r, _ := utf8.DecodeRuneInString(s[len(g[0]):]); unicode.IsDigit(r) {
			return d, s, false, nil
		}
		y, m, day, n = year, atoi(g[1]), atoi(g[2]), len(g[0])
	default:
		return d, s, false, nil
	}
	text := s[:n]
	d, err = workflow.ParseDate(fmt.Sprintf("%04d-%02d-%02d", y, m, day))
	if err != nil {
		return d, s, true, fmt.Errorf("“%s”不是有效日期", text)
	}
	return d, s[n:], true, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// indicators reads the indicator tables of c (the parts of one annex).
func (im *importer) indicators(c *workflow.Category, ts []*table) []workflow.Indicator {
	out := []workflow.Indicator{}
	var written writtenPoints
	covers := ts[0].cols[colCovers] >= 0
	var ind *workflow.Indicator
	var nodes *[]workflow.Node // the current work's
	// A 序号, name or work written again in the next row (cells not
	// merged) continues the one above.
	var indSeq, indName, workText string
	// After a bad indicator its following rows are skipped quietly: one
	// mistake is reported once, not again for every row below it.
	skipInd := false
	for _, l := range lines(ts) {
		if seq, name := strings.TrimSpace(l.get(colSeq)), strings.TrimSpace(l.get(colName)); seq != "" || name != "" {
			if fresh := (name != "" && name != indName) || (name == "" && seq != indSeq); fresh {
				indSeq, indName, workText = seq, name, ""
				i, has, ok := im.indicator(c, l)
				if !ok {
					ind, nodes, skipInd = nil, nil, true
					continue
				}
				skipInd = false
				out = append(out, i)
				written.ind = append(written.ind, has)
				written.works = append(written.works, nil)
				ind, nodes = &out[len(out)-1], nil
			}
		}
		if skipInd {
			continue
		}
		if l.has(colWork) {
			if ind == nil {
				im.fail(l.t, l.n, l.t.cols[colWork], RuleImportOrphan, "具体工作不属于任何指标")
				continue
			}
			if text := strings.TrimSpace(l.get(colWork)); text != workText {
				workText = text
				w, has := im.work(l)
				if covers {
					w.Covers = im.covered(c, l.get(colCovers))
				}
				ind.Works = append(ind.Works, w)
				written.works[len(written.works)-1] = append(written.works[len(written.works)-1], has)
				nodes = &ind.Works[len(ind.Works)-1].Nodes
			}
		}
		im.addNode(l, nodes, "序时进度不属于任何具体工作")
	}
	written.sum(out)
	if !covers && c == &im.plan.Business {
		proposeCovers(c, out)
	}
	return out
}

// writtenPoints says which indicators, and which works of each, had their
// points written in the table (in the order read).
type writtenPoints struct {
	ind   []bool
	works [][]bool
}

// sum gives each work whose points were not written the sum of its nodes',
// and each such indicator the sum of its works'.
func (wp writtenPoints) sum(inds []workflow.Indicator) {
	for i := range inds {
		var sum workflow.Points
		for j := range inds[i].Works {
			w := &inds[i].Works[j]
			if !wp.works[i][j] {
				w.Points = 0
				for _, n := range w.Nodes {
					w.Points += n.Points
				}
			}
			sum += w.Points
		}
		if !wp.ind[i] {
			inds[i].Points = sum
		}
	}
}

// proposeCovers fills in, for a business table without a 须包括 column,
// the required contents each work seems to cover, marked as proposed for
// the unit to confirm.
func proposeCovers(c *workflow.Category, inds []workflow.Indicator) {
	for i := range inds {
		item, _ := c.Item(inds[i].Code)
		for j, cs := range workflow.ProposeCovers(c, item, inds[i].Works) {
			inds[i].Works[j].Covers = cs
			inds[i].Works[j].CoversProposed = true
		}
	}
}

// covered reads a 须包括 cell: codes "B1.1、B1.2", or the required texts,
// which are matched to their codes. Anything else is kept as written, for
// validation to point at.
func (im *importer) covered(c *workflow.Category, text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var out []string
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune("、,，;；\n ", r) }) {
		out = append(out, requiredCode(c, tok))
	}
	return out
}

var reCode = regexp.MustCompile(`^[Bb]?(\d+\.\d+)$`)

func requiredCode(c *workflow.Category, tok string) string {
	if m := reCode.FindStringSubmatch(narrowDigits(tok)); m != nil {
		return "B" + m[1]
	}
	k := nameKey(tok)
	if utf8.RuneCountInString(k) >= 4 {
		for _, it := range c.Items {
			for _, r := range it.Required {
				if rk := nameKey(r.Text); rk == k || strings.Contains(rk, k) {
					return r.Code
				}
			}
		}
	}
	return tok
}

// innovation reads the annex 3 tables (none: no innovation items).
func (im *importer) innovation(ts []*table) []workflow.InnovationItem {
	out := []workflow.InnovationItem{}
	var has []bool
	var nodes *[]workflow.Node // the current item's
	var itemText string
	for _, l := range lines(ts) {
		if title := strings.TrimSpace(l.get(colName)); title != "" && title != itemText {
			itemText = title
			col := l.t.cols[colName]
			var it workflow.InnovationItem
			hasPts := true
			if m := reTitle.FindStringSubmatch(title); m != nil {
				pts, _ := im.points(l, col, m[2])
				it = workflow.InnovationItem{Title: m[1], Points: pts}
			} else {
				rest, pts, hp, _ := im.splitPoints(l, col, title)
				it, hasPts = workflow.InnovationItem{Title: strings.TrimSpace(rest), Points: pts}, hp
			}
			it.Content, it.Effect, it.Nodes = l.get(colContent), l.get(colEffect), []workflow.Node{}
			out = append(out, it)
			has = append(has, hasPts)
			nodes = &out[len(out)-1].Nodes
		}
		im.addNode(l, nodes, "序时进度不属于任何创新指标")
	}
	for i := range out {
		if !has[i] {
			out[i].Points = 0
			for _, n := range out[i].Nodes {
				out[i].Points += n.Points
			}
		}
	}
	return out
}
