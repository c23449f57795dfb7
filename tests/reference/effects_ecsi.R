# Reference values for tests/sem/test_effects.py: direct, indirect and total effects (raw and
# standardized) of the ECSI model and the political-democracy model, computed with lavaan, and
# lavaan's percentile bootstrap interval rule (boot:::norm.inter, used by parameterEstimates with
# boot.ci.type = "perc") on deterministic vectors.
# Run from this folder:  Rscript effects_ecsi.R   (needs ../../../shared)
library(lavaan)
library(jsonlite)
shared <- normalizePath(file.path("..", "..", "..", "shared"))

effects_of <- function(fit) {
  B <- lavInspect(fit, "est")$beta
  lv <- rownames(B)
  k <- nrow(B)
  total <- solve(diag(k) - B) - diag(k)
  ind <- total - B
  sd <- sqrt(diag(lavInspect(fit, "cov.lv")))
  std <- function(M) M * outer(1 / sd, sd)
  rows <- list()
  for (i in seq_len(k)) for (j in seq_len(k)) {
    if (i != j && abs(total[i, j]) > 1e-12)
      rows[[length(rows) + 1]] <- list(from = lv[j], to = lv[i], direct = B[i, j], indirect = ind[i, j],
                                       total = total[i, j], std.direct = std(B)[i, j],
                                       std.indirect = std(ind)[i, j], std.total = std(total)[i, j])
  }
  rows
}
defined_of <- function(fit) {
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  d <- pe[pe$op == ":=", ]
  lapply(seq_len(nrow(d)), function(r) list(name = d$lhs[r], est = d$est[r],
                                            std.all = ss$est.std[ss$op == ":=" & ss$lhs == d$lhs[r]]))
}

# ECSI (mobile phone provider, plspm), template without complaints, with labelled paths
ecsi <- read.csv(file.path(shared, "datasets", "ecsi_satisfaction.csv"))
ecsi_model <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
EXPE ~ e1*IMAG
QUAL ~ q1*EXPE
VAL ~ v1*EXPE + v2*QUAL
SAT ~ s1*IMAG + s2*EXPE + s3*QUAL + s4*VAL
LOY ~ l1*IMAG + l2*SAT
ind_IMAG_SAT := e1*s2 + e1*q1*s3 + e1*v1*s4 + e1*q1*v2*s4
tot_EXPE_SAT := s2 + q1*s3 + v1*s4 + q1*v2*s4
ind_QUAL_LOY := v2*s4*l2 + s3*l2
"
fit_e <- sem(ecsi_model, data = ecsi)
# political democracy (Bollen 1989), lavaan's tutorial model with the indirect effect defined
pdm <- read.csv(file.path(shared, "datasets", "political_democracy.csv"))
pd_model <- "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8\nind := a*b\ntotal := c + a*b"
fit_p <- sem(pd_model, data = pdm)

# percentile rule on deterministic draws t_i = sin(i^1.3) + i/1000, i = 1..R
# lavaan defines the same function inside parameterEstimates (copied from boot)
norm_inter <- boot:::norm.inter
perc <- list()
for (R in c(50, 199, 200, 999, 1000)) for (level in c(0.90, 0.95)) {
  t <- sin((1:R)^1.3) + (1:R) / 1000
  q <- norm_inter(t, (1 + c(-level, level)) / 2)
  perc[[length(perc) + 1]] <- list(R = R, level = level, lower = q[1, 2], upper = q[2, 2])
}

out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            ecsi = list(model = ecsi_model, n = nrow(ecsi), converged = lavInspect(fit_e, "converged"),
                        effects = effects_of(fit_e), defined = defined_of(fit_e)),
            political_democracy = list(model = pd_model, effects = effects_of(fit_p), defined = defined_of(fit_p)),
            percentile = perc)
write_json(out, "effects_ecsi.json", digits = 12, auto_unbox = TRUE, pretty = TRUE)
cat("wrote effects_ecsi.json\n")
