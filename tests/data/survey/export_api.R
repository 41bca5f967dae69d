# Export R survey's `api` data sets (California Academic Performance Index, survey 4.1.1)
# to small CSV fixtures for tests/test_survey*.py.  Run from this directory:
#   Rscript export_api.R
suppressMessages(library(survey))
data(api)
keep <- c("snum", "dnum", "cnum", "cname", "stype", "sch.wide", "comp.imp", "awards",
          "yr.rnd", "api00", "api99", "target", "growth", "meals", "ell", "mobility",
          "acs.k3", "avg.ed", "full", "emer", "enroll", "api.stu", "pw", "fpc")
write.csv(apistrat[, keep], "apistrat.csv", row.names = FALSE, na = "")
write.csv(apiclus1[, keep], "apiclus1.csv", row.names = FALSE, na = "")
write.csv(apisrs[, keep], "apisrs.csv", row.names = FALSE, na = "")

# Bootstrap replicate weights of the one-stage cluster design (Canty-Davison, R's
# bootweights).  R's random draws cannot be reproduced in Python, so the tests feed these
# draws to toolkit.survey.ReplicateDesign and compare with R on the same replicates.
# Stored compressed: one row per PSU (district dnum), one column per replicate, holding
# the number of times the PSU was drawn; analysis weight = pw * count.
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
set.seed(42)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
counts <- boot$repweights$weights
psu <- apiclus1$dnum[!duplicated(boot$repweights$index)][order(unique(boot$repweights$index))]
write.csv(data.frame(dnum = psu, counts), "boot_clus1_counts.csv", row.names = FALSE)
cat("bootstrap scale:", format(boot$scale, digits = 15), "\n")
