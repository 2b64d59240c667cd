package oauth

import "unicode/utf16"

// javaHashSet returns items, duplicates dropped, in the order a Java
// HashSet built as AuthorityUtils.authorityListToSet builds it (new
// HashSet<>(n), then add in order) iterates them: Spring serialises such
// sets, so their JSON order is Java's hash order. nil for no items.
func javaHashSet(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	capacity := 1 // HashMap(n) starts at the power of two >= n
	for capacity < len(items) {
		capacity <<= 1
	}
	return javaHashOrder(items, capacity)
}

// javaHashOrder is the iteration order of a java.util.HashMap whose table
// starts at capacity (a power of two) and gets items as keys in order.
func javaHashOrder(items []string, capacity int) []string {
	// The table doubles whenever the size passes three quarters of it.
	threshold := int(float32(capacity) * 0.75)
	var set []string
	for _, it := range items {
		dup := false
		for _, s := range set {
			dup = dup || s == it
		}
		if dup {
			continue
		}
		set = append(set, it)
		if len(set) > threshold {
			capacity <<= 1
			threshold = int(float32(capacity) * 0.75)
		}
	}
	// Iteration goes bucket by bucket; a bucket keeps insertion order,
	// and so does a resize.
	out := make([]string, 0, len(set))
	for b := range capacity {
		for _, s := range set {
			if bucket(s, capacity) == b {
				out = append(out, s)
			}
		}
	}
	return out
}

// bucket is HashMap's index of a String key: its hashCode, spread.
func bucket(s string, capacity int) int {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	spread := uint32(h) ^ uint32(h)>>16
	return int(spread & uint32(capacity-1))
}
