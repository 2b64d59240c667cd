package memstore

import "testing"

func TestCapEvictsOldest(t *testing.T) {
	m := New[string, int](2)
	m.Put("a", 1)
	m.Put("b", 2)
	m.Put("a", 3) // refreshing a makes b the oldest
	k, v, ok := m.Put("c", 4)
	if !ok || k != "b" || v != 2 {
		t.Fatalf("got evicted %q=%d %v, want \"b\"=2 true", k, v, ok)
	}
	if v, _ := m.Get("a"); v != 3 {
		t.Errorf("got a=%d, want 3", v)
	}
	if m.Len() != 2 {
		t.Errorf("got len %d, want 2", m.Len())
	}
}

func TestDeleteFuncAndClear(t *testing.T) {
	m := New[int, int](10)
	for i := 0; i < 6; i++ {
		m.Put(i, i)
	}
	if n := m.DeleteFunc(func(k, _ int) bool { return k%2 == 0 }); n != 3 {
		t.Errorf("got %d removed, want 3", n)
	}
	if _, ok := m.Get(2); ok {
		t.Errorf("got key 2 kept, want removed")
	}
	if !m.Delete(1) || m.Delete(1) {
		t.Errorf("Delete: want true once, then false")
	}
	m.Put(9, 9)
	m.Clear()
	if m.Len() != 0 {
		t.Errorf("got len %d after Clear, want 0", m.Len())
	}
	m.Put(1, 1)
	if v, ok := m.Get(1); !ok || v != 1 {
		t.Errorf("got %d %v after Clear and Put, want 1 true", v, ok)
	}
}
