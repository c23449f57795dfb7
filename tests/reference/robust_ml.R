# lavaan reference for csat.sem.robust: robust ML (estimator = "MLR": Huber-White sandwich standard errors with
# the observed information, Yuan-Bentler "yuan.bentler.mplus" scaled test; estimator = "MLM": robust standard
# errors with the expected information, Satorra-Bentler scaled test) with their scaled and robust fit measures,
# on the Holzinger-Swineford three-factor CFA and the ECSI structural model; FIML + MLR on HS with missing
# values (invariance_hs_missing.csv); multi-group MLR/MLM invariance steps on HS by school with lavTestLRT's
# scaled difference tests (Satorra-Bentler 2001); Mardia's tests as psych::mardia.
# Made with R 4 and Debian's r-cran-lavaan 0.6.14 and r-cran-psych (versions stored in the JSON).
# Run from this folder:  Rscript robust_ml.R   (needs ../../../shared)
suppressPackageStartupMessages({library(lavaan); library(psych); library(jsonlite)})
shared <- normalizePath(file.path("..", "..", "..", "shared"))
fm_names <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
              "baseline.chisq", "baseline.df", "baseline.chisq.scaled", "baseline.df.scaled", "baseline.pvalue.scaled",
              "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled", "rmsea.ci.lower.scaled",
              "rmsea.ci.upper.scaled", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr",
              "aic", "bic", "logl")
ref <- function(fit) {
  est <- parameterEstimates(fit)
  fm <- fitMeasures(fit)
  fm <- fm[intersect(fm_names, names(fm))]
  list(n = nobs(fit), options = lavInspect(fit, "options")[c("estimator", "se", "test", "information",
                                                              "h1.information", "observed.information")],
       fit = as.list(fm),
       estimates = data.frame(lhs = est$lhs, op = est$op, rhs = est$rhs, group = if (is.null(est$group)) 1L else est$group,
                              est = est$est, se = est$se, z = est$z))
}
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
hs <- read.csv(file.path(shared, "datasets", "holzinger1939.csv"))
ecsi <- read.csv(file.path(shared, "datasets", "ecsi_satisfaction.csv"))
ecsi_model <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
EXPE ~ e1*IMAG
QUAL ~ q1*EXPE
VAL ~ v1*EXPE + v2*QUAL
SAT ~ s1*IMAG + s2*EXPE + s3*QUAL + s4*VAL
LOY ~ l1*IMAG + l2*SAT
ind_IMAG_SAT := e1*s2 + e1*q1*s3 + e1*v1*s4 + e1*q1*v2*s4
"
hs_na <- read.csv("invariance_hs_missing.csv")
mg <- function(estimator) {
  conf <- cfa(hs_model, hs, group = "school", estimator = estimator)
  metr <- cfa(hs_model, hs, group = "school", estimator = estimator, group.equal = "loadings")
  scal <- cfa(hs_model, hs, group = "school", estimator = estimator, group.equal = c("loadings", "intercepts"))
  lrt <- lavTestLRT(conf, metr, scal)
  list(configural = ref(conf), metric = ref(metr), scalar = ref(scal),
       lrt = list(chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]], pvalue = lrt[["Pr(>Chisq)"]],
                  method = attr(lrt, "heading")))
}
mardia_ref <- function(x) {
  m <- psych::mardia(x, plot = FALSE)
  list(n = m$n.obs, b1p = m$b1p, b2p = m$b2p, skew = m$skew, p_skew = m$p.skew, small_skew = m$small.skew,
       p_small = m$p.small, kurtosis = m$kurtosis, p_kurt = m$p.kurt,
       item_skew = psych::skew(x), item_kurtosis = psych::kurtosi(x))
}
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            psych = as.character(packageVersion("psych"))),
            hs_model = hs_model, ecsi_model = ecsi_model,
            hs_mlr = ref(cfa(hs_model, hs, estimator = "MLR")),
            hs_mlm = ref(cfa(hs_model, hs, estimator = "MLM")),
            ecsi_mlr = ref(sem(ecsi_model, ecsi, estimator = "MLR")),
            ecsi_mlm = ref(sem(ecsi_model, ecsi, estimator = "MLM")),
            hs_fiml_mlr = ref(cfa(hs_model, hs_na, estimator = "MLR", missing = "ml")),
            mg_mlr = mg("MLR"), mg_mlm = mg("MLM"),
            mardia_hs = mardia_ref(hs[, paste0("x", 1:9)]),
            mardia_ecsi = mardia_ref(ecsi[, 1:27]))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), "robust_ml.json")
