-- The peer benchmark's workload (bench/peers/workload.xml) for Debian's sqlite3
-- command-line shell: .import of the transactions CSV into a table, then SQL on
-- integer cents. run.py replaces @TRANSACTIONS@ and @OUT@ and pipes this script
-- to `sqlite3 -batch -bail` on an in-memory database.
--
-- Amounts are converted to integer cents (the generator always writes two
-- decimals; a row that does not is reported as a line the checker rejects).
-- Rates are integers over 10,000, so every payout is an exact integer numerator
-- over 10,000, rounded half-even to cents by rhe_* below:
--   q = n / d, r = n % d; q + 1 if 2r > d, or if 2r = d and q is odd.
-- Tiers look at |net| and the net's sign is restored on the payout.

.bail on
.output /dev/null
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
.output stdout

CREATE TABLE tx (
  id TEXT, date TEXT, partner TEXT, rep TEXT, product TEXT, category TEXT,
  region TEXT, quantity INTEGER, amount TEXT, currency TEXT, original_id TEXT);
.import --csv --skip 1 "@TRANSACTIONS@" tx

-- Net revenue per partner x quarter, in cents, and rows whose amount is not
-- written with exactly two decimals.
CREATE TEMP TABLE pq AS
SELECT partner,
       substr(date, 1, 4) || '-Q' || ((CAST(substr(date, 6, 2) AS INTEGER) + 2) / 3) AS quarter,
       SUM(CAST(replace(amount, '.', '') AS INTEGER)) AS net,
       SUM(amount NOT GLOB '*[0-9].[0-9][0-9]') AS bad
FROM tx GROUP BY 1, 2;

-- Numerators over 10,000 of each rebate, on |net|.
CREATE TEMP TABLE rebates AS
SELECT partner, quarter, net, abs(net) AS a,
       abs(net) * CASE WHEN abs(net) >= 100000000 THEN 350    -- [1,000,000, ...) 3.5 %
                       WHEN abs(net) >= 25000000 THEN 300     -- [250,000, 1,000,000) 3 %
                       WHEN abs(net) >= 5000000 THEN 200      -- [50,000, 250,000) 2 %
                       ELSE 100 END AS retro_n,               -- [0, 50,000) 1 %
       min(abs(net), 10000000) * 50                           -- [0, 100,000) 0.5 %
         + max(0, min(abs(net), 50000000) - 10000000) * 125   -- [100,000, 500,000) 1.25 %
         + max(0, abs(net) - 50000000) * 225 AS marginal_n    -- [500,000, ...) 2.25 %
FROM pq;

-- Q4 SPIFF: per-unit amounts in cents.
CREATE TEMP TABLE spiff_products (product TEXT PRIMARY KEY, cents INTEGER);
INSERT INTO spiff_products VALUES
  ('SKU-007', 2500), ('SKU-042', 4000), ('SKU-123', 1250), ('SKU-256', 725), ('SKU-389', 6000);

CREATE TEMP TABLE spiff_sales AS
SELECT t.id, t.partner, t.quantity AS units, s.cents
FROM tx t JOIN spiff_products s ON s.product = t.product
WHERE t.quantity > 0 AND t.date BETWEEN '2026-10-01' AND '2026-12-31';
CREATE UNIQUE INDEX spiff_sales_id ON spiff_sales (id);

-- A return naming a sale that earned claws back per returned unit, at most the
-- units the sale earned over all its returns in (date, id) order, from the sale's
-- partner, in the return's quarter.
CREATE TEMP TABLE spiff_clawbacks AS
WITH r AS (
  SELECT t.date, t.id, t.original_id, -t.quantity AS units,
         substr(t.date, 1, 4) || '-Q' || ((CAST(substr(t.date, 6, 2) AS INTEGER) + 2) / 3) AS quarter,
         s.partner, s.units AS sold, s.cents
  FROM tx t JOIN spiff_sales s ON s.id = t.original_id
  WHERE t.quantity < 0 AND t.product IN (SELECT product FROM spiff_products)),
c AS (
  SELECT *, SUM(units) OVER (PARTITION BY original_id ORDER BY date, id
                             ROWS UNBOUNDED PRECEDING) AS cum
  FROM r)
SELECT partner, quarter, -(min(cum, sold) - min(cum - units, sold)) * cents AS cents FROM c;

-- MDF: accrual = rhe(2 % of net) when net > 0, else 0; with A the running sum of
-- accruals in the year, the capped running sum is min(A, cap), so each quarter
-- accrues min(A_k, cap) - min(A_k-1, cap).
CREATE TEMP TABLE mdf AS
WITH acc AS (
  SELECT partner, quarter,
         CASE WHEN net > 0 THEN net * 200 / 10000
              + (2 * (net * 200 % 10000) > 10000
                 OR (2 * (net * 200 % 10000) = 10000 AND (net * 200 / 10000) % 2 = 1))
              ELSE 0 END AS accrual
  FROM pq),
run AS (
  SELECT partner, quarter, accrual,
         SUM(accrual) OVER (PARTITION BY partner, substr(quarter, 1, 4) ORDER BY quarter
                            ROWS UNBOUNDED PRECEDING) AS a
  FROM acc),
capped AS (
  SELECT partner, quarter, min(a, 2000000) - min(a - accrual, 2000000) AS accrued FROM run)
SELECT partner, quarter, accrued,
       SUM(accrued) OVER (PARTITION BY partner ORDER BY quarter ROWS UNBOUNDED PRECEDING) AS balance
FROM capped;

CREATE TEMP TABLE lines AS
SELECT 'retro' AS component, partner, quarter,
       (CASE WHEN net < 0 THEN -1 ELSE 1 END)
       * (retro_n / 10000 + (2 * (retro_n % 10000) > 10000
                             OR (2 * (retro_n % 10000) = 10000 AND (retro_n / 10000) % 2 = 1))) AS cents
FROM rebates
UNION ALL
SELECT 'marginal', partner, quarter,
       (CASE WHEN net < 0 THEN -1 ELSE 1 END)
       * (marginal_n / 10000 + (2 * (marginal_n % 10000) > 10000
                                OR (2 * (marginal_n % 10000) = 10000 AND (marginal_n / 10000) % 2 = 1)))
FROM rebates
UNION ALL
SELECT 'q4-spiff', partner, quarter, SUM(cents) FROM (
  SELECT partner, '2026-Q4' AS quarter, units * cents AS cents FROM spiff_sales
  UNION ALL
  SELECT partner, quarter, cents FROM spiff_clawbacks)
GROUP BY partner, quarter
UNION ALL
SELECT 'mdf/accrued', partner, quarter, accrued FROM mdf
UNION ALL
SELECT 'mdf/balance', partner, quarter, balance FROM mdf
UNION ALL
SELECT 'error: amounts without two decimals', partner, quarter, bad FROM pq WHERE bad > 0;

.headers on
.mode csv
.once "@OUT@"
SELECT component, partner, quarter,
       printf('%s%d.%02d', CASE WHEN cents < 0 THEN '-' ELSE '' END, abs(cents) / 100, abs(cents) % 100) AS amount
FROM lines ORDER BY component, partner, quarter;
