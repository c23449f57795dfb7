# Reference values for csat.stats.drivers on R's swiss data (datasets::swiss, 47 x 6; Fertility on the
# other five), the example of Groemping (2006, J. Stat. Softw. 17(1), relaimpo).
# Made with R 4.2.2 (base stats only; relaimpo is not installable here: not in Debian, CRAN unreachable):
#   Rscript tests/reference/drivers_lmg.R       (run from the project root)
# - standardized betas and their p-values: lm() on scale()d variables;
# - VIF_j = 1 / (1 - R^2 of predictor j on the others), each R^2 from lm();
# - LMG by its definition (Lindeman, Merenda & Gold 1980; relaimpo type "lmg"): the increase in
#   R^2 (summary(lm())$r.squared) when a predictor joins, averaged over all 5! = 120 orders of entry;
# - Johnson's (2000) relative weights from eigen() of the predictors' correlation matrix.
# LMG is checked independently with PyPI dominance-analysis 1.1.9 (tests/reference/drivers_lmg_dominance.py).
# Output: tests/reference/drivers_lmg.json (also holds the data, so the tests need no R).
d <- datasets::swiss
y <- "Fertility"
xs <- setdiff(names(d), y)
r2 <- function(vars) if (length(vars) == 0) 0 else summary(lm(reformulate(vars, y), data = d))$r.squared
perms <- function(v) if (length(v) <= 1) list(v) else do.call(c, lapply(seq_along(v), function(i) lapply(perms(v[-i]), function(p) c(v[i], p))))
orders <- perms(xs)
lmg <- setNames(numeric(length(xs)), xs)
for (o in orders) for (i in seq_along(o)) lmg[o[i]] <- lmg[o[i]] + r2(o[seq_len(i)]) - r2(o[seq_len(i - 1)])
lmg <- lmg / length(orders)
z <- as.data.frame(scale(d))
fit <- summary(lm(reformulate(xs, y), data = z))
beta <- coef(fit)[xs, "Estimate"]; pval <- coef(fit)[xs, "Pr(>|t|)"]
vif <- sapply(xs, function(x) 1 / (1 - summary(lm(reformulate(setdiff(xs, x), x), data = d))$r.squared))
R <- cor(d[, xs]); rxy <- cor(d[, xs], d[, y])[, 1]
e <- eigen(R, symmetric = TRUE)
L <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
bstar <- solve(L, rxy)
rw <- as.numeric((L^2) %*% bstar^2)
names(rw) <- xs
named <- function(v) paste0("{", paste(sprintf('"%s": %.17g', names(v), v), collapse = ", "), "}")
col <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
txt <- c("{",
  sprintf('  "tool": "R %s, base stats (lm, eigen)",', getRversion()),
  sprintf('  "target": "%s", "predictors": [%s],', y, paste(sprintf('"%s"', xs), collapse = ", ")),
  sprintf('  "r2": %.17g,', r2(xs)),
  sprintf('  "lmg": %s,', named(lmg)),
  sprintf('  "beta": %s,', named(beta)),
  sprintf('  "pvalue": %s,', named(pval)),
  sprintf('  "vif": %s,', named(vif)),
  sprintf('  "relative_weight": %s,', named(rw)),
  sprintf('  "data": {%s}', paste(sprintf('"%s": %s', names(d), sapply(d, col)), collapse = ", ")),
  "}")
writeLines(txt, "tests/reference/drivers_lmg.json")
cat("wrote tests/reference/drivers_lmg.json\n")
