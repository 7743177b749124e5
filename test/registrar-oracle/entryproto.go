package main

// oracle entry-proto: the SPIRE Server Entry API messages through SPIRE's own Go types
// (github.com/spiffe/spire-api-sdk at the version SPIRE v1.15.3 requires) and
// google.golang.org/protobuf, for the golden-bytes and hostile-input tests of the generated
// TypeScript messages (test/entry-messages.test.ts).
//
// stdin: a JSON list of {"message": "ListEntriesResponse", "json": {...}} (protojson, proto field
// names; encoded with proto.Marshal) or {"message": ..., "hex": "..."} (decoded with
// proto.Unmarshal, then re-encoded). Each result: {"hex": wire bytes, "json": protojson with proto
// field names} or {"error": why Go refused it}.

import (
	"encoding/hex"
	"encoding/json"

	entryv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/entry/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

type entryProtoInput struct {
	Message string          `json:"message"`
	JSON    json.RawMessage `json:"json,omitempty"`
	Hex     *string         `json:"hex,omitempty"`
}

type entryProtoResult struct {
	Hex   string          `json:"hex,omitempty"`
	JSON  json.RawMessage `json:"json,omitempty"`
	Error string          `json:"error,omitempty"`
}

func newEntryMessage(name string) proto.Message {
	switch name {
	case "ListEntriesRequest":
		return &entryv1.ListEntriesRequest{}
	case "ListEntriesResponse":
		return &entryv1.ListEntriesResponse{}
	case "BatchCreateEntryRequest":
		return &entryv1.BatchCreateEntryRequest{}
	case "BatchCreateEntryResponse":
		return &entryv1.BatchCreateEntryResponse{}
	case "BatchUpdateEntryRequest":
		return &entryv1.BatchUpdateEntryRequest{}
	case "BatchUpdateEntryResponse":
		return &entryv1.BatchUpdateEntryResponse{}
	case "BatchDeleteEntryRequest":
		return &entryv1.BatchDeleteEntryRequest{}
	case "BatchDeleteEntryResponse":
		return &entryv1.BatchDeleteEntryResponse{}
	}
	return nil
}

func entryProtoCmd(in []entryProtoInput) []entryProtoResult {
	out := make([]entryProtoResult, 0, len(in))
	for _, c := range in {
		m := newEntryMessage(c.Message)
		if m == nil {
			out = append(out, entryProtoResult{Error: "unknown message " + c.Message})
			continue
		}
		if c.Hex != nil {
			b, err := hex.DecodeString(*c.Hex)
			if err == nil {
				err = proto.Unmarshal(b, m)
			}
			if err != nil {
				out = append(out, entryProtoResult{Error: err.Error()})
				continue
			}
		} else if err := protojson.Unmarshal(c.JSON, m); err != nil {
			out = append(out, entryProtoResult{Error: err.Error()})
			continue
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			out = append(out, entryProtoResult{Error: err.Error()})
			continue
		}
		j, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err != nil {
			out = append(out, entryProtoResult{Error: err.Error()})
			continue
		}
		out = append(out, entryProtoResult{Hex: hex.EncodeToString(b), JSON: j})
	}
	return out
}
