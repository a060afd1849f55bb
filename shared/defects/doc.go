// Package defects plants known defects in the product for the
// simulation to find (DESIGN §19). Each is a function that answers false
// in every build but one with the test-only simdefects build tag, where
// SOUQ_DEFECT plants one of them at a time (tests/sim's
// TestSim_FindsPlantedDefects builds the simulation once with the tag and
// runs it once per defect). Production code asks where the defect would
// be; without the tag the compiler removes the branch.
package defects
