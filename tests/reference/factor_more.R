# More EFA references (psych, GPArotation) for tests/stats/test_factor.py.
# Run from tests/reference:  Rscript factor_more.R   (needs r-cran-psych r-cran-gparotation r-cran-jsonlite)
# Data: ../../../shared/datasets/{holzinger1939,ecsi_satisfaction}.csv
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
shared <- "../../../shared/datasets"
hs <- read.csv(file.path(shared, "holzinger1939.csv"))
X <- hs[, paste0("x", 1:9)]
ecsi <- read.csv(file.path(shared, "ecsi_satisfaction.csv"))
E <- ecsi[, setdiff(names(ecsi), "gender")]

one <- function(x, nf, fm, rot) {
  f <- fa(x, nfactors = nf, fm = fm, rotate = rot)
  va <- f$Vaccounted
  list(loadings = unclass(f$loadings), communality = as.list(f$communality),
       uniquenesses = as.list(f$uniquenesses),
       phi = if (is.null(f$Phi)) diag(nf) else f$Phi,
       structure = unclass(f$Structure),
       vaccounted = lapply(split(va, rownames(va))[rownames(va)], as.numeric))
}

# Missing values, deterministic pattern (1-based row i, column j): NA where (7 i + 11 j) %% 37 == 0.
Xm <- X
for (j in 1:9) Xm[((7 * seq_len(nrow(Xm)) + 11 * j) %% 37) == 0, j] <- NA
km <- KMO(Xm)
bm <- suppressMessages(cortest.bartlett(Xm))        # raw data: pairwise r, n = all rows (psych)

set.seed(1)
pa_hs <- fa.parallel(X, fm = "minres", fa = "both", n.iter = 20, plot = FALSE)
set.seed(1)
pa_ecsi <- fa.parallel(E, fm = "minres", fa = "both", n.iter = 20, plot = FALSE)
ke <- KMO(E)

out <- list(
  versions = list(psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation")),
                  R = as.character(getRversion())),
  hs = list(minres_oblimin_3 = one(X, 3, "minres", "oblimin"),
            ml_promax_3 = one(X, 3, "ml", "promax"),
            ml_varimax_3 = one(X, 3, "ml", "varimax"),
            minres_none_3 = one(X, 3, "minres", "none"),
            minres_oblimin_2 = one(X, 2, "minres", "oblimin"),
            minres_oblimin_1 = one(X, 1, "minres", "oblimin"),
            parallel = list(pc_values = pa_hs$pc.values, fa_values = pa_hs$fa.values,
                            ncomp = pa_hs$ncomp, nfact = pa_hs$nfact)),
  hs_missing = list(na_rule = "(7*i + 11*j) %% 37 == 0, i row 1.., j column 1..9",
                    n_na = sum(is.na(Xm)),
                    kmo = list(overall = km$MSA, items = as.list(km$MSAi)),
                    bartlett = bm,
                    minres_oblimin_3 = one(Xm, 3, "minres", "oblimin")),
  ecsi = list(kmo = list(overall = ke$MSA, items = as.list(ke$MSAi)),
              minres_oblimin_6 = one(E, 6, "minres", "oblimin"),
              parallel = list(pc_values = pa_ecsi$pc.values, fa_values = pa_ecsi$fa.values,
                              ncomp = pa_ecsi$ncomp, nfact = pa_ecsi$nfact))
)
write_json(out, "factor_more.json", digits = 10, auto_unbox = TRUE, pretty = TRUE)
