package workflow

import (
	"math"
	"strings"
	"unicode"
)

// This file proposes which required contents (须包括) a work covers when a
// unit's own table has no column for them: the annexes of the notice have
// none, so a table filled in Word names them only in its works' text. The
// proposal is a guess for the unit to confirm in the editor
// (Work.CoversProposed), never a decision.
//
// A required text and a work's text (its title, targets and standards) are
// compared by their character pairs (bigrams), each pair weighed by how rare
// it is among all the category's required texts, so that 工会, 职工 or 情况,
// which every item shares, count for little and 货车, 两癌 or 五好 for much. A
// required item is proposed for the work that holds the largest share of its
// weight, when that share reaches proposeShare; and for every other work
// that holds at least proposeAlsoShare.

// Shares of a required text's weight a work must hold to be proposed.
const (
	proposeShare     = 0.3
	proposeAlsoShare = 0.6
)

// coverStopwords are the words of the required texts that say how a
// content is reported, not what it is.
var coverStopwords = []string{"情况", "须于", "落实", "关于", "的通知", "工作"}

// ProposeCovers returns, for each of works (the works of indicator item of
// category c), the codes of item's required contents the work's text
// matches, in the plan's order. It reads nothing but its arguments.
func ProposeCovers(c *Category, item Item, works []Work) [][]string {
	idf := coverWeights(c)
	texts := make([]map[string]bool, len(works))
	for j, w := range works {
		var b strings.Builder
		b.WriteString(w.Title)
		for _, n := range w.Nodes {
			b.WriteString("\n" + n.Target + "\n" + n.Standard)
		}
		texts[j] = bigrams(coverKey(b.String()))
	}
	out := make([][]string, len(works))
	for _, r := range item.Required {
		grams := bigrams(coverKey(r.Text))
		var total float64
		for g := range grams {
			total += idf[g]
		}
		if total == 0 {
			continue
		}
		shares := make([]float64, len(works))
		best := -1
		for j := range works {
			for g := range grams {
				if texts[j][g] {
					shares[j] += idf[g]
				}
			}
			shares[j] /= total
			if best < 0 || shares[j] > shares[best] {
				best = j
			}
		}
		for j := range works {
			if (j == best && shares[j] >= proposeShare) || shares[j] >= proposeAlsoShare {
				out[j] = append(out[j], r.Code)
			}
		}
	}
	return out
}

// coverWeights is the inverse document frequency of each bigram among the
// required texts of c: log(1 + N/n) for a pair found in n of N texts.
func coverWeights(c *Category) map[string]float64 {
	df := map[string]int{}
	n := 0
	for _, it := range c.Items {
		for _, r := range it.Required {
			n++
			for g := range bigrams(coverKey(r.Text)) {
				df[g]++
			}
		}
	}
	idf := make(map[string]float64, len(df))
	for g, k := range df {
		idf[g] = math.Log(1 + float64(n)/float64(k))
	}
	return idf
}

// coverKey drops stopwords, spaces, punctuation and symbols.
func coverKey(s string) string {
	for _, w := range coverStopwords {
		s = strings.ReplaceAll(s, w, " ")
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// bigrams returns the pairs of adjacent characters of each word of s.
func bigrams(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		rs := []rune(w)
		for i := 0; i+1 < len(rs); i++ {
			out[string(rs[i:i+2])] = true
		}
	}
	return out
}
