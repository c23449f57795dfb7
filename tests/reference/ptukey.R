# Reference values of the studentized range distribution's upper tail, P(Q_{k,df} > q), from base
# R's ptukey (the p-values of Games-Howell and Tukey HSD), for tests/stats/test_descriptives.py
# (csat.stats.descriptives.studentized_range_sf).  Run from this folder:  Rscript ptukey.R
# ptukey needs df >= 2. R uses the infinite-df distribution for df > 25000 (its own cut-off; csat does the same).
grid <- expand.grid(q = c(0.05, 0.5, 1, 2, 3, 3.5, 4, 5, 6, 8, 12, 20),
                    k = c(2, 3, 4, 5, 7, 10, 20),
                    df = c(2, 3, 4.5, 7, 12.3, 30, 100, 400, 5000, 30000, 1e6))
grid$sf <- ptukey(grid$q, grid$k, grid$df, lower.tail = FALSE)
out <- list(source = paste("base R", R.version.string, "ptukey(q, k, df, lower.tail = FALSE)"),
            q = grid$q, k = grid$k, df = grid$df, sf = grid$sf)
writeLines(jsonlite::toJSON(out, digits = I(15), auto_unbox = TRUE), "ptukey.json")
