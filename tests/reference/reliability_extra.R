# Extra reference values for tests/stats/test_reliability.py, computed with psych, lavaan and semTools.
# Run from tests/reference/:  Rscript reliability_extra.R   (writes reliability_extra.json)
# Needs Debian packages: r-base-core r-cran-psych r-cran-lavaan r-cran-semtools r-cran-jsonlite
suppressPackageStartupMessages({library(psych); library(lavaan); library(semTools); library(jsonlite)})
shared <- "../../../shared"
hs <- read.csv(file.path(shared, "datasets/holzinger1939.csv"))
ecsi <- read.csv(file.path(shared, "datasets/ecsi_satisfaction.csv"))
pdm <- read.csv(file.path(shared, "datasets/political_democracy.csv"))

hs_cons <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = c("x7", "x8", "x9"))
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

# Odd/even split-half reliability (Spearman-Brown) from a covariance matrix: items 1,3,5,... vs 2,4,6,...
# in the listed order; r = cov(A, B) / sqrt(var(A) var(B)), rel = 2r / (1 + r).
split_oe <- function(C) {
  k <- ncol(C); o <- seq(1, k, by = 2); e <- seq(2, k, by = 2)
  r <- sum(C[o, e]) / sqrt(sum(C[o, o]) * sum(C[e, e])); 2 * r / (1 + r)
}
alpha_stats <- function(x) {
  a <- suppressWarnings(psych::alpha(x, warnings = FALSE))
  nsub <- nrow(x)
  list(raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, lambda6 = a$total[["G6(smc)"]],
       average_r = a$total$average_r, n = nsub,
       feldt_ci = unname(unlist(alpha.ci(a$total$raw_alpha, n.obs = nsub, n.var = ncol(x), digits = 8)[c(1, 3)])),
       alpha_if_deleted = if (ncol(x) > 2) as.list(setNames(a$alpha.drop$raw_alpha, colnames(x))) else NULL,
       r_drop = as.list(setNames(a$item.stats$r.drop, colnames(x))),
       split_half = split_oe(cov(x, use = "pairwise")))
}

# 1. Holzinger-Swineford, complete data
hs_alpha <- lapply(hs_cons, function(v) alpha_stats(hs[, v]))
hs_htmt_arith <- unclass(htmt(hs_model, hs, htmt2 = FALSE))
hs_htmt_signed <- unclass(htmt(hs_model, hs, htmt2 = FALSE, absolute = FALSE))

# 2. Holzinger-Swineford with deterministic missing values:
#    x[i, j] is NA when (7 i + 11 j) %% 23 == 0 or (5 i + 3 j) %% 19 == 0 (i = row 1..301, j = item 1..9)
hsna <- hs[, paste0("x", 1:9)]
for (i in seq_len(nrow(hsna))) for (j in 1:9)
  if ((7 * i + 11 * j) %% 23 == 0 || (5 * i + 3 * j) %% 19 == 0) hsna[i, j] <- NA
na_pairwise <- lapply(hs_cons, function(v) alpha_stats(hsna[, v]))
na_listwise <- lapply(hs_cons, function(v) { x <- na.omit(hsna[, v]); a <- alpha_stats(x); a })
na_htmt_listwise <- unclass(htmt(hs_model, hsna, missing = "listwise"))
na_htmt_pairwise <- unclass(htmt(hs_model, hsna, missing = "pairwise"))

# 3. A two-item construct
two <- alpha_stats(hs[, c("x1", "x2")])

# 4. Reverse-keyed item: ECSI satisfaction items with sat2 stored reversed (0..10 scale: 10 - x)
sat <- ecsi[, paste0("sat", 1:4)]
sat_raw <- sat; sat_raw$sat2 <- 0 + 10 - sat$sat2
rev <- list(alpha_recoded = psych::alpha(sat, warnings = FALSE)$total$raw_alpha,
            alpha_not_recoded = suppressWarnings(psych::alpha(sat_raw, check.keys = FALSE, warnings = FALSE))$total$raw_alpha)

# 5. Political democracy: semTools omega/avevar with residual covariances and regressions
pd_model <- "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8"
pdfit <- sem(pd_model, data = pdm)
pdrel <- reliability(pdfit)

# 6. ECSI measurement model: lavaan estimates, latent correlations, semTools omega/avevar and HTMT,
#    classic CR and AVE from the standardized loadings, cross-loadings with unit-weighted scores
ecsi_cons <- list(IMAG = paste0("imag", 1:5), EXPE = paste0("expe", 1:5), QUAL = paste0("qual", 1:5),
                  VAL = paste0("val", 1:4), SAT = paste0("sat", 1:4), LOY = paste0("loy", 1:4))
ecsi_model <- paste(sapply(names(ecsi_cons), function(f) paste(f, "=~", paste(ecsi_cons[[f]], collapse = " + "))),
                    collapse = "\n")
efit <- cfa(ecsi_model, data = ecsi)
est <- parameterEstimates(efit); std <- standardizedSolution(efit)
erel <- reliability(efit)
lstd <- std[std$op == "=~", ]
cr_classic <- sapply(names(ecsi_cons), function(f) { l <- lstd$est.std[lstd$lhs == f]; sum(l)^2 / (sum(l)^2 + sum(1 - l^2)) })
ave_classic <- sapply(names(ecsi_cons), function(f) { l <- lstd$est.std[lstd$lhs == f]; mean(l^2) })
scores <- sapply(ecsi_cons, function(v) rowMeans(ecsi[, v]))
xl <- cor(ecsi[, unlist(ecsi_cons)], scores)
ecsi_alpha <- lapply(ecsi_cons, function(v) psych::alpha(ecsi[, v], warnings = FALSE)$total$raw_alpha)

out <- list(
  versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                  lavaan = as.character(packageVersion("lavaan")), semTools = as.character(packageVersion("semTools"))),
  na_rule = "x[i, j] NA when (7 i + 11 j) %% 23 == 0 or (5 i + 3 j) %% 19 == 0, i = 1..301 rows, j = 1..9 items x1..x9",
  na_count = sum(is.na(hsna)),
  hs = list(alpha = hs_alpha, htmt_arithmetic = hs_htmt_arith, htmt_signed = hs_htmt_signed),
  hs_na = list(pairwise = na_pairwise, listwise = na_listwise, htmt_listwise = na_htmt_listwise,
               htmt_pairwise = na_htmt_pairwise),
  two_items = two,
  reverse = rev,
  political_democracy = list(omega = as.list(pdrel["omega", ]), avevar = as.list(pdrel["avevar", ])),
  ecsi = list(model = ecsi_model,
              estimates = data.frame(lhs = est$lhs, op = est$op, rhs = est$rhs, est = est$est, std.all = std$est.std),
              cor_lv = unclass(lavInspect(efit, "cor.lv")),
              omega = as.list(erel["omega", ]), avevar = as.list(erel["avevar", ]),
              htmt = unclass(htmt(ecsi_model, ecsi)),
              cr_classic = as.list(cr_classic), ave_classic = as.list(ave_classic),
              cross_loadings = xl, alpha = ecsi_alpha))
write_json(out, "reliability_extra.json", digits = 12, auto_unbox = TRUE, pretty = TRUE)
cat("wrote reliability_extra.json\n")
