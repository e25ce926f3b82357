package mapimg

// TopFields is the records' fast reader, for comparing with encoding/json.
var TopFields = topFields
