# Reference values for tests/stats/test_descriptives.py, computed with base R and psych on the ECSI data.
# Run from tests/reference/:  Rscript descriptives_ecsi.R   (writes descriptives_ecsi.json)
# Needs Debian packages: r-base-core r-cran-psych r-cran-jsonlite
suppressPackageStartupMessages({library(psych); library(jsonlite)})
d <- read.csv("../../../shared/datasets/ecsi_satisfaction.csv")
items <- setdiff(names(d), "gender")
cons <- list(IMAG = paste0("imag", 1:5), EXPE = paste0("expe", 1:5), QUAL = paste0("qual", 1:5),
             VAL = paste0("val", 1:4), SAT = paste0("sat", 1:4), LOY = paste0("loy", 1:4))
# item statistics: sd (n-1), skew/kurtosis type 2 = G1/G2 (SPSS, pandas)
item_stats <- lapply(items, function(i) { x <- d[[i]]; list(item = i, mean = mean(x), sd = sd(x), median = median(x),
  skew = psych::skew(x, type = 2), kurtosis = psych::kurtosi(x, type = 2),
  top2 = mean(x >= 9), bottom2 = mean(x <= 1)) })
# construct scores: row means (no missing values in the file)
sc <- as.data.frame(lapply(cons, function(v) rowMeans(d[, v])))
idx <- function(m) 100 * (m - 0) / (10 - 0)
cstats <- lapply(names(cons), function(c) { x <- sc[[c]]; tt <- t.test(x)
  list(construct = c, n = length(x), mean = mean(x), sd = sd(x), ci.lower = tt$conf.int[1], ci.upper = tt$conf.int[2],
       index = idx(mean(x)), index.ci.lower = idx(tt$conf.int[1]), index.ci.upper = idx(tt$conf.int[2])) })
# construct score with missing answers: at least half of the items answered
dm <- d; dm$sat2[1:10] <- NA; dm$sat3[1:5] <- NA; dm$sat4[1:3] <- NA
satm <- rowMeans(dm[, cons$SAT], na.rm = TRUE); satm[rowSums(!is.na(dm[, cons$SAT])) < 2] <- NA
ttm <- t.test(satm)
sat_missing <- list(n = sum(!is.na(satm)), mean = mean(satm, na.rm = TRUE), sd = sd(satm, na.rm = TRUE),
                    ci.lower = ttm$conf.int[1], ci.upper = ttm$conf.int[2], first6 = satm[1:6])
# two groups: gender (female - male)
hedges <- function(x, y) { nx <- length(x); ny <- length(y); v <- nx + ny - 2
  sp <- sqrt(((nx - 1) * var(x) + (ny - 1) * var(y)) / v)
  J <- exp(lgamma(v / 2) - log(sqrt(v / 2)) - lgamma((v - 1) / 2)); (mean(x) - mean(y)) / sp * J }
f <- d$gender == "female"; m <- d$gender == "male"
two <- lapply(names(cons), function(c) { x <- sc[[c]][f]; y <- sc[[c]][m]
  tt <- t.test(x, y); w <- suppressWarnings(wilcox.test(x, y))
  list(construct = c, t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value, g = hedges(x, y),
       W = unname(w$statistic), p_w = w$p.value, rbc = 2 * unname(w$statistic) / (length(x) * length(y)) - 1) })
p_t <- sapply(two, `[[`, "p"); p_w <- sapply(two, `[[`, "p_w")
# three groups: seg = imag1 in [0,6], (6,8], (8,10]
seg <- cut(d$imag1, c(-1, 6, 8, 10), labels = c("low", "mid", "high"))
three <- lapply(names(cons), function(c) { y <- sc[[c]]
  ow <- oneway.test(y ~ seg, var.equal = FALSE); kw <- kruskal.test(y ~ seg)
  a <- anova(lm(y ~ seg)); ssb <- a[1, "Sum Sq"]; msw <- a[2, "Mean Sq"]; sst <- sum(a[, "Sum Sq"])
  n <- length(y)
  # Games-Howell by hand with the studentized range distribution
  lv <- levels(seg); gh <- list()
  for (i in 1:2) for (j in (i + 1):3) { xi <- y[seg == lv[i]]; xj <- y[seg == lv[j]]
    a1 <- var(xi) / length(xi); b1 <- var(xj) / length(xj); se <- sqrt(a1 + b1)
    tt <- (mean(xi) - mean(xj)) / se; dfw <- (a1 + b1)^2 / (a1^2 / (length(xi) - 1) + b1^2 / (length(xj) - 1))
    gh[[length(gh) + 1]] <- list(A = lv[i], B = lv[j], diff = mean(xi) - mean(xj), se = se, t = tt, df = dfw,
      p = ptukey(abs(tt) * sqrt(2), 3, dfw, lower.tail = FALSE), g = hedges(xi, xj)) }
  list(construct = c, F = unname(ow$statistic), df1 = unname(ow$parameter[1]), df2 = unname(ow$parameter[2]),
       p = ow$p.value, omega2 = (ssb - 2 * msw) / (sst + msw), H = unname(kw$statistic), p_kw = kw$p.value,
       eps2 = unname(kw$statistic) / ((n^2 - 1) / (n + 1)), games_howell = gh) })
p_f <- sapply(three, `[[`, "p"); p_kw <- sapply(three, `[[`, "p_kw")
ch <- chisq.test(table(d$gender, seg), correct = FALSE)
chi <- list(chisq = unname(ch$statistic), df = unname(ch$parameter), p = ch$p.value,
            V = sqrt(unname(ch$statistic) / (nrow(d) * (min(2, 3) - 1))))
# small samples without ties: exact Wilcoxon p-value
xs <- c(1.1, 2.3, 3.5, 4.2, 5.9, 7.4); ys <- c(0.3, 0.8, 1.7, 2.9, 3.1)
wx <- wilcox.test(xs, ys)
# NPS on loy2 (0-10 recommend-type item), by hand; multinomial Wald interval
x <- d$loy2; pp <- mean(x >= 9); pd <- mean(x <= 6); n <- length(x)
se <- sqrt((pp + pd - (pp - pd)^2) / n)
nps <- list(n = n, p_promoters = pp, p_detractors = pd, nps = 100 * (pp - pd), se = 100 * se,
            ci.lower = 100 * (pp - pd - qnorm(0.975) * se), ci.upper = 100 * (pp - pd + qnorm(0.975) * se))
out <- list(versions = list(R = R.version.string, psych = as.character(packageVersion("psych"))),
  items = item_stats, constructs = cstats, sat_missing = sat_missing,
  two_groups = two, p_holm_welch_t = p.adjust(p_t, "holm"), p_holm_mann_whitney = p.adjust(p_w, "holm"),
  three_groups = three, p_holm_welch_anova = p.adjust(p_f, "holm"), p_holm_kruskal = p.adjust(p_kw, "holm"),
  chisq_gender_seg = chi, wilcox_exact = list(x = xs, y = ys, W = unname(wx$statistic), p = wx$p.value),
  pearson = cor(sc), spearman = cor(sc, method = "spearman"),
  cor_test_sat_loy = list(pearson_p = cor.test(sc$SAT, sc$LOY)$p.value,
                          spearman_p = suppressWarnings(cor.test(sc$SAT, sc$LOY, method = "spearman", exact = FALSE)$p.value)),
  nps_loy2 = nps)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "descriptives_ecsi.json")
