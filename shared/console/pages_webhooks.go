package console

type webhooksData struct {
	Endpoints []Webhook
	Created   *Webhook
}

func (c *Console) webhooks(q *req, f *formState) { c.webhooksPage(q, f, nil) }

func (c *Console) webhooksPage(q *req, f *formState, created *Webhook) {
	l, err := q.api.Webhooks(q.r.Context())
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "webhooks", view{Title: "Webhooks", Nav: "webhooks", Data: webhooksData{Endpoints: l.Data, Created: created}, Form: f})
}

// createWebhook shows the endpoint's signing secret once, on the answer.
func (c *Console) createWebhook(q *req) {
	wh, err := q.api.CreateWebhook(q.r.Context(), parseWebhookForm(q.r).Request())
	if err != nil {
		c.again(q, "webhook", err, c.webhooks)
		return
	}
	c.webhooksPage(q, nil, &wh)
}

type webhookData struct {
	Endpoint   Webhook
	Deliveries []Delivery
}

func (c *Console) webhook(q *req, f *formState) {
	ctx, id := q.r.Context(), q.r.PathValue("id")
	var d webhookData
	err := parallel(
		func() (err error) { d.Endpoint, err = q.api.Webhook(ctx, id); return },
		func() error { l, err := q.api.Deliveries(ctx, id); d.Deliveries = l.Data; return err },
	)
	if err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	c.show(q, "webhook", view{Title: "Webhook", Nav: "webhooks", Data: d, Form: f})
}

func (c *Console) deleteWebhook(q *req) {
	if err := q.api.DeleteWebhook(q.r.Context(), q.r.PathValue("id")); err != nil {
		c.again(q, "delete", err, c.webhook)
		return
	}
	c.done(q.w, q.r, "/console/webhooks", "Endpoint deleted.")
}

func (c *Console) replayDelivery(q *req) {
	id := q.r.PathValue("id")
	if _, err := q.api.Replay(q.r.Context(), id, q.r.PathValue("deliveryId")); err != nil {
		c.again(q, "replay", err, c.webhook)
		return
	}
	c.done(q.w, q.r, "/console/webhooks/"+id, "Delivery sent again.")
}
