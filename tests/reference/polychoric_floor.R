# Why lavaan's and psych's polychoric correlations differ on the raw ECSI items (ten- and eleven-category answers):
# lavaan 0.6.14 floors every bivariate cell probability at sqrt(.Machine$double.eps) (~1.49e-8) in its
# likelihood (lav_bvord_noexo_pi_cache: PI[PI < sqrt(.Machine$double.eps)] <- sqrt(.Machine$double.eps)); psych
# (and csat.stats.polychoric) maximise the plain two-step likelihood.  Of the 351 pairs of the 27 items only
# imag1 x imag2 differs: one respondent answered imag1 = 10 and imag2 = 0, a cell whose probability falls below
# the floor as rho rises past ~0.73, so lavaan's likelihood stops penalising that respondent there and its
# maximum moves from 0.7071 (the true maximum, psych's and ours) to 0.7458.  Every other pair agrees to 2e-5.
# Made with R 4.2.2 and Debian's r-cran-lavaan 0.6.14-1, r-cran-psych 2.2.9-1, r-cran-jsonlite.
# Run from this folder:  Rscript polychoric_floor.R   (needs ../../../shared)
suppressPackageStartupMessages({library(lavaan); library(psych); library(jsonlite)})
shared <- normalizePath(file.path("..", "..", "..", "shared"))
e <- read.csv(file.path(shared, "datasets", "ecsi_satisfaction.csv"))
items <- names(e)[1:27]
L <- lavCor(e[items], ordered = items)
P <- psych::polychoric(e[items], correct = 0, max.cat = 12)$rho
objective <- function(r) {            # lavaan's own objective (mean negative log-likelihood) of the pair
  f <- function(r) {
    cache <- lav_bvord_init_cache(fit.y1 = lav_uvord_fit(y = as.integer(factor(e$imag1))),
                                  fit.y2 = lav_uvord_fit(y = as.integer(factor(e$imag2))))
    sapply(r, function(x) lav_bvord_min_objective(x, cache))
  }
  environment(f) <- asNamespace("lavaan")
  f(r)
}
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            psych = as.character(packageVersion("psych"))),
            items = items, lavaan = unname(L), psych = unname(P),
            pair = c("imag1", "imag2"), lavaan_rho = L["imag1", "imag2"], psych_rho = P["imag1", "imag2"],
            lavaan_objective = list(rho = c(L["imag1", "imag2"], P["imag1", "imag2"]),
                                    value = objective(c(L["imag1", "imag2"], P["imag1", "imag2"]))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "polychoric_floor.json")
