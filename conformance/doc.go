// Package conformance holds the differential suite that proves pysignal's
// CPython conformance: each scenario is a Python script
// (scenarios/NAME.py) and a Go function (scen_*_test.go) that print the
// same labelled lines, one per observable fact. TestConformance runs both,
// the Python side under every CPython 3.10+ it finds, and compares them line
// by line. A line that must differ (a deliberate difference listed in
// docs/design.md, or a CPython version's own behaviour) carries its reason
// at the line, and the runner fails if it stops differing.
//
// Run it with `make conformance`; `make test` runs it too when a python3
// 3.10 or later is on PATH. PYSIGNAL_PYTHONS="/path/python3.12 ..." names the
// interpreters explicitly.
package conformance
