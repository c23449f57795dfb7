# Extra lavaan reference values for the csat.sem tests in tests/sem/ (beyond ../../../shared/reference):
# std.lv, modification indices, correlation and standardized residuals, latent cov/cor,
# defined parameters, equality constraints, observed covariates (fixed.x) with auto.cov.y,
# the ECSI model and a Heywood case.
# Run from this folder:  Rscript sem_extra.R   (needs ../../../shared; lavaan 0.6, MASS, jsonlite)
suppressPackageStartupMessages({library(lavaan); library(jsonlite); library(MASS)})
shared <- normalizePath(file.path("..", "..", "..", "shared"))
fm_names <- c("npar","chisq","df","pvalue","cfi","tli","nfi","gfi","agfi","rmsea","rmsea.ci.lower",
              "rmsea.ci.upper","srmr","aic","bic","logl","ntotal","baseline.chisq","baseline.df")
ref <- function(model, data, ...) {
  fit <- sem(model, data = data, ...)
  est <- parameterEstimates(fit)
  all <- standardizedSolution(fit, type = "std.all")
  lv <- standardizedSolution(fit, type = "std.lv")
  list(model = model, n = nobs(fit),
       fit = as.list(fitMeasures(fit, fm_names)),
       estimates = data.frame(lhs = est$lhs, op = est$op, rhs = est$rhs, label = if (is.null(est$label)) rep("", nrow(est)) else est$label, est = est$est,
                              se = est$se, z = est$z, pvalue = est$pvalue, ci.lower = est$ci.lower,
                              ci.upper = est$ci.upper, std.lv = lv$est.std, std.all = all$est.std),
       r2 = as.list(lavInspect(fit, "r2")), fitobj = fit)
}
strip <- function(r) r[setdiff(names(r), "fitobj")]
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")))

hs <- read.csv(file.path(shared, "datasets", "holzinger1939.csv"))
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
r_hs <- ref(hs_model, hs)
f <- r_hs$fitobj
mi <- modindices(f, sort = TRUE)
r_hs$modindices <- data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc,
                              sepc.all = mi$sepc.all)
r_hs$resid_cor <- unclass(resid(f, type = "cor")$cov)
r_hs$resid_standardized <- unclass(resid(f, type = "standardized")$cov)
r_hs$cov_lv <- unclass(lavInspect(f, "cov.lv"))
r_hs$cor_lv <- unclass(lavInspect(f, "cor.lv"))
r_hs_stdlv <- ref(hs_model, hs, std.lv = TRUE)

# equality constraint through a shared label
hs_eq <- "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
r_eq <- ref(hs_eq, hs)

# observed exogenous covariates (fixed.x) and pure endogenous variables (auto.cov.y)
hs_cov <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~ sex + ageyr\ntextual ~ ageyr\nx9 ~ ageyr"
r_cov <- ref(hs_cov, hs)

# political democracy with a defined indirect effect
pdm <- read.csv(file.path(shared, "datasets", "political_democracy.csv"))
pd_def <- "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ a*ind60\ndem65 ~ ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8\nind := a*b"
r_pd <- ref(pd_def, pdm)
mi <- modindices(r_pd$fitobj, sort = TRUE)
r_pd$modindices <- data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc,
                              sepc.all = mi$sepc.all)

# ECSI model (the engine's speed benchmark)
ecsi <- read.csv(file.path(shared, "datasets", "ecsi_satisfaction.csv"))
ecsi_model <- "IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL ~ EXPE + QUAL
SAT ~ IMAG + EXPE + QUAL + VAL
LOY ~ IMAG + SAT"
r_ecsi <- ref(ecsi_model, ecsi)

# Heywood case: one factor, three indicators with r12 r13 / r23 > 1 (exact sample correlations)
set.seed(1)
Rm <- matrix(c(1, .7, .6, .7, 1, .35, .6, .35, 1), 3)
hw <- as.data.frame(mvrnorm(80, mu = c(0, 0, 0), Sigma = Rm, empirical = TRUE))
names(hw) <- c("a1", "a2", "a3")
hw_model <- "f =~ a1 + a2 + a3\nf2 =~ b1 + b2 + b3\nf ~~ f2"
hw$b1 <- hw$a1 * 0.5 + rnorm(80); hw$b2 <- hw$a2 * 0.5 + rnorm(80); hw$b3 <- hw$a3 * 0.5 + rnorm(80)
r_hw <- suppressWarnings(ref(hw_model, hw))
r_hw$data <- hw

out <- list(versions = versions, hs = strip(r_hs), hs_stdlv = strip(r_hs_stdlv), hs_equal = strip(r_eq),
            hs_covariates = strip(r_cov), pd_defined = strip(r_pd), ecsi = strip(r_ecsi),
            heywood = strip(r_hw))
write_json(out, "sem_extra.json", digits = 12, auto_unbox = TRUE, pretty = TRUE, na = "null")
cat("wrote sem_extra.json\n")
