# Reference values quoted in the docstring examples of csat.sem, csat.sem.effects, csat.sem.multigroup and
# csat.analyses.verdicts (the same format as docstring_examples.R: one entry per quoted R call, with R's
# unrounded value).  Made with R 4, lavaan 0.6-14 on this machine:
#   cd tests/reference && Rscript docstring_examples_sem.R   (writes docstring_examples_sem.json)
# Data: ../shared/datasets (holzinger1939.csv = lavaan::HolzingerSwineford1939,
# political_democracy.csv = lavaan::PoliticalDemocracy).
suppressPackageStartupMessages(library(lavaan))
ds <- "../../../shared/datasets"
HS <- read.csv(file.path(ds, "holzinger1939.csv"))
PD <- read.csv(file.path(ds, "political_democracy.csv"))
out <- list()
add <- function(fun, call, value) out[[length(out) + 1]] <<- list(func = fun, r_call = call, value = as.numeric(unlist(value))[1])

# --- sem: the Holzinger-Swineford CFA -----------------------------------------------------------
hs_model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
fit <- cfa(hs_model, data = HS)
add("sem.fit", 'fitMeasures(fit, "chisq")', fitMeasures(fit, "chisq"))
add("sem.fit", 'fitMeasures(fit, "cfi")', fitMeasures(fit, "cfi"))
add("sem.fit", 'fitMeasures(fit, "rmsea")', fitMeasures(fit, "rmsea"))
mi <- modindices(fit, sort. = TRUE)
add("sem.SEMResult", 'modindices(fit, sort. = TRUE)$mi[1]', mi$mi[1])
add("sem.SEMResult", 'modindices(fit, sort. = TRUE)$epc[1]', mi$epc[1])
add("sem.SEMResult", 'lavInspect(fit, "cor.lv")["visual", "textual"]', lavInspect(fit, "cor.lv")["visual", "textual"])
add("sem.SEMResult", 'resid(fit, type = "cor")$cov["x7", "x2"]', resid(fit, type = "cor")$cov["x7", "x2"])
add("sem.sample_stats", 'lavInspect(cfa("visual =~ x1 + x2 + x3", HS), "sampstat")$cov["x1", "x1"]',
    lavInspect(cfa("visual =~ x1 + x2 + x3", HS), "sampstat")$cov["x1", "x1"])
add("analyses.verdicts.fit_table", 'fitMeasures(fit, "tli")', fitMeasures(fit, "tli"))
add("analyses.verdicts.fit_table", 'fitMeasures(fit, "srmr")', fitMeasures(fit, "srmr"))

# --- effects: Bollen's political democracy model --------------------------------------------------
pd_model <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind := a*b
total := c + a*b"
pfit <- sem(pd_model, data = PD)
pe <- parameterEstimates(pfit)
ps <- standardizedSolution(pfit)
add("sem.effects.sem_effects", 'subset(parameterEstimates(fit), lhs == "ind")$est', pe$est[pe$lhs == "ind"])
add("sem.effects.sem_effects", 'subset(standardizedSolution(fit), lhs == "ind")$est.std', ps$est.std[ps$lhs == "ind"])
add("sem.effects.sem_effects", 'subset(standardizedSolution(fit), lhs == "total")$est.std', ps$est.std[ps$lhs == "total"])

small <- sem("ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem60 ~ ind60", data = PD)
pe <- parameterEstimates(small)
ps <- standardizedSolution(small)
add("sem.result_tables", 'subset(parameterEstimates(fit), op == "~")$se', pe$se[pe$op == "~"])
add("sem.result_tables", 'subset(standardizedSolution(fit), op == "~")$est.std', ps$est.std[ps$op == "~"])

# --- multigroup: invariance across the two schools --------------------------------------------------
conf <- cfa(hs_model, data = HS, group = "school")
metr <- cfa(hs_model, data = HS, group = "school", group.equal = "loadings")
scal <- cfa(hs_model, data = HS, group = "school", group.equal = c("loadings", "intercepts"))
add("sem.multigroup.invariance", 'fitMeasures(cfa(HS.model, HS, group = "school"), "chisq")', fitMeasures(conf, "chisq"))
add("sem.multigroup.invariance", 'fitMeasures(cfa(HS.model, HS, group = "school", group.equal = "loadings"), "chisq")', fitMeasures(metr, "chisq"))
add("sem.multigroup.invariance", 'fitMeasures(cfa(HS.model, HS, group = "school", group.equal = c("loadings", "intercepts")), "chisq")', fitMeasures(scal, "chisq"))
add("sem.multigroup.invariance", 'lavTestLRT(conf, metr)[2, "Pr(>Chisq)"]', lavTestLRT(conf, metr)[2, "Pr(>Chisq)"])

esc <- function(x) gsub('"', '\\"', x, fixed = TRUE)
rows <- vapply(out, function(e) sprintf('  {"func": "%s", "r_call": "%s", "value": %s}', e$func, esc(e$r_call),
                                        formatC(e$value, digits = 17, format = "g")), "")
writeLines(c("[", paste(rows, collapse = ",\n"), "]"), "docstring_examples_sem.json")
cat("wrote docstring_examples_sem.json\n")
