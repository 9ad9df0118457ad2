package workflow

import (
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rule codes of the table validation. They are stable: clients match on
// them, people read the message.
const (
	RuleIndicatorMissing   = "indicator.missing"
	RuleIndicatorDuplicate = "indicator.duplicate"
	RuleIndicatorUnknown   = "indicator.unknown"
	RulePointsRange        = "indicator.points.range"
	RulePointsStep         = "indicator.points.step"
	RuleCategoryTotal      = "category.total"
	RuleWorksEmpty         = "indicator.works.empty"
	RuleWorksSum           = "indicator.works.sum"
	RuleWorkTitle          = "work.title.empty"
	RuleWorkPoints         = "work.points.positive"
	RuleWorkStep           = "work.points.step"
	RuleNodesCount         = "work.nodes.count"
	RuleNodesSum           = "work.nodes.sum"
	RuleNodeDueInvalid     = "node.due.invalid"
	RuleNodeDueCheckpoint  = "node.due.checkpoint"
	RuleNodeDueDuplicate   = "node.due.duplicate"
	RuleNodeDueOrder       = "node.due.order"
	RuleNodePoints         = "node.points.positive"
	RuleNodeStep           = "node.points.step"
	RuleNodeTarget         = "node.target.empty"
	RuleNodeStandard       = "node.standard.empty"
	RuleNodeEvidence       = "node.evidence.empty"
	RuleNodeForbidden      = "node.standard.forbidden"
	RuleNodeUnquantifiable = "node.standard.unquantifiable" // a warning
	RuleCoversUnknown      = "work.covers.unknown"
	RuleCoversProposed     = "work.covers.proposed" // a warning
	RuleRequiredUncovered  = "indicator.required.uncovered"
	RuleInnovationCount    = "innovation.count"
	RuleInnovationPoints   = "innovation.points.range"
	RuleInnovationStep     = "innovation.points.step"
	RuleInnovationTitle    = "innovation.title.empty"
	RuleInnovationContent  = "innovation.content.empty"
	RuleInnovationEffect   = "innovation.effect.empty"
	RuleInnovationDup      = "innovation.duplicate"
	RuleTextTooLong        = "text.too_long"
)

// MaxTextRunes bounds every free-text field of a table.
const MaxTextRunes = 2000

// Validate checks a document against every rule of the plan and returns all
// violations at once, each located by its JSON path, and the warnings
// (standards that carry no number, date or quantity), which do not block.
// contacts are the unit's supervision contacts; at least the plan's minimum
// must be complete.
func Validate(p *Plan, d *Document, contacts []Contact) (violations, warnings []Violation) {
	v := &validator{plan: p, path: make([]byte, 0, 64)}
	v.category(CategoryParty, &p.Party, d.Party)
	v.category(CategoryBusiness, &p.Business, d.Business)
	v.innovation(d)
	v.contacts(contacts)
	return v.errs, v.warns
}

// validator collects violations while it walks a document. path is the
// JSON path of the element being checked, kept as bytes and turned into a
// string only when a violation names it, so that a valid document costs
// no formatting.
type validator struct {
	plan  *Plan
	errs  []Violation
	warns []Violation
	path  []byte
	// starts indexes the first 64 forbidden phrases of two bytes or more
	// by their first and by their second byte (bit k: phrase k), built on
	// the first text forbiddenIn reads.
	starts *[2][256]uint64
}

// enter appends ".name" (or "name" at the root) and "[i]" when i >= 0 to
// the path and returns the length to leave back to.
func (v *validator) enter(name string, i int) int {
	n := len(v.path)
	if n > 0 {
		v.path = append(v.path, '.')
	}
	v.path = append(v.path, name...)
	if i >= 0 {
		v.path = append(v.path, '[')
		v.path = strconv.AppendInt(v.path, int64(i), 10)
		v.path = append(v.path, ']')
	}
	return n
}

func (v *validator) leave(n int) { v.path = v.path[:n] }

// at is the path of field of the current element ("" for the element).
func (v *validator) at(field string) string {
	switch {
	case field == "":
		return string(v.path)
	case len(v.path) == 0:
		return field
	}
	return string(v.path) + "." + field
}

// fail records a violation at field of the current element.
func (v *validator) fail(field, rule, format string, args ...any) {
	v.errs = append(v.errs, Violation{Path: v.at(field), Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// warn records a warning at field of the current element.
func (v *validator) warn(field, rule, format string, args ...any) {
	v.warns = append(v.warns, Violation{Path: v.at(field), Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) category(name string, c *Category, inds []Indicator) {
	var seen [32]string // codes met so far; the annexes list at most 13
	seenCodes := seen[:0]
	var total Points
	for i, ind := range inds {
		mark := v.enter(name, i)
		total += ind.Points
		item, known := c.Item(ind.Code)
		switch {
		case !known:
			v.fail("code", RuleIndicatorUnknown, "%s中没有代码为“%s”的指标", c.Name, ind.Code)
		case slices.Contains(seenCodes, ind.Code):
			v.fail("code", RuleIndicatorDuplicate, "指标%s（%s）重复填报", ind.Code, item.Name)
		}
		seenCodes = append(seenCodes, ind.Code)
		label := indicatorLabel{code: ind.Code, name: item.Name, known: known}
		if ind.Points < c.Min || ind.Points > c.Max {
			v.fail("points", RulePointsRange, "指标%s分值为%s分，应在%s-%s分之间", label, ind.Points, c.Min, c.Max)
		} else if !ind.Points.Multiple(c.Step) {
			v.fail("points", RulePointsStep, "指标%s分值为%s分，最小分值单位为%s分", label, ind.Points, c.Step)
		}
		v.works(name, label, ind, item, c)
		v.leave(mark)
	}
	mark := v.enter(name, -1)
	for _, it := range c.Items {
		if !slices.Contains(seenCodes, it.Code) {
			v.fail("", RuleIndicatorMissing, "缺少%s“%s”（%s），%d项指标须全部填报", c.Name, it.Name, it.Code, len(c.Items))
		}
	}
	if total != c.Total {
		v.fail("", RuleCategoryTotal, "%s合计应为%s分，现为%s分", c.Name, c.Total, total)
	}
	v.leave(mark)
}

// indicatorLabel names an indicator in messages: its code, and its name
// when the plan knows the code. It is formatted only when a message is, so
// that a valid table builds no label.
type indicatorLabel struct {
	code, name string
	known      bool
}

func (l indicatorLabel) String() string {
	if !l.known {
		return l.code
	}
	return l.code + "（" + l.name + "）"
}

// works checks an indicator's works. The annexes' 备注 let units allocate
// points in the 指标名称, 具体工作 and 序时进度 columns with one minimum
// unit (最小分值单位为1分), so the category's step binds works and nodes as
// it binds the indicator.
func (v *validator) works(category string, label indicatorLabel, ind Indicator, item Item, c *Category) {
	if len(ind.Works) == 0 {
		v.fail("works", RuleWorksEmpty, "指标%s至少需要填报1项具体工作", label)
		return
	}
	var coveredBits uint64 // bit k: the item's k-th required content is covered
	var sum Points
	for j, w := range ind.Works {
		mark := v.enter("works", j)
		sum += w.Points
		if blank(w.Title) {
			v.fail("title", RuleWorkTitle, "具体工作名称不能为空")
		}
		v.length("title", w.Title)
		if w.Points <= 0 {
			v.fail("points", RuleWorkPoints, "具体工作分值应大于0分")
		} else if !w.Points.Multiple(c.Step) {
			v.fail("points", RuleWorkStep, "具体工作分值为%s分，%s最小分值单位为%s分", w.Points, c.Name, c.Step)
		}
		for k, code := range w.Covers {
			r := slices.IndexFunc(item.Required, func(r Required) bool { return r.Code == code })
			if category != CategoryBusiness || r < 0 {
				v.fail("covers["+strconv.Itoa(k)+"]", RuleCoversUnknown, "“%s”不是指标%s的须包括事项", code, label)
				continue
			}
			coveredBits |= 1 << (r % 64)
		}
		if category == CategoryBusiness && w.CoversProposed {
			v.warn("covers", RuleCoversProposed, "须包括事项是导入时按工作内容推测的，请核对后确认")
		}
		v.nodes(w.Nodes, w.Points, "具体工作", c.Name, c.Step)
		v.leave(mark)
	}
	if sum != ind.Points {
		v.fail("works", RuleWorksSum, "指标%s各项具体工作分值合计为%s分，应等于指标分值%s分", label, sum, ind.Points)
	}
	if category == CategoryBusiness {
		for k, r := range item.Required {
			if coveredBits&(1<<(k%64)) == 0 {
				v.fail("works", RuleRequiredUncovered, "指标%s须包括“%s”（%s），没有具体工作覆盖该事项", label, r.Text, r.Code)
			}
		}
	}
}

// nodes checks the nodes of a work (owner names it in messages) whose
// points are total; step is the minimum point unit of the work's category
// (catName).
func (v *validator) nodes(nodes []Node, total Points, owner, catName string, step Points) {
	p := v.plan
	if len(nodes) < p.Nodes.Min || len(nodes) > p.Nodes.Max {
		v.fail("nodes", RuleNodesCount, "每项%s应设定%d~%d个时间节点，现有%d个", owner, p.Nodes.Min, p.Nodes.Max, len(nodes))
	}
	var sum Points
	var prev Date
	var seenDates [8]Date // the due dates met so far; plans allow a few nodes
	seen := seenDates[:0]
	for k, n := range nodes {
		mark := v.enter("nodes", k)
		sum += n.Points
		due, err := ParseDate(strings.TrimSpace(n.Due))
		switch {
		case err != nil:
			v.fail("due", RuleNodeDueInvalid, "节点时间“%s”不是有效日期（格式YYYY-MM-DD）", n.Due)
		case !v.isCheckpoint(due):
			v.fail("due", RuleNodeDueCheckpoint, "节点时间%s不是规定的时间节点，应为%s之一", due, v.checkpointList())
		case slices.Contains(seen, due):
			v.fail("due", RuleNodeDueDuplicate, "同一项工作的节点时间%s重复", due)
		case !prev.IsZero() && due.Before(prev):
			v.fail("due", RuleNodeDueOrder, "节点时间%s早于上一节点%s，节点应按时间先后排列", due, prev)
		}
		if err == nil {
			seen = append(seen, due)
			if due.After(prev) {
				prev = due
			}
		}
		if n.Points <= 0 {
			v.fail("points", RuleNodePoints, "节点分值应大于0分")
		} else if !n.Points.Multiple(step) {
			v.fail("points", RuleNodeStep, "节点分值为%s分，%s最小分值单位为%s分", n.Points, catName, step)
		}
		if blank(n.Target) {
			v.fail("target", RuleNodeTarget, "节点工作目标不能为空")
		}
		v.length("target", n.Target)
		v.standard("standard", n.Standard)
		if blank(n.Evidence) {
			v.fail("evidence", RuleNodeEvidence, "佐证材料不能为空")
		}
		v.length("evidence", n.Evidence)
		v.leave(mark)
	}
	if len(nodes) > 0 && sum != total {
		v.fail("nodes", RuleNodesSum, "各节点分值合计为%s分，应等于%s分值%s分", sum, owner, total)
	}
}

func (v *validator) standard(field, s string) {
	if blank(s) {
		v.fail(field, RuleNodeStandard, "完成标准不能为空")
		return
	}
	v.length(field, s)
	var found []string
	for _, ph := range v.forbiddenIn(s) {
		found = append(found, "“"+ph+"”")
	}
	if len(found) > 0 {
		v.fail(field, RuleNodeForbidden, "完成标准不能使用%s等语言表述", strings.Join(found, ""))
		return
	}
	if !Quantifiable(s) {
		v.warn(field, RuleNodeUnquantifiable, "完成标准没有数量、时间或比例，可能无法量化考核")
	}
}

var quantity = regexp.MustCompile(`[0-9０-９]|[%％‰]|百分之|[一二三四五六七八九十两百千万半双]+ *(个|次|项|家|人|名|场|期|批|篇|条|所|户|成|倍|月|日|天|年|季度|周|轮|类|支|座|处|套|件|份|本|部|级|星|万|千|百|元)|年底|年末|月底|季度|上半年|下半年|全年|每月|每周|每季|全覆盖|全部`)

// Quantifiable reports whether a completion standard carries a number, a
// date, a proportion or a quantity (可量化). An ASCII digit or percent
// sign, which most standards have, answers without the regular expression.
func Quantifiable(s string) bool {
	// A byte loop: strings.ContainsAny builds its set of bytes on every call.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c == '%' {
			return true
		}
	}
	return quantity.MatchString(s)
}

// forbiddenIn returns the plan's forbidden phrases that s contains, in
// the plan's order. It reads s once, byte by byte, and compares a phrase
// only where its first two bytes stand (a mask of phrases by first byte
// and by second byte, ANDed): decoding every rune, or a search per phrase,
// costs several times more over texts that nearly never hold one.
func (v *validator) forbiddenIn(s string) []string {
	phrases := v.plan.ForbiddenPhrases
	if v.starts == nil {
		v.starts = new([2][256]uint64)
		for k, ph := range phrases[:min(len(phrases), 64)] {
			if len(ph) >= 2 {
				v.starts[0][ph[0]] |= 1 << k
				v.starts[1][ph[1]] |= 1 << k
			}
		}
	}
	first, second := &v.starts[0], &v.starts[1]
	var hit uint64 // bit k: phrase k found
	for i := 0; i+1 < len(s); {
		c := s[i]
		for m := first[c] & second[s[i+1]] &^ hit; m != 0; m &= m - 1 {
			if k := bits.TrailingZeros64(m); strings.HasPrefix(s[i:], phrases[k]) {
				hit |= 1 << k
			}
		}
		// A phrase starts where a character does, never on a continuation
		// byte: step over the two of a three-byte character (every
		// ideograph).
		if c >= 0xE0 && c < 0xF0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3
		} else {
			i++
		}
	}
	// Phrases of one byte, and of a plan with very many. An empty phrase
	// (which plan checks refuse) is never found.
	for k, ph := range phrases {
		if (k >= 64 || len(ph) == 1) && ph != "" && strings.Contains(s, ph) {
			hit |= 1 << (k % 64)
		}
	}
	if hit == 0 {
		return nil
	}
	var out []string
	for k, ph := range phrases {
		if hit&(1<<(k%64)) != 0 && strings.Contains(s, ph) {
			out = append(out, ph)
		}
	}
	return out
}

// blank reports whether s is empty or only white space, as
// strings.TrimSpace(s) == "" does, from its first rune that is not.
func blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// length fails field when its text is longer than MaxTextRunes; a text of
// fewer bytes than that cannot be, and is not counted.
func (v *validator) length(field, s string) {
	if len(s) > MaxTextRunes && utf8.RuneCountInString(s) > MaxTextRunes {
		v.fail(field, RuleTextTooLong, "内容超过%d字", MaxTextRunes)
	}
}

func (v *validator) isCheckpoint(d Date) bool {
	_, ok := v.plan.Checkpoint(d)
	return ok
}

func (v *validator) checkpointList() string {
	var s []string
	for _, c := range v.plan.Checkpoints {
		s = append(s, c.Date.String())
	}
	return strings.Join(s, "、")
}

func (v *validator) innovation(d *Document) {
	r := v.plan.Innovation
	if len(d.Innovation) > r.MaxItems {
		v.fail("innovation", RuleInnovationCount, "每个单位最多申报%d项创新工作，现有%d项", r.MaxItems, len(d.Innovation))
	}
	if len(d.Innovation) == 0 {
		return
	}
	works := 0
	for _, list := range [][]Indicator{d.Party, d.Business} {
		for _, ind := range list {
			works += len(ind.Works)
		}
	}
	titles := make(map[string]workTitle, works)
	for _, list := range [][]Indicator{d.Party, d.Business} {
		for _, ind := range list {
			for _, w := range ind.Works {
				if n := normalizeTitle(w.Title); n != "" {
					titles[n] = workTitle{title: w.Title, runes: utf8.RuneCountInString(n)}
				}
			}
		}
	}
	for i, it := range d.Innovation {
		mark := v.enter("innovation", i)
		if it.Points <= 0 || it.Points > r.MaxPoints {
			v.fail("points", RuleInnovationPoints, "创新工作分值为%s分，应大于0且不超过%s分", it.Points, r.MaxPoints)
		} else if !it.Points.Multiple(r.Step) {
			v.fail("points", RuleInnovationStep, "创新工作分值为%s分，最小分值单位为%s分", it.Points, r.Step)
		}
		if blank(it.Title) {
			v.fail("title", RuleInnovationTitle, "创新工作名称不能为空")
		} else if dup, ok := duplicateOf(it.Title, titles); ok {
			v.fail("title", RuleInnovationDup, "已列入党建指标和业务指标的工作不能列为创新工作：与“%s”重复", dup)
		}
		v.length("title", it.Title)
		if blank(it.Content) {
			v.fail("content", RuleInnovationContent, "创新工作核心内容不能为空")
		}
		if blank(it.Effect) {
			v.fail("effect", RuleInnovationEffect, "创新工作预期成效不能为空")
		}
		v.length("content", it.Content)
		v.length("effect", it.Effect)
		v.nodes(it.Nodes, it.Points, "创新工作", r.Name, r.Step)
		v.leave(mark)
	}
}

// minContained is the shortest normalised title that counts as a duplicate
// when it is contained in the other title rather than equal to it.
const minContained = 6

// workTitle is a work's title and the length in runes of its normalised
// form, counted once per table rather than once per comparison.
type workTitle struct {
	title string
	runes int
}

func duplicateOf(title string, works map[string]workTitle) (string, bool) {
	n := normalizeTitle(title)
	if n == "" {
		return "", false
	}
	if w, ok := works[n]; ok {
		return w.title, true
	}
	runes := utf8.RuneCountInString(n)
	for wn, w := range works {
		short, long, shortRunes := wn, n, w.runes
		if w.runes > runes {
			short, long, shortRunes = n, wn, runes
		}
		if shortRunes >= minContained && strings.Contains(long, short) {
			return w.title, true
		}
	}
	return "", false
}

// normalizeTitle drops spaces, punctuation and symbols so that titles that
// differ only in quotes or spacing compare equal. Ideographs and ASCII
// lower-case letters and digits, most of a title, are read from their
// bytes; a title of them alone is its own normal form and is returned
// without a copy.
func normalizeTitle(s string) string {
	var b []byte // nil while s[:i] is its own normal form
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if b != nil {
				b = append(b, c)
			}
			i++
			continue
		}
		// An ideograph, U+4E00–U+9FFF: E4 B8 80 to E9 BF BF.
		if c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 && (c > 0xE4 || s[i+1] >= 0xB8) {
			if b != nil {
				b = append(b, s[i:i+3]...)
			}
			i += 3
			continue
		}
		if b == nil {
			b = make([]byte, i, len(s))
			copy(b, s[:i])
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r) {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += size
	}
	if b == nil {
		return s
	}
	return string(b)
}
