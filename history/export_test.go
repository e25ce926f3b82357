package history

// EncodeRaw compresses hand-made delta bytes, for tests of Decode.
func EncodeRaw(b []byte) []byte { return encoder.EncodeAll(b, nil) }
