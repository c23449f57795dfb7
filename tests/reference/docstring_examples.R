# Reference values quoted in the docstring examples of src/csat (pytest --doctest-modules runs the
# Python side; tests/test_docstring_examples.py checks that every value below is the number the
# docstring prints).  Made with R 4, lavaan 0.6-14, psych 2.2.9, semTools 0.5-6 and survey on this
# machine:  cd tests/reference && Rscript docstring_examples.R   (writes docstring_examples.json)
# Data: ../shared/datasets (holzinger1939.csv = lavaan::HolzingerSwineford1939; ecsi_satisfaction.csv).
suppressPackageStartupMessages({library(lavaan); library(psych); library(semTools); library(survey)})
ds <- "../../../shared/datasets"
HS <- read.csv(file.path(ds, "holzinger1939.csv"))
ecsi <- read.csv(file.path(ds, "ecsi_satisfaction.csv"))
out <- list()
add <- function(fun, call, value) out[[length(out) + 1]] <<- list(func = fun, r_call = call, value = as.numeric(unlist(value))[1])

# --- reliability -------------------------------------------------------------------------------
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
fit <- cfa(hs_model, data = HS)
a_vis <- psych::alpha(HS[, c("x1", "x2", "x3")])
a_txt <- psych::alpha(HS[, c("x4", "x5", "x6")])
rel <- suppressWarnings(semTools::reliability(fit))
add("stats.reliability.reliability_table", 'psych::alpha(HS[, c("x1","x2","x3")])$total$raw_alpha', a_vis$total$raw_alpha)
add("stats.reliability.reliability_table", 'psych::alpha(HS[, c("x4","x5","x6")])$total$raw_alpha', a_txt$total$raw_alpha)
add("stats.reliability.reliability_table", 'semTools::reliability(fit)["omega", "visual"]', rel["omega", "visual"])
add("stats.reliability.reliability_table", 'semTools::reliability(fit)["avevar", "visual"]', rel["avevar", "visual"])
add("stats.reliability.item_total_table", 'psych::alpha(HS[, c("x1","x2","x3")])$item.stats["x1", "r.drop"]', a_vis$item.stats["x1", "r.drop"])
add("stats.reliability.item_total_table", 'psych::alpha(HS[, c("x1","x2","x3")])$alpha.drop["x1", "raw_alpha"]', a_vis$alpha.drop["x1", "raw_alpha"])
H <- semTools::htmt(hs_model, data = HS)
add("stats.reliability.htmt", 'semTools::htmt(HS.model, HS)["textual", "visual"]', H["textual", "visual"])
add("stats.reliability.htmt", 'semTools::htmt(HS.model, HS)["speed", "visual"]', H["speed", "visual"])
ave <- semTools::AVE(fit)
add("stats.reliability.fornell_larcker", 'sqrt(semTools::AVE(fit))["visual"]', sqrt(ave["visual"]))
add("stats.reliability.fornell_larcker", 'lavInspect(fit, "cor.lv")["visual", "textual"]', lavInspect(fit, "cor.lv")["visual", "textual"])
ss <- standardizedSolution(fit)
add("stats.reliability.loadings_table", 'subset(standardizedSolution(fit), op == "=~" & rhs == "x2")$est.std', ss$est.std[ss$op == "=~" & ss$rhs == "x2"])
add("stats.reliability.cross_loadings", 'cor(HS$x1, rowMeans(HS[, c("x4","x5","x6")]))', cor(HS$x1, rowMeans(HS[, c("x4", "x5", "x6")])))

O5 <- read.csv("ordinal_hs5.csv")   # written by ordinal_wlsmv.R
add("stats.reliability.ordinal_reliability_table", 'psych::alpha(psych::polychoric(d[, c("x1", "x2", "x3")], correct = 0)$rho)$total$raw_alpha', psych::alpha(psych::polychoric(O5[, c("x1", "x2", "x3")], correct = 0)$rho)$total$raw_alpha)

# --- factor ----------------------------------------------------------------------------------------
X <- HS[, paste0("x", 1:9)]
add("stats.factor.exploratory_analysis", 'psych::KMO(HS[, paste0("x", 1:9)])$MSA', psych::KMO(X)$MSA)
add("stats.factor.exploratory_analysis", 'psych::cortest.bartlett(cor(HS[, paste0("x", 1:9)]), n = 301)$chisq', psych::cortest.bartlett(cor(X), n = 301)$chisq)
fa3 <- psych::fa(X, nfactors = 3, fm = "minres", rotate = "varimax")
add("stats.factor.loadings_file", 'psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$communality["x1"]', fa3$communality["x1"])
add("stats.factor.loadings_file", 'psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$loadings["x4", "MR1"]', fa3$loadings["x4", "MR1"])
add("stats.factor.adequacy_table", 'psych::KMO(HS[, paste0("x", 1:9)])$MSAi["x2"]', psych::KMO(X)$MSAi["x2"])

# --- descriptives (ECSI, 0-10 scale) ----------------------------------------------------------------
SAT <- rowMeans(ecsi[, paste0("sat", 1:4)]); LOY <- rowMeans(ecsi[, paste0("loy", 1:4)])
add("stats.descriptives.item_table", 'psych::describe(ecsi$sat1)$sd', psych::describe(ecsi$sat1)$sd)
add("stats.descriptives.item_table", 'psych::skew(ecsi$sat1, type = 2)', psych::skew(ecsi$sat1, type = 2))
add("stats.descriptives.item_table", 'psych::kurtosi(ecsi$sat1, type = 2)', psych::kurtosi(ecsi$sat1, type = 2))
tt <- t.test(SAT)
add("stats.descriptives.construct_index", '100 * t.test(SAT)$conf.int[1] / 10', 100 * tt$conf.int[1] / 10)
add("stats.descriptives.construct_index", '100 * t.test(SAT)$conf.int[2] / 10', 100 * tt$conf.int[2] / 10)
add("stats.descriptives.studentized_range_sf", 'ptukey(3.5, 3, 20, lower.tail = FALSE)', ptukey(3.5, 3, 20, lower.tail = FALSE))
add("stats.descriptives.nps", '100 * (mean(ecsi$loy1 >= 9) - mean(ecsi$loy1 <= 6))', 100 * (mean(ecsi$loy1 >= 9) - mean(ecsi$loy1 <= 6)))
wt <- t.test(SAT ~ gender, data = ecsi)
add("stats.descriptives.group_tests", 't.test(SAT ~ gender, data = ecsi)$statistic', wt$statistic)
add("stats.descriptives.group_tests", 't.test(SAT ~ gender, data = ecsi)$parameter', wt$parameter)
add("stats.descriptives.group_tests", 't.test(SAT ~ gender, data = ecsi)$p.value', wt$p.value)
add("stats.descriptives.group_tests", 'wilcox.test(SAT ~ gender, data = ecsi)$statistic', suppressWarnings(wilcox.test(SAT ~ gender, data = ecsi))$statistic)
add("stats.descriptives.correlations", 'cor(SAT, LOY)', cor(SAT, LOY))
add("stats.descriptives.correlations", 'cor(SAT, LOY, method = "spearman")', cor(SAT, LOY, method = "spearman"))
add("stats.descriptives.correlation_matrix", 'cor(SAT, LOY)', cor(SAT, LOY))
add("stats.descriptives.sample_profile", 'prop.table(table(HS$school))["Pasteur"]', prop.table(table(HS$school))["Pasteur"])
add("stats.descriptives.item_distribution", 'table(factor(ecsi$sat1, levels = 0:10))["0"]', table(factor(ecsi$sat1, levels = 0:10))[["0"]])

# --- weights (survey::rake to a 50/50 gender split) -------------------------------------------------
des <- svydesign(ids = ~1, weights = ~1, data = transform(ecsi, SAT = SAT))
pop <- data.frame(gender = c("female", "male"), Freq = c(125, 125))
rk <- rake(des, list(~gender), list(pop))
add("stats.weights.weighted_items", 'svymean(~sat1, rake(des, list(~gender), list(pop)))', coef(svymean(~sat1, rk)))
add("stats.weights.weighted_index", '10 * svymean(~SAT, rake(des, list(~gender), list(pop)))', 10 * coef(svymean(~SAT, rk)))
add("stats.weights.weighted_nps", '100 * svymean(~I((loy1 >= 9) - (loy1 <= 6)), rake(des, list(~gender), list(pop)))',
    100 * coef(svymean(~I((loy1 >= 9) - (loy1 <= 6)), rk)))

hs_des <- svydesign(ids = ~1, weights = ~1, data = HS)
hs_rk <- rake(hs_des, list(~sex, ~school), list(data.frame(sex = 1:2, Freq = 150.5),
                                                data.frame(school = c("Pasteur", "Grant-White"), Freq = 150.5)))
add("stats.weights.rake", 'weights(rake(des, list(~sex, ~school), list(data.frame(sex = 1:2, Freq = 150.5), data.frame(school = c("Pasteur", "Grant-White"), Freq = 150.5))))',
    weights(hs_rk)[HS$sex == 1 & HS$school == "Grant-White"][1])

# --- drivers ---------------------------------------------------------------------------------------
sc <- data.frame(SAT = SAT, IMAG = rowMeans(ecsi[, paste0("imag", 1:5)]), EXPE = rowMeans(ecsi[, paste0("expe", 1:5)]),
                 QUAL = rowMeans(ecsi[, paste0("qual", 1:5)]), VAL = rowMeans(ecsi[, paste0("val", 1:4)]))
lmfit <- lm(scale(SAT) ~ scale(IMAG) + scale(EXPE) + scale(QUAL) + scale(VAL), data = sc)
add("stats.drivers.key_drivers", 'summary(lm(SAT ~ IMAG + EXPE + QUAL + VAL, sc))$r.squared', summary(lmfit)$r.squared)
add("stats.drivers.key_drivers", 'coef(lm(scale(SAT) ~ scale(IMAG) + ..., sc))["scale(VAL)"]', coef(lmfit)[["scale(VAL)"]])

# --- servqual, waves, ipma, segments ---------------------------------------------------------------
pt <- t.test(ecsi$qual1, ecsi$expe1, paired = TRUE)
add("stats.servqual.gaps", 't.test(ecsi$qual1, ecsi$expe1, paired = TRUE)$estimate', pt$estimate)
add("stats.servqual.gaps", 't.test(ecsi$qual1, ecsi$expe1, paired = TRUE)$statistic', pt$statistic)
wave <- rep(c("W1", "W2", "W3"), c(80, 85, 85))
w23 <- t.test(SAT[wave == "W3"], SAT[wave == "W2"])
add("stats.tracking.wave_tables", '10 * (mean(SAT[wave == "W3"]) - mean(SAT[wave == "W2"]))', 10 * (mean(SAT[wave == "W3"]) - mean(SAT[wave == "W2"])))
add("stats.tracking.wave_tables", 't.test(SAT[wave == "W3"], SAT[wave == "W2"])$statistic', w23$statistic)
add("stats.segments.segment_groups", 'chisq.test(table(ecsi$gender, ecsi$sat1 >= 8), correct = FALSE)$statistic',
    chisq.test(table(ecsi$gender, ecsi$sat1 >= 8), correct = FALSE)$statistic)
add("sem.ipma.performance_index", '10 * mean(rowMeans(ecsi[, paste0("sat", 1:4)]))', 10 * mean(SAT))
add("sem.ipma.performance_index", '10 * mean(rowMeans(ecsi[, paste0("imag", 1:5)]))', 10 * mean(sc$IMAG))

# --- the statistics behind the tables (second batch) ------------------------------------------------
add("stats.reliability.alpha_stats", 'psych::alpha(HS[, c("x1","x2","x3")])$total$raw_alpha', a_vis$total$raw_alpha)
add("stats.reliability.alpha_stats", 'psych::alpha(HS[, c("x1","x2","x3")])$feldt$lower.ci', a_vis$feldt$lower.ci)
add("stats.reliability.alpha_stats", 'psych::alpha(HS[, c("x1","x2","x3")])$total[["G6(smc)"]]', a_vis$total[["G6(smc)"]])
add("stats.reliability.omega", 'semTools::reliability(fit)["omega", "textual"]', rel["omega", "textual"])
add("stats.reliability.ave", 'semTools::AVE(fit)["speed"]', ave["speed"])
add("stats.factor.kmo", 'psych::KMO(HS[, paste0("x", 1:9)])$MSAi["x1"]', psych::KMO(X)$MSAi["x1"])
add("stats.factor.bartlett_sphericity", 'psych::cortest.bartlett(cor(HS[, paste0("x", 1:9)]), n = 301)$chisq', psych::cortest.bartlett(cor(X), n = 301)$chisq)
add("stats.factor.efa", 'psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$loadings["x1", 2]', fa3$loadings["x1", 2])
add("stats.descriptives.holm", 'p.adjust(c(0.01, 0.04, 0.03), "holm")[1]', p.adjust(c(0.01, 0.04, 0.03), "holm")[1])
add("stats.descriptives.mean_ci", 't.test(SAT)$conf.int[1]', t.test(SAT)$conf.int[1])
add("stats.descriptives.welch_t", 't.test(SAT ~ gender, data = ecsi)$statistic', wt$statistic)
mw <- suppressWarnings(wilcox.test(SAT ~ gender, data = ecsi))
add("stats.descriptives.mann_whitney", 'wilcox.test(SAT ~ gender, data = ecsi)$statistic', mw$statistic)
add("stats.descriptives.mann_whitney", 'wilcox.test(SAT ~ gender, data = ecsi)$p.value', mw$p.value)
image <- cut(ecsi$imag1, c(-1, 6, 8, 10))
add("stats.descriptives.welch_anova", 'oneway.test(SAT ~ image, var.equal = FALSE)$statistic', oneway.test(SAT ~ image, var.equal = FALSE)$statistic)
add("stats.descriptives.kruskal_wallis", 'kruskal.test(SAT ~ image)$statistic', kruskal.test(SAT ~ image)$statistic)
add("stats.descriptives.chi_square", 'chisq.test(table(ecsi$gender, image))$statistic', chisq.test(table(ecsi$gender, image))$statistic)

# JSON written by hand (jsonlite is not installed here): numbers with 17 significant digits
esc <- function(x) gsub('"', '\\"', x, fixed = TRUE)
rows <- vapply(out, function(e) sprintf('  {"func": "%s", "r_call": "%s", "value": %s}', e$func, esc(e$r_call),
                                        formatC(e$value, digits = 17, format = "g")), "")
writeLines(c("[", paste(rows, collapse = ",\n"), "]"), "docstring_examples.json")
cat("wrote docstring_examples.json\n")
