# Reference values for csat.stats.polychoric and csat.sem.wlsmv (ordinal CFA/SEM, lavaan's WLSMV).
# Made with R 4 and Debian's r-cran-lavaan 0.6.14-1, r-cran-psych 2.2.9-1, r-cran-semtools 0.5.6-1:
#   Rscript tests/reference/ordinal_wlsmv.R   (run from the project root)
# Writes tests/reference/ordinal_hs5.csv, ordinal_ecsi.csv, ordinal_bin.csv (the ordinal data sets, built here from
# public data with R's cut) and tests/reference/ordinal_wlsmv.json.
#
# Cases:
#   hs5    Holzinger & Swineford (1939) x1..x9 each cut into 5 equal-width categories
#          (cut(x, 5, labels = FALSE)); the tutorial's 3-factor CFA, cfa(ordered = TRUE) = WLSMV
#   ecsi   ECSI mobile-phone survey items (1..10) cut at fixed points into unequal numbers of
#          categories: imag1..5 into 3, sat1..4 into 4, loy1..4 into 5; a structural model
#          (SAT ~ IMAG; LOY ~ SAT + IMAG), sem(ordered = TRUE)
#   mixed  hs5's x1..x6 ordinal and x7..x9 continuous (polyserial and Pearson correlations)
#   bin    HS x1..x6 cut at their medians into two categories (2 x 2 tables; ordinal_bin.csv), one factor
# For each: lavCor thresholds and correlations, lavInspect(fit, "gamma") (NACOV), parameterEstimates
# with standardizedSolution's est.std, fitMeasures, R², modindices (sorted); for hs5 also psych's polychoric (correct = 0),
# ordinal alpha per factor (psych::alpha on the polychoric matrix), semTools::compRelSEM and psych::fa
# (cor = "poly") with KMO on the polychoric matrix.
suppressPackageStartupMessages({library(lavaan); library(psych); library(semTools)})

json <- function(x) {
  num <- function(v) ifelse(is.na(v), "null", formatC(v, digits = 15, format = "g"))
  str <- function(v) ifelse(is.na(v), "null", paste0('"', gsub("\n", "\\n", gsub('"', '\\"', v, fixed = TRUE), fixed = TRUE), '"'))
  atom <- function(v) if (is.numeric(v)) num(v) else if (is.logical(v)) ifelse(is.na(v), "null", tolower(v)) else str(as.character(v))
  if (is.matrix(x)) return(json(lapply(seq_len(nrow(x)), function(i) unname(x[i, ]))))
  if (is.data.frame(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) json(as.list(x[i, , drop = FALSE])))
    return(paste0("[", paste(unlist(rows), collapse = ",\n"), "]"))
  }
  if (is.list(x)) {
    if (!is.null(names(x))) {
      return(paste0("{", paste0(str(names(x)), ": ", vapply(x, json, ""), collapse = ",\n"), "}"))
    }
    return(paste0("[", paste(vapply(x, json, ""), collapse = ", "), "]"))
  }
  if (length(x) == 1 && is.null(names(x))) return(atom(x))
  if (!is.null(names(x))) return(json(as.list(x)))
  paste0("[", paste(atom(x), collapse = ", "), "]")
}

hs <- read.csv("../shared/datasets/holzinger1939.csv")
ecsi <- read.csv("../shared/datasets/ecsi_satisfaction.csv")
hs5 <- as.data.frame(lapply(hs[paste0("x", 1:9)], function(v) cut(v, 5, labels = FALSE)))
write.csv(hs5, "tests/reference/ordinal_hs5.csv", row.names = FALSE)
ec <- data.frame(
  lapply(ecsi[paste0("imag", 1:5)], function(v) cut(v, c(0, 6, 8, 10), labels = FALSE)),
  lapply(ecsi[paste0("sat", 1:4)], function(v) cut(v, c(0, 5, 7, 8, 10), labels = FALSE)),
  lapply(ecsi[paste0("loy", 1:4)], function(v) cut(v, c(0, 4, 6, 7, 8, 10), labels = FALSE)))
mixed <- data.frame(hs5[paste0("x", 1:6)], hs[paste0("x", 7:9)])
write.csv(ec, "tests/reference/ordinal_ecsi.csv", row.names = FALSE)
bin <- as.data.frame(lapply(hs[paste0("x", 1:6)], function(v) as.integer(v > median(v))))
write.csv(bin, "tests/reference/ordinal_bin.csv", row.names = FALSE)

hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ec_model <- paste("IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5", "SAT =~ sat1 + sat2 + sat3 + sat4",
                  "LOY =~ loy1 + loy2 + loy3 + loy4", "SAT ~ IMAG", "LOY ~ SAT + IMAG", sep = "\n")

one <- function(d, model, ordered) {
  fit <- sem(model, data = d, ordered = ordered)          # estimator = "WLSMV" follows from ordered
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  pe$std.all <- ss$est.std
  fm <- fitMeasures(fit)
  lc <- lavCor(d, ordered = ordered, output = "fit")
  list(model = model, ordered = ordered, n = nobs(fit),
       th = unname(lavInspect(lc, "sampstat")$th), th_names = names(lavInspect(lc, "sampstat")$th),
       cor = unname(lavCor(d, ordered = ordered)),
       gamma = unname(lavInspect(fit, "gamma")),
       estimates = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all")],
       fit = as.list(setNames(as.numeric(fm), names(fm))),
       r2 = as.list(lavInspect(fit, "rsquare")),
       modindices = modindices(fit, sort. = TRUE)[, c("lhs", "op", "rhs", "mi", "epc", "sepc.all")])
}

set.seed(1)
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            psych = as.character(packageVersion("psych")),
                            semTools = as.character(packageVersion("semTools"))))
out$hs5 <- one(hs5, hs_model, paste0("x", 1:9))
out$ecsi <- one(ec, ec_model, names(ec))
out$mixed <- one(mixed, hs_model, paste0("x", 1:6))
out$bin <- one(bin, "f =~ x1 + x2 + x3 + x4 + x5 + x6", paste0("x", 1:6))
# a defined parameter (indirect effect) on the ecsi case: est, se (delta method) and std.all
def_model <- paste(sub("SAT ~ IMAG", "SAT ~ a*IMAG", sub("LOY ~ SAT", "LOY ~ b*SAT", ec_model)), "ind := a*b", sep = "\n")
pe_def <- parameterEstimates(sem(def_model, data = ec, ordered = TRUE), standardized = TRUE)
pe_def <- pe_def[pe_def$op == ":=", ]
out$ecsi_defined <- list(model = def_model, est = pe_def$est, se = pe_def$se, std.all = pe_def$std.all)

# psych on hs5
pc <- polychoric(hs5, correct = 0)
out$hs5$psych_rho <- unname(pc$rho)
out$hs5$psych_tau <- unname(pc$tau)
fac <- list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9))
out$hs5$ordinal_alpha <- lapply(fac, function(v) alpha(pc$rho[v, v])$total$raw_alpha)
fit <- cfa(hs_model, data = hs5, ordered = TRUE)
out$hs5$compRelSEM <- as.list(compRelSEM(fit))                       # categorical omega (Green & Yang 2009)
out$hs5$compRelSEM_latent <- as.list(compRelSEM(fit, ord.scale = FALSE)) # on the latent-response scale
efa <- fa(hs5, nfactors = 3, cor = "poly", fm = "minres", rotate = "varimax", correct = 0)
out$hs5$efa <- list(loadings = unname(unclass(efa$loadings)), Phi = unname(efa$Phi), values = efa$e.values)
out$hs5$kmo <- KMO(pc$rho)$MSA
writeLines(json(out), "tests/reference/ordinal_wlsmv.json")
