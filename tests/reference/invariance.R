# Reference values for csat.sem.multigroup (measurement invariance across groups).
# Made with R 4 and lavaan 0.6-14:  Rscript tests/reference/invariance.R  (run from the project root)
# Writes tests/reference/invariance.json and the FIML fixture tests/reference/invariance_hs_missing.csv.
#
# Cases (each: configural, metric = group.equal "loadings", scalar = + "intercepts"; cfa() defaults,
# i.e. ML, marker identification, mean structure implied by group=):
#   hs      Holzinger & Swineford (1939) by school, the lavaan tutorial's 3-factor model (listwise)
#   ecsi    ECSI mobile-phone survey (../shared/datasets/ecsi_satisfaction.csv) by gender, 3 constructs
#   hs_fiml Holzinger & Swineford by school with answers deleted by a fixed rule, missing = "ml"
# plus, for the listwise cases, lavTestScore(scalar)$uni: the score test of releasing each equality constraint
suppressPackageStartupMessages(library(lavaan))

# minimal JSON writer (jsonlite is not installed here): lists -> objects/arrays, data frames -> arrays of
# rows, numbers with 15 significant digits, NA -> null
json <- function(x) {
  num <- function(v) ifelse(is.na(v), "null", formatC(v, digits = 15, format = "g"))
  str <- function(v) ifelse(is.na(v), "null", paste0('"', gsub("\n", "\\n", gsub('"', '\\"', v, fixed = TRUE), fixed = TRUE), '"'))
  atom <- function(v) if (is.numeric(v)) num(v) else if (is.logical(v)) ifelse(is.na(v), "null", tolower(v)) else str(as.character(v))
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

# deterministic missingness for the FIML case (written out so the Python test reads the same data)
hsm <- hs[, c("id", "school", paste0("x", 1:9))]
hsm$x1[hsm$id %% 7 == 0] <- NA
hsm$x5[hsm$id %% 11 == 0] <- NA
hsm$x9[hsm$id %% 13 == 3] <- NA
hsm$x4[hsm$id %% 17 == 5] <- NA
write.csv(hsm, "tests/reference/invariance_hs_missing.csv", row.names = FALSE, na = "")

hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
ecsi_model <- "image =~ imag1 + imag2 + imag3 + imag4
value =~ val1 + val2 + val3 + val4
satisfaction =~ sat1 + sat2 + sat3"

measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "srmr", "aic", "bic", "logl", "baseline.chisq", "baseline.df", "ntotal")

run_case <- function(model, data, group, missing = "listwise") {
  fits <- list(
    configural = cfa(model, data = data, group = group, missing = missing),
    metric = cfa(model, data = data, group = group, group.equal = "loadings", missing = missing),
    scalar = cfa(model, data = data, group = group, group.equal = c("loadings", "intercepts"),
                 missing = missing))
  out <- list(model = model, group = group, missing = missing,
              group_labels = lavInspect(fits$configural, "group.label"),
              nobs = unlist(lavInspect(fits$configural, "nobs")))
  for (nm in names(fits)) {
    f <- fits[[nm]]
    fm <- fitMeasures(f, measures)
    pe <- parameterEstimates(f)
    out[[nm]] <- list(
      fit = as.list(setNames(as.numeric(fm), measures)),
      estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group,
                             est = pe$est, se = pe$se))
  }
  # univariate score tests of releasing each equality constraint of the scalar model (expected information)
  if (missing == "listwise") {
    ts <- lavTestScore(fits$scalar)$uni
    pt <- parTable(fits$scalar)
    r <- match(ts$rhs, pt$plabel)
    out$score <- data.frame(lhs = pt$lhs[r], op = pt$op[r], rhs = pt$rhs[r], group = pt$group[r],
                            X2 = ts$X2, pvalue = ts$p.value)
  }
  lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar)
  out$lrt <- data.frame(model = c("configural", "metric", "scalar"), chisq = lrt$Chisq, df = lrt$Df,
                        chisq.diff = lrt$`Chisq diff`, df.diff = lrt$`Df diff`, pvalue.diff = lrt$`Pr(>Chisq)`)
  out
}

ref <- list(
  source = paste("lavaan", as.character(packageVersion("lavaan")), "/", R.version.string),
  hs = run_case(hs_model, hs, "school"),
  ecsi = run_case(ecsi_model, ecsi, "gender"),
  hs_fiml = run_case(hs_model, hsm, "school", missing = "ml"))
writeLines(json(ref), "tests/reference/invariance.json")
