// Package defects plants known defects in the product for the
// simulation to find (DESIGN §19): each is a constant, false in every
// build but the one whose test-only build tag turns it on
// (tests/sim's TestSim_FindsPlantedDefects builds the simulation once per
// tag and shows it fails). Production code reads them where the defect
// would be; with the constant false the compiler removes the branch.
package defects
