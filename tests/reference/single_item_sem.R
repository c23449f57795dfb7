# Reference for tests/zhsurvey.py (REF): lavaan on the Chinese fixture tests/fixtures/zh_survey.csv
# (GBK, Chinese variable names) -- a SEM with a single-item construct (满意 =~ 满意度, whose
# residual variance lavaan fixes at 0: auto.fix.single) and the study's CFA (no structural part).
# Made with R 4.2.2 and lavaan 0.6-14 (JSON written by hand: jsonlite is not installed here;
# numbers with 15 significant digits, NA as null); run from the project root:
#   LC_ALL=C.UTF-8 Rscript tests/reference/single_item_sem.R
suppressPackageStartupMessages(library(lavaan))
js <- function(x) {                       # a minimal JSON writer: named lists, data frames, scalars
  if (is.data.frame(x)) return(paste0("[", paste(vapply(seq_len(nrow(x)), function(i)
    js(as.list(x[i, , drop = FALSE])), ""), collapse = ",\n"), "]"))
  if (is.list(x)) return(paste0("{", paste0('"', names(x), '": ', vapply(x, js, ""), collapse = ", "), "}"))
  if (length(x) != 1) return(paste0("[", paste(vapply(x, js, ""), collapse = ", "), "]"))
  if (is.na(x)) return("null")
  if (is.character(x)) return(paste0('"', gsub('"', '\\"', x), '"'))
  if (is.logical(x)) return(tolower(as.character(x)))
  formatC(x, digits = 15, format = "g")
}
invisible(Sys.setlocale("LC_ALL", "C.UTF-8"))
d <- read.csv("tests/fixtures/zh_survey.csv", fileEncoding = "GBK", check.names = FALSE)
fm_names <- c("npar","chisq","df","pvalue","cfi","tli","nfi","gfi","agfi","rmsea","rmsea.ci.lower",
              "rmsea.ci.upper","srmr","aic","bic","logl","ntotal")
ref <- function(model, fun) {
  fit <- fun(model, data = d)
  est <- parameterEstimates(fit); std <- standardizedSolution(fit)
  list(model = model, fit = as.list(fitMeasures(fit, fm_names)),
       estimates = data.frame(lhs = est$lhs, op = est$op, rhs = est$rhs, est = est$est, se = est$se,
                              z = est$z, pvalue = est$pvalue, std.all = std$est.std),
       r2 = as.list(lavInspect(fit, "r2")))
}
meas <- "服务 =~ 服务1 + 服务2 + 服务3\n价格 =~ 价格1 + 价格2 + 价格3\n满意 =~ 满意度\n忠诚 =~ 忠诚1 + 忠诚2 + 忠诚3\n"
sem_model <- paste0(meas, "满意 ~ 服务 + 价格\n忠诚 ~ 满意\n")
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            n = nrow(d), sem = ref(sem_model, sem), cfa = ref(meas, cfa))
out$sem$model <- gsub("\n", "\\n", out$sem$model, fixed = TRUE)
out$cfa$model <- gsub("\n", "\\n", out$cfa$model, fixed = TRUE)
con <- file("tests/reference/single_item_sem.json", encoding = "UTF-8")
writeLines(js(out), con)
close(con)
cat("wrote tests/reference/single_item_sem.json\n")
