# References of csat.stats.planning (tests/stats/test_planning.py).
# Produced with R 4.2.2 and Debian's r-cran-semtools 0.5.6 (semTools 0.5-6, lavaan 0.6-14), r-cran-jsonlite:
#   Rscript tests/reference/planning.R > tests/reference/planning.json
# Cochran's sample sizes and the allocations use base R only (qnorm); the RMSEA power and n are semTools'.
suppressMessages(library(semTools))
z <- qnorm(1 - (1 - 0.95) / 2)
fpc <- function(n0, N) if (is.null(N)) n0 else n0 / (1 + (n0 - 1) / N)
n_prop <- function(e, p = .5, N = NULL, deff = 1) fpc(deff * z^2 * p * (1 - p) / e^2, N)
n_mean <- function(e, sd, N = NULL, deff = 1) fpc(deff * z^2 * sd^2 / e^2, N)
m_prop <- function(n, p = .5, N = NULL, deff = 1) z * sqrt(deff * p * (1 - p) / n * (if (is.null(N)) 1 else (N - n) / (N - 1)))
m_mean <- function(n, sd, N = NULL, deff = 1) z * sqrt(deff * sd^2 / n * (if (is.null(N)) 1 else 1 - n / N))
strat_margin <- function(n, N, S, deff = 1) { W <- N / sum(N); z * sqrt(deff * sum(W^2 * (1 - n / N) * S^2 / n)) }
alloc <- function(n, N, method, S = rep(1, length(N)), mins = rep(0, length(N))) {
  w <- switch(method, proportional = N / sum(N), neyman = N * S / sum(N * S), equal = rep(1 / length(N), length(N)))
  exact <- n * w
  list(exact = exact, n = pmin(ceiling(pmax(exact, mins) - 1e-9), N))
}
N <- c(north = 6000, south = 3000, west = 1000)
S <- c(north = 18, south = 22, west = 30)
mins <- sapply(N, function(Nh) n_prop(.10, N = Nh))
out <- list(
  z = z,
  n_proportion = list(
    list(margin = .05, p = .5, N = NULL, deff = 1, n = n_prop(.05)),
    list(margin = .03, p = .5, N = NULL, deff = 1, n = n_prop(.03)),
    list(margin = .05, p = .2, N = NULL, deff = 1, n = n_prop(.05, .2)),
    list(margin = .05, p = .5, N = 2000, deff = 1, n = n_prop(.05, N = 2000)),
    list(margin = .04, p = .3, N = 10000, deff = 1.5, n = n_prop(.04, .3, 10000, 1.5))),
  n_mean = list(
    list(margin = 5, sd = 20, N = NULL, deff = 1, n = n_mean(5, 20)),
    list(margin = 2.5, sd = 20, N = NULL, deff = 1, n = n_mean(2.5, 20)),
    list(margin = 2, sd = 18, N = 5000, deff = 1.3, n = n_mean(2, 18, 5000, 1.3))),
  margin_proportion = list(
    list(n = 400, p = .5, N = NULL, deff = 1, margin = m_prop(400)),
    list(n = 400, p = .5, N = 2000, deff = 1.2, margin = m_prop(400, N = 2000, deff = 1.2))),
  margin_mean = list(
    list(n = 400, sd = 20, N = NULL, deff = 1, margin = m_mean(400, 20)),
    list(n = 300, sd = 20, N = 3000, deff = 1.5, margin = m_mean(300, 20, 3000, 1.5))),
  strata = list(N = as.list(N), S = as.list(S), minimum = as.list(mins),
    proportional = alloc(500, N, "proportional"),
    neyman = alloc(500, N, "neyman", S),
    equal = alloc(500, N, "equal"),
    proportional_min = alloc(500, N, "proportional", mins = mins),
    margin_proportional = strat_margin(alloc(500, N, "proportional")$n, N, rep(20, 3)),
    margin_neyman = strat_margin(alloc(500, N, "neyman", S)$n, N, S),
    margin_prop_p = strat_margin(alloc(500, N, "proportional", mins = mins)$n, N, sqrt(.25 * N / (N - 1)))),
  invitations = list(list(completes = 400, response = .25, valid = .9, n = ceiling(400 / (.25 * .9)))),
  rmsea_power = lapply(list(c(50, 200), c(8, 300), c(329, 600), c(24, 150), c(100, 80)), function(a)
    list(df = a[1], n = a[2], power = findRMSEApower(.05, .08, a[1], a[2], alpha = .05))),
  rmsea_power_notclose = list(df = 50, n = 400, power = findRMSEApower(.05, .01, 50, 400)),
  rmsea_n = lapply(c(50, 8, 329, 24, 2, 1000), function(df)
    list(df = df, power = .8, n = findRMSEAsamplesize(.05, .08, df, power = .8))),
  rmsea_n_90 = list(df = 30, power = .9, n = findRMSEAsamplesize(.05, .08, 30, power = .9))
)
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "\n")
