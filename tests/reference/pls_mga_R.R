# Reference for csat.sem.pls.mga: R seminr's own PLS-MGA test fixture (tests/testthat/test-pls-mga.R).
#
# Origin: github.com/sem-in-r/seminr, commit ae2524aae5f4f0bda3eb87faf80378af5baccea1 (seminr 2.3.1),
# file tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS: estimate_pls_mga() of Tenenhaus et al.'s ECSI model on
# seminr's mobi data (tests/reference/pls_mobi.csv), groups rand_cond <- sample(c(TRUE, FALSE), 250,
# replace = TRUE) after set.seed(798234), nboot = 100, cores = 2.  The fixture holds per path the full-sample
# estimate, both group estimates (deterministic: compared to 1e-6), the bootstrap means and Henseler's
# pls_mga_p (seminr's one-sided p, from R's parallel RNG streams: compared within Monte Carlo error).
# The group split is re-made here with base R's sample() (R >= 3.6.0 "Rejection" sampling, as the
# fixture's folder V_3_6_0 says).  Needs no R package: base R only (r-base-core 4.x, Debian).
#
# Run from the project root with the fixture downloaded to /tmp/pls-mga-mobi-100.RDS:
#     Rscript tests/reference/pls_mga_R.R /tmp/pls-mga-mobi-100.RDS > tests/reference/pls_mga_R.json
a <- commandArgs(trailingOnly = TRUE)
x <- readRDS(a[1])
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
num <- function(v) paste(sprintf("%.10g", v), collapse = ", ")
str <- function(v) paste(sprintf('"%s"', v), collapse = ", ")
cat("{\n")
cat(' "_source": "R seminr 2.3.1 test fixture tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS (github sem-in-r/seminr @ ae2524a), group split by base R sample() after set.seed(798234); tests/reference/pls_mga_R.R",\n')
cat(sprintf(' "R_version": "%s",\n', R.version.string))
cat(' "nboot": 100,\n')
cat(sprintf(' "group1": [%s],\n', paste(ifelse(rand_cond, "true", "false"), collapse = ", ")))
for (col in c("source", "target")) cat(sprintf(' "%s": [%s],\n', col, str(x[[col]])))
cols <- c("estimate", "group1_beta", "group2_beta", "diff", "group1_beta_mean", "group2_beta_mean", "pls_mga_p")
for (i in seq_along(cols)) {
  cat(sprintf(' "%s": [%s]%s\n', cols[i], num(x[[cols[i]]]), ifelse(i < length(cols), ",", "")))
}
cat("}\n")
