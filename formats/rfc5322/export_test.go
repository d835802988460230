package rfc5322

// MaxEntityDepth is maxEntityDepth, for the external fuzz tests.
const MaxEntityDepth = maxEntityDepth
