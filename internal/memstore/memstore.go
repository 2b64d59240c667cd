// Package memstore is a bounded, insertion-ordered map: when full, the
// oldest entry makes room. It is not safe for concurrent use; owners lock.
package memstore

type node[K comparable, V any] struct {
	key        K
	val        V
	prev, next *node[K, V]
}

// Map keeps at most Cap entries.
type Map[K comparable, V any] struct {
	cap   int
	items map[K]*node[K, V]
	head  *node[K, V] // oldest
	tail  *node[K, V] // newest
}

// New returns a map holding at most capacity entries (at least one).
func New[K comparable, V any](capacity int) *Map[K, V] {
	if capacity < 1 {
		capacity = 1
	}
	return &Map[K, V]{cap: capacity, items: map[K]*node[K, V]{}}
}

// Len is the number of entries.
func (m *Map[K, V]) Len() int { return len(m.items) }

// Get returns the value of key.
func (m *Map[K, V]) Get(key K) (V, bool) {
	n, ok := m.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	return n.val, true
}

// Put stores val under key as the newest entry, evicting the oldest entry
// when the map is full. It returns the evicted entry, if any.
func (m *Map[K, V]) Put(key K, val V) (oldKey K, oldVal V, evicted bool) {
	if n, ok := m.items[key]; ok {
		m.unlink(n)
		n.val = val
		m.append(n)
		return oldKey, oldVal, false
	}
	if len(m.items) >= m.cap {
		old := m.head
		m.unlink(old)
		delete(m.items, old.key)
		oldKey, oldVal, evicted = old.key, old.val, true
	}
	n := &node[K, V]{key: key, val: val}
	m.items[key] = n
	m.append(n)
	return oldKey, oldVal, evicted
}

// Delete removes key and reports whether it was there.
func (m *Map[K, V]) Delete(key K) bool {
	n, ok := m.items[key]
	if !ok {
		return false
	}
	m.unlink(n)
	delete(m.items, key)
	return true
}

// DeleteFunc removes, oldest first, every entry for which drop is true.
func (m *Map[K, V]) DeleteFunc(drop func(K, V) bool) int {
	removed := 0
	for n := m.head; n != nil; {
		next := n.next
		if drop(n.key, n.val) {
			m.unlink(n)
			delete(m.items, n.key)
			removed++
		}
		n = next
	}
	return removed
}

// Clear removes everything.
func (m *Map[K, V]) Clear() {
	m.items = map[K]*node[K, V]{}
	m.head, m.tail = nil, nil
}

func (m *Map[K, V]) append(n *node[K, V]) {
	n.prev, n.next = m.tail, nil
	if m.tail != nil {
		m.tail.next = n
	} else {
		m.head = n
	}
	m.tail = n
}

func (m *Map[K, V]) unlink(n *node[K, V]) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		m.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		m.tail = n.prev
	}
	n.prev, n.next = nil, nil
}
