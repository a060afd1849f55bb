package stripelocal

import "slices"

// Customers and their saved cards: the Customer is the payer at Stripe;
// its cards are PaymentMethods saved by Checkout.

func (s *Server) createCustomer(c *apiCall) (any, error) {
	st := s.st
	cu := &customer{ID: newID("cus_", 14), Name: c.p.str("name"), Email: c.p.str("email"), Description: c.p.str("description"),
		Metadata: c.p.hash("metadata"), Created: st.unix()}
	st.customers[cu.ID] = cu
	return st.renderCustomer(cu, c.expand), nil
}

func (s *Server) getCustomer(c *apiCall) (any, error) {
	cu := s.st.customers[c.r.PathValue("id")]
	if cu == nil {
		return nil, noSuch("customer", c.r.PathValue("id"), "")
	}
	return s.st.renderCustomer(cu, c.expand), nil
}

func (s *Server) updateCustomer(c *apiCall) (any, error) {
	st := s.st
	cu := st.customers[c.r.PathValue("id")]
	if cu == nil {
		return nil, noSuch("customer", c.r.PathValue("id"), "")
	}
	if c.p.has("invoice_settings[default_payment_method]") {
		pm := c.p.str("invoice_settings[default_payment_method]")
		if pm != "" {
			m := st.methods[pm]
			if m == nil || m.Customer != cu.ID {
				return nil, invalid("invoice_settings[default_payment_method]",
					"The customer does not have a payment method with the ID %s. The payment method must be attached to the customer.", pm)
			}
		}
		cu.DefaultMethod = pm
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &cu.Name}, {"email", &cu.Email}, {"description", &cu.Description}} {
		if c.p.has(f.key) {
			*f.dst = c.p.str(f.key)
		}
	}
	for k, v := range c.p.hash("metadata") {
		if v == "" {
			delete(cu.Metadata, k)
		} else {
			cu.Metadata[k] = v
		}
	}
	return st.renderCustomer(cu, c.expand), nil
}

// listCustomerMethods is GET /v1/customers/{id}/payment_methods.
func (s *Server) listCustomerMethods(c *apiCall) (any, error) {
	id := c.r.PathValue("id")
	if s.st.customers[id] == nil {
		return nil, noSuch("customer", id, "")
	}
	return s.methodList(c, id, "/v1/customers/"+id+"/payment_methods")
}

// listMethods is GET /v1/payment_methods?customer=…
func (s *Server) listMethods(c *apiCall) (any, error) {
	id := c.p.str("customer")
	if id != "" && s.st.customers[id] == nil {
		return nil, noSuch("customer", id, "customer")
	}
	return s.methodList(c, id, "/v1/payment_methods")
}

func (s *Server) methodList(c *apiCall, customerID, url string) (any, error) {
	if t := c.p.str("type"); t != "" && t != "card" {
		return list(url, nil, false), nil
	}
	var ids []string
	if customerID != "" {
		for _, id := range slices.Backward(s.st.methodOrder) {
			if s.st.methods[id].Customer == customerID {
				ids = append(ids, id)
			}
		}
	}
	return page(c, url, ids, func(id string) any { return renderMethod(s.st.methods[id]) })
}

func (s *Server) getMethod(c *apiCall) (any, error) {
	m := s.st.method(c.r.PathValue("id"))
	if m == nil {
		return nil, noSuch("PaymentMethod", c.r.PathValue("id"), "")
	}
	return renderMethod(m), nil
}

func (s *Server) detachMethod(c *apiCall) (any, error) {
	st := s.st
	m := st.methods[c.r.PathValue("id")]
	if m == nil {
		return nil, noSuch("PaymentMethod", c.r.PathValue("id"), "")
	}
	if m.Customer == "" {
		return nil, invalid("", "The payment method you provided is not attached to a customer so detachment is impossible.")
	}
	if cu := st.customers[m.Customer]; cu != nil && cu.DefaultMethod == m.ID {
		cu.DefaultMethod = ""
	}
	m.Customer = ""
	return renderMethod(m), nil
}

// saveCard makes a PaymentMethod for a card entered on the hosted page,
// attached to the customer when there is one.
func (st *state) saveCard(card testCard, customerID string) *paymentMethod {
	now := st.now()
	m := &paymentMethod{ID: newID("pm_", 24), Customer: customerID, Card: card, ExpMonth: 12, ExpYear: int64(now.Year() + 3), Created: now.Unix()}
	st.methods[m.ID] = m
	st.methodOrder = append(st.methodOrder, m.ID)
	return m
}

// maxListLimit is Stripe's largest page.
const maxListLimit = 100

// page answers a list: limit (default 10) items after starting_after, of
// ids in the list's order.
func page(c *apiCall, url string, ids []string, render func(string) any) (any, error) {
	limit := int64(10)
	if n, ok, err := c.p.int("limit"); err != nil {
		return nil, err
	} else if ok {
		if n < 1 || n > maxListLimit {
			return nil, invalid("limit", "Invalid limit: must be between 1 and 100")
		}
		limit = n
	}
	if after := c.p.str("starting_after"); after != "" {
		i := slices.Index(ids, after)
		if i < 0 {
			return nil, invalid("starting_after", "No such object: '%s'", after)
		}
		ids = ids[i+1:]
	}
	more := int64(len(ids)) > limit
	if more {
		ids = ids[:limit]
	}
	data := make([]any, 0, len(ids))
	for _, id := range ids {
		data = append(data, render(id))
	}
	return list(url, data, more), nil
}
