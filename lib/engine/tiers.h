/*
 * Tier tables: from a measured value to a payout in the three modes of
 * domain.md section 5, with each band's share kept for the explanation.
 */
#ifndef TALLY_ENGINE_TIERS_H
#define TALLY_ENGINE_TIERS_H

#include "plan/model.h"

/* Most bands a table may have (the schema allows 100). */
#define TALLY_MAX_BANDS 100

typedef struct tally_band_share {
    tally_decimal portion; /* part of the value in the band, or the completed fraction */
    tally_decimal value;   /* the band's rate, per-unit amount or amount */
    tally_decimal payout;
} tally_band_share;

/*
 * What the tiers pay on non-negative totals. `measured` is the value the table
 * looks up (amount, quantity or attainment %); `amount` and `quantity` are what
 * rates and per-unit amounts multiply. For attainment, `quota` (> 0) turns band
 * limits into revenue limits quota × pct / 100 for marginal mode. `shares` holds
 * room for TALLY_MAX_BANDS entries; *share_count receives how many were used.
 * Returns TALLY_OK or TALLY_ERR_OVERFLOW.
 */
int tally_tiers__pay(const tally_tier_table *tiers, const tally_decimal *measured,
                     const tally_decimal *amount, const tally_decimal *quantity,
                     const tally_decimal *quota, tally_decimal *out,
                     tally_band_share *shares, size_t *share_count);

/* Whether a payout on these signed totals is negative: the sign of what the band
 * values multiply (revenue for rates, units for per-unit amounts), or of the
 * measured value for interpolated amounts (domain.md 7: sign restored). */
int tally_tiers__negative(const tally_tier_table *tiers, const tally_decimal *amount,
                          const tally_decimal *quantity);

/* a / b with the fraction digits (24, half-even) an interpolated value keeps where
 * it is shown or where no exact quotient can be kept. */
int tally_tiers__fraction(tally_decimal *out, const tally_decimal *a, const tally_decimal *b);

/*
 * Interpolated mode, kept exact for sums over many transactions: the amounts of
 * the completed bands (and of an entered open top band) in *whole, and for the
 * band the value is inside, its index in *band and (value − from) × amount in
 * *numerator, to be divided by the band's width only once the numerators of all
 * the transactions are added up (3 × 1/3 is then exactly 1). *band is SIZE_MAX
 * when no band is partly done.
 */
int tally_tiers__interpolated_parts(const tally_tier_table *tiers, const tally_decimal *value,
                                    tally_decimal *whole, size_t *band,
                                    tally_decimal *numerator);

/* Index of the band holding `value`, or SIZE_MAX below the first band. */
size_t tally_tiers__band_of(const tally_tier_table *tiers, const tally_decimal *value);

#endif /* TALLY_ENGINE_TIERS_H */
