package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
)

// setFields replaces values in a JSON object without touching the order of
// its keys or the bytes of the values left alone. A path to a key that does
// not exist adds it at the end of its object.
func setFields(body []byte, fields []SetField) ([]byte, error) {
	for _, f := range fields {
		var err error
		if body, err = setPath(body, f.Path, f.Value); err != nil {
			return nil, err
		}
	}
	return body, nil
}

type member struct {
	key   string
	value json.RawMessage
}

func setPath(obj []byte, path []string, value []byte) ([]byte, error) {
	members, err := members(obj)
	if err != nil {
		return nil, err
	}
	found := false
	for i := range members {
		if members[i].key != path[0] {
			continue
		}
		found = true
		if len(path) == 1 {
			members[i].value = value
		} else if members[i].value, err = setPath(members[i].value, path[1:], value); err != nil {
			return nil, err
		}
	}
	if !found {
		members = append(members, member{path[0], nested(path[1:], value)})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// nested is value inside objects of one key each, path's keys from the
// outside in: {"a":{"b":value}} for path [a b]. It writes each byte once.
func nested(path []string, value []byte) []byte {
	var b bytes.Buffer
	for _, k := range path {
		kb, _ := json.Marshal(k)
		b.WriteByte('{')
		b.Write(kb)
		b.WriteByte(':')
	}
	b.Write(value)
	for range path {
		b.WriteByte('}')
	}
	return b.Bytes()
}

// members reads an object's members in order.
func members(obj []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		key, ok := t.(string) // what else the decoder gives here is an error
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		out = append(out, member{key, raw})
	}
	return out, nil
}
