package stripelocal

import (
	"slices"
	"strings"
)

// Transfers to connected accounts (payouts). Any acct_ destination is
// accepted, accounts the stand-in made or not: payees have typed theirs
// by hand.

func (s *Server) createTransfer(c *apiCall) (any, error) {
	st := s.st
	amount, ok, err := c.p.int("amount")
	if err != nil {
		return nil, err
	}
	if !ok || amount < 1 {
		return nil, invalid("amount", "Amount must be at least 1 (a whole number of the currency's minor units).")
	}
	dest := c.p.str("destination")
	if !strings.HasPrefix(dest, "acct_") {
		return nil, noSuch("destination", dest, "destination")
	}
	t := &transfer{ID: newID("tr_", 24), Destination: dest, Currency: lower(c.p.str("currency")), TransferGroup: c.p.str("transfer_group"),
		Description: c.p.str("description"), Amount: amount, Metadata: c.p.hash("metadata"), Created: st.unix()}
	st.transfers[t.ID] = t
	st.transferOrder = append(st.transferOrder, t.ID)
	return renderTransfer(t), nil
}

func (s *Server) listTransfers(c *apiCall) (any, error) {
	st := s.st
	group, dest := c.p.str("transfer_group"), c.p.str("destination")
	var ids []string
	for _, id := range slices.Backward(st.transferOrder) {
		t := st.transfers[id]
		if (group == "" || t.TransferGroup == group) && (dest == "" || t.Destination == dest) {
			ids = append(ids, id)
		}
	}
	return page(c, "/v1/transfers", ids, func(id string) any { return renderTransfer(st.transfers[id]) })
}

func (s *Server) getTransfer(c *apiCall) (any, error) {
	t := s.st.transfers[c.r.PathValue("id")]
	if t == nil {
		return nil, noSuch("transfer", c.r.PathValue("id"), "")
	}
	return renderTransfer(t), nil
}
