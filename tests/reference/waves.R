# Reference values for csat.stats.tracking (index and NPS per wave, tests of change, Holm adjustment).
# Made with R 4 (stats: t.test, prop.test, p.adjust):  Rscript tests/reference/waves.R  (from the project root)
# Data: the ECSI survey (../shared/datasets/ecsi_satisfaction.csv, 1-10 items) cut into three pseudo-waves by
# row (rows 1-80 "W1", 81-165 "W2", 166-250 "W3"); constructs sat = mean(sat1..sat4), val = mean(val1..val4);
# loy1 (1-10) stands in for the 0-10 recommend question.
d <- read.csv("../shared/datasets/ecsi_satisfaction.csv")
d$wave <- rep(c("W1", "W2", "W3"), c(80, 85, 85))
d$sat <- rowMeans(d[, paste0("sat", 1:4)])
d$val <- rowMeans(d[, paste0("val", 1:4)])
k <- 100 / 9
idx <- function(m) 100 * (m - 1) / 9
num <- function(v) ifelse(is.na(v), "null", formatC(v, digits = 15, format = "g"))
per_wave <- c(); changes <- c()
for (w in c("W1", "W2", "W3")) for (c in c("sat", "val")) {
  x <- d[d$wave == w, c]; ci <- t.test(x)$conf.int
  per_wave <- c(per_wave, sprintf('{"wave": "%s", "construct": "%s", "n": %d, "estimate": %s, "ci.lower": %s, "ci.upper": %s}',
                                  w, c, length(x), num(idx(mean(x))), num(idx(ci[1])), num(idx(ci[2]))))
}
pairs <- list(c("W1", "W2"), c("W2", "W3"), c("W1", "W3"))
p_index <- c(); p_nps <- c(); rows_index <- c(); rows_nps <- c()
for (pr in pairs) {
  for (c in c("sat", "val")) {
    tt <- t.test(d[d$wave == pr[2], c], d[d$wave == pr[1], c])
    p_index <- c(p_index, tt$p.value)
    rows_index <- c(rows_index, sprintf('"measure": "index", "construct": "%s", "from": "%s", "to": "%s", "change": %s, "ci.lower": %s, "ci.upper": %s, "statistic": %s, "df": %s, "pvalue": %s',
      c, pr[1], pr[2], num(k * unname(tt$estimate[1] - tt$estimate[2])), num(k * tt$conf.int[1]), num(k * tt$conf.int[2]),
      num(unname(tt$statistic)), num(unname(tt$parameter)), num(tt$p.value)))
  }
  a <- d$loy1[d$wave == pr[1]]; b <- d$loy1[d$wave == pr[2]]
  for (part in c("promoters", "detractors")) {
    ca <- if (part == "promoters") sum(a >= 9) else sum(a <= 6)
    cb <- if (part == "promoters") sum(b >= 9) else sum(b <= 6)
    pt <- prop.test(c(cb, ca), c(length(b), length(a)), correct = FALSE)
    p_nps <- c(p_nps, pt$p.value)
    rows_nps <- c(rows_nps, sprintf('"measure": "%s", "construct": "", "from": "%s", "to": "%s", "change": %s, "statistic_sq": %s, "pvalue": %s',
      part, pr[1], pr[2], num(100 * (cb / length(b) - ca / length(a))), num(unname(pt$statistic)), num(pt$p.value)))
  }
}
h_index <- p.adjust(p_index, "holm")
rows_index <- paste0("{", rows_index, ', "p.holm": ', num(h_index), "}")
# the NPS family also holds the Wald test of the NPS change, computed in Python; Holm over the
# two-proportion tests alone is given for the check of the adjustment routine on this subset
h_nps <- p.adjust(p_nps, "holm")
rows_nps <- paste0("{", rows_nps, ', "p.holm.props": ', num(h_nps), "}")
out <- paste0('{"source": "', R.version.string, ' stats::t.test, prop.test(correct = FALSE), p.adjust(holm)",\n',
              '"per_wave": [', paste(per_wave, collapse = ",\n"), '],\n',
              '"changes": [', paste(c(rows_index, rows_nps), collapse = ",\n"), ']}')
writeLines(out, "tests/reference/waves.json")
