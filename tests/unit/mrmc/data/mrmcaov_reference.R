suppressMessages({library(tibble); library(progress); library(methods)})
for (f in list.files("R", full.names = TRUE)) sys.source(f, envir = globalenv())
options(digits = 12, width = 250)
rd <- function(name) read.csv(paste0(name, ".csv"), colClasses = c("character","character","character","integer","numeric"))
show <- function(label, est) {
  cat("=====", label, " design", est$design, "\n")
  s <- summary(est)
  print(s$vcov_comps); print(s$test_equality); print(s$test_diffs); print(s$test_means)
  if (!is.null(s$reader_test_diffs)) print(s$reader_test_diffs)
}
# The CSVs are the Van Dyke data cut by tests/unit/mrmc/conftest.py (split_plot,
# partially_paired, nested_in_readers -> nested_readers.csv); vandyke_bin4.csv has
# rating := (rating >= 4). Run: Rscript mrmcaov_reference.R in a folder holding MRMCaov R/
# (commit d79e49b) and those CSVs.
for (name in c("split_plot", "partially_paired", "nested_readers")) {
  d <- rd(name)
  e <- mrmc(empirical_auc(truth, rating), modality, reader, case, data = d)
  show(paste(name, "RRRC"), e)
  write.csv(unclass(e$cov), paste0(name, "_cov.csv"))
  show(paste(name, "FRRC"), mrmc(empirical_auc(truth, rating), modality, fixed(reader), case, data = d))
  r <- try(mrmc(empirical_auc(truth, rating), modality, reader, case, data = d, cov = DeLong))
}
d <- rd("vandyke_bin4")
show("vandyke sens>=4 RRRC", mrmc(binary_sens(truth, rating), modality, reader, case, data = d))
show("vandyke spec<4 RRRC", mrmc(binary_spec(truth, rating), modality, reader, case, data = d))
d <- rd("vandyke")
e <- mrmc(empirical_auc(truth, rating, partial = "specificity", min = 0.8, max = 1), modality, reader, case, data = d)
print(e$data)
show("vandyke pAUC FPF 0-0.2 RRRC", e)
d <- rd("partially_paired")
show("pp pAUC FPF 0-0.2 RRRC", mrmc(empirical_auc(truth, rating, partial = "specificity", min = 0.8, max = 1), modality, reader, case, data = d))
