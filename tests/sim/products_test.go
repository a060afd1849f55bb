package sim

type extra struct{}

var productOps = []op{}

func init() { ops = append(ops, productOps...) }

func (x *extra) check(s *Sim) {}

func (x *extra) state(s *Sim) []string { return nil }
