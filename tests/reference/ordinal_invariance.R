# Reference values for csat.sem.wlsmv.wlsmv_invariance (measurement invariance with ordinal items, WLSMV).
# Made with R 4.2.2 and Debian's r-cran-lavaan 0.6.14-1, r-cran-semtools 0.5.6-1, r-cran-jsonlite:
#   Rscript tests/reference/ordinal_invariance.R   (run from the project root)
# Writes tests/reference/ordinal_hs4g.csv (the data) and tests/reference/ordinal_invariance.json.
#
# Data: Holzinger & Swineford (1939) x1..x9 cut at their 20/50/80 % quantiles into four categories, with the
# school column (no empty category in either school).
# Models: the tutorial's 3-factor CFA, each step as semTools::measEq.syntax(ID.fac = "std.lv",
# ID.cat = "Wu.Estabrook.2016", parameterization = "delta") with group.equal
#   configural  none
#   thresholds  "thresholds"
#   metric      c("thresholds", "loadings")
#   scalar      c("thresholds", "loadings", "intercepts")
# fitted by cfa(..., ordered = TRUE-items, group = "school") (estimator WLSMV), compared pairwise with
# lavTestLRT's default (method "satorra.2000", scaled.shifted = TRUE for WLSMV).
# The robust CFI/TLI/RMSEA (lavaan's catML-based lav_fit_catml_dwls) are NA for every step after the configural one:
# lavaan refits the model without its threshold rows, which the equality constraints on the thresholds refer to.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})

hs <- read.csv("../shared/datasets/holzinger1939.csv")
items <- paste0("x", 1:9)
d <- as.data.frame(lapply(hs[items], function(v)
  cut(v, quantile(v, c(0, .2, .5, .8, 1)), include.lowest = TRUE, labels = FALSE)))
d$school <- hs$school
write.csv(d, "tests/reference/ordinal_hs4g.csv", row.names = FALSE)

model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
steps <- list(configural = "configural", thresholds = "thresholds", metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"))
fits <- lapply(steps, function(eq) {
  syn <- measEq.syntax(configural.model = model, data = d, ordered = items, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "school", group.equal = eq)
  cfa(as.character(syn), data = d, ordered = items, group = "school", parameterization = "delta")
})
keys <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
          "baseline.chisq", "baseline.df", "baseline.chisq.scaled", "cfi", "tli", "rmsea", "cfi.scaled",
          "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "cfi.robust", "tli.robust",
          "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr")
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))),
            model = model, group = "school", groups = lavInspect(fits[[1]], "group.label"), steps = list())
for (nm in names(fits)) {
  f <- fits[[nm]]
  fm <- fitMeasures(f)
  pe <- parameterEstimates(f)
  out$steps[[nm]] <- list(fit = as.list(setNames(as.numeric(fm[keys]), keys)),
                          estimates = pe[, c("lhs", "op", "rhs", "group", "label", "est", "se")])
}
nms <- names(fits)
out$lrt <- lapply(2:4, function(k) {
  t <- lavTestLRT(fits[[k - 1]], fits[[k]])
  list(models = nms[(k - 1):k], chisq.diff = t[2, "Chisq diff"], df.diff = t[2, "Df diff"],
       pvalue.diff = t[2, "Pr(>Chisq)"])
})
write_json(out, "tests/reference/ordinal_invariance.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null")
