# Reference for csat.sem.pls.predict.cut_folds: R's cut(seq(1, n), breaks = k), which seminr's predict_pls uses to
# cut the shuffled rows into k folds (R seminr feature_plspredict.R).  Base R only (r-base-core 4.x, Debian).
#     Rscript tests/reference/pls_predict_cut_R.R > tests/reference/pls_predict_cut_R.json
cases <- list(c(10, 3), c(250, 10), c(344, 7), c(11, 11), c(101, 2), c(37, 5))
out <- sapply(cases, function(x) {
  f <- as.integer(cut(seq(1, x[1]), breaks = x[2]))
  sprintf('  {"n": %d, "k": %d, "fold": [%s]}', x[1], x[2], paste(f, collapse = ", "))
})
cat(sprintf('{\n "_source": "%s, base R cut(seq(1, n), breaks = k); tests/reference/pls_predict_cut_R.R",\n "cases": [\n%s\n ]\n}\n',
            R.version.string, paste(out, collapse = ",\n")))
