# Reference values for Little's (1988) MCAR test (tests/intake/test_cleaning.py).
# No MCAR package (naniar, misty, BaylorEdPsych) is available from Debian, so the test is
# computed here by hand from lavaan's ML estimates of the saturated mean and covariance with
# missing data: (a) lavaan's EM routine for the unrestricted (h1) model, (b) a saturated model
# fitted by FIML (an independent optimiser).  d2 = sum_j n_j (ybar_j - mu_j)' S_j^-1 (ybar_j - mu_j),
# df = sum_j p_j - p.   Run from this folder:  Rscript little_mcar.R
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("little_mcar_data.csv")
v <- names(d)

little <- function(d, mu, S) {
  R <- is.na(d)
  key <- apply(R, 1, function(r) paste(as.integer(r), collapse = ""))
  d2 <- 0; df <- 0
  for (k in unique(key)) {
    rows <- which(key == k); o <- !R[rows[1], ]
    if (!any(o)) next
    dif <- colMeans(as.matrix(d[rows, o, drop = FALSE])) - mu[o]
    d2 <- d2 + length(rows) * drop(t(dif) %*% solve(S[o, o, drop = FALSE]) %*% dif)
    df <- df + sum(o)
  }
  df <- df - ncol(d)
  list(chisq = d2, df = df, pvalue = pchisq(d2, df, lower.tail = FALSE), n_patterns = length(unique(key)))
}

# (a) lavaan's EM estimates of the unrestricted model
h1 <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = as.matrix(d), max.iter = 10000, tol = 1e-12)
em <- little(d, h1$Mu, h1$Sigma)

# (b) saturated model by FIML
pairs <- combn(v, 2)
model <- paste(c(paste(v, "~~", v), paste(pairs[1, ], "~~", pairs[2, ]), paste(v, "~ 1")), collapse = "\n")
fit <- suppressWarnings(lavaan(model, data = d, missing = "ml", control = list(rel.tol = 1e-14, iter.max = 10000)))
imp <- lavInspect(fit, "implied")
fiml <- little(d, imp$mean, unclass(imp$cov))

out <- list(
  source = paste("lavaan", as.character(packageVersion("lavaan")), "EM (h1) estimates; d2 computed by hand"),
  data = "little_mcar_data.csv",
  em = c(em, list(mean = unname(h1$Mu), cov = unname(h1$Sigma))),
  fiml = fiml
)
writeLines(jsonlite::toJSON(out, digits = 15, auto_unbox = TRUE, pretty = TRUE), "little_mcar.json")
