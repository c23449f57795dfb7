# Extra EFA references (psych 2.2.9, GPArotation) on Holzinger-Swineford x1-x9.
# Run from tests/reference:  Rscript factor_extra.R   (needs r-cran-psych r-cran-gparotation r-cran-jsonlite)
suppressPackageStartupMessages({library(psych); library(jsonlite)})
hs <- read.csv("../../../shared/datasets/holzinger1939.csv")
X <- hs[, paste0("x", 1:9)]
one <- function(fm, rot) { f <- fa(X, nfactors = 3, fm = fm, rotate = rot)
  list(loadings = unclass(f$loadings), communality = as.list(f$communality),
       phi = if (is.null(f$Phi)) diag(3) else f$Phi) }
out <- list(versions = list(psych = as.character(packageVersion("psych")),
                            GPArotation = as.character(packageVersion("GPArotation"))),
            ml_oblimin = one("ml", "oblimin"), minres_varimax = one("minres", "varimax"),
            minres_promax = one("minres", "promax"), pa_oblimin = one("pa", "oblimin"),
            pc_eigen = eigen(cor(X))$values)
write_json(out, "factor_extra.json", digits = 10, auto_unbox = TRUE, pretty = TRUE)
