/*
 * A first look at tally's exact money arithmetic: a few rounded calculations of
 * the kind partner programmes make, printed as a small table.
 */
#include <stdio.h>
#include <stdlib.h>

#include <tally/tally.h>

static tally_decimal
number(tally_ctx *ctx, const char *text)
{
    tally_decimal value;
    if (tally_decimal_parse(ctx, &value, text) != TALLY_OK) {
        fprintf(stderr, "tally-demo: %s\n", tally_error_message(tally_ctx_last_error(ctx)));
        exit(1);
    }
    return value;
}

static void
check(int status, const char *what)
{
    if (status != TALLY_OK) {
        fprintf(stderr, "tally-demo: %s: %s\n", what, tally_strerror(status));
        exit(1);
    }
}

static void
show(const char *label, const tally_decimal *value, const char *currency)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    check(tally_decimal_format(text, sizeof(text), value), "format");
    printf("  %-46s %16s %s\n", label, text, currency);
}

/* amount × rate, rounded to the currency's minor units with the given mode. */
static void
rate_line(tally_ctx *ctx, const char *label, const char *amount, const char *rate,
          const char *currency_code, tally_rounding mode)
{
    const tally_currency *currency;
    check(tally_currency_lookup(ctx, &currency, currency_code), "currency");
    tally_decimal a = number(ctx, amount), r = number(ctx, rate), payout;
    check(tally_decimal_mul_round(&payout, &a, &r, tally_currency_minor_units(currency), mode),
          "multiply");
    char full[96];
    snprintf(full, sizeof(full), "%s (%s)", label, tally_rounding_name(mode));
    show(full, &payout, currency_code);
}

int
main(void)
{
    tally_ctx *ctx;
    check(tally_ctx_new(&ctx, NULL), "context");
    printf("tally %s: exact money arithmetic\n\n", tally_version());

    rate_line(ctx, "3% rebate on 12,345.67", "12345.67", "0.03", "USD", TALLY_ROUND_HALF_EVEN);
    rate_line(ctx, "2.5% MDF accrual on 1,000,020", "1000020", "0.025", "JPY",
              TALLY_ROUND_HALF_EVEN);
    rate_line(ctx, "2.5% MDF accrual on 1,000,020", "1000020", "0.025", "JPY",
              TALLY_ROUND_HALF_UP);
    rate_line(ctx, "1.25% commission on 987.654 BHD", "987.654", "0.0125", "BHD",
              TALLY_ROUND_DOWN);
    rate_line(ctx, "4% clawback on a 1,234.56 return", "-1234.56", "0.04", "EUR",
              TALLY_ROUND_FLOOR);

    /* Rounding point matters: three 0.333 lines, per payout vs per transaction. */
    tally_decimal third = number(ctx, "0.333"), sum = number(ctx, "0"), rounded, each;
    check(tally_decimal_round(&each, &third, 2, TALLY_ROUND_HALF_EVEN), "round");
    tally_decimal per_line = number(ctx, "0");
    for (int i = 0; i < 3; i++) {
        check(tally_decimal_add(&sum, &sum, &third), "add");
        check(tally_decimal_add(&per_line, &per_line, &each), "add");
    }
    check(tally_decimal_round(&rounded, &sum, 2, TALLY_ROUND_HALF_EVEN), "round");
    show("3 x 0.333 rounded per payout", &rounded, "USD");
    show("3 x 0.333 rounded per transaction", &per_line, "USD");

    /* A split that must add back up: 100.00 three ways, remainder to the first. */
    tally_decimal total = number(ctx, "100.00"), three = number(ctx, "3"), share, rest;
    check(tally_decimal_div(&share, &total, &three, 2, TALLY_ROUND_HALF_EVEN), "divide");
    check(tally_decimal_sub(&rest, &total, &share), "subtract");
    check(tally_decimal_sub(&rest, &rest, &share), "subtract");
    show("100.00 split in 3: first payee", &rest, "USD");
    show("100.00 split in 3: second and third payee", &share, "USD");

    tally_ctx_free(ctx);
    return 0;
}
