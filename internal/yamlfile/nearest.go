package yamlfile

import (
	"slices"
	"strings"
)

// Nearest is the candidate a misspelt name most likely meant, or "" when
// none is close: the nearest by edit distance, one edit and one more for
// each five letters (eror for error, colud_id for cloud_id). With whole set, a
// candidate that holds the name whole between underscores or dots
// (invalid_code in token_invalid_code) is taken first, when it is the
// only one.
func Nearest(name string, candidates []string, whole bool) string {
	if name == "" || slices.Contains(candidates, name) {
		return ""
	}
	if whole {
		var holding []string
		for _, c := range candidates {
			if strings.HasSuffix(c, "_"+name) || strings.HasSuffix(c, "."+name) || strings.HasPrefix(c, name+"_") {
				holding = append(holding, c)
			}
		}
		if len(holding) == 1 {
			return holding[0]
		}
	}
	best, bestDist := "", 0
	limit := 1 + len(name)/5
	for _, c := range candidates {
		if d := distance(name, c); d <= limit && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean is Nearest worded for a message: ` (did you mean "x"?)`, or
// "".
func DidYouMean(name string, candidates []string, whole bool) string {
	if n := Nearest(name, candidates, whole); n != "" {
		return ` (did you mean "` + n + `"?)`
	}
	return ""
}

// distance is the Levenshtein distance of a and b, by bytes (names are
// ASCII), with a swap of two neighbours counting as one edit.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
