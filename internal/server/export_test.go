package server

// Test-only views of the journal: the admin API streams a listing
// (window, chunk) and masks a request body with its answer
// (journalBodies).

// List returns matching entries oldest first; limit > 0 keeps the newest.
func (j *Journal) List(keep func(*Entry) bool, limit int) []Entry {
	out := []Entry{}
	from, to := j.window(keep, limit)
	for from != 0 {
		var chunk []Entry
		chunk, from = j.chunk(nil, keep, from, to, 256)
		out = append(out, chunk...)
	}
	return out
}

// maskBody hides secret values in JSON and form bodies without reordering
// anything, in a copy of at most the shown size, as the journal keeps a
// request body (journalBodies).
// It cuts first, so that masking costs at most the shown size.
func maskBody(b []byte) string {
	return maskText(string(b[:min(len(b), maxBodyShown)]))
}
