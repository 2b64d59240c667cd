package testkit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// ErrorLog is a slog handler that keeps Error records: a recovered handler
// panic logs one, and the answer written after it may well look like an
// ordinary vendor failure, so tests that hunt panics read it.
type ErrorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *ErrorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *ErrorLog) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *ErrorLog) WithGroup(string) slog.Handler                 { return l }

func (l *ErrorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.msgs = append(l.msgs, b.String())
	l.mu.Unlock()
	return nil
}

// Take returns and forgets the records so far.
func (l *ErrorLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// Buffer is a log sink that a test reads while a server writes to it.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
