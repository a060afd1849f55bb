package accounts

import (
	"bytes"
	"context"
	"html/template"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// Business is who receipts say received the money.
var Business = struct{ Name, Address, Contact string }{
	Name: "Souq Marketplace", Address: "Receipts are issued by the operator named in your agreement", Contact: "billing@souq.dev",
}

// ListDeposits pages through an account's credited deposits, newest
// first (the receipts).
func (s *Service) ListDeposits(ctx context.Context, p auth.Principal, kind, accountID string, limit int, cursor string) ([]Deposit, string, error) {
	const op = "accounts.ListDeposits"
	if err := s.moneyReady(op); err != nil {
		return nil, "", err
	}
	payer, err := s.payerFor(ctx, op, p, payerKindOf(kind), accountID)
	if err != nil {
		return nil, "", err
	}
	idx, next, err := store.QueryPage[depositIndexItem](ctx, s.repo.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.repo.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(payerPK(payer.Key())), ":p": store.S("DEPAT#")},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	}, cursor, "sk", "deposits")
	if err != nil {
		return nil, "", fault.Wrap(op, err)
	}
	out := make([]Deposit, 0, len(idx))
	for _, ix := range idx {
		d, found, err := s.repo.getDeposit(ctx, ix.DepositID)
		if err != nil {
			return nil, "", err
		}
		if found {
			out = append(out, d.view(s.publicURL))
		}
	}
	return out, next, nil
}

var receiptPage = template.Must(template.New("receipt").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receipt {{.ID}} · Souq</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}th{width:40%;font-weight:600}
.total{font-size:1.25rem;font-weight:700}.muted{color:#555}@media print{a{color:inherit;text-decoration:none}.noprint{display:none}}
</style></head><body>
<header><h1>Receipt</h1><p class="muted">{{.Business.Name}} · {{.Business.Address}} · {{.Business.Contact}}</p></header>
<main>
<p class="total">{{.Amount}} paid</p>
<table>
<tr><th scope="row">Receipt number</th><td>{{.ID}}</td></tr>
<tr><th scope="row">Paid by</th><td>{{.PayerName}} ({{.PayerKind}} {{.PayerID}})</td></tr>
<tr><th scope="row">Date (UTC)</th><td>{{.Date}}</td></tr>
<tr><th scope="row">Paid with</th><td>{{.Card}}</td></tr>
<tr><th scope="row">For</th><td>Funds added to the Souq {{.PayerKind}} balance{{if .DebtRepaid}}, of which {{.DebtRepaid}} repaid what the account owed{{end}}</td></tr>
{{if .Refunded}}<tr><th scope="row">Refunded</th><td>{{.Refunded}}</td></tr>{{end}}
{{if .Disputed}}<tr><th scope="row">Disputed by the card holder</th><td>{{.Disputed}}</td></tr>{{end}}
<tr><th scope="row">Payment reference</th><td>{{.Reference}}</td></tr>
<tr><th scope="row">Ledger transfer</th><td>{{.TransferID}}</td></tr>
</table>
<p class="noprint muted">Print this page or save it as a PDF from your browser.</p>
</main></body></html>
`))

// Receipt is a succeeded deposit's printable HTML receipt.
func (s *Service) Receipt(ctx context.Context, p auth.Principal, depID string) ([]byte, error) {
	const op = "accounts.Receipt"
	d, err := s.GetDeposit(ctx, p, depID)
	if err != nil {
		return nil, err
	}
	if d.CreditedAt == nil {
		return nil, &fault.Error{Kind: fault.Conflict, Op: op, State: d.Status, Message: "a receipt is issued once the deposit is paid; it is " + d.Status}
	}
	payer, err := s.payerByKey(ctx, d.PayerKind+":"+d.AccountID)
	if err != nil {
		return nil, err
	}
	amt := func(n int64) string { return money.Amount{Minor: n, Currency: d.Currency}.String() }
	card := "a card"
	if d.Card != nil {
		card = d.Card.Brand + " ending in " + d.Card.Last4
	}
	data := map[string]any{"ID": d.ID, "Business": Business, "Amount": amt(d.Amount), "PayerName": payer.Name, "PayerKind": d.PayerKind,
		"PayerID": d.AccountID, "Date": d.CreditedAt.UTC().Format("2 January 2006, 15:04"), "Card": card, "Reference": d.Reference,
		"TransferID": d.TransferID, "DebtRepaid": "", "Refunded": "", "Disputed": ""}
	if d.DebtRepaid > 0 {
		data["DebtRepaid"] = amt(d.DebtRepaid)
	}
	if d.Refunded > 0 {
		data["Refunded"] = amt(d.Refunded)
	}
	if d.Disputed > 0 {
		data["Disputed"] = amt(d.Disputed)
	}
	var b bytes.Buffer
	if err := receiptPage.Execute(&b, data); err != nil {
		return nil, fault.Wrap(op, err)
	}
	return b.Bytes(), nil
}
