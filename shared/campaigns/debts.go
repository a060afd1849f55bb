package campaigns

import (
	"context"
	"errors"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
)

// debtPause is PausedFor of a campaign paused for its advertiser's debt.
const debtPause = "debt"

// payerDebtChanged pauses an advertiser's live campaigns while it owes a
// disputed payment (DESIGN §15) and resumes those it paused once the debt
// is repaid. The bus may deliver these in any order, so the debt is read
// from the ledger, not from the event: the last delivery decides by the
// state now. A campaign its advertiser paused itself stays paused.
func (s *Service) payerDebtChanged(ctx context.Context, e events.PayerDebtChanged) error {
	const op = "campaigns.payerDebtChanged"
	if e.PayerKind != "advertiser" || e.PayerID == "" {
		return nil
	}
	debt, err := s.ledger.Balance(ctx, ledger.Debt(ledger.Advertiser(e.PayerID)), e.Amount.Currency)
	if err != nil {
		return err
	}
	inDebt := debt.Available < 0
	now := s.clock.Now().Truncate(time.Millisecond)
	cursor := ""
	for {
		items, next, err := s.repo.list(ctx, e.PayerID, 100, cursor)
		if err != nil {
			return err
		}
		for _, c := range items {
			if c.Currency != e.Amount.Currency {
				continue
			}
			_, err := s.repo.update(ctx, c.ID, now, func(it *campaignItem, _ *store.Tx) error {
				if it.campaign().StatusAt(now) == StatusEnded {
					return errNoChange
				}
				switch {
				case inDebt && State(it.State) == Live:
					it.State, it.PausedFor = string(Paused), debtPause
				case !inDebt && State(it.State) == Paused && it.PausedFor == debtPause:
					it.State, it.PausedFor = string(Live), ""
				default:
					return errNoChange
				}
				return nil
			})
			if err != nil && !errors.Is(err, errNoChange) {
				return fault.Wrap(op, err)
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}
