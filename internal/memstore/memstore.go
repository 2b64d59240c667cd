// Package memstore is a bounded, insertion-ordered map whose entries each
// belong to a session. Two bounds keep it small: a cap per session (past
// it, the session's own oldest entry makes room, so that one session's
// load never evicts another's entries) and a global cap (past it, the
// oldest entry of any session makes room: the last resort that bounds
// memory however many sessions there are). It is not safe for concurrent
// use; owners lock.
package memstore

type node[K comparable, V any] struct {
	key   K
	val   V
	sess  *list[K, V]
	gprev *node[K, V] // global order
	gnext *node[K, V]
	sprev *node[K, V] // the session's order
	snext *node[K, V]
}

// list is one session's entries, oldest first.
type list[K comparable, V any] struct {
	id         uint64
	head, tail *node[K, V]
	n          int
}

// Map keeps at most PerSession entries of each session and at most Global
// entries in all.
type Map[K comparable, V any] struct {
	perSession, global int
	session            func(K) uint64
	items              map[K]*node[K, V]
	sessions           map[uint64]*list[K, V]
	head, tail         *node[K, V] // oldest and newest of all sessions
}

// New returns a map holding at most perSession entries of each session
// (at least one) and at most global entries in all (at least perSession);
// session tells the session an entry's key belongs to.
func New[K comparable, V any](perSession, global int, session func(K) uint64) *Map[K, V] {
	perSession = max(perSession, 1)
	return &Map[K, V]{
		perSession: perSession,
		global:     max(global, perSession),
		session:    session,
		items:      map[K]*node[K, V]{},
		sessions:   map[uint64]*list[K, V]{},
	}
}

// Len is the number of entries.
func (m *Map[K, V]) Len() int { return len(m.items) }

// SessionLen is the number of entries of one session.
func (m *Map[K, V]) SessionLen(session uint64) int {
	if l, ok := m.sessions[session]; ok {
		return l.n
	}
	return 0
}

// Get returns the value of key.
func (m *Map[K, V]) Get(key K) (V, bool) {
	n, ok := m.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	return n.val, true
}

// Put stores val under key as the newest entry. When the key's session
// already holds PerSession entries, the session's oldest makes room;
// otherwise, when the map holds Global entries, the oldest of all does.
// It returns the evicted entry, if any (at most one).
func (m *Map[K, V]) Put(key K, val V) (oldKey K, oldVal V, evicted bool) {
	if n, ok := m.items[key]; ok {
		m.unlink(n)
		n.val = val
		m.append(n)
		return oldKey, oldVal, false
	}
	id := m.session(key)
	l := m.sessions[id]
	var old *node[K, V]
	switch {
	case l != nil && l.n >= m.perSession:
		old = l.head
	case len(m.items) >= m.global:
		old = m.head
	}
	if old != nil {
		m.remove(old)
		oldKey, oldVal, evicted = old.key, old.val, true
		l = m.sessions[id] // removing may have dropped the session's list
	}
	if l == nil {
		l = &list[K, V]{id: id}
		m.sessions[id] = l
	}
	n := &node[K, V]{key: key, val: val, sess: l}
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
	m.remove(n)
	return true
}

// DeleteFunc removes, oldest first, every entry for which drop is true.
func (m *Map[K, V]) DeleteFunc(drop func(K, V) bool) int {
	removed := 0
	for n := m.head; n != nil; {
		next := n.gnext
		if drop(n.key, n.val) {
			m.remove(n)
			removed++
		}
		n = next
	}
	return removed
}

// Clear removes everything.
func (m *Map[K, V]) Clear() {
	m.items = map[K]*node[K, V]{}
	m.sessions = map[uint64]*list[K, V]{}
	m.head, m.tail = nil, nil
}

// remove unlinks n from both orders and forgets it, and its session's list
// once empty.
func (m *Map[K, V]) remove(n *node[K, V]) {
	m.unlink(n)
	delete(m.items, n.key)
	if l := n.sess; l.n == 0 {
		delete(m.sessions, l.id)
	}
}

// append makes n the newest entry of all and of its session.
func (m *Map[K, V]) append(n *node[K, V]) {
	n.gprev, n.gnext = m.tail, nil
	if m.tail != nil {
		m.tail.gnext = n
	} else {
		m.head = n
	}
	m.tail = n

	l := n.sess
	n.sprev, n.snext = l.tail, nil
	if l.tail != nil {
		l.tail.snext = n
	} else {
		l.head = n
	}
	l.tail = n
	l.n++
}

// unlink takes n out of both orders.
func (m *Map[K, V]) unlink(n *node[K, V]) {
	if n.gprev != nil {
		n.gprev.gnext = n.gnext
	} else {
		m.head = n.gnext
	}
	if n.gnext != nil {
		n.gnext.gprev = n.gprev
	} else {
		m.tail = n.gprev
	}
	n.gprev, n.gnext = nil, nil

	l := n.sess
	if n.sprev != nil {
		n.sprev.snext = n.snext
	} else {
		l.head = n.snext
	}
	if n.snext != nil {
		n.snext.sprev = n.sprev
	} else {
		l.tail = n.sprev
	}
	n.sprev, n.snext = nil, nil
	l.n--
}
