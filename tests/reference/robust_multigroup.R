# lavaan reference for the robust fit measures of multi-group fits and the score tests of 04's invariance:
#   fiml_mlr   configural / metric / scalar CFA of Holzinger-Swineford by school with answers missing
#              (invariance_hs_missing.csv), estimator = "MLR", missing = "ml": the scaled and the robust
#              (FIML-corrected, lav_fit_fiml_corrected "V3") CFI/TLI/RMSEA with their intervals, lavTestLRT
#   score      lavTestScore(scalar)$uni (the univariate score tests of releasing each equality constraint)
#              for the scalar model fitted by ML and by MLR (complete data), and by ML and MLR with FIML.
#              lavaan 0.6.14's lavTestScore has no robust variant: for MLR it warns "se is not `standard';
#              not implemented yet; falling back to ordinary score test" and gives the expected-information
#              score test of the ML estimates, which are MLR's too.
# Made with R 4.2.2 and Debian's r-cran-lavaan 0.6.14-1 and r-cran-jsonlite (versions stored in the JSON).
# Run from this folder:  Rscript robust_multigroup.R   (needs ../../../shared)
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
shared <- normalizePath(file.path("..", "..", "..", "shared"))
hs <- read.csv(file.path(shared, "datasets", "holzinger1939.csv"))
hs_na <- read.csv("invariance_hs_missing.csv")
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
keys <- c("npar", "chisq", "df", "chisq.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
          "baseline.chisq.scaling.factor", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
          "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "cfi.robust", "tli.robust", "rmsea.robust",
          "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
fits <- lapply(steps, function(eq) cfa(model, hs_na, group = "school", estimator = "MLR", missing = "ml",
                                       group.equal = eq))
lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar)
score <- function(fit) {
  ts <- suppressWarnings(lavTestScore(fit)$uni)
  pt <- parTable(fit)
  r <- match(ts$rhs, pt$plabel)
  data.frame(lhs = pt$lhs[r], op = pt$op[r], rhs = pt$rhs[r], group = pt$group[r], X2 = ts$X2, pvalue = ts$p.value)
}
scal <- c("loadings", "intercepts")
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            model = model, group = "school",
            fiml_mlr = lapply(fits, function(f) as.list(fitMeasures(f)[keys])),
            fiml_mlr_lrt = list(chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]],
                                pvalue = lrt[["Pr(>Chisq)"]], method = attr(lrt, "heading")),
            score = list(
              ml = score(cfa(model, hs, group = "school", group.equal = scal)),
              mlr = score(cfa(model, hs, group = "school", group.equal = scal, estimator = "MLR")),
              mlm = score(cfa(model, hs, group = "school", group.equal = scal, estimator = "MLM")),
              fiml_ml = score(cfa(model, hs_na, group = "school", group.equal = scal, missing = "ml")),
              fiml_mlr = score(cfa(model, hs_na, group = "school", group.equal = scal, missing = "ml",
                                   estimator = "MLR"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE), "robust_multigroup.json")
