# lavaan reference for the listwise ML bootstrap of csat.sem.bootstrap (tests/sem/test_bootstrap.py): lavaan's
# own bootstrap (bootstrapLavaan, which refits every resample warm-started from the full-sample
# estimates and checks each solution with lavInspect(, "post.check")) of the ECSI model on the real
# ECSI mobile-phone survey (../../../shared/datasets/ecsi_satisfaction.csv, 250 respondents), 200
# resamples drawn by lavaan after set.seed(20261124).  Stored: lavaan's resample indices (0-based), the
# status of every resample (failed = lavaan's error.idx, inadmissible = its "nonadmissible" attribute,
# else ok) and, for the ok and inadmissible ones, the direct, indirect and total effects (raw and
# standardized, named as in bootstrap_fiml.R) that csat's bootstrap reports.
# Made with R 4 and lavaan 0.6-14 (Debian r-cran-lavaan), jsonlite (r-cran-jsonlite).
# Run from this folder:  Rscript bootstrap_ecsi.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
d <- read.csv(file.path("..", "..", "..", "shared", "datasets", "ecsi_satisfaction.csv"))
model <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
SAT ~ IMAG + EXPE + QUAL + VAL
LOY ~ IMAG + SAT
QUAL ~ EXPE
VAL ~ EXPE + QUAL
"
stats_of <- function(fit) {
  B <- lavInspect(fit, "est")$beta
  lv <- rownames(B); k <- nrow(B)
  total <- solve(diag(k) - B) - diag(k)
  ind <- total - B
  sd <- sqrt(diag(lavInspect(fit, "cov.lv")))
  S <- outer(1 / sd, sd)
  out <- c()
  for (i in seq_len(k)) for (j in seq_len(k)) if (i != j && abs(total[i, j]) > 1e-12) {
    key <- paste0(lv[j], "->", lv[i])
    out[paste0(key, "|direct")] <- B[i, j]; out[paste0(key, "|indirect")] <- ind[i, j]
    out[paste0(key, "|total")] <- total[i, j]; out[paste0(key, "|std.direct")] <- (B * S)[i, j]
    out[paste0(key, "|std.indirect")] <- (ind * S)[i, j]; out[paste0(key, "|std.total")] <- (total * S)[i, j]
  }
  out
}
fit <- sem(model, data = d)
names_ <- names(stats_of(fit))
set.seed(20261124)
b <- bootstrapLavaan(fit, R = 200, FUN = function(f) unname(stats_of(f)[names_]), keep.idx = TRUE)
idx <- attr(b, "boot.idx")[[1]]
status <- rep("ok", nrow(b))
status[attr(b, "nonadmissible")] <- "inadmissible"
status[attr(b, "error.idx")] <- "failed"
vals <- unclass(b)
attributes(vals) <- list(dim = dim(b))
write_json(list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
                model = model, n = nrow(d), seed = 20261124L, indices = idx - 1L, status = status,
                names = names_, values = vals),
           "bootstrap_ecsi.json", digits = 12, auto_unbox = TRUE, matrix = "rowmajor", na = "null")
cat("wrote bootstrap_ecsi.json:", table(status), "\n")
