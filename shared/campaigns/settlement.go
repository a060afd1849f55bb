package campaigns

import (
	"context"
	"fmt"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// KindCharge is a settlement's transfer kind, as statements show it.
const KindCharge = "campaign_charge"

// settle charges what serving counted (CampaignMetered): one settlement
// per meter, as one transaction that moves the campaign's books over the
// version read, draws the charge from its hold (the draw's id is the
// meter's seq, so a retried or duplicated settlement draws once) to each
// community's share and the platform's fee, and writes CampaignCharged
// (and CampaignBudgetExhausted when the hold runs out). A meter older
// than the books, or settled already, changes nothing; one that races a
// change or another settlement reads again; after the end released the
// hold, what it counted is free.
func (s *Service) settle(ctx context.Context, e events.CampaignMetered) error {
	const op = "campaigns.settle"
	if e.CampaignID == "" || e.Seq < 1 {
		return fault.New(fault.Invalid, op, "a meter without its campaign or seq")
	}
	m := Meter{Seq: e.Seq, Communities: map[string]Units{}, Dims: map[string]events.DayDims{}}
	for _, u := range e.Communities {
		m.Communities[u.CommunityID] = Units{Impressions: u.Impressions, Clicks: u.Clicks, Invalid: u.Invalid}
		if u.Dims != nil {
			m.Dims[u.CommunityID] = *u.Dims
		}
	}
	for attempt := 0; attempt < 8; attempt++ {
		it, found, err := s.repo.get(ctx, e.CampaignID)
		if err != nil {
			return err
		}
		if !found {
			return fault.New(fault.NotFound, op, "no campaign "+e.CampaignID+" for its meter") // retried, then dead-lettered
		}
		if e.Seq <= it.Books.Seq {
			return nil
		}
		d, _, err := s.ledger.GetDrawdown(ctx, it.ID)
		if err != nil {
			return err
		}
		remaining := d.Remaining
		if d.State != ledger.HoldHeld {
			remaining = 0 // released: the rest is free
		}
		now := s.clock.Now().Truncate(time.Millisecond)
		c := it.campaign()
		ch, err := SettleWithPremium(c, it.Books, m, remaining, now, s.cfg.ShareBps, s.cfg.PremiumBps)
		if err != nil {
			return fault.Wrap(op, err)
		}
		read := it.Version
		it.Books = ch.Books
		exhausted := ch.Amount+ch.Premium > 0 && ch.Amount+ch.Premium == remaining && !it.Exhausted
		it.Exhausted = it.Exhausted || exhausted
		stamp(&it, now)
		put, err := s.repo.replace(it, read)
		if err != nil {
			return err
		}
		tx := store.NewTx().Add("campaign", put)
		for _, r := range ch.Rows {
			tx.Add("report "+r.CommunityID, s.repo.reportAdd(it.ID, ch.Books.Day, r))
		}
		var draw ledger.Op
		if ch.Amount+ch.Premium > 0 {
			var credits []ledger.Credit
			var fees int64
			for _, cc := range ch.Communities {
				if cc.Share > 0 {
					credits = append(credits, ledger.Credit{Account: ledger.Community(cc.CommunityID), Amount: cc.Share, Fee: cc.Fee})
				}
				fees += cc.Fee
			}
			if fees+ch.Premium > 0 { // the platform's fee and the targeting premium
				credits = append(credits, ledger.Credit{Account: ledger.PlatformFees, Amount: fees + ch.Premium})
			}
			if draw, err = s.ledger.PrepareDrawNoted(ledger.Drawdown{ID: it.ID, Account: ledger.Advertiser(it.AdvertiserID), Currency: it.Currency},
				fmt.Sprintf("m%d", e.Seq), KindCharge, memo(it, ch), credits, now); err != nil {
				return fault.Wrap(op, err)
			}
			tx.AddParts(draw.Parts...)
		}
		cur := func(n int64) money.Amount { return money.Amount{Minor: n, Currency: it.Currency} }
		if ch.Amount > 0 || ch.Free > 0 || ch.Units > 0 {
			charged := &events.CampaignCharged{CampaignID: it.ID, AdvertiserID: it.AdvertiserID, Seq: e.Seq, Amount: cur(ch.Amount), Premium: cur(ch.Premium),
				Units: ch.Units, Free: ch.Free, Spent: cur(ch.Books.Charged + ch.Books.Premium), SpentToday: cur(ch.Books.DaySpent), Day: ch.Books.Day,
				Communities: []events.CommunityEarning{}}
			for _, cc := range ch.Communities {
				charged.Communities = append(charged.Communities, events.CommunityEarning{CommunityID: cc.CommunityID, Units: cc.Units,
					Amount: cur(cc.Amount), Share: cur(cc.Share)})
			}
			evt, err := events.OutboxPut(s.repo.outbox, charged, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			tx.Add("charged", evt)
		}
		if len(ch.Rows) > 0 {
			rep := &events.CampaignReported{CampaignID: it.ID, AdvertiserID: it.AdvertiserID, Seq: e.Seq, Day: ch.Books.Day, Model: it.Model}
			for _, r := range ch.Rows {
				rep.Lines = append(rep.Lines, events.CampaignLine{CommunityID: r.CommunityID, Impressions: r.Impressions, Clicks: r.Clicks, Billed: r.Billed,
					Free: r.Free, Spend: cur(r.Amount), Earned: cur(r.Share), Premium: cur(r.Premium), Invalid: r.Invalid, Dims: r.Dims})
			}
			evt, err := events.OutboxPut(s.repo.outbox, rep, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			tx.Add("reported", evt)
		}
		if exhausted {
			evt, err := events.OutboxPut(s.repo.outbox, &events.CampaignBudgetExhausted{CampaignID: it.ID, AdvertiserID: it.AdvertiserID,
				Spent: cur(ch.Books.Charged)}, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			tx.Add("exhausted", evt)
		}
		err = tx.Write(ctx, s.repo.db)
		switch {
		case err == nil:
			return nil
		case store.Failed(err, "campaign"):
			continue // another settlement or a change moved on: read again
		case ch.Amount+ch.Premium > 0 && (draw.InsufficientFunds(err) || fault.KindOf(draw.Explain(err)) == fault.Conflict):
			continue // the hold changed (an end released it): read again
		}
		return fault.Wrap(op, err)
	}
	return fault.New(fault.Unavailable, op, "the campaign "+e.CampaignID+" is changing too fast; the meter will be retried")
}

// memo is a settlement's line in the statements: its campaign, its meter
// and the units it billed and left free, e.g. "cmp_… m3: 400 impressions
// billed at 2.50 EUR CPM, 0 free".
func memo(it campaignItem, ch Charge) string {
	unit, price := "impressions", "CPM"
	if it.Model == string(CPC) {
		unit, price = "clicks", "CPC"
	}
	s := fmt.Sprintf("%s m%d: %d %s billed at %s %s, %d free", it.ID, ch.Books.Seq, ch.Units, unit,
		money.Amount{Minor: it.Bid, Currency: it.Currency}, price, ch.Free)
	if ch.Premium > 0 {
		s += fmt.Sprintf("; targeting premium %s", money.Amount{Minor: ch.Premium, Currency: it.Currency})
	}
	return s
}
