/*
 * A program that uses tally the way a vendor's product does: only the installed
 * umbrella header and the shared library found by pkg-config.
 */
#include <stdio.h>
#include <string.h>

#include <tally/tally.h>

int
main(void)
{
    tally_ctx *ctx = NULL;
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK)
        return 1;
    tally_decimal amount, rate, payout;
    const tally_currency *usd = NULL;
    int ok = tally_decimal_parse(ctx, &amount, "1234.565") == TALLY_OK &&
             tally_decimal_parse(ctx, &rate, "0.5") == TALLY_OK &&
             tally_currency_lookup(ctx, &usd, "USD") == TALLY_OK &&
             tally_decimal_mul_round(&payout, &amount, &rate, tally_currency_minor_units(usd),
                                     TALLY_ROUND_HALF_EVEN) == TALLY_OK;
    char text[TALLY_DECIMAL_STRING_MAX] = "";
    ok = ok && tally_decimal_format(text, sizeof(text), &payout) == TALLY_OK &&
         strcmp(text, "617.28") == 0 && strcmp(tally_version(), TALLY_VERSION_STRING) == 0;
    printf("installed tally %s: 1234.565 x 0.5 = %s USD\n", tally_version(), text);
    tally_ctx_free(ctx);
    return ok ? 0 : 1;
}
