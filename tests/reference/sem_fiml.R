# lavaan reference for csat.sem FIML (missing = "ml"): Holzinger-Swineford three-factor CFA with
# 10% of the item scores deleted completely at random (seed 20240601), and the same on the
# political-democracy SEM.  Run from this folder:  Rscript sem_fiml.R  (needs ../../../shared)
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
shared <- normalizePath(file.path("..", "..", "..", "shared"))
fm_names <- c("npar","chisq","df","pvalue","cfi","tli","nfi","gfi","agfi","rmsea","rmsea.ci.lower",
              "rmsea.ci.upper","srmr","aic","bic","logl","unrestricted.logl","ntotal","baseline.chisq","baseline.df")
ref <- function(model, data) {
  fit <- sem(model, data = data, missing = "ml")
  est <- parameterEstimates(fit)
  all <- standardizedSolution(fit, type = "std.all")
  list(model = model, n = nobs(fit), information = lavInspect(fit, "options")$information,
       fit = as.list(fitMeasures(fit, fm_names)),
       estimates = data.frame(lhs = est$lhs, op = est$op, rhs = est$rhs, est = est$est, se = est$se,
                              z = est$z, pvalue = est$pvalue, std.all = all$est.std),
       r2 = as.list(lavInspect(fit, "r2")),
       resid_cor = unclass(resid(fit, type = "cor")$cov),
       data = data)
}
set.seed(20240601)
amp <- function(d, vars, rate) { for (v in vars) d[runif(nrow(d)) < rate, v] <- NA; d }
hs <- read.csv(file.path(shared, "datasets", "holzinger1939.csv"))[, paste0("x", 1:9)]
hs_na <- amp(hs, names(hs), 0.10)
pdm <- read.csv(file.path(shared, "datasets", "political_democracy.csv"))
pd_na <- amp(pdm, names(pdm), 0.08)
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            hs = ref("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs_na),
            pd = ref(paste("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8",
                           "dem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8",
                           sep = "\n"), pd_na))
write_json(out, "sem_fiml.json", digits = 12, auto_unbox = TRUE, pretty = TRUE, na = "null")
cat("wrote sem_fiml.json\n")
