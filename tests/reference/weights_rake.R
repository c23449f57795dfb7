# Reference values for csat.stats.weights (raking, weighted means and their SEs).
# Made with R 4 and survey 4.1-1 (survey::rake, survey::svymean) on this machine:
#   Rscript tests/reference/weights_rake.R        (run from the project root)
# Data: data/raw/demo.csv (all 600 raw rows, columns gender, age_band, region, nps, sat1), with
# made-up population margins (shares below; totals = share x 600, so the weights average 1).
# Output: tests/reference/weights_rake.json
suppressPackageStartupMessages(library(survey))

d <- read.csv("data/raw/demo.csv", stringsAsFactors = FALSE)
d$row <- seq_len(nrow(d))
N <- nrow(d)
shares <- list(
  gender = c(female = 0.50, male = 0.50),
  age_band = c("18-24" = 0.12, "25-34" = 0.18, "35-44" = 0.20, "45-54" = 0.22, "55+" = 0.28),
  region = c(North = 0.30, South = 0.25, East = 0.25, West = 0.20)
)
pop <- lapply(names(shares), function(v) {
  df <- data.frame(names(shares[[v]]), as.numeric(shares[[v]]) * N, stringsAsFactors = FALSE)
  names(df) <- c(v, "Freq")
  df
})
des <- svydesign(ids = ~1, data = d, weights = ~rep(1, N))
raked <- rake(des, sample.margins = list(~gender, ~age_band, ~region), population.margins = pop,
              control = list(maxit = 1000, epsilon = 1e-12, verbose = FALSE))
w <- as.numeric(weights(raked))

# weighted mean of nps (missing dropped) with the raked weights taken as fixed weights
# (svydesign with weights = w: with-replacement linearization SE, no calibration adjustment)
dd <- d
dd$w <- w
# (a design on the respondents who answered, not a domain of the full design: csat.stats.weights leaves
# non-respondents out, so n in the n/(n-1) factor is the number of answers)
d_nps <- dd[!is.na(dd$nps), ]
d_sat <- dd[!is.na(dd$sat1) & dd$sat1 >= 1 & dd$sat1 <= 10, ]
m_nps <- svymean(~nps, svydesign(ids = ~1, data = d_nps, weights = ~w))
m_sat <- svymean(~sat1, svydesign(ids = ~1, data = d_sat, weights = ~w))

out <- list(
  tool = paste("R", getRversion(), "survey", as.character(packageVersion("survey"))),
  shares = shares,
  weights = w,
  sum = sum(w),
  kish_neff = sum(w)^2 / sum(w^2),
  nps_mean = unname(coef(m_nps)), nps_se = unname(SE(m_nps)),
  sat1_mean = unname(coef(m_sat)), sat1_se = unname(SE(m_sat))
)
# JSON written by hand (jsonlite is not installed here): numbers with 17 significant digits
num <- function(x) if (length(x) == 1) sprintf("%.17g", x) else paste0("[", paste(sprintf("%.17g", x), collapse = ", "), "]")
named <- function(v) paste0("{", paste(sprintf('"%s": %.17g', names(v), v), collapse = ", "), "}")
txt <- c("{",
  sprintf('  "tool": "%s",', out$tool),
  sprintf('  "shares": {%s},', paste(sprintf('"%s": %s', names(shares), sapply(shares, named)), collapse = ", ")),
  sprintf('  "weights": %s,', num(out$weights)),
  sprintf('  "sum": %s, "kish_neff": %s,', num(out$sum), num(out$kish_neff)),
  sprintf('  "nps_mean": %s, "nps_se": %s,', num(out$nps_mean), num(out$nps_se)),
  sprintf('  "sat1_mean": %s, "sat1_se": %s', num(out$sat1_mean), num(out$sat1_se)),
  "}")
writeLines(txt, "tests/reference/weights_rake.json")
cat("wrote tests/reference/weights_rake.json\n")
