# lavaan reference for the FIML bootstrap of csat.sem.bootstrap (tests/sem/test_bootstrap.py): the
# political-democracy SEM with 8% of the values missing completely at random (the data of
# sem_fiml.json), refitted with missing = "ml" on 60 fixed resamples of the respondents (drawn
# here with set.seed(20261123); sample.int; stored 0-based), as lavaan's ordinary bootstrap does.
# For every resample: convergence, admissibility, the effects (raw and standardized) and the
# defined parameters; then lavaan's percentile interval (boot:::norm.inter) over the admissible ones.
# Run from this folder:  Rscript bootstrap_fiml.R   (needs sem_fiml.json beside it)
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
src <- fromJSON("sem_fiml.json")
dat <- as.data.frame(src$pd$data)
model <- paste("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8",
               "dem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60",
               "y1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8",
               "ind := a*b\ntotal := c + a*b", sep = "\n")
stats_of <- function(fit) {
  B <- lavInspect(fit, "est")$beta
  lv <- rownames(B); k <- nrow(B)
  total <- solve(diag(k) - B) - diag(k)
  ind <- total - B
  sd <- sqrt(diag(lavInspect(fit, "cov.lv")))
  S <- outer(1 / sd, sd)
  out <- list()
  for (i in seq_len(k)) for (j in seq_len(k)) if (i != j && abs(total[i, j]) > 1e-12) {
    key <- paste0(lv[j], "->", lv[i])
    out[[paste0(key, "|direct")]] <- B[i, j]; out[[paste0(key, "|indirect")]] <- ind[i, j]
    out[[paste0(key, "|total")]] <- total[i, j]; out[[paste0(key, "|std.direct")]] <- (B * S)[i, j]
    out[[paste0(key, "|std.indirect")]] <- (ind * S)[i, j]; out[[paste0(key, "|std.total")]] <- (total * S)[i, j]
  }
  pe <- parameterEstimates(fit)
  d <- pe[pe$op == ":=", ]
  for (r in seq_len(nrow(d))) out[[paste0("defined|", d$lhs[r])]] <- d$est[r]
  out
}
full <- sem(model, data = dat, missing = "ml")
n <- nrow(dat); R <- 60
set.seed(20261123)
idx <- t(replicate(R, sample.int(n, n, replace = TRUE)))
draws <- list(); status <- character(R)
for (b in seq_len(R)) {
  fb <- tryCatch(sem(model, data = dat[idx[b, ], ], missing = "ml"), error = function(e) NULL)
  if (is.null(fb) || !lavInspect(fb, "converged")) { status[b] <- "failed"; draws[[b]] <- NULL; next }
  v <- c(diag(lavInspect(fb, "est")$theta), diag(lavInspect(fb, "est")$psi))
  status[b] <- if (any(v < 0)) "inadmissible" else "ok"
  draws[[b]] <- stats_of(fb)
}
names_ <- names(stats_of(full))
vals <- t(sapply(seq_len(R), function(b) if (is.null(draws[[b]])) rep(NA_real_, length(names_)) else unlist(draws[[b]][names_])))
colnames(vals) <- names_
ok <- status == "ok"
ci <- lapply(names_, function(nm) {
  q <- boot:::norm.inter(vals[ok, nm], c(0.025, 0.975))
  list(name = nm, est = stats_of(full)[[nm]], ci.lower = q[1, 2], ci.upper = q[2, 2], boot.se = sd(vals[ok, nm]))
})
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            model = model, n = n, indices = idx - 1L, status = status, values = vals, names = names_, ci = ci)
write_json(out, "bootstrap_fiml.json", digits = 12, auto_unbox = TRUE, pretty = FALSE, matrix = "rowmajor")
cat("wrote bootstrap_fiml.json:", sum(ok), "ok of", R, "\n")
